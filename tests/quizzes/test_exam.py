from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.models import Attempt, Quiz, Response
from tests.factories import UserFactory, quiz_with_questions
from tests.quizzes.conftest import HX, right_choice, right_post, slot_url, wrong_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam():
    return quiz_with_questions(
        3, mode=Quiz.Mode.EXAM, time_limit=timedelta(minutes=20), shuffle_questions=False
    )


def test_exam_answers_autosave_and_survive_a_reload(client, start, exam):
    attempt = start(exam)
    slot = attempt.slots.get(number=2)
    saved = client.post(
        slot_url(attempt, 2, "answer"), {"seq": 0, "choice": wrong_post(slot)}, headers=HX
    )
    assert saved.status_code == 200
    assert "Saved." in saved.content.decode()
    # The fragment hands the page the next sequence number, so the next autosave is not stale.
    assert 'name="seq" value="1"' in saved.content.decode()
    page = client.get(slot_url(attempt, 2)).content.decode()
    assert f'value="{wrong_post(slot)}"\n        checked' in page
    assert "Your answer is saved." in page


def test_exam_gives_no_feedback_before_submission(client, start, exam):
    attempt = start(exam)
    slot = attempt.slots.get(number=1)
    saved = client.post(
        slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(slot)}, headers=HX
    ).content.decode()
    page = client.get(slot_url(attempt, 1)).content.decode()
    for html in (saved, page):
        assert "Correct" not in html and "Not quite" not in html
        assert "KPO means knowledge process outsourcing" not in html
    assert Response.objects.get(slot=slot).fraction is None  # not graded until submitted


def test_changing_an_exam_answer_uses_the_sequence_check(client, start, exam):
    attempt = start(exam)
    slot = attempt.slots.get(number=1)
    url = slot_url(attempt, 1, "answer")
    client.post(url, {"seq": 0, "choice": wrong_post(slot)}, headers=HX)
    changed = client.post(url, {"seq": 1, "choice": right_post(slot)}, headers=HX)
    assert changed.status_code == 200
    response = Response.objects.get(slot=slot)
    assert response.version == 2
    # A post from a page that still shows version 1 (another tab) changes nothing...
    stale = client.post(url, {"seq": 1, "choice": wrong_post(slot)}, headers=HX)
    assert stale.status_code == 409
    assert "changed in another tab" in stale.content.decode()
    # ...and keeps the learner's own choice on screen with the fresh sequence number.
    assert 'name="seq" value="2"' in stale.content.decode()
    response.refresh_from_db()
    assert response.version == 2 and response.answer == {"choice": right_choice(slot)}


def test_a_retried_identical_post_is_acknowledged_and_stored_once(client, start, exam):
    attempt = start(exam)
    slot = attempt.slots.get(number=1)
    data = {"seq": 0, "choice": right_post(slot)}
    first = client.post(slot_url(attempt, 1, "answer"), data, headers=HX)
    retry = client.post(slot_url(attempt, 1, "answer"), data, headers=HX)
    assert first.status_code == retry.status_code == 200
    assert Response.objects.filter(slot=slot).count() == 1
    assert Response.objects.get(slot=slot).version == 1


def test_flag_summary_and_submit(client, start, exam):
    attempt = start(exam)
    client.post(slot_url(attempt, 2, "flag"), {"flagged": "1"}, headers=HX)
    slot = attempt.slots.get(number=1)
    client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(slot)})
    summary = client.get(f"/attempts/{attempt.pk}/summary/").content.decode()
    assert "2 not answered, 1 flagged for review" in summary
    response = client.post(f"/attempts/{attempt.pk}/submit")
    assert response["Location"] == f"/attempts/{attempt.pk}/review/"
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED and attempt.score == 1.0
    review = client.get(response["Location"]).content.decode()
    assert "not passed" in review
    assert "KPO means knowledge process outsourcing" in review  # explanations after submit


