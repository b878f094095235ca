"""The hot queries over responses can use an index: checked with EXPLAIN on PostgreSQL.

Test tables are tiny, so the planner would scan them whatever indexes exist; with
`enable_seqscan = off` it scans only when no index fits. A `Seq Scan on quizzes_response`
therefore means the query has no usable index, which at 100,000 responses is a full read of
the table on every request. The queries are captured from the real code paths (the
dashboard's per-topic aggregates, an answer post, the review-cards-due query), so the test
follows the code when it changes.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from quizzes import attempts, progress
from quizzes.models import Quiz
from tests.factories import LearnerFactory, quiz_with_questions
from tests.quizzes.conftest import HX, right_choice, right_post, slot_url, wrong_choice, wrong_post

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TABLES = ("quizzes_response", "quizzes_slot", "quizzes_attempt", "quizzes_reviewcard")


@pytest.fixture(autouse=True)
def _postgres_planner(db):
    if connection.vendor != "postgresql":
        pytest.skip(
            "EXPLAIN plans are PostgreSQL's: the PostgreSQL pass (.ci/with-postgres) runs this"
        )
    with connection.cursor() as cursor:
        # SET LOCAL: only inside this test's transaction, which pytest-django rolls back.
        cursor.execute("SET LOCAL enable_seqscan = off")


@pytest.fixture
def learner():
    """A learner with graded practice answers in two topics, and review cards."""
    learner = LearnerFactory()
    for _ in range(2):
        quiz = quiz_with_questions(4, kinds=("single", "truefalse"))
        attempt = attempts.start_attempt(quiz=quiz, learner=learner)
        for slot in attempt.slots.select_related("question"):
            value = right_choice(slot) if slot.number % 2 else wrong_choice(slot)
            attempts.record_answer(attempt=attempt, slot=slot, value=value, seq=0, seconds=12)
    return learner


def plans(queries, tables=TABLES) -> list[tuple[str, str]]:
    """(sql, plan) of each captured read or update that touches one of `tables`."""
    found = []
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
                continue
            if not any(f'"{t}"' in sql for t in tables):
                continue
            cursor.execute("EXPLAIN " + sql)
            found.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
    return found


def assert_no_scan(found: list[tuple[str, str]], table: str = "quizzes_response") -> None:
    assert found, "no query was captured: the code path changed"
    scans = [(sql, plan) for sql, plan in found if f"Seq Scan on {table}" in plan]
    assert not scans, "no usable index:\n\n" + "\n\n".join(f"{s}\n{p}" for s, p in scans)


def test_topic_aggregates_computed_from_responses_use_an_index(learner):
    """The computed path serves filtered class reports (the dashboard reads kept rows)."""
    topics = progress.topics_with_counts()
    with CaptureQueriesContext(connection) as queries:
        stats = progress.computed_by_learner([learner.pk], topics)[learner.pk]
    assert sum(s.answers for s in stats) == 8
    assert_no_scan(plans(queries, ("quizzes_response",)))


def test_dashboard_page_reads_responses_through_indexes(client, learner):
    client.force_login(learner.user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("quizzes:dashboard")).status_code == 200
    assert_no_scan(plans(queries, ("quizzes_response",)))


@pytest.mark.parametrize("mode", [Quiz.Mode.PRACTICE, Quiz.Mode.EXAM])
def test_answer_post_lookups_use_indexes(client, learner, mode):
    """Attempt by pk and owner, slot by attempt and number, response by slot, cards."""
    extra = {"time_limit": timedelta(minutes=20)} if mode == Quiz.Mode.EXAM else {}
    quiz = quiz_with_questions(3, mode=mode, shuffle_questions=False, **extra)
    client.force_login(learner.user)
    client.post(reverse("quizzes:start", args=[quiz.course.slug, quiz.slug]))
    attempt = quiz.attempts.get()
    slot = attempt.slots.get(number=1)
    data = {"seq": 0, "choice": right_post(slot)}
    with CaptureQueriesContext(connection) as queries:
        assert client.post(slot_url(attempt, 1, "answer"), data, headers=HX).status_code == 200
    captured = list(queries.captured_queries)
    if mode == Quiz.Mode.EXAM:  # changing an exam answer updates the response by pk/version
        data = {"seq": 1, "choice": wrong_post(slot)}
        with CaptureQueriesContext(connection) as queries:
            assert client.post(slot_url(attempt, 1, "answer"), data, headers=HX).status_code == 200
        captured += queries.captured_queries
    found = plans(captured)
    for table in TABLES:
        assert_no_scan(found, table)
    assert any('"quizzes_response"' in sql for sql, _ in found)


def test_review_cards_due_query_uses_an_index(learner):
    with CaptureQueriesContext(connection) as queries:
        progress.due_questions(learner)
    found = plans(queries, ("quizzes_reviewcard",))
    assert_no_scan(found, "quizzes_reviewcard")
