"""Guests: per-client limits on creating them and starting attempts, and purge_guests."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from quizzes import attempts
from quizzes.models import Attempt, Learner, Response, ReviewCard
from tests.factories import LearnerFactory, UserFactory, quiz_with_questions
from tests.quizzes.conftest import right_choice

pytestmark = pytest.mark.django_db


def _start(client, quiz, ip="198.51.100.7"):
    return client.post(f"/quizzes/{quiz.course.slug}/{quiz.slug}/start", REMOTE_ADDR=ip)


def test_one_client_cannot_create_guests_without_end(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "guest": (3, 3600)}
    quiz = quiz_with_questions(1)
    codes = [_start(Client(), quiz).status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    assert Learner.objects.count() == 3
    refused = _start(Client(), quiz)
    assert "Too many new guest sessions from your network" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert _start(Client(), quiz, ip="203.0.113.50").status_code == 302  # another client


def test_a_guest_who_already_exists_is_not_counted_as_new(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "guest": (1, 3600)}
    first, second = quiz_with_questions(1), quiz_with_questions(1)
    assert _start(client, first).status_code == 302
    assert _start(client, second).status_code == 302
    assert Learner.objects.count() == 1


def test_guest_starts_are_limited_per_client_across_guests(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "guest_start": (3, 600)}
    quiz = quiz_with_questions(1)
    codes = [_start(Client(), quiz).status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    assert Attempt.objects.count() == 3


def test_signed_in_learners_are_not_held_by_the_guest_limits(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "guest": (1, 3600), "guest_start": (1, 600)}
    quiz = quiz_with_questions(1)
    for _ in range(3):
        client = Client()
        client.force_login(UserFactory())
        assert _start(client, quiz).status_code == 302


# purge_guests --------------------------------------------------------------------------------


def _guest_with_work(days_ago: int) -> Learner:
    when = timezone.now() - timedelta(days=days_ago)
    guest = Learner.objects.create()
    quiz = quiz_with_questions(1)
    attempt = attempts.start_attempt(quiz=quiz, learner=guest, now=when)
    slot = attempt.slots.get()
    attempts.record_answer(attempt=attempt, slot=slot, value=right_choice(slot), seq=0, now=when)
    Learner.objects.filter(pk=guest.pk).update(created=when)
    return guest


def test_purge_deletes_idle_guests_and_their_data_only():
    idle = _guest_with_work(days_ago=40)
    recent = _guest_with_work(days_ago=2)
    came_back = _guest_with_work(days_ago=40)
    attempts.start_attempt(quiz=quiz_with_questions(1), learner=came_back)
    account = LearnerFactory()
    Learner.objects.filter(pk=account.pk).update(created=timezone.now() - timedelta(days=400))
    out = StringIO()

    call_command("purge_guests", "--older-than", "30", stdout=out)

    kept = set(Learner.objects.values_list("pk", flat=True))
    assert kept == {recent.pk, came_back.pk, account.pk}
    assert not Attempt.objects.filter(learner_id=idle.pk).exists()
    assert not Response.objects.filter(learner_id=idle.pk).exists()
    assert not ReviewCard.objects.filter(learner_id=idle.pk).exists()
    assert "Deleted 1 guests" in out.getvalue()


def test_purge_dry_run_deletes_nothing():
    _guest_with_work(days_ago=40)
    out = StringIO()
    call_command("purge_guests", "--older-than", "30", "--dry-run", stdout=out)
    assert "Would delete 1 guests" in out.getvalue()
    assert Learner.objects.count() == 1


def test_purge_refuses_a_nonsense_age():
    with pytest.raises(CommandError, match="at least 1 day"):
        call_command("purge_guests", "--older-than", "0")
