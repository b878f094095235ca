"""Moodle's review options matrix: every cell (timing × item), on the pages learners see."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes import attempts
from quizzes.models import REVIEW_ALWAYS, REVIEW_ITEMS, Attempt, Quiz
from tests.factories import LearnerFactory, QuestionFactory, QuizFactory, UserFactory
from tests.quizzes.conftest import slot_url, wrong_post

pytestmark = pytest.mark.django_db

When = Quiz.When
TIMINGS = [When.DURING, When.IMMEDIATELY, When.LATER, When.CLOSED]

SPECIFIC = "Specific: the K stands for knowledge."
GENERAL = "General: KPO means knowledge process outsourcing."
# What each item puts on the practice question page (during) and on the review page (after).
MARKERS = {
    "review_correctness": ("✗ Not quite", "✗ Wrong"),
    "review_marks": ("Mark: 0%", "Mark: 0 out of 1"),
    "review_specific_feedback": (SPECIFIC, SPECIFIC),
    "review_general_feedback": (GENERAL, GENERAL),
    "review_right_answer": ("Correct answer:", "Correct answer:"),
}


def question():
    return QuestionFactory(
        explanation=GENERAL,
        answers=[
            {"text": "Knowledge process outsourcing", "fraction": 1.0, "feedback": "Well done."},
            {"text": "Key process outsourcing", "fraction": 0.0, "feedback": SPECIFIC},
        ],
    )


def quiz_with(**options):
    """A one-question practice quiz with every review option off except those given."""
    q = question()
    settings = dict.fromkeys(REVIEW_ITEMS, 0) | options
    return QuizFactory(topic=q.topic, course=q.topic.course, questions=[q], **settings)


def page_at(client, quiz, when) -> str:
    """The page a learner sees at the given timing, after answering the question wrongly."""
    client.post(reverse("quizzes:start", args=[quiz.course.slug, quiz.slug]))
    attempt = Attempt.objects.get(quiz=quiz)
    slot = attempt.slots.get()
    client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "choice": wrong_post(slot)})
    if when == When.DURING:
        return client.get(slot_url(attempt, 1)).content.decode()
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    now = timezone.now()
    if when != When.IMMEDIATELY:
        Attempt.objects.filter(pk=attempt.pk).update(finished=now - timedelta(minutes=3))
    if when == When.CLOSED:
        Quiz.objects.filter(pk=quiz.pk).update(closes=now - timedelta(minutes=1))
    return client.get(reverse("quizzes:review", args=[attempt.pk])).content.decode()


@pytest.mark.parametrize("item", REVIEW_ITEMS)
@pytest.mark.parametrize("when", TIMINGS, ids=[w.name for w in TIMINGS])
@pytest.mark.parametrize("on", [True, False], ids=["on", "off"])
def test_each_cell_of_the_review_matrix_shows_or_hides_its_item(client, item, when, on):
    # The cell under test is on or off; the same item is on at every other timing, so the
    # page shows it only if this very cell is respected.
    bits = REVIEW_ALWAYS if on else REVIEW_ALWAYS & ~when
    options = {item: bits}
    if item == "review_general_feedback":
        options["review_right_answer"] = REVIEW_ALWAYS  # the explanation needs it (below)
    html = page_at(client, quiz_with(**options), when)
    marker = MARKERS[item][0 if when == When.DURING else 1]
    assert (marker in html) is on


@pytest.mark.parametrize("when", TIMINGS, ids=[w.name for w in TIMINGS])
def test_the_explanation_counts_as_the_right_answer(client, when):
    quiz = quiz_with(
        review_general_feedback=REVIEW_ALWAYS, review_right_answer=REVIEW_ALWAYS & ~when
    )
    html = page_at(client, quiz, when)
    assert GENERAL not in html
    assert "Correct answer:" not in html


def test_with_everything_off_practice_says_only_that_the_answer_is_saved(client):
    html = page_at(client, quiz_with(), When.DURING)
    assert "Answer saved" in html
    for during, _ in MARKERS.values():
        assert during not in html


def test_hidden_marks_are_hidden_from_the_results_and_the_attempt_lists(client):
    quiz = quiz_with(review_marks=When.DURING)
    review = page_at(client, quiz, When.IMMEDIATELY)
    assert "You scored" not in review and "Your marks are not shown" in review
    quiz_page = client.get(quiz.get_absolute_url()).content.decode()
    history = client.get(reverse("quizzes:history")).content.decode()
    for html in (quiz_page, history):
        assert "0%" not in html and "submitted" in html


def test_an_exam_shows_nothing_during_the_attempt_whatever_its_options():
    quiz = QuizFactory(mode=Quiz.Mode.EXAM)
    assert quiz.review_shown(When.DURING) == quiz.review_shown(0)
    assert quiz.review_shown(When.IMMEDIATELY).right_answer


@pytest.mark.parametrize(
    ("finished_ago", "closes_in", "expected"),
    [
        (timedelta(seconds=30), None, When.IMMEDIATELY),
        (timedelta(minutes=5), None, When.LATER),
        (timedelta(minutes=5), timedelta(hours=1), When.LATER),
        (timedelta(minutes=5), -timedelta(minutes=1), When.CLOSED),
        # Moodle: "immediately after" wins over "after close" for its two minutes.
        (timedelta(seconds=30), -timedelta(minutes=1), When.IMMEDIATELY),
    ],
)
def test_an_attempt_is_in_moodles_review_timing(finished_ago, closes_in, expected):
    now = timezone.now()
    quiz = QuizFactory(closes=now + closes_in if closes_in is not None else None)
    attempt = Attempt(quiz=quiz, state=Attempt.State.FINISHED, finished=now - finished_ago)
    assert attempt.review_timing(now) == expected
    assert Attempt(quiz=quiz).review_timing(now) == When.DURING


def test_try_again_is_not_offered_after_the_last_attempt(client):
    client.force_login(UserFactory())
    quiz = quiz_with(review_marks=REVIEW_ALWAYS)
    quiz.attempts_allowed = 1
    quiz.save()
    html = page_at(client, quiz, When.IMMEDIATELY)
    assert "Try again" not in html


def test_try_again_is_offered_while_attempts_remain(client):
    client.force_login(UserFactory())  # a quiz with limited attempts needs an account
    quiz = quiz_with()
    quiz.attempts_allowed = 2
    quiz.save()
    assert "Try again" in page_at(client, quiz, When.IMMEDIATELY)


def test_try_again_is_not_offered_once_the_quiz_has_closed(client):
    assert "Try again" not in page_at(client, quiz_with(), When.CLOSED)


@pytest.mark.parametrize("n", [1, 20, 100])
def test_review_page_budget_does_not_grow_with_questions(client, django_assert_max_num_queries, n):
    quiz = QuizFactory(questions=[question() for _ in range(n)], attempts_allowed=3)
    learner = LearnerFactory()
    attempt = attempts.start_attempt(quiz=quiz, learner=learner)
    attempts.finish_attempt(attempt=attempt)
    client.force_login(learner.user)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("quizzes:review", args=[attempt.pk])).status_code == 200
