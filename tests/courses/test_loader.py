import filecmp
import tomllib
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from courses import tomlfile
from courses.loader import CourseFileError, export_course, load_course, read_course
from courses.models import Course, GlossaryTerm, Lesson, Topic
from quizzes import attempts
from quizzes.models import Question, QuestionVersion, Quiz, Response
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

COURSE = """slug = "demo"
title = "Demo course"
summary = "A small course."

[[sources]]
key = "src"
title = "An article"
publisher = "A publisher"

[[topics]]
slug = "basics"
title = "Basics"
summary = "The basics."
key_points = ["One fact.", "Another fact.", "A third fact."]

[[quizzes]]
slug = "practise-basics"
title = "Practise basics"
mode = "practice"
topic = "basics"
draw_count = 1
"""
LESSON = """+++
topic = "basics"
slug = "first-lesson"
title = "First lesson"
order = 1
summary = "Where it starts."
sources = ["src"]
+++
Intro.

## The first idea

Text.
"""
GLOSSARY = """[[terms]]
term = "Business process outsourcing"
abbreviation = "BPO"
definition = "Handing routine work to an outside provider."
topic = "basics"
related = ["Knowledge process outsourcing"]

[[terms]]
term = "Knowledge process outsourcing"
abbreviation = "KPO"
definition = "Handing expert work to an outside provider."
topic = "basics"
related = ["Business process outsourcing"]
"""
FAQ = """[[entries]]
topic = "basics"
question = "What is BPO?"
answer = "Routine work done by a provider."
"""
GIFT = """$CATEGORY: demo/basics

// [id:basics-01] [tag:definitions]
// [lesson:first-lesson#the-first-idea] [misconception:2:guesses]
::Full form::What does KPO stand for?{
\t=Knowledge process outsourcing
\t~Key process outsourcing
\t####It means knowledge process outsourcing.
}
"""


def write_course(root: Path, **overrides) -> Path:
    files = {
        "course.toml": COURSE,
        "lessons/01-first-lesson.md": LESSON,
        "glossary.toml": GLOSSARY,
        "faq.toml": FAQ,
        "questions/01-basics.gift": GIFT,
        **overrides,
    }
    for name, text in files.items():
        if text is None:
            continue
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_course_loads_with_everything_in_it(tmp_path):
    report = load_course(write_course(tmp_path / "demo"))
    course = Course.objects.get(slug="demo")
    assert report.course == course
    assert course.topics.get().key_points.count() == 3
    lesson = Lesson.objects.get(slug="first-lesson")
    assert [s.key for s in lesson.sources.all()] == ["src"]
    assert GlossaryTerm.objects.get(abbreviation="BPO").related.get().abbreviation == "KPO"
    question = Question.objects.get(idnumber="basics-01")
    assert (question.lesson, question.anchor) == (lesson, "the-first-idea")
    assert question.answers.get(order=2).misconception == "guesses"
    assert Quiz.objects.get(slug="practise-basics").topic.slug == "basics"


def test_loading_renders_each_question_so_the_first_start_after_a_deploy_renders_nothing(
    tmp_path, monkeypatch
):
    load_course(write_course(tmp_path / "demo"))
    question = Question.objects.get()
    assert QuestionVersion.objects.get(question=question).snapshot == question.render()
    monkeypatch.setattr(Question, "render", lambda self: pytest.fail("rendered on a start"))
    attempt = attempts.start_attempt(quiz=Quiz.objects.get(), learner=LearnerFactory())
    assert attempt.slots.get().version.question == question


def test_load_then_export_gives_identical_files(tmp_path):
    source = write_course(tmp_path / "demo")
    load_course(source)
    first = tmp_path / "first"
    export_course(Course.objects.get(), first)
    # The exported files are the canonical form: loading them and exporting again is exact.
    load_course(first)
    second = tmp_path / "second"
    export_course(Course.objects.get(), second)
    comparison = filecmp.dircmp(first, second)
    assert _all_same(comparison), comparison.report_full_closure()


def _all_same(cmp: filecmp.dircmp) -> bool:
    if cmp.left_only or cmp.right_only or cmp.diff_files or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
    return not mismatch and not errors and all(_all_same(s) for s in cmp.subdirs.values())


def test_loading_twice_updates_in_place_and_never_touches_learner_data(tmp_path):
    root = write_course(tmp_path / "demo")
    load_course(root)
    ids = {
        "topic": Topic.objects.get().pk,
        "lesson": Lesson.objects.get().pk,
        "question": Question.objects.get().pk,
        "answers": list(Question.objects.get().answers.values_list("pk", flat=True)),
    }
    quiz = Quiz.objects.get()
    learner = LearnerFactory()
    attempt = attempts.start_attempt(quiz=quiz, learner=learner)
    slot = attempt.slots.get()
    attempts.record_answer(attempt=attempt, slot=slot, value=ids["answers"][0], seq=0)

    (root / "lessons/01-first-lesson.md").write_text(LESSON.replace("First lesson", "Lesson one"))
    load_course(root)

    assert Topic.objects.count() == 1 and Lesson.objects.count() == 1
    assert Question.objects.count() == 1 and Quiz.objects.count() == 1
    assert Lesson.objects.get().pk == ids["lesson"]
    assert Lesson.objects.get().title == "Lesson one"
    assert list(Question.objects.get().answers.values_list("pk", flat=True)) == ids["answers"]
    assert Response.objects.filter(slot=slot).exists()
    attempt.refresh_from_db()
    assert attempt.is_open


