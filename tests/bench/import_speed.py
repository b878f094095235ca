"""How fast questions are read and imported: a generated GIFT file of every kind.

    .venv/bin/python tests/bench/import_speed.py [--questions 1000] [--repeat 5]

Measures (a) parsing alone and (b) the full import the `import_questions` command and the
admin run (parse, check against the course, save in one transaction), once creating every
question and once updating them all in place by ID number. It runs against a throwaway SQLite
database in a temporary directory; the project's own database is never touched.
"""

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("single", "multiple", "truefalse", "short", "numerical", "matching")


def setup_django(folder: Path) -> None:
    os.environ.pop("DATABASE_URL", None)
    os.environ["STUDYHUB_SQLITE_PATH"] = str(folder / "bench.sqlite3")
    # Debug off, so Django does not keep every query in memory and slow the import down.
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-" + "x" * 40)
    os.environ["DJANGO_SETTINGS_MODULE"] = "studyhub.settings"
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def answers_for(kind: str, n: int):
    from quizzes.formats.interchange import AnswerData

    if kind == "single":
        return [
            AnswerData(text=f"Right answer {n}", fraction=1, feedback="Yes: that is the one."),
            AnswerData(text=f"Wrong answer {n}", feedback="No.", misconception="mixes up terms"),
            AnswerData(text="Another wrong answer", feedback="No."),
            AnswerData(text="A third wrong answer"),
        ]
    if kind == "multiple":
        return [
            AnswerData(text="Equity research", fraction=0.5),
            AnswerData(text="Patent research", fraction=0.5),
            AnswerData(text="Data entry", fraction=-0.5, misconception="treats BPO as KPO"),
            AnswerData(text="Call handling", fraction=-0.5),
        ]
    if kind == "truefalse":
        return [
            AnswerData(text="True", fraction=1, feedback="Right."),
            AnswerData(text="False", feedback="LPO sits inside KPO."),
        ]
    if kind == "short":
        return [
            AnswerData(text="KPO", fraction=1),
            AnswerData(text="Knowledge process outsourcing", fraction=1),
            AnswerData(text="BPO", feedback="That is the older model."),
        ]
    if kind == "numerical":
        return [
            AnswerData(text=str(n), value=float(n), tolerance=0.5, fraction=1),
            AnswerData(text="*", value=None, feedback="Count again."),
        ]
    return [
        AnswerData(text="Payroll processing", match="BPO"),
        AnswerData(text="Equity research", match="KPO"),
        AnswerData(text="Contract review", match="LPO"),
        AnswerData(text="", match="RPO"),
    ]


def make_file(count: int, course, topics, lesson) -> bytes:
    from quizzes.formats import gift
    from quizzes.formats.interchange import QuestionData

    questions = []
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        topic = topics[n * len(topics) // count]  # grouped, as a real file would be
        questions.append(
            QuestionData(
                kind=kind,
                title=f"{kind} question {n}",
                text=f"Question **{n}** about outsourcing: which is right?",
                text_format="markdown",
                explanation=f"Explanation {n}: KPO needs judgement; BPO follows a process.",
                explanation_format="markdown",
                answers=answers_for(kind, n),
                tags=[f"tag-{n % 10}", kind],
                idnumber=f"bench-{n:05d}",
                category=f"$course$/{course.slug}/{topic.slug}",
                lesson=f"{lesson.slug}#first-section" if n % 3 == 0 else "",
            )
        )
    return gift.write_gift(questions).encode("utf-8")


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    """The best wall time of `repeat` runs, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5, help="parse runs (the best counts)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="studyhub-bench-") as folder:
        setup_django(Path(folder))
        import django

        from courses.models import Course, Lesson, Topic
        from quizzes import importing
        from quizzes.formats import gift
        from quizzes.models import Answer, Question

        course = Course.objects.create(slug="bench", title="Benchmark course")
        topics = [
            Topic.objects.create(course=course, slug=f"topic-{i}", title=f"Topic {i}", order=i)
            for i in range(3)
        ]
        lesson = Lesson.objects.create(
            topic=topics[0], slug="lesson", title="Lesson", body="## First section\n\nText.\n"
        )
        data = make_file(args.questions, course, topics, lesson)
        n = args.questions

        parse_time, parsed = timed(lambda: gift.parse_gift_bytes(data), args.repeat)
        assert not parsed.errors and len(parsed.questions) == n, parsed.errors[:3]

        def full_import():
            plan = importing.plan_import(data, "gift", course=course)
            assert plan.ok, plan.errors[:3]
            return importing.save_plan(plan, course=course)

        create_time, created = timed(full_import)
        assert created == {"created": n, "updated": 0}, created
        update_time, updated = timed(full_import)
        assert updated == {"created": 0, "updated": n}, updated
        assert Question.objects.count() == n

        print(
            f"StudyHub import benchmark: {n} GIFT questions ({len(KINDS)} kinds, "
            f"{len(data) / 1024:.0f} KiB, {Answer.objects.count()} answer rows)"
        )
        print(
            f"Python {platform.python_version()}, Django {django.get_version()}, "
            f"SQLite (temporary file), {platform.machine()}"
        )
        rows = [
            (f"parse only (best of {args.repeat})", parse_time),
            ("full import, creating every question", create_time),
            ("full import, updating every question", update_time),
        ]
        for label, seconds in rows:
            print(f"  {label:<40} {seconds:7.3f} s  {n / seconds:>9,.0f} questions/s")


if __name__ == "__main__":
    main()
