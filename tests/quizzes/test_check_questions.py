"""manage.py check_questions: files without importing, the stored bank, option counts."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from quizzes import stats
from quizzes.models import Question
from tests.factories import QuestionFactory, TopicFactory, quiz_with_questions
from tests.quizzes.test_stats import finished_attempt

pytestmark = pytest.mark.django_db

FLAWED = """\
// a comment line

::Always cheaper::BPO is always cheaper than KPO.{FALSE}

::Which saving::What saving does BPO give?{
\t=10–20%
\t~40–60%
\t~50–70%
}
"""

CLEAN = """\
::Where BPO runs::Where can BPO work be done?{
\t=Onshore or offshore
\t~Only in-house
\t~Only onshore
}
"""


def check(*args) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("check_questions", *args, stdout=out, stderr=StringIO())
    except CommandError as failure:
        return out.getvalue() + str(failure), failure.returncode
    return out.getvalue(), 0


def test_a_file_with_an_error_prints_file_line_rule_title_and_exits_non_zero(tmp_path):
    path = tmp_path / "bank.gift"
    path.write_text(FLAWED)
    out, code = check(str(path))
    assert code == 1
    assert (
        f"{path}:3: absolute-word: Always cheaper: statement says “always” (keyed False) — "
    ) in out
    assert f"{path}:5: overlapping-options: Which saving: ranges overlap: " in out
    assert "flags: 1 errors, 1 warnings" in out
    assert "true/false: 1, keyed True 0 (0 %); with an absolute word: 0 True, 1 False" in out


def test_warnings_alone_exit_zero_and_nothing_is_imported(tmp_path):
    path = tmp_path / "bank.gift"
    path.write_text(CLEAN)
    out, code = check(str(path))
    assert code == 0
    assert "absolute-word: Where BPO runs:" in out
    assert "flags: 0 errors, 1 warnings" in out
    assert not Question.objects.exists()


def test_an_aiken_file_is_read_by_its_extension(tmp_path):
    path = tmp_path / "bank.aiken"
    path.write_text("Which is KPO?\nA) All of the above\nB) Payroll\nC) Data entry\nANSWER: A\n")
    out, code = check(str(path))
    assert code == 1
    assert f"{path}:1: all-of-the-above: Which is KPO?: “All of the above”" in out


def test_a_parse_error_is_reported_as_an_error(tmp_path):
    path = tmp_path / "broken.gift"
    path.write_text("::Broken::What is missing{\n=One\n~Two\n")
    out, code = check(str(path))
    assert code == 1
    assert f"{path}:1: parse-error:" in out


def test_files_and_course_together_are_refused(tmp_path):
    out, code = check("x.gift", "--course", "c")
    assert code == 1 and "either FILE… or --course" in out
    out, code = check()
    assert code == 1


def test_the_stored_bank_is_checked_by_course_and_topic():
    topic = TopicFactory()
    other = TopicFactory(course=topic.course)
    flawed = QuestionFactory(
        topic=topic,
        title="Above",
        answers=[
            {"text": "All of the above", "fraction": 1.0},
            {"text": "Payroll"},
            {"text": "Data entry"},
        ],
    )
    QuestionFactory(topic=other, title="Fine")
    out, code = check("--course", topic.course.slug)
    assert code == 1
    assert f"{topic.slug}:{flawed.pk}: all-of-the-above: Above: “All of the above”" in out
    assert "questions: 2 (single 2)" in out
    out, code = check("--course", topic.course.slug, "--topic", other.slug)
    assert code == 0 and "questions: 1 (single 1)" in out


def test_bank_items_count_graded_picks_per_option_in_written_order():
    quiz = quiz_with_questions(1)
    question = quiz.questions.get()
    for pick in (0, 0, 2):
        finished_attempt(quiz, [question], [pick])
    finished_attempt(quiz, [question], [None])
    (item,) = stats.bank_items(Question.objects.all())
    assert item.counts.responses == 3
    assert item.counts.picks == (2, 0, 1, 0)
    assert item.question.answers[0].fraction == 1.0


@pytest.mark.parametrize("size", [1, 20, 100])
def test_bank_items_use_a_fixed_number_of_queries(size, django_assert_max_num_queries):
    topic = TopicFactory()
    QuestionFactory.create_batch(size, topic=topic)
    with django_assert_max_num_queries(6):
        items = stats.bank_items(Question.objects.filter(topic=topic))
    assert len(items) == size
