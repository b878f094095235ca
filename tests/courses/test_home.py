"""The home page: one tap each to continue, practise a topic, or sit the mock exam."""

import pytest
from django.urls import reverse

from quizzes import attempts
from quizzes.models import Learner, Quiz
from tests.factories import (
    CourseFactory,
    QuestionFactory,
    QuizFactory,
    TopicFactory,
    UserFactory,
    quiz_with_questions,
)
from tests.quizzes.conftest import right_choice

pytestmark = pytest.mark.django_db


def course_with_mock():
    course = CourseFactory()
    first = TopicFactory(course=course, order=1, title="First topic")
    second = TopicFactory(course=course, order=2, title="Second topic")
    mock = QuizFactory(
        course=course, topic=None, mode=Quiz.Mode.EXAM, title="Mock exam", draw_count=25
    )
    return course, first, second, mock


def taps(client) -> dict[str, str]:
    """The home page's tap links: their first line of text -> href."""
    from html.parser import HTMLParser

    found: dict[str, str] = {}

    class Taps(HTMLParser):
        href = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "a" and attrs.get("class") == "tap":
                self.href = attrs["href"]

        def handle_data(self, data):
            if self.href and data.strip():
                found[data.strip()] = self.href
                self.href = None

    response = client.get("/")
    assert response.status_code == 200
    Taps().feed(response.content.decode())
    return found


def test_a_first_time_visitor_gets_three_taps_starting_at_the_first_topic(client):
    course, first, _, mock = course_with_mock()
    assert taps(client) == {
        "Start at the beginning": first.get_absolute_url(),
        "Practise a topic": course.get_absolute_url() + "#topics",
        "Mock exam": reverse("quizzes:quiz", args=[course.slug, mock.slug]),
    }


def test_a_guest_with_an_open_attempt_continues_it(client):
    course, _, second, _ = course_with_mock()
    quiz = quiz_with_questions(2, topic=second, title="Practise the second topic")
    client.post(reverse("quizzes:start", args=[course.slug, quiz.slug]))
    attempt = quiz.attempts.get()
    links = taps(client)
    assert links["Continue where you left off"] == attempt.get_absolute_url()
    assert "Practise the second topic" in client.get("/").content.decode()


def test_a_learner_without_an_open_attempt_continues_in_the_last_topic_answered(client):
    course, first, second, _ = course_with_mock()
    user = UserFactory()
    learner = Learner.objects.create(user=user)
    for topic in (first, second):
        quiz = quiz_with_questions(1, topic=topic)
        attempt = attempts.start_attempt(quiz=quiz, learner=learner)
        slot = attempt.slots.get()
        attempts.record_answer(attempt=attempt, slot=slot, value=right_choice(slot), seq=0)
        attempts.finish_attempt(attempt=attempt)
    client.force_login(user)
    assert taps(client)["Continue where you left off"] == second.get_absolute_url()


def test_a_course_without_a_published_mock_exam_shows_no_mock_tap(client):
    topic = TopicFactory()
    QuizFactory(course=topic.course, topic=None, mode=Quiz.Mode.EXAM, status=Quiz.Status.DRAFT)
    assert "Mock exam" not in taps(client)


def test_the_course_page_has_the_topics_anchor_the_tap_points_to(client):
    course, *_ = course_with_mock()
    assert 'id="topics"' in client.get(course.get_absolute_url()).content.decode()


@pytest.mark.parametrize("n", [1, 20, 100])
def test_the_home_page_has_a_fixed_query_budget_for_a_learner(
    client, django_assert_max_num_queries, n
):
    user = UserFactory()
    learner = Learner.objects.create(user=user)
    for _ in range(n):
        course, first, _, _ = course_with_mock()
        quiz = quiz_with_questions(1, topic=first)
        attempts.start_attempt(quiz=quiz, learner=learner)
        QuestionFactory(topic=first)
    client.force_login(user)
    # The first visit in a content generation also reads the courses, topics and mock exams,
    # which every later visit takes from the cache (courses/fragments.py).
    with django_assert_max_num_queries(9):
        client.get("/")
    # content generation, session, user, learner, open attempts, last answered topic
    with django_assert_max_num_queries(6):
        response = client.get("/")
    assert response.content.decode().count("Continue where you left off") == n
