"""The learner loop's security and integrity promises, one test (or more) per promise."""

import re
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizzes import attempts
from quizzes.models import Answer, Attempt, Question, Quiz, Response, ResponseOption, Slot
from tests.factories import (
    LearnerFactory,
    QuestionFactory,
    TopicFactory,
    UserFactory,
    quiz_with_questions,
)
from tests.quizzes.conftest import HX, right_choice, right_post, slot_url, wrong_choice

pytestmark = pytest.mark.django_db

KINDS = ("single", "multiple", "truefalse", "short", "numerical", "matching")
SECRET = "SECRET-FEEDBACK"


def marked_quiz(mode=Quiz.Mode.PRACTICE):
    """A quiz whose feedback, explanations and misconceptions carry a marker string."""
    topic = TopicFactory()
    questions = []
    for kind in KINDS:
        q = QuestionFactory(topic=topic, kind=kind, explanation=f"{SECRET} explanation {kind}")
        for answer in q.answers.all():
            answer.feedback = f"{SECRET} on {answer.pk}"
            answer.misconception = f"{SECRET} label"
            answer.save()
        questions.append(q)
    return quiz_with_questions(0, topic=topic, mode=mode, questions=questions)


def assert_no_secrets(html: str):
    assert SECRET not in html
    assert "fraction" not in html


# 1. Nothing leaks before submission --------------------------------------------------------


@pytest.mark.parametrize("mode", [Quiz.Mode.PRACTICE, Quiz.Mode.EXAM])
def test_open_attempt_pages_reveal_no_answers_feedback_or_grades(client, start, mode):
    quiz = marked_quiz(mode)
    attempt = start(quiz)
    for slot in attempt.slots.all():
        assert_no_secrets(client.get(slot_url(attempt, slot.number)).content.decode())
    if mode == Quiz.Mode.EXAM:
        assert_no_secrets(client.get(f"/attempts/{attempt.pk}/summary/").content.decode())
        slot = attempt.slots.get(kind=None) if False else attempt.slots.first()
        data = {"seq": 0, **_answer_for(slot)}
        fragment = client.post(slot_url(attempt, slot.number, "answer"), data, headers=HX)
        assert_no_secrets(fragment.content.decode())
        assert_no_secrets(client.get(slot_url(attempt, slot.number)).content.decode())


def test_practice_feedback_shows_only_the_answered_question(client, start):
    quiz = marked_quiz()
    attempt = start(quiz)
    slot = attempt.slots.get(number=1)
    html = client.post(
        slot_url(attempt, 1, "answer"), {"seq": 0, **_answer_for(slot)}, headers=HX
    ).content.decode()
    others = Question.objects.exclude(pk=slot.question_id)
    for other in others:
        assert other.explanation not in html
    assert slot.question.explanation in html


def _answer_for(slot):
    kind = slot.kind
    if kind in ("single", "truefalse"):
        return {"choice": slot.option_value(slot.snapshot["options"][0]["id"])}
    if kind == "multiple":
        return {"choice": [slot.option_value(slot.snapshot["options"][0]["id"])]}
    if kind == "matching":
        options = slot.snapshot["options"]
        return {f"match-{slot.option_value(o['id'])}": o["match"] for o in options if o["text"]}
    return {"text": "40"}


def test_answer_order_is_shuffled_per_attempt_and_never_creation_order(client):
    question = QuestionFactory(kind="single")
    created = list(question.answers.values_list("pk", flat=True))
    quiz = quiz_with_questions(0, topic=question.topic, questions=[question])
    orders = set()
    for _ in range(25):
        learner = LearnerFactory()
        attempt = attempts.start_attempt(quiz=quiz, learner=learner)
        order = [o["id"] for o in attempt.slots.get().snapshot["options"]]
        assert order != created
        orders.add(tuple(order))
    assert len(orders) > 1  # shuffled per attempt, not one fixed permutation


# 2. Ownership ------------------------------------------------------------------------------


