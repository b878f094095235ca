"""Every static file a page names is in the collectstatic manifest (WHITENOISE_MANIFEST_STRICT)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from quizzes.models import Cohort
from tests.factories import LessonFactory, UserFactory, quiz_with_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def manifest_storage(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.DEBUG = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)


def test_the_manifest_is_strict(settings):
    assert settings.WHITENOISE_MANIFEST_STRICT is True


def test_pages_name_only_static_files_that_were_collected(client, manifest_storage):
    quiz = quiz_with_questions(1)
    lesson = LessonFactory(topic=quiz.topic)
    course, topic = quiz.course, quiz.topic
    staff = UserFactory(is_staff=True, is_superuser=True)
    cohort = Cohort.objects.create(name="Evening", course=course, owner=staff)
    learner_pages = [
        "/",
        f"/courses/{course.slug}/",
        f"/courses/{course.slug}/{topic.slug}/{lesson.slug}/",
        f"/quizzes/{course.slug}/{quiz.slug}/",
        "/accounts/login/",
        "/favicon.ico",
        "/no-such-page/",
    ]
    admin_pages = [
        "/admin/",
        reverse("admin:quizzes_question_changelist"),
        reverse("admin:quizzes_cohort_report", args=[cohort.pk]),
        reverse("admin:quizzes_quiz_change", args=[quiz.pk]),
    ]
    # A name missing from a strict manifest raises ValueError while the page renders.
    for url in learner_pages:
        assert client.get(url).status_code in (200, 301, 404), url
    client.force_login(staff)
    for url in admin_pages:
        assert client.get(url).status_code == 200, url
