import pytest

from quizzes.models import Attempt, Response
from tests.factories import QuestionFactory, UserFactory, quiz_with_questions
from tests.quizzes.conftest import HX, right_post, slot_url, wrong_post

pytestmark = pytest.mark.django_db


def test_a_guest_can_start_a_practice_quiz_without_an_account(client, start):
    quiz = quiz_with_questions(3)
    attempt = start(quiz)
    assert attempt.learner.user is None
    page = client.get(slot_url(attempt))
    assert page.status_code == 200
    assert "Question 1 of 3" in page.content.decode()


def test_checking_an_answer_with_htmx_returns_only_the_feedback_fragment(client, start):
    quiz = quiz_with_questions(2)
    attempt = start(quiz)
    slot = attempt.slots.get(number=1)
    response = client.post(
        slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(slot)}, headers=HX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "✓ Correct" in html
    assert "KPO means knowledge process outsourcing." in html  # the explanation
    assert "Next question" in html
    assert Response.objects.get(slot=slot).fraction == 1.0


def test_without_javascript_an_answer_posts_and_redirects_to_its_feedback(client, start):
    quiz = quiz_with_questions(2)
    attempt = start(quiz)
    slot = attempt.slots.get(number=1)
    response = client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "choice": wrong_post(slot)})
    assert response.status_code == 302
    assert response["Location"] == slot_url(attempt, 1)
    page = client.get(response["Location"]).content.decode()
    assert "✗ Not quite" in page
    assert "Revise this" in page or slot.snapshot["lesson_url"] == ""


def test_feedback_links_to_the_lesson_section_that_teaches_it(client, start, django_db_blocker):
    from tests.factories import LessonFactory

    lesson = LessonFactory()
    question = QuestionFactory(topic=lesson.topic, lesson=lesson, anchor="second-section")
    quiz = quiz_with_questions(0, topic=lesson.topic)
    quiz.questions.add(question, through_defaults={"order": 1})
    attempt = start(quiz)
    slot = attempt.slots.get()
    html = client.post(
        slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(slot)}, headers=HX
    ).content.decode()
    assert f'href="{lesson.get_absolute_url()}#second-section"' in html


def test_the_last_question_offers_to_finish_and_finishing_shows_the_results(client, start):
    quiz = quiz_with_questions(1)
    attempt = start(quiz)
    slot = attempt.slots.get()
    html = client.post(
        slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(slot)}, headers=HX
    ).content.decode()
    assert "Finish and see results" in html
    response = client.post(f"/attempts/{attempt.pk}/submit")
    assert response["Location"] == f"/attempts/{attempt.pk}/review/"
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.score == 1.0
    review = client.get(response["Location"]).content.decode()
    assert "You scored 1 out of 1 (100%)" in review


def test_a_replayed_answer_changes_nothing_and_says_so(client, start):
    quiz = quiz_with_questions(2)
    attempt = start(quiz)
    slot = attempt.slots.get(number=1)
    client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "choice": wrong_post(slot)}, headers=HX)
    again = client.post(
        slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(slot)}, headers=HX
    )
    assert "You had already answered this question" in again.content.decode()
    assert Response.objects.filter(slot=slot).count() == 1
    assert Response.objects.get(slot=slot).fraction == 0.0


def test_every_kind_can_be_answered_in_practice(client, start):
    kinds = ("single", "multiple", "truefalse", "short", "numerical", "matching")
    quiz = quiz_with_questions(6, kinds=kinds, shuffle_questions=False)
    attempt = start(quiz)
    answers = {
        "single": lambda s: {"choice": right_post(s)},
        "truefalse": lambda s: {"choice": right_post(s)},
        "multiple": lambda s: {
            "choice": [s.option_value(o["id"]) for o in s.snapshot["options"] if o["fraction"] > 0]
        },
        "short": lambda s: {"text": "  knowledge process outsourcing. "},
        "numerical": lambda s: {"text": "40"},
        "matching": lambda s: {
            f"match-{s.option_value(o['id'])}": o["match"]
            for o in s.snapshot["options"]
            if o["text"]
        },
    }
    for slot in attempt.slots.all():
        data = {"seq": 0, **answers[slot.kind](slot)}
        response = client.post(slot_url(attempt, slot.number, "answer"), data, headers=HX)
        assert response.status_code == 200, (slot.kind, response.content)
        assert "✓ Correct" in response.content.decode(), slot.kind
    client.post(f"/attempts/{attempt.pk}/submit")
    attempt.refresh_from_db()
    assert attempt.score == 6


def test_signing_up_moves_a_guests_attempts_into_the_account(client, start):
    quiz = quiz_with_questions(1)
    attempt = start(quiz)
    slot = attempt.slots.get()
    client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(slot)})
    client.post(f"/attempts/{attempt.pk}/submit")
    guest = attempt.learner
    client.post(
        "/accounts/signup/",
        {"username": "asha", "password1": "s3cret-Pass-phrase", "password2": "s3cret-Pass-phrase"},
    )
    attempt.refresh_from_db()
    assert attempt.learner.user.username == "asha"
    assert not type(guest).objects.filter(pk=guest.pk).exists()
    assert Response.objects.filter(learner=attempt.learner).count() == 1
    history = client.get("/attempts/").content.decode()
    assert quiz.title in history


def test_logging_in_with_an_open_attempt_on_both_sides_keeps_one_open_and_loses_nothing(
    client, start
):
    user = UserFactory()
    quiz = quiz_with_questions(2)
    client.force_login(user)
    account_attempt = start(quiz)
    client.logout()
    guest_attempt = start(quiz)
    slot = guest_attempt.slots.get(number=1)
    client.post(slot_url(guest_attempt, 1, "answer"), {"seq": 0, "choice": right_post(slot)})
    client.post(
        "/accounts/login/", {"username": user.username, "password": "correct-horse-battery"}
    )
    attempts = Attempt.objects.filter(learner__user=user)
    assert attempts.count() == 2
    assert attempts.filter(state=Attempt.State.OPEN).count() == 1
    assert attempts.get(pk=account_attempt.pk).state == Attempt.State.FINISHED
    assert Response.objects.filter(learner__user=user).count() == 1
