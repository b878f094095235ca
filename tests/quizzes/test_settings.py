"""Quiz settings that can't mislead: status, open and close dates, limits and overrides."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from quizzes import attempts
from quizzes.models import Attempt, Learner, Quiz, QuizOverride
from tests.factories import (
    LearnerFactory,
    QuestionFactory,
    QuizFactory,
    TopicFactory,
    UserFactory,
    quiz_with_questions,
)

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


# --- The admin ---------------------------------------------------------------------------


def quiz_form(quiz, **changes):
    """The quiz change form's data as the admin would post it, with some fields changed."""
    data = {
        "course": quiz.course_id,
        "topic": quiz.topic_id or "",
        "title": quiz.title,
        "slug": quiz.slug,
        "mode": quiz.mode,
        "purpose": quiz.purpose,
        "order": quiz.order,
        "status": quiz.status,
        "draw_count": quiz.draw_count or "",
        "shuffle_questions": "on",
        "shuffle_answers": "on",
        "time_limit": "",
        "pass_mark": quiz.pass_mark,
        "attempts_allowed": quiz.attempts_allowed,
        "quizquestion_set-TOTAL_FORMS": 0,
        "quizquestion_set-INITIAL_FORMS": 0,
        "overrides-TOTAL_FORMS": 0,
        "overrides-INITIAL_FORMS": 0,
    }
    for position, row in enumerate(quiz.quizquestion_set.all()):
        data |= {
            f"quizquestion_set-{position}-id": row.pk,
            f"quizquestion_set-{position}-quiz": quiz.pk,
            f"quizquestion_set-{position}-order": row.order,
            f"quizquestion_set-{position}-question": row.question_id,
        }
    data["quizquestion_set-TOTAL_FORMS"] = data["quizquestion_set-INITIAL_FORMS"] = len(
        quiz.quizquestion_set.all()
    )
    return data | changes


def change_url(quiz):
    return reverse("admin:quizzes_quiz_change", args=[quiz.pk])


def test_typing_30_in_the_time_limit_gives_a_30_minute_exam(client, instructor):
    quiz = quiz_with_questions(2, mode=Quiz.Mode.EXAM)
    response = client.post(change_url(quiz), quiz_form(quiz, time_limit="30"))
    assert response.status_code == 302, response.content.decode()
    quiz.refresh_from_db()
    assert quiz.time_limit == timedelta(minutes=30)
    assert "Time limit: 30 minutes." in client.get(quiz_url(quiz)).content.decode()
    form = client.get(change_url(quiz)).content.decode()
    assert 'name="time_limit" value="30"' in form
    attempt = attempts.start_attempt(quiz=quiz, learner=LearnerFactory(), now=timezone.now())
    assert attempt.deadline - attempt.started == timedelta(minutes=30)


def test_a_time_limit_must_be_whole_minutes(client, instructor):
    quiz = quiz_with_questions(1, mode=Quiz.Mode.EXAM)
    response = client.post(change_url(quiz), quiz_form(quiz, time_limit="00:30:00"))
    assert response.status_code == 200
    assert "Enter a whole number." in response.content.decode()


def test_a_new_quiz_starts_as_a_draft(client, instructor):
    page = client.get(reverse("admin:quizzes_quiz_add")).content.decode()
    assert '<option value="draft" selected>' in page


def test_an_instructor_gives_a_learner_an_override_by_username(client, instructor):
    quiz = quiz_with_questions(1, mode=Quiz.Mode.EXAM, attempts_allowed=1)
    user = UserFactory(username="priya")
    data = quiz_form(
        quiz,
        **{
            "overrides-TOTAL_FORMS": 1,
            "overrides-0-username": "priya",
            "overrides-0-extra_attempts": 2,
            "overrides-0-extra_time": "15",
        },
    )
    response = client.post(change_url(quiz), data)
    assert response.status_code == 302, response.content.decode()
    override = QuizOverride.objects.get(quiz=quiz)
    assert override.learner.user == user
    assert (override.extra_attempts, override.extra_time) == (2, timedelta(minutes=15))
    assert quiz.limits_for(override.learner).attempts_allowed == 3
    page = client.get(change_url(quiz)).content.decode()
    assert 'value="priya"' in page and 'name="overrides-0-extra_time" value="15"' in page


def test_an_override_for_an_unknown_or_repeated_username_is_refused(client, instructor):
    quiz = quiz_with_questions(1)
    UserFactory(username="priya")
    unknown = quiz_form(
        quiz,
        **{
            "overrides-TOTAL_FORMS": 1,
            "overrides-0-username": "nobody",
            "overrides-0-extra_attempts": 1,
        },
    )
    assert (
        "No account has the username “nobody”."
        in client.post(change_url(quiz), unknown).content.decode()
    )
    twice = quiz_form(
        quiz,
        **{
            "overrides-TOTAL_FORMS": 2,
            "overrides-0-username": "priya",
            "overrides-0-extra_attempts": 1,
            "overrides-1-username": "priya",
            "overrides-1-extra_attempts": 1,
        },
    )
    assert "one override only" in client.post(change_url(quiz), twice).content.decode()
    assert not QuizOverride.objects.exists()


