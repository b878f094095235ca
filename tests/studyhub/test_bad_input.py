"""Requests a browser would not send still get a 4xx with a clear message, never a 500."""

import pytest

from quizzes.models import Cohort, Membership
from tests.factories import LessonFactory, UserFactory, quiz_with_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    """A course with a lesson and a quiz; a signed-in member of a class."""
    quiz = quiz_with_questions(1)
    lesson = LessonFactory(topic=quiz.topic)
    course = lesson.topic.course
    user = UserFactory()
    cohort = Cohort.objects.create(name="Evening", course=quiz.course, owner=UserFactory())
    Membership.objects.create(cohort=cohort, user=user)
    return {"quiz": quiz, "lesson": lesson, "course": course, "user": user, "cohort": cohort}


def learner_pages(site) -> list[str]:
    quiz, lesson, course = site["quiz"], site["lesson"], site["course"]
    topic = lesson.topic
    return [
        "/",
        "/healthz",
        f"/courses/{course.slug}/",
        f"/courses/{course.slug}/glossary/",
        f"/courses/{course.slug}/faq/",
        f"/courses/{course.slug}/search/?q=process",
        f"/courses/{course.slug}/{topic.slug}/",
        f"/courses/{course.slug}/{topic.slug}/revision/",
        f"/courses/{course.slug}/{topic.slug}/{lesson.slug}/",
        f"/quizzes/{quiz.course.slug}/{quiz.slug}/",
        "/attempts/",
        "/classes/",
        f"/classes/join/{site['cohort'].code}/",
        "/progress/",
        "/progress/exam-day/",
        "/progress/my-data/",
        "/progress/my-data.json",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password_reset/",
    ]


def test_head_answers_wherever_get_does(client, site):
    client.force_login(site["user"])
    for url in learner_pages(site):
        got = client.get(url)
        head = client.head(url)
        assert got.status_code == 200, url
        assert head.status_code == 200, url
        assert head["Content-Type"] == got["Content-Type"], url


def test_head_on_an_attempt_page_answers_like_get(client, site):
    client.post(f"/quizzes/{site['quiz'].course.slug}/{site['quiz'].slug}/start")
    attempt = site["quiz"].attempts.get()
    for url in (f"/attempts/{attempt.pk}/q/1/", f"/attempts/{attempt.pk}/summary/"):
        assert client.head(url).status_code == client.get(url).status_code == 200, url


def test_options_answers_with_the_allowed_methods(client, site):
    home = client.options("/")
    assert home.status_code == 200
    assert home["Allow"] == "GET, HEAD, OPTIONS"
    assert home.content == b""
    quiz = site["quiz"]
    start = client.options(f"/quizzes/{quiz.course.slug}/{quiz.slug}/start")
    assert start.status_code == 200
    assert start["Allow"] == "POST, OPTIONS"
    assert not quiz.attempts.exists()  # the view never ran
    assert client.options("/healthz")["Allow"] == "GET, HEAD, OPTIONS"


def test_a_method_a_page_does_not_take_is_still_405(client):
    assert client.delete("/").status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/courses/{course}/search/?q=out%00sourcing",
        "/courses/{course}/search/?q%00=x",
        "/classes/join/AB%00CD/",
        "/classes/join/?code=AB%00CD",
    ],
)
def test_a_nul_character_in_the_address_is_a_400_with_a_message(client, site, url):
    client.force_login(site["user"])
    response = client.get(url.format(course=site["course"].slug))
    assert response.status_code == 400
    assert "That address cannot be read" in response.content.decode()
