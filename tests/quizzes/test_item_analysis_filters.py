"""Item analysis filters: by class and by date, and guests and staff left out by default."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes import stats
from quizzes.attempts import finish_attempt, record_answer, start_attempt
from quizzes.models import Attempt, Cohort, Learner, Membership
from tests.factories import LearnerFactory, UserFactory, quiz_with_questions

pytestmark = pytest.mark.django_db


def attempt_by(quiz, learner, *, right: bool, finished=None) -> Attempt:
    attempt = start_attempt(quiz=quiz, learner=learner)
    slot = attempt.slots.get()
    fraction = 1.0 if right else 0.0
    option = slot.question.answers.filter(fraction=fraction).first()
    record_answer(attempt=attempt, slot=slot, value=option.pk, seq=0)
    finish_attempt(attempt=attempt)
    if finished is not None:
        Attempt.objects.filter(pk=attempt.pk).update(finished=finished)
    return attempt


@pytest.fixture
def quiz():
    return quiz_with_questions(1)


def facility(quiz, **filters) -> tuple[int, float | None]:
    result = stats.quiz_statistics(quiz, stats.AttemptFilter(**filters))
    question = result.questions[0] if result.questions else None
    return result.attempts, question.facility if question else None


def test_guests_and_staff_are_left_out_by_default_and_can_be_included(quiz):
    attempt_by(quiz, LearnerFactory(), right=True)
    attempt_by(quiz, Learner.objects.create(), right=False)  # a guest
    attempt_by(quiz, LearnerFactory(user=UserFactory(is_staff=True)), right=False)
    assert facility(quiz) == (1, 100.0)
    assert facility(quiz, include_guests=True) == (2, 50.0)
    assert facility(quiz, include_staff=True) == (2, 50.0)
    assert facility(quiz, include_guests=True, include_staff=True)[0] == 3


def test_the_class_filter_counts_its_members_only(quiz):
    member, outsider = LearnerFactory(), LearnerFactory()
    cohort = Cohort.objects.create(name="Monday", course=quiz.course, owner=UserFactory())
    Membership.objects.create(cohort=cohort, user=member.user)
    attempt_by(quiz, member, right=True)
    attempt_by(quiz, outsider, right=False)
    assert facility(quiz, cohort=cohort) == (1, 100.0)
    assert facility(quiz)[0] == 2


def test_the_date_filter_counts_attempts_finished_in_the_range(quiz):
    today = timezone.localdate()
    noon = timezone.make_aware(timezone.datetime.combine(today, timezone.datetime.min.time()))
    noon += timedelta(hours=12)
    attempt_by(quiz, LearnerFactory(), right=True, finished=noon - timedelta(days=10))
    attempt_by(quiz, LearnerFactory(), right=False, finished=noon)
    assert facility(quiz, start=today) == (1, 0.0)
    assert facility(quiz, end=today - timedelta(days=1)) == (1, 100.0)
    assert facility(quiz, start=today - timedelta(days=10), end=today)[0] == 2
    assert facility(quiz, start=date(2000, 1, 1), end=date(2000, 1, 2)) == (0, None)


def test_the_statistics_page_filters_by_the_form(admin_client, quiz):
    member = LearnerFactory()
    cohort = Cohort.objects.create(name="Monday", course=quiz.course, owner=UserFactory())
    Membership.objects.create(cohort=cohort, user=member.user)
    attempt_by(quiz, member, right=True)
    attempt_by(quiz, LearnerFactory(), right=False)
    attempt_by(quiz, Learner.objects.create(), right=False)
    url = reverse("admin:quizzes_quiz_statistics", args=[quiz.pk])
    page = admin_client.get(url).content.decode()
    assert "Guests are left out." in page
    assert '<th scope="row">Finished attempts</th><td>2</td>' in page
    by_class = admin_client.get(url, {"cohort": cohort.pk}).content.decode()
    assert '<th scope="row">Finished attempts</th><td>1</td>' in by_class
    everyone = admin_client.get(url, {"include_guests": "on"}).content.decode()
    assert '<th scope="row">Finished attempts</th><td>3</td>' in everyone
    backwards = admin_client.get(url, {"start": "2026-02-02", "end": "2026-02-01"})
    assert backwards.status_code == 200
    assert "must not come after" in backwards.content.decode()


def test_an_instructor_filters_by_their_own_classes_only(client, quiz):
    from django.contrib.auth.models import Group

    teacher = UserFactory(is_staff=True)
    teacher.groups.add(Group.objects.get(name="Instructors"))
    mine = Cohort.objects.create(name="Mine", course=quiz.course, owner=teacher)
    theirs = Cohort.objects.create(name="Theirs", course=quiz.course, owner=UserFactory())
    client.force_login(teacher)
    url = reverse("admin:quizzes_quiz_statistics", args=[quiz.pk])
    page = client.get(url).content.decode()
    assert f'value="{mine.pk}"' in page and f'value="{theirs.pk}"' not in page
    refused = client.get(url, {"cohort": theirs.pk}).content.decode()
    assert "Select a valid choice" in refused
