"""Question versions (quizzes/versions.py): rendered once per edit, frozen once given out."""

import random
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quizzes import attempts, versions
from quizzes.models import Answer, Question, QuestionVersion, Slot
from tests.factories import LearnerFactory, QuestionFactory, quiz_with_questions

pytestmark = pytest.mark.django_db


def _start(quiz, learner=None):
    return attempts.start_attempt(
        quiz=quiz, learner=learner or LearnerFactory(), rng=random.Random(3)
    )


def _answer_first(attempt):
    slot = attempt.slots.get(number=1)
    choice = next(o["id"] for o in slot.snapshot["options"] if o["fraction"] >= 1)
    attempts.record_answer(attempt=attempt, slot=slot, value=choice, seq=0)
    return slot


def test_every_slot_holds_the_version_of_its_question():
    quiz = quiz_with_questions(3)
    attempt = _start(quiz)
    for slot in attempt.slots.select_related("version"):
        assert slot.version.question_id == slot.question_id
        assert slot.version.number == 1
        # The slot's snapshot is the version's rendering, only reordered.
        assert {o["id"] for o in slot.snapshot["options"]} == {
            o["id"] for o in slot.version.snapshot["options"]
        }
        assert slot.snapshot["text"] == slot.version.snapshot["text"]


def test_a_version_holds_what_rendering_the_question_gives():
    question = QuestionFactory(text="Is *this* **KPO**?")
    version = versions.current(versions._loaded([question]))[question.pk]
    assert version.snapshot == Question.objects.get(pk=question.pk).render()
    assert "<strong>KPO</strong>" in version.snapshot["text"]


def test_an_unchanged_question_is_not_rendered_again_on_the_next_start():
    quiz = quiz_with_questions(4)
    _start(quiz)
    with mock.patch.object(Question, "render", side_effect=AssertionError("rendered")):
        attempt = _start(quiz)
    assert attempt.slots.count() == 4
    assert QuestionVersion.objects.count() == 4


def test_a_start_after_the_first_reads_no_question_answer_or_version_row():
    quiz = quiz_with_questions(4, kinds=("single", "matching"))
    _start(quiz)
    with CaptureQueriesContext(connection) as queries:
        attempt = _start(quiz)
    assert attempt.slots.count() == 4
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    for table in ("quizzes_question", "quizzes_answer", "quizzes_questionversion"):
        assert f'FROM "{table}"' not in tables


def test_an_answer_row_saved_on_its_own_gives_the_next_start_a_new_version():
    quiz = quiz_with_questions(1)
    first = _start(quiz)
    slot = _answer_first(first)
    right = Answer.objects.get(question=slot.question, fraction=1)
    right.feedback = "Edited on its own."
    right.save()

    second = _start(quiz)
    new_slot = second.slots.get(number=1)
    assert new_slot.version.number == 2
    assert any("Edited on its own." in o["feedback"] for o in new_slot.snapshot["options"])


def test_editing_an_answered_question_makes_a_new_version_and_old_slots_keep_theirs():
    quiz = quiz_with_questions(1)
    first = _start(quiz)
    slot = _answer_first(first)
    question = slot.question
    question.text = "What does **BPO** stand for?"
    question.save()
    Answer.objects.filter(question=question, fraction=1).update(feedback="Edited.")

    second = _start(quiz)
    new_slot = second.slots.get(number=1)
    assert new_slot.version.number == 2
    assert "BPO" in new_slot.snapshot["text"]
    slot.refresh_from_db()
    assert slot.version.number == 1
    assert "KPO" in slot.version.snapshot["text"]
    assert "KPO" in slot.snapshot["text"]
    assert QuestionVersion.objects.filter(question=question).count() == 2


def test_editing_a_question_nobody_was_given_rewrites_its_only_version():
    question = QuestionFactory()
    versions.refresh([question])
    question.text = "Rewritten before anyone saw it."
    question.save()
    versions.refresh([question])
    version = QuestionVersion.objects.get(question=question)
    assert version.number == 1
    assert "Rewritten" in version.snapshot["text"]


def test_an_edit_undone_goes_back_to_the_version_learners_were_given():
    quiz = quiz_with_questions(1)
    slot = _start(quiz).slots.get()
    question = slot.question
    original = question.text
    question.text = "A typo"
    question.save()
    versions.refresh([question])
    question.text = original
    question.save()
    versions.refresh([question])
    assert versions.current(versions._loaded([question]))[question.pk] == slot.version


def test_versions_of_slots_cannot_be_deleted_from_under_them():
    from django.db.models import ProtectedError

    slot = _start(quiz_with_questions(1)).slots.get()
    with pytest.raises(ProtectedError):
        slot.version.delete()
    assert Slot.objects.filter(pk=slot.pk).exists()
