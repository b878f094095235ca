"""The graded outcome stored with each response, and the question bank's history rules:
kind fixed once answered, retire, duplicate, "used in N quizzes"."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from quizzes import grading
from quizzes.models import Answer, Question, Response, Tag
from tests.factories import QuestionFactory, QuizFactory, TopicFactory, quiz_with_questions
from tests.quizzes.conftest import HX, right_choice, right_post, slot_url, wrong_choice, wrong_post

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:quizzes_question_changelist"


def answer(client, attempt, number, choice):
    """Post the option with answer-row id `choice`, as the page posts it (its option value)."""
    value = attempt.slots.get(number=number).option_value(choice)
    return client.post(slot_url(attempt, number, "answer"), {"seq": 0, "choice": value}, headers=HX)


def test_a_practice_answer_stores_its_fraction_feedback_and_matched_option(client, start):
    attempt = start(quiz_with_questions(1))
    slot = attempt.slots.get()
    wrong = next(o for o in slot.snapshot["options"] if o["feedback"] and o["fraction"] <= 0)
    answer(client, attempt, 1, wrong["id"])
    response = Response.objects.get(slot=slot)
    assert response.fraction == 0.0
    assert response.feedback == [wrong["feedback"]]
    assert response.matched == [wrong["id"]]


def test_feedback_and_review_show_the_stored_outcome_without_grading_again(
    client, start, monkeypatch
):
    attempt = start(quiz_with_questions(2))
    slot = attempt.slots.get(number=1)
    answer(client, attempt, 1, wrong_choice(slot))
    Response.objects.filter(slot=slot).update(feedback=["What the learner was shown back then."])

    def no_grading(*args, **kwargs):
        raise AssertionError("showing a result must not grade again")

    monkeypatch.setattr(grading, "grade", no_grading)
    again = client.get(slot_url(attempt, 1)).content.decode()  # practice feedback, revisited
    assert "What the learner was shown back then." in again
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    page = client.get(reverse("quizzes:review", args=[attempt.pk])).content.decode()
    assert "What the learner was shown back then." in page


def test_submitting_an_exam_stores_each_answers_outcome(client, start):
    quiz = quiz_with_questions(2, mode="exam")
    attempt = start(quiz)
    first, second = attempt.slots.order_by("number")
    client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(first)})
    client.post(slot_url(attempt, 2, "answer"), {"seq": 0, "choice": wrong_post(second)})
    assert Response.objects.get(slot=first).matched == []  # not graded before submitting
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    right, wrong = Response.objects.get(slot=first), Response.objects.get(slot=second)
    assert (right.fraction, right.matched) == (1.0, [right_choice(first)])
    assert (wrong.fraction, wrong.matched) == (0.0, [wrong_choice(second)])
    assert right.feedback == ["Yes."]


def test_the_migration_backfills_the_outcome_of_earlier_responses(client, start):
    attempt = start(quiz_with_questions(1))
    slot = attempt.slots.get()
    answer(client, attempt, 1, wrong_choice(slot))
    Response.objects.update(feedback=[], hint="", matched=[])  # as rows were before it
    migration = importlib.import_module("quizzes.migrations.0008_graded_outcome_and_retired")
    migration.store_outcomes(apps, None)
    response = Response.objects.get()
    assert response.matched == [wrong_choice(slot)]
    assert response.feedback == ["No."]
    assert response.fraction == 0.0


def test_the_kind_of_an_answered_question_cannot_change(client, start):
    attempt = start(quiz_with_questions(1))
    slot = attempt.slots.get()
    answer(client, attempt, 1, right_choice(slot))
    question = slot.question
    question.kind = Question.Kind.MULTIPLE
    with pytest.raises(ValidationError) as error:
        question.full_clean()
    assert "kind" in error.value.message_dict


def test_the_kind_of_an_unanswered_question_can_change():
    question = QuestionFactory()
    question.kind = Question.Kind.MULTIPLE
    question.full_clean()


@pytest.mark.parametrize("how", ["admin action", "save"])
def test_a_retired_question_is_left_out_of_new_attempts_but_kept_in_old_ones(
    client, admin_client, start, how
):
    quiz = quiz_with_questions(2, shuffle_questions=False)
    old = start(quiz)  # the quiz's pool and question versions are now cached for starts
    retired = old.slots.get(number=1).question
    answer(client, old, 1, right_choice(old.slots.get(number=1)))
    client.post(reverse("quizzes:submit", args=[old.pk]))
    if how == "save":
        retired.retired = True
        retired.save()
    else:
        admin_client.post(
            reverse("admin:quizzes_question_changelist"),
            {"action": "retire", "_selected_action": [retired.pk]},
        )

    new = start(quiz)
    assert new.pk != old.pk
    assert retired.pk not in set(new.slots.values_list("question_id", flat=True))
    assert new.slot_count == 1
    review = client.get(reverse("quizzes:review", args=[old.pk]))
    assert review.status_code == 200
    assert "Yes." in review.content.decode()  # the retired question's stored feedback
    assert old.slots.count() == 2


def test_a_draw_never_serves_a_retired_question(client, start):
    topic = TopicFactory()
    kept = QuestionFactory(topic=topic)
    QuestionFactory(topic=topic, retired=True)
    quiz = QuizFactory(topic=topic, course=topic.course, draw_count=5)
    assert list(quiz.question_pool()) == [kept]


def test_duplicating_copies_text_answers_and_tags_without_the_id_number(admin_client):
    question = QuestionFactory(idnumber="kpo-meaning", retired=True)
    question.tags.add(Tag.objects.create(name="basics"))
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "duplicate", "_selected_action": [question.pk]}
    )
    assert response.status_code == 302
    copy = Question.objects.exclude(pk=question.pk).get()
    assert copy.title == f"{question.title} (copy)"
    assert (copy.idnumber, copy.retired, copy.text) == ("", False, question.text)
    assert [(a.text, a.fraction) for a in copy.answers.all()] == [
        (a.text, a.fraction) for a in question.answers.all()
    ]
    assert list(copy.tags.values_list("name", flat=True)) == ["basics"]
    assert Answer.objects.filter(question=question).count() == 4  # the original is untouched


def test_retire_and_restore_actions(admin_client):
    question = QuestionFactory()
    url = reverse(CHANGELIST)
    admin_client.post(url, {"action": "retire", "_selected_action": [question.pk]})
    question.refresh_from_db()
    assert question.retired
    admin_client.post(url, {"action": "restore", "_selected_action": [question.pk]})
    question.refresh_from_db()
    assert not question.retired


def test_the_question_list_says_how_many_quizzes_use_each_question(admin_client):
    topic = TopicFactory()
    shared, alone = QuestionFactory(topic=topic, title="Shared"), QuestionFactory(topic=topic)
    QuizFactory(topic=topic, course=topic.course, questions=[shared, alone])
    QuizFactory(topic=topic, course=topic.course, questions=[shared])
    page = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert "2 quizzes" in page
    assert "1 quiz<" in page


def test_answer_grades_are_picked_from_moodles_list_as_percentages(admin_client):
    html = admin_client.get(reverse("admin:quizzes_question_add")).content.decode()
    assert '<option value="0.8333333">83.33333 %</option>' in html
    assert '<option value="-0.5">-50 %</option>' in html


def test_a_grade_outside_moodles_list_is_kept_and_shown_selected(admin_client):
    question = QuestionFactory(
        kind="multiple",
        answers=[
            {"text": "A", "fraction": 0.333},
            {"text": "B", "fraction": 0.667},
            {"text": "C", "fraction": 0.0},
        ],
    )
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    html = admin_client.get(url).content.decode()
    assert '<option value="0.333" selected>33.3 %</option>' in html
