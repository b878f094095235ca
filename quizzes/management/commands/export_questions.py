from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quizzes import importing
from quizzes.management.commands.import_questions import find_course, find_topic
from quizzes.models import Question


class Command(BaseCommand):
    help = (
        "Export questions as GIFT or Aiken, to standard output or a file. Aiken holds only "
        "single-choice questions; the others are skipped and counted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=["gift", "aiken"])
        parser.add_argument("--course", help="Course slug (default: every course).")
        parser.add_argument(
            "--topic", help="Topic slug; needs --course when several courses exist."
        )
        parser.add_argument("-o", "--output", help="File to write (default: standard output).")

    def handle(self, format, course, topic, output, **options):
        questions = Question.objects.all()
        if course or topic:
            found = find_course(course)
            questions = questions.filter(topic__course=found)
            if topic:
                questions = questions.filter(topic=find_topic(found, topic))
        questions = questions.order_by("topic__course__slug", "topic__order", "topic", "pk")
        total = questions.count()
        try:
            text = importing.export_questions(questions, format)
        except ValueError as error:
            raise CommandError(f"Cannot export: {error}. Nothing was written.") from None
        written = (
            sum(line.startswith("ANSWER: ") for line in text.splitlines())
            if format == "aiken"
            else total
        )

        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
        # The summary goes to stderr when the questions go to stdout, so a pipe gets only them.
        report = self.stdout if output else self.stderr
        where = output or "standard output"
        report.write(f"Wrote {written} questions as {format.upper()} to {where}.")
        if written < total:
            report.write(
                self.style.WARNING(
                    f"Skipped {total - written} questions Aiken cannot hold (it has single-choice "
                    "questions with one right answer only)."
                )
            )
