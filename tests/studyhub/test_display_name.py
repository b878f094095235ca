"""An optional display name: given at sign-up, editable by its owner, shown in reports."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from quizzes import attempts
from quizzes.models import Cohort, Membership
from tests.factories import LearnerFactory, UserFactory, quiz_with_questions

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "priya",
    "email": "priya@example.com",
    "password1": "a-long-enough-passphrase",
    "password2": "a-long-enough-passphrase",
}


def test_signup_takes_an_optional_display_name(client):
    response = client.post(reverse("signup"), {**SIGNUP, "first_name": "Priya Shah"}, follow=True)
    assert get_user_model().objects.get(username="priya").get_full_name() == "Priya Shah"
    assert "Welcome, Priya Shah!" in response.content.decode()


def test_signup_without_a_display_name_still_works(client):
    assert client.post(reverse("signup"), SIGNUP).status_code == 302
    assert get_user_model().objects.get(username="priya").first_name == ""


def test_a_user_changes_their_display_name(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("display_name")).content.decode()
    assert "Display name (optional)" in page
    assert client.post(reverse("display_name"), {"first_name": "P. Shah"}).status_code == 302
    user.refresh_from_db()
    assert user.first_name == "P. Shah"


def test_the_display_name_page_needs_an_account(client):
    response = client.get(reverse("display_name"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_reports_show_the_display_name_with_the_username(client):
    instructor = UserFactory(is_staff=True)
    instructor.groups.add(Group.objects.get(name="Instructors"))
    learner = LearnerFactory(user=UserFactory(username="priya", first_name="Priya Shah"))
    quiz = quiz_with_questions(1)
    cohort = Cohort.objects.create(name="Monday", course=quiz.course, owner=instructor)
    Membership.objects.create(cohort=cohort, user=learner.user)
    attempts.finish_attempt(attempt=attempts.start_attempt(quiz=quiz, learner=learner))
    client.force_login(instructor)
    report = client.get(reverse("admin:quizzes_cohort_report", args=[cohort.pk])).content
    assert "Priya Shah" in report.decode()
    url = reverse("admin:quizzes_cohort_report_csv", args=[cohort.pk, "attempts"])
    rows = list(csv.DictReader(io.StringIO(client.get(url).content.decode())))
    assert (rows[0]["learner"], rows[0]["name"]) == ("priya", "Priya Shah")
