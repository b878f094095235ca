"""Quiz settings that can't mislead: status, open and close dates, limits and overrides."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from quizzes import attempts
from quizzes.models import Attempt, Learner, Quiz, QuizOverride
from tests.factories import LearnerFactory, UserFactory, quiz_with_questions

pytestmark = pytest.mark.django_db


def quiz_url(quiz):
    return reverse("quizzes:quiz", args=[quiz.course.slug, quiz.slug])


def start_url(quiz):
    return reverse("quizzes:start", args=[quiz.course.slug, quiz.slug])


@pytest.fixture
def instructor(client):
    user = UserFactory(username="teacher", is_staff=True)
    user.groups.add(Group.objects.get(name="Instructors"))
    client.force_login(user)
    return user


# --- Draft and published -------------------------------------------------------------------


def test_a_draft_is_not_served_to_learners(client):
    quiz = quiz_with_questions(2, status=Quiz.Status.DRAFT)
    assert client.get(quiz_url(quiz)).status_code == 404
    assert client.post(start_url(quiz)).status_code == 404
    assert not Attempt.objects.exists()


def test_a_draft_is_not_served_to_staff_who_cannot_edit_quizzes(client):
    quiz = quiz_with_questions(2, status=Quiz.Status.DRAFT)
    client.force_login(UserFactory(is_staff=True))
    assert client.get(quiz_url(quiz)).status_code == 404


def test_an_instructor_previews_a_draft(client, instructor):
    quiz = quiz_with_questions(2, status=Quiz.Status.DRAFT)
    page = client.get(quiz_url(quiz)).content.decode()
    assert "Preview: This quiz is a draft" in page
    assert client.post(start_url(quiz)).status_code == 302
    assert Attempt.objects.get(quiz=quiz).learner.user == instructor


def test_a_published_quiz_is_served(client):
    quiz = quiz_with_questions(2)
    assert client.get(quiz_url(quiz)).status_code == 200
    assert client.post(start_url(quiz)).status_code == 302


# --- Open and close dates ------------------------------------------------------------------


def test_a_quiz_that_has_not_opened_cannot_be_started(client):
    quiz = quiz_with_questions(2, opens=timezone.now() + timedelta(days=1))
    page = client.get(quiz_url(quiz)).content.decode()
    assert "This quiz opens on" in page
    assert "Start practising" not in page
    response = client.post(start_url(quiz), follow=True)
    assert "This quiz opens on" in response.content.decode()
    assert not Attempt.objects.exists()


def test_a_closed_quiz_cannot_be_started(client):
    now = timezone.now()
    quiz = quiz_with_questions(2, opens=now - timedelta(days=2), closes=now - timedelta(days=1))
    assert "This quiz closed on" in client.get(quiz_url(quiz)).content.decode()
    client.post(start_url(quiz))
    assert not Attempt.objects.exists()


def test_an_attempt_ends_when_the_quiz_closes_even_within_its_time_limit():
    now = timezone.now()
    quiz = quiz_with_questions(
        2, mode=Quiz.Mode.EXAM, time_limit=timedelta(minutes=60), closes=now + timedelta(minutes=10)
    )
    attempt = attempts.start_attempt(quiz=quiz, learner=LearnerFactory(), now=now)
    assert attempt.deadline == now + timedelta(minutes=10)


def test_the_close_date_must_follow_the_open_date():
    now = timezone.now()
    quiz = quiz_with_questions(1)
    quiz.opens, quiz.closes = now, now - timedelta(hours=1)
    with pytest.raises(Exception, match="close after it opens"):
        quiz.full_clean()


# --- Limits and overrides ------------------------------------------------------------------


def test_limits_without_an_override_are_the_quizs():
    quiz = quiz_with_questions(
        1, mode=Quiz.Mode.EXAM, attempts_allowed=2, time_limit=timedelta(minutes=30)
    )
    limits = quiz.limits_for(LearnerFactory())
    assert (limits.attempts_allowed, limits.time_limit) == (2, timedelta(minutes=30))
    assert quiz.limits_for(None).attempts_allowed == 2


def test_an_override_adds_attempts_and_time_for_that_learner_only():
    quiz = quiz_with_questions(
        1, mode=Quiz.Mode.EXAM, attempts_allowed=1, time_limit=timedelta(minutes=30)
    )
    learner, other = LearnerFactory(), LearnerFactory()
    QuizOverride.grant(quiz=quiz, learner=learner, attempts=1, time=timedelta(minutes=15))
    QuizOverride.grant(quiz=quiz, learner=learner, attempts=1)
    limits = quiz.limits_for(learner)
    assert (limits.attempts_allowed, limits.time_limit) == (3, timedelta(minutes=45))
    assert quiz.limits_for(other).attempts_allowed == 1


def test_an_override_leaves_unlimited_attempts_and_no_time_limit_alone():
    quiz = quiz_with_questions(1, attempts_allowed=0)
    learner = LearnerFactory()
    QuizOverride.grant(quiz=quiz, learner=learner, attempts=2, time=timedelta(minutes=5))
    limits = quiz.limits_for(learner)
    assert (limits.attempts_allowed, limits.time_limit) == (0, None)


def test_an_extra_attempt_lets_the_learner_start_again(client, start):
    user = UserFactory()
    client.force_login(user)
    quiz = quiz_with_questions(1, mode=Quiz.Mode.EXAM, attempts_allowed=1)
    attempts.finish_attempt(attempt=start(quiz))
    refused = client.post(start_url(quiz), follow=True).content.decode()
    assert "You have used all 1 attempts" in refused
    assert "You have used all your attempts" in client.get(quiz_url(quiz)).content.decode()
    QuizOverride.grant(quiz=quiz, learner=Learner.objects.get(user=user), attempts=1)
    assert "you have 1 left" in client.get(quiz_url(quiz)).content.decode()
    client.post(start_url(quiz))
    assert Attempt.objects.filter(quiz=quiz).count() == 2


def test_extra_time_moves_the_deadline():
    now = timezone.now()
    quiz = quiz_with_questions(1, mode=Quiz.Mode.EXAM, time_limit=timedelta(minutes=30))
    learner = LearnerFactory()
    QuizOverride.grant(quiz=quiz, learner=learner, time=timedelta(minutes=10))
    attempt = attempts.start_attempt(quiz=quiz, learner=learner, now=now)
    assert attempt.deadline == now + timedelta(minutes=40)
