"""Expired exams count as finished at their deadline in every report, even unvisited."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from courses.models import Topic
from quizzes import attempts, cohorts, progress, stats
from quizzes.models import Attempt, Cohort, Learner, Membership, Quiz
from tests.factories import UserFactory, quiz_with_questions
from tests.quizzes.conftest import right_choice, wrong_choice

pytestmark = pytest.mark.django_db


@pytest.fixture
def abandoned():
    """A class member's exam: two answers saved (one right), then the learner never came back."""
    exam = quiz_with_questions(
        2, mode=Quiz.Mode.EXAM, time_limit=timedelta(minutes=20), shuffle_questions=False
    )
    user = UserFactory(username="dev")
    owner = UserFactory(username="ms-rao", is_staff=True)
    owner.groups.add(Group.objects.get(name="Instructors"))
    cohort = Cohort.objects.create(name="12B", course=exam.course, owner=owner)
    Membership.objects.create(cohort=cohort, user=user)
    learner = Learner.objects.create(user=user)
    attempt = attempts.start_attempt(quiz=exam, learner=learner)
    first, second = attempt.slots.all()
    attempts.record_answer(attempt=attempt, slot=first, value=right_choice(first), seq=0)
    attempts.record_answer(attempt=attempt, slot=second, value=wrong_choice(second), seq=0)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(minutes=1, microseconds=250)
    )
    attempt.refresh_from_db()
    return attempt, cohort, owner


def _csv(client, cohort, kind):
    url = reverse("admin:quizzes_cohort_report_csv", args=[cohort.pk, kind])
    return list(csv.DictReader(io.StringIO(client.get(url).content.decode())))


def test_the_class_csv_shows_an_abandoned_exam_finished_at_its_deadline(client, abandoned):
    attempt, cohort, owner = abandoned
    client.force_login(owner)
    [row] = _csv(client, cohort, "attempts")
    assert row["state"] == Attempt.State.FINISHED
    assert row["finished"] == attempt.deadline.isoformat()
    assert (row["score"], row["out_of"], row["passed"]) == ("1.0", "2", "no")


def test_the_class_report_counts_the_answers_of_an_abandoned_exam(client, abandoned):
    attempt, cohort, owner = abandoned
    client.force_login(owner)
    [row] = [r for r in _csv(client, cohort, "topics") if r["learner"] == "dev"]
    assert row["recent_accuracy_percent"] == "50.0"
    _, [learner_row] = cohorts.class_report(cohort)
    assert learner_row.stats[0].answers == 2


def test_item_analysis_includes_an_abandoned_exam(abandoned):
    attempt, _, _ = abandoned
    analysis = stats.quiz_statistics(attempt.quiz)
    assert analysis.attempts == 1 and analysis.mean == 50


def test_the_dashboard_counts_an_abandoned_exam(client, abandoned):
    attempt, _, _ = abandoned
    client.force_login(attempt.learner.user)
    assert client.get(reverse("quizzes:dashboard")).status_code == 200
    attempt.refresh_from_db()
    assert attempt.finished == attempt.deadline
    [topic_stats] = progress.topic_stats(attempt.learner, progress.topics_with_counts())
    assert (topic_stats.topic, topic_stats.answers) == (Topic.objects.get(), 2)


def test_an_exam_still_running_is_left_open_by_reports(abandoned):
    attempt, cohort, _ = abandoned
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(minutes=5))
    cohorts.class_report(cohort)
    stats.quiz_statistics(attempt.quiz)
    attempt.refresh_from_db()
    assert attempt.is_open


def test_a_late_submit_is_recorded_at_the_deadline(client, abandoned):
    attempt, _, _ = abandoned
    client.force_login(attempt.learner.user)
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    attempt.refresh_from_db()
    assert attempt.finished == attempt.deadline
    assert attempt.slots.get(number=1).response.graded == attempt.deadline