def test_the_quiz_change_page_budget_does_not_grow_with_overrides(client, instructor):
    quiz = quiz_with_questions(3)
    client.get(change_url(quiz))  # fills the per-process caches (content types)
    counts = []
    for n in (1, 20):
        for learner in LearnerFactory.create_batch(n - quiz.overrides.count()):
            QuizOverride.grant(quiz=quiz, learner=learner, attempts=1)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(change_url(quiz)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- What a quiz serves: validated, and described from the real selection -------------------


def served(quiz) -> int:
    return attempts.start_attempt(quiz=quiz, learner=LearnerFactory()).slot_count


def test_a_blank_quiz_serves_nothing_rather_than_everything():
    topic = TopicFactory()
    QuestionFactory.create_batch(3, topic=topic)
    quiz = QuizFactory(topic=topic, course=topic.course)
    assert quiz.selection().description == "No questions yet."
    with pytest.raises(attempts.QuizUnavailable):
        served(quiz)


def test_a_draw_from_chosen_topics_names_them_and_serves_from_them():
    first, second, other = (TopicFactory(title=t) for t in ("Costs", "Careers", "Other"))
    for topic in (second, other):
        topic.course = first.course
        topic.save()
    QuestionFactory.create_batch(2, topic=first)
    QuestionFactory.create_batch(3, topic=second)
    QuestionFactory.create_batch(4, topic=other)
    quiz = QuizFactory(topic=None, course=first.course, draw_count=4)
    quiz.draw_topics.set([second, first])
    assert quiz.selection().description == (
        "4 questions drawn at random from the 5 in “Costs” and “Careers”."
    )
    attempt = attempts.start_attempt(quiz=quiz, learner=LearnerFactory())
    assert {s.question.topic_id for s in attempt.slots.all()} <= {first.pk, second.pk}


def test_a_course_wide_draw_says_so():
    topic = TopicFactory()
    QuestionFactory.create_batch(3, topic=topic)
    quiz = QuizFactory(topic=None, course=topic.course, draw_count=2)
    assert quiz.selection().description == (
        "2 questions drawn at random from the 3 in the whole course."
    )


def test_the_description_counts_what_is_served_when_the_pool_shrank():
    quiz = QuizFactory(draw_count=50)
    QuestionFactory.create_batch(18, topic=quiz.topic)
    selection = quiz.selection()
    assert (selection.count, selection.pool) == (18, 18)
    assert selection.description.startswith("18 questions drawn at random from the 18")
    assert served(quiz) == selection.count


def test_a_fixed_list_is_described_by_its_own_topics(client):
    quiz = quiz_with_questions(3)
    assert quiz.selection().description == f"3 questions from “{quiz.topic.title}”."
    assert served(quiz) == 3
    page = client.get(quiz_url(quiz)).content.decode()
    assert f"3 questions from “{quiz.topic.title}”." in page


def test_the_admin_refuses_a_draw_larger_than_its_pool(client, instructor):
    quiz = QuizFactory(draw_count=5)
    QuestionFactory.create_batch(18, topic=quiz.topic)
    response = client.post(change_url(quiz), quiz_form(quiz, draw_count=50))
    assert response.status_code == 200
    html = response.content.decode()
    assert "draws 50 questions, but" in html and "holds only 18" in html
    quiz.refresh_from_db()
    assert quiz.draw_count == 5
    assert client.post(change_url(quiz), quiz_form(quiz, draw_count=18)).status_code == 302


def test_the_admin_refuses_to_publish_an_empty_quiz_but_keeps_an_empty_draft(client, instructor):
    quiz = QuizFactory(status=Quiz.Status.DRAFT)
    published = client.post(change_url(quiz), quiz_form(quiz, status="published"))
    assert "A published quiz needs questions" in published.content.decode()
    assert client.post(change_url(quiz), quiz_form(quiz)).status_code == 302


def test_the_admin_refuses_a_fixed_list_with_a_draw_and_topics_without_a_draw(client, instructor):
    quiz = quiz_with_questions(2)
    both = client.post(change_url(quiz), quiz_form(quiz, draw_count=1)).content.decode()
    assert "either draws at random or uses its fixed list" in both
    topics = client.post(change_url(quiz), quiz_form(quiz, draw_topics=[quiz.topic_id]))
    assert "used only by a random draw" in topics.content.decode()


def test_one_practise_button_per_topic_however_many_practice_quizzes(client):
    topic = TopicFactory()
    first = QuizFactory(topic=topic, course=topic.course, order=1, title="Basics")
    QuizFactory(topic=topic, course=topic.course, order=2, title="More practice")
    QuizFactory(topic=topic, course=topic.course, order=3, mode=Quiz.Mode.EXAM, title="Test")
    QuizFactory(topic=topic, course=topic.course, order=0, status=Quiz.Status.DRAFT)
    url = reverse("courses:topic", args=[topic.course.slug, topic.slug])
    page = client.get(url).content.decode()
    assert page.count("Practise this topic") == 1
    assert f'href="{first.get_absolute_url()}">Practise this topic</a>' in page
    assert "More practice</a>" in page and "Take “Test”</a>" in page
