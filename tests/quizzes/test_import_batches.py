"""Imports never block learners: a linear preview, a size refusal, short write batches."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from quizzes import importing
from quizzes.admin import imports
from quizzes.formats.interchange import AnswerData, ParseIssue, QuestionData
from quizzes.models import Answer, Question, Tag
from tests.factories import TopicFactory
from tests.quizzes.test_admin import upload

pytestmark = pytest.mark.django_db


def _question(n: int, *, idnumber: str = "") -> QuestionData:
    return QuestionData(
        kind="single",
        title=f"Question {n}",
        text=f"Which one is right ({n})?",
        answers=[AnswerData(text="Right", fraction=1), AnswerData(text="Wrong")],
        tags=["imported", f"group-{n % 3}"],
        idnumber=idnumber,
        line=10 * n + 3,
    )


def _plan(count: int, topic, *, issue=ParseIssue) -> importing.ImportPlan:
    questions = [_question(n, idnumber=f"q-{n}") for n in range(count)]
    return importing.ImportPlan(
        questions=questions,
        topics=[topic] * count,
        warnings=[issue(q.line + 1, "no explanation") for q in questions],
    )


class CountedIssue(ParseIssue):
    """A warning that counts how often anything reads its line number."""

    reads = 0

    def __getattribute__(self, name):
        if name == "line":
            type(self).reads += 1
        return super().__getattribute__(name)


def test_the_preview_reads_each_warning_a_bounded_number_of_times():
    topic = TopicFactory()
    reads = []
    for count in (200, 800):
        CountedIssue.reads = 0
        rows = imports._preview_rows(_plan(count, topic, issue=CountedIssue), set())
        reads.append(CountedIssue.reads)
        assert [len(row["warnings"]) for row in rows] == [1] * count
        assert rows[-1]["warnings"][0].line == rows[-1]["line"] + 1
    # Linear: four times the file, about four times the work (quadratic would be sixteen).
    assert reads[1] <= 4.5 * reads[0]


def test_warnings_before_the_first_question_stay_out_of_the_rows():
    topic = TopicFactory()
    plan = _plan(2, topic)
    plan.warnings.append(ParseIssue(1, "loose"))
    rows = imports._preview_rows(plan, set())
    assert [w.message for row in rows for w in row["warnings"]] == ["no explanation"] * 2


def test_saving_runs_a_fixed_number_of_queries_per_batch():
    topic = TopicFactory()
    counts = {}
    for batches in (2, 8):
        Question.objects.all().delete()
        Tag.objects.all().delete()
        plan = _plan(80, topic)
        with CaptureQueriesContext(connection) as queries:
            saved = importing.save_plan(
                plan, course=topic.course, batch_size=80 // batches, pause=0
            )
        assert saved == {"created": 80, "updated": 0}
        counts[batches] = len(queries)
    per_batch = (counts[8] - counts[2]) / 6
    assert per_batch <= 10  # savepoint, lookup, 3 bulk inserts, tags: not one per question
    assert counts[2] <= 2 + 2 * per_batch + 3  # lessons, plus creating the tags once
    assert Answer.objects.count() == 160
    assert set(Question.objects.get(idnumber="q-5").tags.values_list("name", flat=True)) == {
        "imported",
        "group-2",
    }


def test_each_batch_commits_on_its_own():
    topic = TopicFactory()
    with CaptureQueriesContext(connection) as queries:
        importing.save_plan(_plan(50, topic), course=topic.course, batch_size=10, pause=0)
    # The test runs inside a transaction, so each batch's atomic block shows as a savepoint.
    savepoints = [q for q in queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 5


@pytest.mark.django_db(transaction=True)
def test_the_importer_leaves_the_write_lock_free_between_batches(monkeypatch):
    """Committing a batch and starting the next at once would keep SQLite's write lock
    from learners: their writes only retry every 100 ms, so they would wait for the whole
    import and fail with "database is locked". The importer waits outside any
    transaction, at least `pause` and at least as long as the batch held the lock."""
    topic = TopicFactory()
    waits = []

    def sleep(seconds):
        waits.append((seconds, transaction.get_connection().in_atomic_block))

    monkeypatch.setattr(importing, "sleep", sleep)
    saved = importing.save_plan(_plan(50, topic), course=topic.course, batch_size=10, pause=0.2)
    assert saved == {"created": 50, "updated": 0}
    assert len(waits) == 4  # between batches, none after the last
    assert all(seconds >= 0.2 and not in_transaction for seconds, in_transaction in waits)

    held = iter([0.0, 0.5, 1.0, 1.0])  # the first batch is slow: it holds the lock 0.5 s
    monkeypatch.setattr(importing, "monotonic", lambda: next(held))
    waits.clear()
    importing.save_plan(_plan(2, topic), course=topic.course, batch_size=1, pause=0.2)
    assert waits == [(0.5, False)]


@pytest.mark.parametrize("count", [1, 200])
def test_looking_questions_up_by_id_number_uses_the_index(count):
    """Without it, each batch of a long import would read every question so far."""
    ids = [f"q-{n}" for n in range(count)]
    sql, params = importing.by_idnumber(ids).values_list("idnumber").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a tiny table: make a scan the last resort
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {'QUERY PLAN ' * (connection.vendor == 'sqlite')}{sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "question_idnumber_unique" in plan, plan


def test_reimporting_updates_in_place_across_batches():
    topic = TopicFactory()
    importing.save_plan(_plan(30, topic), course=topic.course, batch_size=7, pause=0)
    answer_ids = set(Answer.objects.values_list("pk", flat=True))
    again = importing.save_plan(_plan(30, topic), course=topic.course, batch_size=7, pause=0)
    assert again == {"created": 0, "updated": 30}
    assert set(Answer.objects.values_list("pk", flat=True)) == answer_ids


def test_a_file_too_big_to_preview_is_refused_with_a_pointer_to_the_command(
    admin_client, monkeypatch
):
    monkeypatch.setattr(imports, "MAX_PREVIEW_QUESTIONS", 3)
    topic = TopicFactory()
    blocks = [f"::Q{n}::Is {n} a number?{{TRUE}}" for n in range(4)]
    response = upload(admin_client, "\n\n".join(blocks).encode(), course=topic.course, topic=topic)
    html = response.content.decode()
    assert "about 4 questions" in html and "manage.py import_questions" in html
    assert 'name="token"' not in html
    fits = upload(admin_client, "\n\n".join(blocks[:3]).encode(), course=topic.course, topic=topic)
    assert 'name="token"' in fits.content.decode()


def test_questions_are_counted_without_parsing():
    gift = b"$CATEGORY: a/b\n\n// a comment\n::A::Yes?{T}\n\n\r\n// only a comment\n\nB?{F}\n"
    assert importing.count_questions(gift, "gift") == 2
    aiken = b"Q1?\nA. x\nB. y\nANSWER: A\nQ2?\nA. x\nB. y\nANSWER: B\n"
    assert importing.count_questions(aiken, "aiken") == 2
