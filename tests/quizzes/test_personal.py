"""Personal quizzes (review, mistakes) are found by their purpose, never by a slug."""

import importlib

import pytest
from django.apps import apps

from quizzes.models import Attempt, Quiz, ReviewCard
from tests.factories import QuizFactory, TopicFactory, quiz_with_questions
from tests.quizzes.conftest import slot_url, wrong_post

pytestmark = pytest.mark.django_db
migration = importlib.import_module("quizzes.migrations.0010_personal_quiz_purpose")


def _answer_all_wrongly(client, start, quiz):
    attempt = start(quiz)
    for slot in attempt.slots.all():
        client.post(
            slot_url(attempt, slot.number, "answer"), {"seq": 0, "choice": wrong_post(slot)}
        )
    return attempt


def test_an_authors_quiz_slugged_review_is_not_taken_over_by_review_sessions(client, start):
    quiz = quiz_with_questions(2)
    authored = QuizFactory(course=quiz.course, topic=quiz.topic, slug="review", title="Revision")
    _answer_all_wrongly(client, start, quiz)
    ReviewCard.objects.update(due="2000-01-01T00:00Z")
    client.post(f"/progress/{quiz.course.slug}/review")
    session = Attempt.objects.get(quiz__purpose=Quiz.Purpose.REVIEW)
    assert session.quiz != authored
    assert not authored.attempts.exists()
    assert client.get(authored.get_absolute_url()).status_code == 200


def test_an_authors_quiz_slugged_like_a_mistakes_session_stays_the_authors(client, start):
    quiz = quiz_with_questions(2)
    topic = quiz.topic
    authored = QuizFactory(course=quiz.course, topic=topic, slug=f"mistakes-{topic.slug}")
    _answer_all_wrongly(client, start, quiz)
    client.post(f"/progress/{topic.course.slug}/{topic.slug}/mistakes")
    client.post(f"/progress/{topic.course.slug}/{topic.slug}/mistakes")
    sessions = Quiz.objects.filter(purpose=Quiz.Purpose.MISTAKES)
    assert sessions.count() == 1 and sessions.get() != authored
    assert sessions.get().attempts.count() == 2
    assert not authored.attempts.exists()


def test_a_personal_quiz_links_to_the_dashboard_not_to_a_quiz_page():
    topic = TopicFactory()
    quiz = Quiz.personal(topic.course, Quiz.Purpose.MISTAKES, topic)
    assert quiz.get_absolute_url() == "/progress/"
    assert Quiz.personal(topic.course, Quiz.Purpose.MISTAKES, topic) == quiz
    assert Quiz.personal(topic.course, Quiz.Purpose.REVIEW) != quiz


def test_the_migration_marks_rows_that_personal_sessions_made_by_slug():
    topic = TopicFactory(slug="kpo", title="KPO")
    course = topic.course
    review = QuizFactory(course=course, topic=None, slug="review", title="Review what is due")
    mistakes = QuizFactory(
        course=course, topic=topic, slug="mistakes-kpo", title="Practise my mistakes: KPO"
    )
    authored = quiz_with_questions(1, topic=topic, slug="mistakes-other", title="Practise")
    authored_review = quiz_with_questions(1, slug="review", title="Review what is due")

    migration.mark_personal_quizzes(apps, None)

    purposes = dict(Quiz.objects.values_list("pk", "purpose"))
    assert purposes[review.pk] == Quiz.Purpose.REVIEW
    assert purposes[mistakes.pk] == Quiz.Purpose.MISTAKES
    assert purposes[authored.pk] == purposes[authored_review.pk] == Quiz.Purpose.STANDARD
    assert Quiz.personal(course, Quiz.Purpose.MISTAKES, topic).pk == mistakes.pk