def test_another_learners_attempt_is_404_on_every_url_and_nothing_changes(client, start):
    quiz = quiz_with_questions(2, mode=Quiz.Mode.EXAM)
    owner = Client()
    owner.force_login(UserFactory())
    attempt = start(quiz, as_client=owner)
    slot = attempt.slots.get(number=1)
    intruders = [Client(), Client()]
    intruders[1].force_login(UserFactory())
    for intruder in intruders:
        for method, url, data in [
            ("get", slot_url(attempt, 1), {}),
            ("post", slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(slot)}),
            ("post", slot_url(attempt, 1, "flag"), {"flagged": "1"}),
            ("get", f"/attempts/{attempt.pk}/summary/", {}),
            ("post", f"/attempts/{attempt.pk}/submit", {}),
            ("get", f"/attempts/{attempt.pk}/review/", {}),
        ]:
            assert getattr(intruder, method)(url, data).status_code == 404, url
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.OPEN
    assert not Response.objects.filter(slot__attempt=attempt).exists()
    assert not Slot.objects.filter(attempt=attempt, flagged=True).exists()


# 3. No replay: see test_practice/test_exam for replays; here the double submit -----------


def test_two_submits_in_a_row_grade_once(client, start):
    quiz = quiz_with_questions(1, mode=Quiz.Mode.EXAM)
    attempt = start(quiz)
    slot = attempt.slots.get()
    client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(slot)})
    assert attempts.finish_attempt(attempt=attempt) is True
    assert attempts.finish_attempt(attempt=attempt) is False
    assert ResponseOption.objects.filter(response__slot=slot).count() == 1


# 4. Concurrency ----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_submits_produce_exactly_one_grading():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the SQLite test database is one shared connection")
    quiz = quiz_with_questions(3, mode=Quiz.Mode.EXAM)
    learner = LearnerFactory()
    attempt = attempts.start_attempt(quiz=quiz, learner=learner)
    for slot in attempt.slots.all():
        attempts.record_answer(attempt=attempt, slot=slot, value=right_choice(slot), seq=0)
    barrier = threading.Barrier(4)
    results = []

    def submit():
        from django.db import connections

        try:
            barrier.wait()
            results.append(attempts.finish_attempt(attempt=Attempt.objects.get(pk=attempt.pk)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    assert ResponseOption.objects.filter(response__slot__attempt=attempt).count() == 3
    attempt.refresh_from_db()
    assert attempt.score == 3


# 5. Database constraints -------------------------------------------------------------------


def test_database_rejects_a_score_above_the_maximum():
    quiz = quiz_with_questions(1)
    attempt = attempts.start_attempt(quiz=quiz, learner=LearnerFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.filter(pk=attempt.pk).update(score=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.filter(pk=attempt.pk).update(score=-0.5)


def test_database_rejects_a_second_answer_to_one_slot():
    quiz = quiz_with_questions(1)
    attempt = attempts.start_attempt(quiz=quiz, learner=LearnerFactory())
    slot = attempt.slots.get()
    fields = {"slot": slot, "learner": attempt.learner, "question": slot.question, "answer": {}}
    Response.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(**fields)


def test_database_rejects_a_second_open_attempt_at_one_quiz():
    quiz = quiz_with_questions(1)
    learner = LearnerFactory()
    attempts.start_attempt(quiz=quiz, learner=learner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(quiz=quiz, learner=learner)


def test_starting_twice_resumes_the_open_attempt():
    quiz = quiz_with_questions(1)
    learner = LearnerFactory()
    first = attempts.start_attempt(quiz=quiz, learner=learner)
    assert attempts.start_attempt(quiz=quiz, learner=learner) == first


# 6. Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, message",
    [
        ({"seq": 0}, "Choose an answer."),
        ({"seq": 0, "choice": "999999"}, "Select a valid choice"),
        ({"seq": 0, "choice": "abc"}, "Select a valid choice"),
        ({"choice": "1"}, "This page was out of date"),
        ({"seq": "-1", "choice": "1"}, "This page was out of date"),
    ],
)
def test_bad_choice_posts_get_a_form_error_not_a_500(client, start, data, message):
    quiz = quiz_with_questions(1)
    attempt = start(quiz)
    response = client.post(slot_url(attempt, 1, "answer"), data, headers=HX)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Response.objects.exists()


def test_a_choice_from_another_question_is_rejected(client, start):
    quiz = quiz_with_questions(2)
    attempt = start(quiz)
    other = attempt.slots.get(number=2)
    response = client.post(
        slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(other)}, headers=HX
    )
    assert response.status_code == 422
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "text, message",
    [("forty", "Enter a number"), ("4" * 300, "under 200 characters"), ("", "Type your answer")],
)
def test_bad_text_answers_get_a_form_error(client, start, text, message):
    quiz = quiz_with_questions(1, kinds=("numerical",))
    attempt = start(quiz)
    response = client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "text": text}, headers=HX)
    assert response.status_code == 422
    assert message in response.content.decode()


