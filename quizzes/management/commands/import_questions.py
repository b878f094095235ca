import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.models import Course, Topic
from quizzes import importing
from quizzes.formats.interchange import NotUTF8Error
from quizzes.models import Question

FORMAT_BY_SUFFIX = {".gift": "gift", ".txt": "gift", ".aiken": "aiken"}
PROGRESS_EVERY = 100


def find_course(slug: str | None) -> Course:
    """The course named by `slug`, or the only course when no slug is given."""
    if slug:
        course = Course.objects.filter(slug=slug).first()
        if course is None:
            raise CommandError(f"No course “{slug}”. Courses: {_course_list()}.")
        return course
    courses = list(Course.objects.order_by("slug")[:2])
    if not courses:
        raise CommandError("There is no course yet; load one first (manage.py load_course).")
    if len(courses) > 1:
        raise CommandError(f"Choose a course with --course. Courses: {_course_list()}.")
    return courses[0]


def find_topic(course: Course, slug: str) -> Topic:
    topic = course.topics.filter(slug=slug).first()
    if topic is None:
        known = ", ".join(course.topics.values_list("slug", flat=True)) or "none"
        raise CommandError(f"Course “{course.slug}” has no topic “{slug}”. Its topics: {known}.")
    return topic


def _course_list() -> str:
    return ", ".join(Course.objects.order_by("slug").values_list("slug", flat=True)) or "none"


class Command(BaseCommand):
    help = (
        "Import questions from a GIFT or Aiken file. The whole file is checked first: any "
        "error and nothing is imported. Saving runs in short transactions, so learners are "
        "never blocked. Questions with a known [id:…] are updated in place."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--format",
            choices=["gift", "aiken"],
            help="Default: from the extension (.gift or .txt: GIFT, .aiken: Aiken), else GIFT.",
        )
        parser.add_argument(
            "--course", help="Course slug; may be left out when there is only one course."
        )
        parser.add_argument(
            "--topic",
            help="Topic slug: put every question in this topic instead of placing each by "
            "its $CATEGORY.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read and check everything and say what would change; write nothing.",
        )

    def handle(self, file, format, course, topic, dry_run, **options):
        path = Path(file)
        fmt = format or FORMAT_BY_SUFFIX.get(path.suffix.lower(), "gift")
        course = find_course(course)
        topic = find_topic(course, topic) if topic else None
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None

        started = time.perf_counter()
        try:
            plan = importing.plan_import(data, fmt, course=course, topic=topic)
        except NotUTF8Error as error:
            raise CommandError(f"{file}: {error} Nothing was imported.") from None
        for issue in sorted(plan.warnings, key=lambda issue: issue.line):
            self.stderr.write(f"{file}:{issue.line}: warning: {issue.message}", self.style.WARNING)
        for issue in sorted(plan.errors, key=lambda issue: issue.line):
            self.stderr.write(f"{file}:{issue.line}: {issue.message}", self.style.ERROR)
        if plan.errors:
            raise CommandError(f"{len(plan.errors)} error(s) in {file}; nothing was imported.")
        if not plan.questions:
            raise CommandError(f"{file} holds no questions; nothing was imported.")

        if dry_run:
            self._report_dry_run(file, plan, time.perf_counter() - started)
            return
        self.stdout.write(f"{file}: {len(plan.questions)} questions read and checked; saving …")
        counts = importing.save_plan(plan, course=course, progress=self._progress)
        elapsed = time.perf_counter() - started
        rate = len(plan.questions) / elapsed if elapsed else float("inf")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(plan.questions)} questions into {course.slug}: "
                f"{counts['created']} created, {counts['updated']} updated, in {elapsed:.2f} s "
                f"({rate:,.0f} questions per second)."
            )
        )

    def _progress(self, done: int, total: int) -> None:
        if done % PROGRESS_EVERY == 0 and done < total:
            self.stdout.write(f"  {done} of {total} saved ({done / total:.0%})")

    def _report_dry_run(self, file: str, plan: importing.ImportPlan, elapsed: float) -> None:
        updates = importing.existing_idnumbers(plan)
        kinds = dict(Question.Kind.choices)
        created = 0
        for q, topic in zip(plan.questions, plan.topics, strict=True):
            update = bool(q.idnumber) and q.idnumber in updates
            created += not update
            title = (q.title or q.text)[:60]
            self.stdout.write(
                f"{file}:{q.line}: would {'update' if update else 'create'} "
                f"{kinds.get(q.kind, q.kind)} “{title}” in {topic.slug}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Dry run: {len(plan.questions)} questions checked in {elapsed:.2f} s; "
                f"{created} would be created and {len(plan.questions) - created} updated. "
                "Nothing was written."
            )
        )
