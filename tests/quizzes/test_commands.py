"""The import_questions and export_questions management commands."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from quizzes.management.commands.import_questions import Command as ImportCommand
from quizzes.models import Question, Tag
from tests.factories import CourseFactory, LessonFactory, QuestionFactory, TopicFactory
from tests.quizzes.conftest import GOOD_GIFT

pytestmark = pytest.mark.django_db

BROKEN_GIFT = """\
::Fine::Fine?{=a ~b ####Because.}

::Broken::What is missing{
=One
~Two
"""


def run(name: str, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(name: str, *args) -> tuple[str, str]:
    err = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command(name, *args, stdout=StringIO(), stderr=err)
    return str(failure.value), err.getvalue()


@pytest.fixture
def gift_file(tmp_path):
    def write(text: str, name: str = "bank.gift", encoding: str = "utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return str(path)

    return write


# --- import_questions -------------------------------------------------------------------------


def test_a_good_file_is_imported_with_a_summary(gift_file):
    topic = TopicFactory()
    out, err = run("import_questions", gift_file(GOOD_GIFT), "--topic", topic.slug)
    assert "Imported 2 questions into" in out
    assert "2 created, 0 updated" in out
    assert "questions per second" in out
    assert err == ""
    kpo = Question.objects.get(idnumber="kpo-meaning")
    assert kpo.topic == topic
    assert kpo.explanation == "KPO means knowledge process outsourcing."
    assert Question.objects.get(title="BPO came first").kind == "truefalse"


def test_importing_again_updates_by_id_number(gift_file):
    topic = TopicFactory()
    path = gift_file(GOOD_GIFT)
    run("import_questions", path, "--topic", topic.slug)
    out, _ = run("import_questions", path, "--topic", topic.slug)
    assert "1 created, 1 updated" in out  # the true/false question has no [id:…]
    assert Question.objects.filter(idnumber="kpo-meaning").count() == 1


def test_a_dry_run_reports_and_writes_nothing(gift_file):
    topic = TopicFactory()
    QuestionFactory(topic=topic, idnumber="kpo-meaning")
    path = gift_file(GOOD_GIFT)
    out, _ = run("import_questions", path, "--topic", topic.slug, "--dry-run")
    assert f"{path}:1: would update Single choice “KPO meaning” in {topic.slug}" in out
    assert f"{path}:8: would create True/false “BPO came first” in {topic.slug}" in out
    assert "1 would be created and 1 updated. Nothing was written." in out
    assert Question.objects.count() == 1
    assert Question.objects.get().title != "KPO meaning"


def test_a_bad_file_names_each_error_line_and_imports_nothing(gift_file):
    topic = TopicFactory()
    path = gift_file(BROKEN_GIFT)
    message, err = run_failing("import_questions", path, "--topic", topic.slug)
    assert "nothing was imported" in message
    assert f'{path}:3: question "Broken": could not find {{...}} around the answers' in err
    assert not Question.objects.exists()


def test_a_bad_file_makes_the_command_exit_non_zero(gift_file, capsys):
    topic = TopicFactory()
    path = gift_file(BROKEN_GIFT)
    with pytest.raises(SystemExit) as exit_:
        ImportCommand().run_from_argv(
            ["manage.py", "import_questions", path, "--topic", topic.slug]
        )
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert f"{path}:3:" in err
    assert "nothing was imported" in err


def test_plan_errors_also_name_their_line(gift_file):
    TopicFactory()
    path = gift_file(GOOD_GIFT)
    _, err = run_failing("import_questions", path)  # no --topic and no $CATEGORY
    assert f"{path}:1: the question has no $CATEGORY naming a topic" in err
    assert f"{path}:8: the question has no $CATEGORY naming a topic" in err


def test_a_non_utf8_file_is_refused(gift_file):
    topic = TopicFactory()
    path = gift_file(GOOD_GIFT.replace("KPO stand", "KPO signifie é"), encoding="latin-1")
    message, _ = run_failing("import_questions", path, "--topic", topic.slug)
    assert "GIFT format files must use UTF-8" in message
    assert "Nothing was imported" in message
    assert not Question.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path):
    TopicFactory()
    message, _ = run_failing("import_questions", str(tmp_path / "nope.gift"))
    assert "Cannot read" in message


def test_warnings_are_printed(gift_file):
    topic = TopicFactory()
    _, err = run("import_questions", gift_file("::No why::Pick{=a ~b}\n"), "--topic", topic.slug)
    assert ":1: warning: “No why” has no explanation (####)" in err


def test_the_format_follows_the_extension(gift_file):
    topic = TopicFactory()
    aiken = "What is KPO?\nA) Knowledge process outsourcing\nB) Key process\nANSWER: A\n"
    run("import_questions", gift_file(aiken, "bank.aiken"), "--topic", topic.slug)
    assert Question.objects.get().answers.get(fraction=1).text == "Knowledge process outsourcing"
    # .txt means GIFT unless told otherwise
    _, err = run_failing("import_questions", gift_file(aiken, "b.txt"), "--topic", topic.slug)
    assert err
    run("import_questions", gift_file(aiken, "c.txt"), "--topic", topic.slug, "--format", "aiken")
    assert Question.objects.count() == 2


def test_the_only_course_is_the_default_and_several_need_choosing(gift_file):
    path = gift_file(GOOD_GIFT)
    message, _ = run_failing("import_questions", path)
    assert "There is no course yet" in message
    first, second = TopicFactory(slug="basics"), TopicFactory(slug="basics")
    message, _ = run_failing("import_questions", path, "--topic", "basics")
    assert "Choose a course with --course" in message
    assert first.course.slug in message and second.course.slug in message
    run("import_questions", path, "--course", second.course.slug, "--topic", "basics")
    assert set(Question.objects.values_list("topic", flat=True)) == {second.pk}


def test_an_unknown_course_or_topic_lists_the_known_ones(gift_file):
    topic = TopicFactory()
    path = gift_file(GOOD_GIFT)
    message, _ = run_failing("import_questions", path, "--course", "nope")
    assert f"No course “nope”. Courses: {topic.course.slug}." in message
    message, _ = run_failing("import_questions", path, "--topic", "nope")
    assert f"has no topic “nope”. Its topics: {topic.slug}." in message


def test_the_topic_comes_from_the_category_within_the_chosen_course(gift_file):
    here, elsewhere = TopicFactory(slug="basics"), TopicFactory(slug="basics")
    text = f"$CATEGORY: $course$/{here.course.slug}/basics\n\n{GOOD_GIFT}"
    run("import_questions", gift_file(text), "--course", here.course.slug)
    assert Question.objects.filter(topic=here).count() == 2
    assert not Question.objects.filter(topic=elsewhere).exists()


def test_a_long_import_shows_progress(gift_file):
    topic = TopicFactory()
    text = "".join(f"::Q{n}::Question {n}?{{=yes ~no ####Why.}}\n\n" for n in range(250))
    out, _ = run("import_questions", gift_file(text), "--topic", topic.slug)
    assert "200 of 250 saved (80%)" in out  # after each batch (importing.SAVE_BATCH)
    assert Question.objects.count() == 250


def test_duplicate_id_numbers_in_one_file_are_an_error(gift_file):
    topic = TopicFactory()
    text = "// [id:x]\n::A::A?{=a ~b}\n\n// [id:x]\n::B::B?{=a ~b}\n"
    _, err = run_failing("import_questions", gift_file(text), "--topic", topic.slug)
    assert ":4: ID number “x” is also used by the question on line 1" in err
    assert not Question.objects.exists()


def test_values_too_long_for_the_database_are_an_error(gift_file):
    topic = TopicFactory()
    text = f"// [id:{'x' * 101}]\n::A::A?{{=a ~b}}\n"
    _, err = run_failing("import_questions", gift_file(text), "--topic", topic.slug)
    assert "is longer than 100 characters" in err


# --- export_questions -------------------------------------------------------------------------


def test_export_writes_gift_to_standard_output():
    QuestionFactory(title="Exported one")
    out, err = run("export_questions", "--format", "gift")
    assert "::Exported one::" in out
    assert "Wrote 1 questions as GIFT to standard output." in err


def test_export_writes_to_a_file(tmp_path):
    QuestionFactory(title="Exported one")
    path = tmp_path / "out.gift"
    out, _ = run("export_questions", "--format", "gift", "-o", str(path))
    assert "::Exported one::" in path.read_text(encoding="utf-8")
    assert f"Wrote 1 questions as GIFT to {path}." in out


def test_export_filters_by_course_and_topic():
    kept = QuestionFactory(title="Kept")
    QuestionFactory(title="Other topic", topic=TopicFactory(course=kept.topic.course))
    QuestionFactory(title="Other course")
    course = kept.topic.course.slug
    out, _ = run("export_questions", "--format", "gift", "--course", course)
    assert "::Kept::" in out and "::Other topic::" in out
    assert "Other course" not in out
    out, _ = run(
        "export_questions", "--format", "gift", "--course", course, "--topic", kept.topic.slug
    )
    assert "::Kept::" in out
    assert "Other topic" not in out
    message, _ = run_failing("export_questions", "--format", "gift", "--topic", kept.topic.slug)
    assert "Choose a course with --course" in message


def test_aiken_export_skips_what_aiken_cannot_hold():
    topic = TopicFactory()
    QuestionFactory(topic=topic, kind="single")
    QuestionFactory(topic=topic, kind="short")
    out, err = run("export_questions", "--format", "aiken")
    assert out.count("ANSWER: ") == 1
    assert "Wrote 1 questions as AIKEN" in err
    assert "Skipped 1 questions Aiken cannot hold" in err


def test_export_refuses_what_gift_cannot_say():
    question = QuestionFactory()
    question.tags.add(Tag.objects.create(name="a [bracketed] tag"))
    message, _ = run_failing("export_questions", "--format", "gift")
    assert "Cannot export" in message
    assert "Nothing was written" in message


def snapshot_of_bank() -> list[tuple]:
    """Everything an export must carry, per question, independent of database ids."""
    return [
        (
            q.idnumber,
            q.kind,
            q.title,
            q.text,
            q.text_format,
            q.explanation,
            q.topic.slug,
            q.lesson.slug if q.lesson else "",
            q.anchor,
            sorted(t.name for t in q.tags.all()),
            [
                (a.text, a.fraction, a.feedback, a.value, a.tolerance, a.match, a.misconception)
                for a in q.answers.all()
            ],
        )
        for q in Question.objects.select_related("topic", "lesson")
        .prefetch_related("answers", "tags")
        .order_by("idnumber")
    ]


def test_export_then_import_gives_back_equivalent_questions(tmp_path):
    lesson = LessonFactory(topic=TopicFactory(course=CourseFactory()))
    other_topic = TopicFactory(course=lesson.topic.course)
    basics, hard = Tag.objects.create(name="basics"), Tag.objects.create(name="hard")
    for index, kind in enumerate(Question.Kind.values):
        question = QuestionFactory(
            topic=lesson.topic if index % 2 else other_topic,
            kind=kind,
            idnumber=f"q-{kind}",
            lesson=lesson,
            anchor="second-section",
            explanation=f"Why the {kind} answer is right.",
        )
        question.tags.add(basics, *([hard] if index % 2 else []))
    before = snapshot_of_bank()
    path = tmp_path / "bank.gift"
    course = lesson.topic.course.slug

    run("export_questions", "--format", "gift", "--course", course, "-o", str(path))
    Question.objects.all().delete()
    out, _ = run("import_questions", str(path), "--course", course)

    assert f"{len(Question.Kind.values)} created, 0 updated" in out
    assert snapshot_of_bank() == before
