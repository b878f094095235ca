"""Cached lesson bodies and course outlines (courses/fragments.py) and what retires them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses import fragments
from courses.loader import load_course
from courses.models import Course, Lesson
from quizzes import importing
from tests.courses.test_loader import LESSON, write_course
from tests.factories import (
    LessonFactory,
    QuestionFactory,
    QuizFactory,
    SourceFactory,
    TopicFactory,
    UserFactory,
)
from tests.quizzes.test_import_batches import _plan

pytestmark = pytest.mark.django_db


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    # The page's own content: the header's CSRF token is masked afresh on every request.
    return page[page.index("<main") : page.index("</main>")], len(queries)


def test_a_second_view_of_a_lesson_comes_from_the_cache(client):
    lesson = LessonFactory(body="## Idea\n\nCached **text**.")
    first, first_queries = _get(client, lesson.get_absolute_url())
    again, again_queries = _get(client, lesson.get_absolute_url())
    assert again == first
    assert "<strong>text</strong>" in again
    assert again_queries < first_queries
    assert again_queries <= 1  # at most the content generation, when it lives in the database


def test_a_second_view_of_a_course_reads_only_the_learners_progress(client):
    topic = TopicFactory()
    QuestionFactory(topic=topic)
    url = topic.course.get_absolute_url()
    first, first_queries = _get(client, url)
    again, again_queries = _get(client, url)
    assert again == first and again_queries < first_queries


def test_a_missing_lesson_is_a_404_and_is_not_cached(client):
    topic = TopicFactory()
    url = reverse("courses:lesson", args=[topic.course.slug, topic.slug, "nope"])
    assert client.get(url).status_code == 404
    LessonFactory(topic=topic, slug="nope", body="Now it exists.")
    assert "Now it exists." in client.get(url).content.decode()


def test_an_admin_edit_of_a_lesson_shows_on_the_next_view(client):
    lesson = LessonFactory(body="Old words.")
    source = SourceFactory(course=lesson.topic.course)
    assert "Old words." in client.get(lesson.get_absolute_url()).content.decode()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:courses_lesson_change", args=[lesson.pk]),
        {
            "topic": lesson.topic.pk,
            "title": lesson.title,
            "slug": lesson.slug,
            "order": lesson.order,
            "summary": "",
            "body": "New words.",
            "sources": [source.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert "New words." in page and "Old words." not in page
    assert source.title in page


def test_saves_and_deletes_of_content_retire_the_outline(client):
    topic = TopicFactory(title="First title")
    url = topic.course.get_absolute_url()
    assert "First title" in client.get(url).content.decode()
    topic.title = "Second title"
    topic.save()
    assert "Second title" in client.get(url).content.decode()
    QuestionFactory(topic=topic)
    assert "1 question" in client.get(url).content.decode()
    exam = QuizFactory(course=topic.course, topic=None, title="Whole-course exam")
    assert "Whole-course exam" in client.get(url).content.decode()
    exam.delete()
    assert "Whole-course exam" not in client.get(url).content.decode()


def test_linking_a_source_or_adding_a_quiz_retires_the_lesson(client):
    lesson = LessonFactory()
    url = lesson.get_absolute_url()
    client.get(url)
    source = SourceFactory(course=lesson.topic.course, title="A cited article")
    lesson.sources.add(source)
    assert "A cited article" in client.get(url).content.decode()
    QuizFactory(topic=lesson.topic, course=lesson.topic.course, title="Topic drill")
    assert "Practise this topic" in client.get(url).content.decode()


def test_load_course_retires_every_cached_fragment(client, tmp_path):
    load_course(write_course(tmp_path / "demo"))
    lesson = Lesson.objects.get(slug="first-lesson")
    course_url = Course.objects.get(slug="demo").get_absolute_url()
    assert "Text." in client.get(lesson.get_absolute_url()).content.decode()
    assert "Demo course" in client.get(course_url).content.decode()
    generation = fragments.generation()
    edited = LESSON.replace("Text.", "Rewritten text.")
    course = (tmp_path / "demo" / "course.toml").read_text().replace("Demo course", "Demo two")
    load_course(write_course(tmp_path / "demo", **{"lessons/01-first-lesson.md": edited}))
    (tmp_path / "demo" / "course.toml").write_text(course)
    load_course(tmp_path / "demo")
    assert fragments.generation() != generation
    assert "Rewritten text." in client.get(lesson.get_absolute_url()).content.decode()
    assert "Demo two" in client.get(course_url).content.decode()


def test_load_course_retires_fragments_itself_not_only_through_signals(tmp_path, monkeypatch):
    """Rows the loader changes with bulk queries send no signal: it invalidates on its own."""
    calls = []
    monkeypatch.setattr(fragments, "invalidate", lambda: calls.append(1))
    load_course(write_course(tmp_path / "demo"))
    assert calls == [1]


def test_importing_questions_retires_the_outline(client):
    """An import inserts questions with bulk queries, which send no signals."""
    topic = TopicFactory()
    QuestionFactory(topic=topic)
    url = topic.course.get_absolute_url()
    assert "1 question" in client.get(url).content.decode()
    importing.save_plan(_plan(3, topic), course=topic.course)
    assert "4 questions" in client.get(url).content.decode()
