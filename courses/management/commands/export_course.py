from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.loader import export_course
from courses.models import Course


class Command(BaseCommand):
    help = "Write a course back to its files (the format load_course reads)."

    def add_arguments(self, parser):
        parser.add_argument("course", help="Course slug, e.g. bpo-vs-kpo")
        parser.add_argument(
            "-o", "--output", help="Folder to write (default: fixtures/<course-slug>)"
        )

    def handle(self, course, output, **options):
        found = Course.objects.filter(slug=course).first()
        if found is None:
            known = ", ".join(Course.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"No course “{course}”. Courses: {known}.")
        folder = Path(output or f"fixtures/{found.slug}")
        written = export_course(found, folder)
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(written)} files to {folder}."))
