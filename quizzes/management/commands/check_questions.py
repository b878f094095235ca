from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quizzes import importing, itemcheck, stats
from quizzes.formats.interchange import NotUTF8Error
from quizzes.management.commands.import_questions import FORMAT_BY_SUFFIX, find_course, find_topic
from quizzes.models import Question


class Command(BaseCommand):
    help = (
        "Check questions against item-writing guidelines (Haladyna, Downing and Rodriguez "
        "2002): GIFT/Aiken files without importing them, or the stored bank of a course. "
        "Prints one line per flag (file:line: rule-id: title: evidence — why), then a report "
        "on the whole bank. Exits non-zero when any flag is an error. Changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", metavar="FILE")
        parser.add_argument(
            "--format",
            choices=["gift", "aiken"],
            help="Default: from each file's extension (.aiken: Aiken, otherwise GIFT).",
        )
        parser.add_argument(
            "--course",
            help="Check this course's stored questions instead of files (lines are then "
            "question ids, prefixed by the topic's slug).",
        )
        parser.add_argument("--topic", help="With --course: only this topic's questions.")

    def handle(self, files, format, course, topic, **options):
        if bool(files) == bool(course):
            raise CommandError("Give either FILE… or --course SLUG.")
        if topic and not course:
            raise CommandError("--topic needs --course.")
        if course:
            found = find_course(course)
            questions = Question.objects.filter(topic__course=found)
            if topic:
                questions = questions.filter(topic=find_topic(found, topic))
            items, parse_errors = stats.bank_items(questions), []
        else:
            items, parse_errors = self.read(files, format)

        flags = itemcheck.check_bank(items)
        for line in parse_errors:
            self.stdout.write(line)
        for flag in flags:
            self.stdout.write(str(flag))
        report = itemcheck.bank_report(items, flags)
        self.stdout.write("")
        for line in report.lines():
            self.stdout.write(line)
        errors = report.errors + len(parse_errors)
        if errors:
            raise CommandError(f"{errors} error(s).", returncode=1)

    def read(self, files, fmt):
        items, parse_errors = [], []
        for name in files:
            path = Path(name)
            try:
                data = path.read_bytes()
            except OSError as error:
                raise CommandError(f"Cannot read {name}: {error.strerror}.") from None
            try:
                result = importing.parse(data, fmt or FORMAT_BY_SUFFIX.get(path.suffix, "gift"))
            except NotUTF8Error as error:
                parse_errors.append(f"{name}:0: parse-error: {error}")
                continue
            parse_errors += [f"{name}:{e.line}: parse-error: {e.message}" for e in result.errors]
            items += [itemcheck.Item(q, source=name, line=q.line) for q in result.questions]
        return items, parse_errors
