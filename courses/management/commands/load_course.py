from django.core.management.base import BaseCommand, CommandError

from courses.loader import AdminEditsError, CourseFileError, read_course, save_course


class Command(BaseCommand):
    help = "Load (or update in place) a course from its folder, e.g. fixtures/bpo-vs-kpo."

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument(
            "--check", action="store_true", help="Validate the files only; write nothing."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Overwrite lessons and questions edited in the admin since the last load.",
        )

    def handle(self, folder, check, force, **options):
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
        try:
            report = save_course(files, force=force)
        except AdminEditsError as error:
            for line in error.summary():
                self.stderr.write(f"  {line}")
            raise CommandError(
                f"{len(error.differences)} lessons or questions were edited in the admin since "
                "the last load, and these files would undo those edits (listed above); nothing "
                "was loaded. Keep the edits: run `manage.py export_course "
                f"{files.slug}` to write them to the files, then load again. Drop them: run "
                "load_course again with --force."
            ) from None
        for key in report.overwritten:
            self.stdout.write(self.style.WARNING(f"Overwrote the admin's edits to {key}"))
        for note in report.kept:
            self.stdout.write(self.style.WARNING(f"Kept {note}"))
        self.stdout.write(self.style.SUCCESS(report.summary()))
