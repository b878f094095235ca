"""While an exam runs, nothing shows its answers; limited quizzes need an account; option
values are opaque per attempt."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from quizzes import attempts
from quizzes.models import GUEST_SESSION_KEY, Attempt, Learner, Quiz, Response
from tests.factories import (
    LearnerFactory,
    QuestionFactory,
    QuizFactory,
    TopicFactory,
    UserFactory,
    quiz_with_questions,
)
from tests.quizzes.conftest import HX, right_post, slot_url, wrong_post

pytestmark = pytest.mark.django_db
EXPLANATION = "KPO means knowledge process outsourcing."


@pytest.fixture
def bank():
    """Three questions; an exam over the first two, a practice quiz over all three."""
    topic = TopicFactory()
    questions = [QuestionFactory(topic=topic, explanation=f"Why {n}.") for n in range(3)]
    exam = QuizFactory(
        topic=topic,
        course=topic.course,
        mode=Quiz.Mode.EXAM,
        questions=questions[:2],
        time_limit=timedelta(minutes=30),
        title="Mock exam",
    )
    practice = QuizFactory(topic=topic, course=topic.course, questions=questions)
    return exam, practice, questions


def _start(client, quiz):
    client.post(f"/quizzes/{quiz.course.slug}/{quiz.slug}/start")
    return Attempt.objects.filter(quiz=quiz).order_by("-pk").first()


def _secrets(question) -> list[str]:
    """What would give the answer away: the explanation, the right option, a verdict."""
    return [question.explanation, "Correct answer", "option correct", "✓", "✗", "Yes."]


def test_practice_started_during_an_exam_leaves_out_the_exams_questions(client, bank):
    exam, practice, questions = bank
    _start(client, exam)
    attempt = _start(client, practice)
    assert list(attempt.slots.values_list("question_id", flat=True)) == [questions[2].pk]


def test_practice_has_nothing_left_while_every_question_is_in_the_exam(client, bank):
    exam, _, questions = bank
    only_exam = QuizFactory(topic=exam.topic, course=exam.course, questions=questions[:2])
    _start(client, exam)
    page = client.post(f"/quizzes/{only_exam.course.slug}/{only_exam.slug}/start", follow=True)
    assert "all in your open exam “Mock exam”" in page.content.decode()
    assert not only_exam.attempts.exists()


def test_a_practice_attempt_from_before_the_exam_keeps_results_hidden_until_it_ends(client, bank):
    exam, practice, questions = bank
    practice_attempt = _start(client, practice)
    exam_attempt = _start(client, exam)
    slot = practice_attempt.slots.get(question=questions[0])
    url = slot_url(practice_attempt, slot.number, "answer")
    fragment = client.post(url, {"seq": 0, "choice": right_post(slot)}, headers=HX)
    page = client.get(slot_url(practice_attempt, slot.number))
    for html in (fragment.content.decode(), page.content.decode()):
        assert "Answer saved" in html and "“Mock exam”" in html
        for secret in [*_secrets(questions[0]), "Not quite", "Correct"]:
            assert secret not in html
    assert Response.objects.get(slot=slot).fraction == 1  # kept, just not shown

    client.post(f"/attempts/{exam_attempt.pk}/submit")
    after = client.get(slot_url(practice_attempt, slot.number)).content.decode()
    assert "✓ Correct" in after and questions[0].explanation in after


def test_reviews_history_and_quiz_pages_hide_what_a_running_exam_asks(client, bank):
    exam, practice, questions = bank
    client.force_login(UserFactory())
    exam.attempts_allowed = 2
    exam.save()
    first = _start(client, exam)
    for slot in first.slots.all():
        client.post(slot_url(first, slot.number, "answer"), {"seq": 0, "choice": wrong_post(slot)})
    client.post(f"/attempts/{first.pk}/submit")
    before = client.get(f"/attempts/{first.pk}/review/").content.decode()
    assert "Correct answer" in before and "You scored" in before

    _start(client, exam)  # the second attempt asks the same questions
    review = client.get(f"/attempts/{first.pk}/review/").content.decode()
    for question in questions[:2]:
        for secret in _secrets(question):
            assert secret not in review
    assert "You scored" not in review and "Hidden while your exam is open" in review
    for url in ("/attempts/", exam.get_absolute_url()):
        html = client.get(url).content.decode()
        assert "score hidden while your exam is open" in html
        assert not re.search(r"(?<!\d)0%", html)  # the first attempt scored 0%


def test_mistakes_and_review_sessions_leave_out_a_running_exams_questions(client, bank):
    exam, practice, questions = bank
    attempt = _start(client, practice)
    for slot in attempt.slots.all():
        data = {"seq": 0, "choice": wrong_post(slot)}
        client.post(slot_url(attempt, slot.number, "answer"), data)
    client.post(f"/attempts/{attempt.pk}/submit")
    _start(client, exam)
    topic = practice.topic
    client.post(f"/progress/{topic.course.slug}/{topic.slug}/mistakes")
    session = Attempt.objects.get(quiz__purpose=Quiz.Purpose.MISTAKES)
    assert list(session.slots.values_list("question_id", flat=True)) == [questions[2].pk]


def test_an_expired_exam_no_longer_hides_anything(client, bank):
    exam, practice, questions = bank
    exam_attempt = _start(client, exam)
    Attempt.objects.filter(pk=exam_attempt.pk).update(deadline=timezone.now())
    attempt = _start(client, practice)
    assert attempt.slots.count() == 3


# Attempt limits need an account ------------------------------------------------------------


def test_a_guest_cannot_start_a_limited_quiz_and_is_offered_log_in_and_sign_up(client):
    quiz = quiz_with_questions(1, mode=Quiz.Mode.EXAM, attempts_allowed=2)
    url = quiz.get_absolute_url()
    page = client.get(url).content.decode()
    assert f'href="/accounts/login/?next={url}"' in page
    assert f'href="/accounts/signup/?next={url}"' in page
    started = client.post(f"/quizzes/{quiz.course.slug}/{quiz.slug}/start", follow=True)
    assert "needs an account" in started.content.decode()
    assert not Attempt.objects.exists() and not Learner.objects.exists()


def test_a_guest_learner_is_refused_by_the_workflow_too():
    quiz = quiz_with_questions(1, attempts_allowed=1)
    with pytest.raises(attempts.AccountNeeded):
        attempts.start_attempt(quiz=quiz, learner=Learner.objects.create())


def test_logging_in_never_gives_more_attempts_than_the_limit(client):
    quiz = quiz_with_questions(1, mode=Quiz.Mode.EXAM, attempts_allowed=2)
    user = UserFactory(username="ravi")
    account = Learner.objects.create(user=user)
    for _ in range(2):
        attempts.finish_attempt(attempt=attempts.start_attempt(quiz=quiz, learner=account))
    guest = Learner.objects.create()  # a guest session from before the account rule
    Attempt.objects.create(quiz=quiz, learner=guest, slot_count=1)
    practice = quiz_with_questions(1)
    kept = Attempt.objects.create(quiz=practice, learner=guest, slot_count=1)
    session = client.session
    session[GUEST_SESSION_KEY] = guest.pk
    session.save()

    client.post("/accounts/login/", {"username": "ravi", "password": "correct-horse-battery"})

    assert Attempt.objects.filter(quiz=quiz, learner=account).count() == 2
    assert Attempt.objects.get(pk=kept.pk).learner == account  # the rest still moves over


def test_merging_keeps_the_guests_attempts_that_fit_within_the_limit():
    quiz = quiz_with_questions(1, attempts_allowed=3)
    account, guest = LearnerFactory(), Learner.objects.create()
    Attempt.objects.create(quiz=quiz, learner=account, slot_count=1, state="finished")
    for _ in range(3):
        Attempt.objects.create(quiz=quiz, learner=guest, slot_count=1, state="finished")
    attempts.merge_learners(guest=guest, into=account)
    assert Attempt.objects.filter(quiz=quiz, learner=account).count() == 3


# Opaque option values ------------------------------------------------------------------------


def _values(html: str) -> list[str]:
    return re.findall(r'name="choice" value="([^"]+)"', html)


def test_option_values_are_opaque_and_differ_in_every_attempt(client):
    quiz = quiz_with_questions(1, kinds=("multiple",))
    ids = {str(pk) for pk in quiz.questions.get().answers.values_list("pk", flat=True)}
    pages = []
    for _ in range(2):
        browser = Client()
        attempt = _start(browser, quiz)
        pages.append(browser.get(slot_url(attempt, 1)).content.decode())
    first, second = (_values(page) for page in pages)
    assert len(first) == len(second) == 4
    assert not set(first) & set(second)
    assert not set(first) & ids and not set(second) & ids


def test_a_value_from_another_attempt_or_question_is_a_4xx_and_stores_nothing(client):
    quiz = quiz_with_questions(2, kinds=("single", "matching"), shuffle_questions=False)
    other = _start(Client(), quiz)
    attempt = _start(client, quiz)
    single, matching = attempt.slots.all()
    foreign = {"seq": 0, "choice": right_post(other.slots.get(number=1))}
    assert client.post(slot_url(attempt, 1, "answer"), foreign).status_code == 422
    first_item = matching.snapshot["options"][0]["id"]
    other_question = {"seq": 0, "choice": matching.option_value(first_item)}
    assert client.post(slot_url(attempt, 1, "answer"), other_question).status_code == 422
    other_matching = other.slots.get(number=2)
    pairs = {
        f"match-{other_matching.option_value(o['id'])}": o["match"]
        for o in other_matching.snapshot["options"]
    }
    assert client.post(slot_url(attempt, 2, "answer"), {"seq": 0, **pairs}).status_code == 422
    assert not Response.objects.exists()


def test_a_right_answer_posted_as_its_value_is_graded_and_stored_by_id(client):
    quiz = quiz_with_questions(1)
    attempt = _start(client, quiz)
    slot = attempt.slots.get()
    client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(slot)})
    response = Response.objects.get()
    right = slot.question.answers.get(fraction=1)
    assert response.answer == {"choice": right.pk} and response.fraction == 1
