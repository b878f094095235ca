"""Query budgets for every learner page of the quiz loop, at 1, 20 and 100 questions.

Budgets count the session and user lookups a logged-in learner costs; guests cost one less.
The goals are at most 5 queries for a question page and 8 for an answer post.
"""

import pytest

from quizzes.models import Quiz
from tests.factories import UserFactory, quiz_with_questions
from tests.quizzes.conftest import HX, right_post, slot_url

pytestmark = pytest.mark.django_db
SIZES = [1, 20, 100]
QUESTION_PAGE = 5
# 8 for the answer itself (session, user, the slot with its attempt, review card and kept
# progress, then in one transaction the response and the progress row, then the card), plus
# the shared rate-limit count every answer post takes: one read of the counter row and one
# write (studyhub/ratelimit.py over the database cache), and, for about one post in a
# hundred, a sweep of expired counters (studyhub/cache.py).
RATE_LIMIT = 3
ANSWER_POST = 8 + RATE_LIMIT


@pytest.fixture(params=["guest", "user"])
def learner_client(request, client):
    if request.param == "user":
        client.force_login(UserFactory())
    return client


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("mode", [Quiz.Mode.PRACTICE, Quiz.Mode.EXAM])
def test_question_page_and_answer_post_budgets(
    learner_client, start, django_assert_max_num_queries, n, mode
):
    quiz = quiz_with_questions(n, mode=mode, kinds=("single", "multiple", "matching"))
    attempt = start(quiz, as_client=learner_client)
    last = attempt.slots.get(number=n)
    with django_assert_max_num_queries(QUESTION_PAGE):
        assert learner_client.get(slot_url(attempt, n)).status_code == 200
    data = {"seq": 0, "choice": right_post(last)} if last.kind == "single" else None
    if data is None:
        options = last.snapshot["options"]
        data = {"seq": 0, "choice": [last.option_value(o["id"]) for o in options][:1]}
        if last.kind == "matching":
            data = {f"match-{last.option_value(o['id'])}": o["match"] for o in options}
            data["seq"] = 0
    with django_assert_max_num_queries(ANSWER_POST):
        assert (
            learner_client.post(slot_url(attempt, n, "answer"), data, headers=HX).status_code == 200
        )
    with django_assert_max_num_queries(ANSWER_POST):  # the non-JavaScript post too
        learner_client.post(slot_url(attempt, n, "answer"), data)


@pytest.mark.parametrize("n", SIZES)
def test_quiz_start_summary_submit_review_and_history_budgets(
    learner_client, start, django_assert_max_num_queries, n
):
    quiz = quiz_with_questions(n, mode=Quiz.Mode.EXAM)
    # The first visit in a content generation also reads the quiz and what it serves (kept
    # in the cache, courses/fragments.py); later ones: content generation, session, user,
    # learner, history.
    with django_assert_max_num_queries(7):
        assert learner_client.get(quiz.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(5):
        assert learner_client.get(quiz.get_absolute_url()).status_code == 200
    attempt = start(quiz, as_client=learner_client)
    for slot in attempt.slots.all():
        learner_client.post(
            slot_url(attempt, slot.number, "answer"), {"seq": 0, "choice": right_post(slot)}
        )
    with django_assert_max_num_queries(5):
        assert learner_client.get(f"/attempts/{attempt.pk}/summary/").status_code == 200
    with django_assert_max_num_queries(14):
        learner_client.post(f"/attempts/{attempt.pk}/submit")
    with django_assert_max_num_queries(5):
        page = learner_client.get(f"/attempts/{attempt.pk}/review/")
    assert page.status_code == 200 and f"You scored {n} out of {n}" in page.content.decode()
    with django_assert_max_num_queries(5):
        assert learner_client.get("/attempts/").status_code == 200
    with django_assert_max_num_queries(8):
        learner_client.post(f"/attempts/{attempt.pk}/q/1/flag", {"flagged": "1"})