def test_a_bad_post_without_javascript_keeps_the_page_and_what_was_typed(client, start):
    quiz = quiz_with_questions(1, kinds=("numerical",))
    attempt = start(quiz)
    response = client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "text": "about forty"})
    assert response.status_code == 422
    assert 'value="about forty"' in response.content.decode()


FIELD = st.sampled_from(["seq", "choice", "text", "shown", "flagged", "match-1", "go", "x"])
VALUE = st.one_of(
    st.text(max_size=300),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["", "0", "1", "NaN", "inf", "1e309", "\x00", "[]", "{}"]),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.dictionaries(FIELD, st.one_of(VALUE, st.lists(VALUE, max_size=3)), max_size=6))
def test_random_posts_to_every_endpoint_never_cause_a_500(client, start, data):
    quiz = Quiz.objects.filter(slug="fuzz").first() or quiz_with_questions(
        6, kinds=KINDS, mode=Quiz.Mode.EXAM, slug="fuzz"
    )
    attempt = Attempt.objects.filter(quiz=quiz, state="open").first() or start(quiz)
    for number in range(1, 7):
        for action in ("answer", "flag"):
            response = client.post(slot_url(attempt, number, action), data, headers=HX)
            assert response.status_code < 500, (action, number, data)
    for url in (f"/quizzes/{quiz.course.slug}/{quiz.slug}/start", "/accounts/login/"):
        assert client.post(url, data).status_code < 500


# 7. Rate limits ----------------------------------------------------------------------------


def test_answer_posts_are_rate_limited_with_a_clear_message(client, start, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "answer": (3, 60)}
    quiz = quiz_with_questions(1, mode=Quiz.Mode.EXAM)
    attempt = start(quiz)
    slot = attempt.slots.get()
    url = slot_url(attempt, 1, "answer")
    statuses = [
        client.post(url, {"seq": 0, "choice": right_post(slot)}, headers=HX).status_code
        for _ in range(4)
    ]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3] == 429
    limited = client.post(url, {"seq": 0, "choice": right_post(slot)}, headers=HX)
    assert "Please wait" in limited.content.decode()
    assert limited.headers["HX-Retarget"] == "#notices"


def test_starting_attempts_is_rate_limited(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "start": (2, 60)}
    quiz = quiz_with_questions(1)
    url = f"/quizzes/{quiz.course.slug}/{quiz.slug}/start"
    codes = [client.post(url, {"restart": "1"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]


# 8. History is frozen ----------------------------------------------------------------------


def test_editing_a_question_never_changes_recorded_scores_or_what_review_shows(client, start):
    quiz = quiz_with_questions(1)
    attempt = start(quiz)
    slot = attempt.slots.get()
    client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(slot)})
    client.post(f"/attempts/{attempt.pk}/submit")
    question = slot.question
    question.text = "A completely different question"
    question.save()
    Answer.objects.filter(question=question).update(fraction=0)
    Answer.objects.filter(pk=wrong_choice(slot)).update(fraction=1, text="Now the right one")
    attempt.refresh_from_db()
    assert attempt.score == 1.0
    review = client.get(f"/attempts/{attempt.pk}/review/").content.decode()
    assert "What does <strong>KPO</strong> stand for?" in review
    assert "A completely different question" not in review
    assert "✓ Right" in review
    assert re.search(r"You scored 1 out of 1", review)
