from django.core.management.base import BaseCommand, CommandError

from courses.loader import CourseFileError, read_course, save_course


class Command(BaseCommand):
    help = "Load (or update in place) a course from its folder, e.g. fixtures/bpo-vs-kpo."

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument(
            "--check", action="store_true", help="Validate the files only; write nothing."
        )

    def handle(self, folder, check, **options):
        self.stdout.write(f"Reading {folder} …")
        try:
            files = read_course(folder)
        except CourseFileError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(error.problems)} problem(s) found; nothing was loaded."
            ) from None
        counts = (
            f"{len(files.topics)} topics, {len(files.lessons)} lessons, "
            f"{len(files.questions)} questions"
        )
        if check:
            self.stdout.write(self.style.SUCCESS(f"{folder} is valid: {counts}."))
            return
        self.stdout.write(f"Valid ({counts}); saving …")
        report = save_course(files)
        for note in report.kept:
            self.stdout.write(self.style.WARNING(f"Kept {note}"))
        self.stdout.write(self.style.SUCCESS(report.summary()))