@pytest.mark.parametrize(
    "overrides, expected",
    [
        (
            {"course.toml": COURSE.replace('title = "Basics"', 'title = "Basics')},
            "demo/course.toml:12: invalid TOML",
        ),
        (
            {"lessons/01-first-lesson.md": LESSON.replace('topic = "basics"', 'topic = "nope"')},
            "demo/lessons/01-first-lesson.md:2: topic “nope” is not in course.toml",
        ),
        (
            {"lessons/01-first-lesson.md": LESSON.replace('["src"]', '["missing"]')},
            "demo/lessons/01-first-lesson.md:7: source “missing” is not in course.toml",
        ),
        (
            {"lessons/01-first-lesson.md": LESSON.replace("+++\ntopic", "topic")},
            "demo/lessons/01-first-lesson.md:1: a lesson must start with TOML front matter",
        ),
        (
            {
                "glossary.toml": GLOSSARY.replace(
                    'related = ["Business process outsourcing"]', 'related = ["Nothing"]'
                )
            },
            "demo/glossary.toml:13: related term “Nothing” is not in the glossary",
        ),
        (
            {"faq.toml": FAQ.replace('topic = "basics"', 'topic = "other"')},
            "demo/faq.toml:2: topic “other” is not in course.toml",
        ),
        (
            {"questions/01-basics.gift": GIFT.replace("#the-first-idea", "#no-such-section")},
            "demo/questions/01-basics.gift:3: lesson “first-lesson” has no section #no-such",
        ),
        (
            {"questions/01-basics.gift": GIFT.replace("\t=Knowledge", "\t~%50%Knowledge")},
            "demo/questions/01-basics.gift:3: the positive grades of a multiple-response question",
        ),
        (
            {
                "questions/01-basics.gift": GIFT.replace(
                    "\t####It means knowledge process outsourcing.\n", ""
                )
            },
            "demo/questions/01-basics.gift:3: every course question needs an explanation",
        ),
        (
            {"course.toml": COURSE.replace('slug = "basics"', 'slug = "glossary"')},
            "demo/course.toml:11: topic slug “glossary” is reserved",
        ),
    ],
)
def test_bad_files_are_rejected_with_file_and_line_and_nothing_is_loaded(
    tmp_path, overrides, expected
):
    root = write_course(tmp_path / "demo", **overrides)
    with pytest.raises(CourseFileError) as error:
        load_course(root)
    assert any(str(p).startswith(expected) for p in error.value.problems), error.value.problems
    assert not Course.objects.exists()
    assert not Question.objects.exists()


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    root = write_course(tmp_path / "demo")
    (root / "faq.toml").write_bytes(FAQ.encode("utf-8") + '\nanswer = "caf\xe9"'.encode("latin-1"))
    with pytest.raises(CourseFileError) as error:
        read_course(root)
    assert str(error.value.problems[0]).startswith("demo/faq.toml:6: file is not UTF-8")


def test_the_command_reports_problems_and_exits_non_zero(tmp_path, capsys):
    root = write_course(tmp_path / "demo", **{"faq.toml": FAQ.replace('topic = "basics"', "x")})
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_course", str(root))
    assert "demo/faq.toml:2:" in capsys.readouterr().err


def test_the_command_can_only_check(tmp_path, capsys):
    call_command("load_course", str(write_course(tmp_path / "demo")), "--check")
    assert "is valid" in capsys.readouterr().out
    assert not Course.objects.exists()


def test_export_course_command_writes_the_folder(tmp_path):
    load_course(write_course(tmp_path / "demo"))
    call_command("export_course", "demo", "-o", str(tmp_path / "out"))
    assert (tmp_path / "out/lessons/01-first-lesson.md").read_text().startswith("+++\ntopic")
    with pytest.raises(CommandError, match="No course “nope”"):
        call_command("export_course", "nope")


# A busy machine must not fail the test for being slow: no deadline, no slowness check.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example({"bell": "\x07 \x1b DEL\x7f NUL\x00", "multi": "line\nwith \x7f and \x0c", "q": '"""\n\\'})
@given(
    st.dictionaries(
        st.from_regex(r"[a-z_]{1,12}", fullmatch=True),
        st.text(min_size=1).filter(lambda s: "\r\n" not in s)  # empty strings are left out
        | st.integers(min_value=-(2**63), max_value=2**63 - 1)
        | st.lists(st.text().filter(lambda s: "\r\n" not in s), max_size=4),
        max_size=4,
    )
)
def test_written_toml_always_reads_back_unchanged(row):
    """Control characters, DEL, quotes and backslashes included: tomllib reads it all back."""
    text = tomlfile.dumps(row, {"item": [row]})
    assert tomllib.loads(text) == {**row, "item": [row]}