def test_save_and_next_without_javascript_moves_on_and_the_last_goes_to_the_summary(
    client, start, exam
):
    attempt = start(exam)
    for number in (1, 2, 3):
        slot = attempt.slots.get(number=number)
        response = client.post(
            slot_url(attempt, number, "answer"), {"seq": 0, "choice": right_post(slot)}
        )
        expected = (
            slot_url(attempt, number + 1) if number < 3 else f"/attempts/{attempt.pk}/summary/"
        )
        assert response["Location"] == expected


def test_resubmitting_a_finished_attempt_redirects_to_its_review(client, start, exam):
    attempt = start(exam)
    client.post(f"/attempts/{attempt.pk}/submit")
    again = client.post(f"/attempts/{attempt.pk}/submit")
    assert again.status_code == 302 and again["Location"].endswith("/review/")
    assert client.get(slot_url(attempt, 1))["Location"].endswith("/review/")


def test_answers_after_the_deadline_are_discarded_and_the_attempt_is_finished(client, start, exam):
    attempt = start(exam)
    slot = attempt.slots.get(number=1)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    late = client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(slot)})
    assert late.status_code == 302 and late["Location"].endswith("/review/")
    assert not Response.objects.filter(slot=slot).exists()
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED and attempt.score == 0


def test_an_expired_attempt_finishes_when_it_is_next_touched(client, start, exam):
    attempt = start(exam)
    slot = attempt.slots.get(number=1)
    client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(slot)})
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    page = client.get(slot_url(attempt, 2))
    assert page.status_code == 302 and page["Location"].endswith("/review/")
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.score == 1.0  # what was saved before time ran out counts


def test_the_countdown_shows_time_left_without_javascript(client, start, exam):
    attempt = start(exam)
    page = client.get(slot_url(attempt, 1)).content.decode()
    assert "Time left: <span data-left>19:5" in page or "Time left: <span data-left>20:00" in page
    assert "submitted for you" in page


def test_a_logged_in_learner_resumes_an_exam_from_another_device(client, start, exam):
    from django.test import Client

    user = UserFactory()
    client.force_login(user)
    attempt = start(exam)
    slot = attempt.slots.get(number=1)
    client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(slot)})
    other_device = Client()
    other_device.force_login(user)
    page = other_device.get(slot_url(attempt, 1))
    assert page.status_code == 200
    assert "Your answer is saved." in page.content.decode()
    resumed = other_device.post(f"/quizzes/{exam.course.slug}/{exam.slug}/start")
    assert resumed["Location"] == slot_url(attempt, 2)


def test_attempts_allowed_is_enforced_with_a_clear_message(client, start):
    quiz = quiz_with_questions(1, mode=Quiz.Mode.EXAM, attempts_allowed=1)
    client.force_login(UserFactory())
    attempt = start(quiz)
    client.post(f"/attempts/{attempt.pk}/submit")
    response = client.post(f"/quizzes/{quiz.course.slug}/{quiz.slug}/start", follow=True)
    assert "You have used all 1 attempts" in response.content.decode()
    assert Attempt.objects.filter(quiz=quiz).count() == 1


def test_the_question_list_links_each_question_to_its_own_page(client, start):
    quiz = quiz_with_questions(12, mode=Quiz.Mode.EXAM, shuffle_questions=False)
    attempt = start(quiz)
    client.post(slot_url(attempt, 11, "flag"), {"flagged": "1"})
    links = [f'href="{slot_url(attempt, n)}"' for n in range(1, 13)]
    question_page = client.get(slot_url(attempt, 3)).content.decode()
    assert all(link in question_page for link in links)
    summary = client.get(f"/attempts/{attempt.pk}/summary/").content.decode()
    assert all(link in summary for link in links)
    assert f'<a href="{slot_url(attempt, 11)}">Question 11</a>' in summary  # flagged
    assert f'<a href="{slot_url(attempt, 12)}">Question 12</a>' in summary  # not answered
