"""Progress kept at write time (TopicProgress) always equals progress computed from responses.

The property runs random answer sequences through the real workflows (practice answers,
exam submits, replays, answers graded out of time order and at the same instant) and
compares every learner-facing figure of the kept summaries with the computed ones, and each
review card's latest answer with the one the responses give.
"""

import importlib
import random
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.urls import reverse

from quizzes import attempts, grading, progress, regrade, scheduling
from quizzes.models import Answer, Attempt, Quiz, Response, ReviewCard, TopicProgress
from tests.factories import (
    LearnerFactory,
    QuestionFactory,
    TopicFactory,
    UserFactory,
    quiz_with_questions,
)

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _figures(stats):
    return [
        (s.topic.pk, s.seen, s.answers, s.self_marked, s.recent_accuracy, s.last_practised, s.level)
        for s in stats
    ]


def assert_kept_equals_computed(learner, topics):
    kept = progress.stats_by_learner([learner.pk], topics, now=T0)[learner.pk]
    computed = progress.computed_by_learner([learner.pk], topics, now=T0)[learner.pk]
    assert _figures(kept) == _figures(computed)


def _choice(slot, rng):
    ids = [o["id"] for o in slot.snapshot["options"]]
    if slot.kind == "multiple":  # partly right answers too
        return frozenset(rng.sample(ids, rng.randint(1, len(ids))))
    return rng.choice(ids)


def _practise(quiz, learner, rng, when):
    attempt = attempts.start_attempt(quiz=quiz, learner=learner, now=when, rng=rng)
    for slot in attempt.slots.all():
        if rng.random() < 0.7:
            value = _choice(slot, rng)
            attempts.record_answer(attempt=attempt, slot=slot, value=value, seq=0, now=when)
            if rng.random() < 0.2:  # a replayed post changes nothing
                attempts.record_answer(attempt=attempt, slot=slot, value=value, seq=0, now=when)
    attempts.finish_attempt(attempt=attempt, now=when)


def _take_exam(quiz, learner, rng, when):
    attempt = attempts.start_attempt(quiz=quiz, learner=learner, now=when, rng=rng)
    for slot in attempt.slots.all():
        if rng.random() < 0.8:
            value = _choice(slot, rng)
            attempts.record_answer(attempt=attempt, slot=slot, value=value, seq=0, now=when)
    # Every exam answer is graded at the same instant: ties are broken by response id.
    attempts.finish_attempt(attempt=attempt, now=when)


@pytest.mark.parametrize("seed", range(4))
def test_kept_progress_equals_progress_computed_from_responses(seed):
    rng = random.Random(seed)
    topics = [TopicFactory(), TopicFactory()]
    kinds = ("single", "multiple", "truefalse")
    practice = [quiz_with_questions(3, kinds=kinds, topic=t, shuffle_answers=True) for t in topics]
    exam = quiz_with_questions(
        0,
        topic=topics[0],
        questions=[q for quiz in practice for q in quiz.questions.all()],
        mode=Quiz.Mode.EXAM,
    )
    learner = LearnerFactory()
    for _ in range(12):
        # Out of order in time, sometimes at the very same instant as an earlier answer.
        when = T0 - timedelta(minutes=rng.choice([0, 5, 30, rng.randint(1, 2000)]))
        if rng.random() < 0.3:
            _take_exam(exam, learner, rng, when)
        else:
            _practise(rng.choice(practice), learner, rng, when)
    listed = progress.topics_with_counts(pk__in=[t.pk for t in topics])
    assert sum(s.answers for s in progress.topic_stats(learner, listed, now=T0)) > 0
    assert_kept_equals_computed(learner, listed)
    progress.rebuild([learner.pk])
    assert_kept_equals_computed(learner, listed)


def latest_from_responses(learner) -> dict[int, tuple]:
    """Per question, (fraction, graded, id) of the latest graded answer, as reports order them."""
    latest = {}
    for r in Response.objects.graded().filter(learner=learner).order_by("graded", "pk"):
        latest[r.question_id] = (r.fraction, r.graded, r.pk)
    return latest


def latest_on_cards(learner) -> dict[int, tuple]:
    return {
        c.question_id: (c.latest_fraction, c.latest_graded, c.latest_response)
        for c in ReviewCard.objects.filter(learner=learner)
    }


@pytest.mark.parametrize("seed", range(4))
def test_each_card_holds_the_latest_answer_the_responses_give(seed):
    rng = random.Random(seed)
    topic = TopicFactory()
    practice = quiz_with_questions(3, kinds=("single", "multiple"), topic=topic)
    exam = quiz_with_questions(
        0, topic=topic, questions=list(practice.questions.all()), mode=Quiz.Mode.EXAM
    )
    learner = LearnerFactory()
    for _ in range(10):
        # Out of order in time, sometimes at the very same instant as an earlier answer.
        when = T0 - timedelta(minutes=rng.choice([0, 5, rng.randint(1, 2000)]))
        if rng.random() < 0.4:
            _take_exam(exam, learner, rng, when)
        else:
            _practise(practice, learner, rng, when)
    expected = latest_from_responses(learner)
    assert expected and latest_on_cards(learner) == expected
    scheduling.rebuild_cards(learner)
    assert latest_on_cards(learner) == expected


def test_the_migration_fills_every_existing_card_with_its_latest_answer():
    learner = LearnerFactory()
    quiz = quiz_with_questions(3, topic=TopicFactory())
    rng = random.Random(5)
    for minutes in (0, 30, 10):
        _practise(quiz, learner, rng, T0 + timedelta(minutes=minutes))
    expected = latest_from_responses(learner)
    ReviewCard.objects.update(latest_fraction=None, latest_graded=None, latest_response=None)
    migration = importlib.import_module("quizzes.migrations.0015_review_card_latest_answer")
    migration.fill_latest_answers(apps, None)
    assert expected and latest_on_cards(learner) == expected


def test_recent_accuracy_kept_covers_only_the_last_twenty_answers():
    topic = TopicFactory()
    quiz = quiz_with_questions(1, topic=topic)
    learner = LearnerFactory()
    for i in range(25):
        attempt = attempts.start_attempt(quiz=quiz, learner=learner, now=T0 + timedelta(hours=i))
        slot = attempt.slots.get()
        right = i >= 5
        value = next(o["id"] for o in slot.snapshot["options"] if (o["fraction"] >= 1) == right)
        attempts.record_answer(
            attempt=attempt, slot=slot, value=value, seq=0, now=T0 + timedelta(hours=i)
        )
        attempts.finish_attempt(attempt=attempt, now=T0 + timedelta(hours=i))
    row = TopicProgress.objects.get(learner=learner, topic=topic)
    assert row.answers == 25 and len(row.recent) == progress.RECENT
    assert_kept_equals_computed(learner, progress.topics_with_counts(pk=topic.pk))


def test_merging_a_guest_into_an_account_keeps_progress_equal():
    topic = TopicFactory()
    quiz = quiz_with_questions(3, topic=topic)
    guest, account = LearnerFactory(user=None), LearnerFactory(user=UserFactory())
    rng = random.Random(2)
    _practise(quiz, guest, rng, T0)
    _practise(quiz, account, rng, T0 + timedelta(minutes=1))
    attempts.merge_learners(guest=guest, into=account)
    assert_kept_equals_computed(account, progress.topics_with_counts(pk=topic.pk))


def test_moving_a_question_to_another_topic_moves_its_answers_in_progress():
    first, second = TopicFactory(), TopicFactory()
    quiz = quiz_with_questions(2, topic=first)
    learner = LearnerFactory()
    _practise(quiz, learner, random.Random(0), T0)
    question = quiz.questions.first()
    question.topic = second
    question.save()
    listed = progress.topics_with_counts(pk__in=[first.pk, second.pk])
    assert_kept_equals_computed(learner, listed)


def test_an_unanswered_topic_has_no_kept_row_and_reads_as_not_started():
    question = QuestionFactory()
    learner = LearnerFactory()
    [stats] = progress.topic_stats(learner, progress.topics_with_counts(pk=question.topic_id))
    assert stats.level == progress.Level.NOT_STARTED
    assert not TopicProgress.objects.exists()


def test_a_regrade_rebuilds_the_kept_progress():
    topic = TopicFactory()
    quiz = quiz_with_questions(2, topic=topic, shuffle_answers=False)
    learner = LearnerFactory()
    attempt = attempts.start_attempt(quiz=quiz, learner=learner, now=T0)
    for slot in attempt.slots.all():
        wrong = next(o["id"] for o in slot.snapshot["options"] if o["fraction"] < 1)
        attempts.record_answer(attempt=attempt, slot=slot, value=wrong, seq=0, now=T0)
    attempts.finish_attempt(attempt=attempt, now=T0)
    listed = progress.topics_with_counts(pk=topic.pk)
    [before] = progress.stats_by_learner([learner.pk], listed, now=T0)[learner.pk]
    assert before.recent_accuracy == 0
    # The author finds the key was wrong: every option now counts as right.
    Answer.objects.filter(question__quizzes=quiz).update(fraction=1.0)
    for question in quiz.questions.all():
        question.save()  # a new version, as an admin edit makes
    regrade.apply(Attempt.objects.filter(pk=attempt.pk))
    [after] = progress.stats_by_learner([learner.pk], listed, now=T0)[learner.pk]
    assert after.recent_accuracy == 1
    assert_kept_equals_computed(learner, listed)


def test_reopening_an_exam_and_deleting_an_attempt_rebuild_the_kept_progress(admin_client):
    topic = TopicFactory()
    exam = quiz_with_questions(2, topic=topic, mode=Quiz.Mode.EXAM)
    practice = quiz_with_questions(2, topic=topic)
    learner = LearnerFactory()
    rng = random.Random(3)
    _take_exam(exam, learner, rng, T0)
    _practise(practice, learner, rng, T0 + timedelta(minutes=5))
    listed = progress.topics_with_counts(pk=topic.pk)
    taken = Attempt.objects.get(quiz=exam)
    attempts.reopen_attempt(attempt=taken)
    assert_kept_equals_computed(learner, listed)
    changelist = reverse("admin:quizzes_attempt_changelist")
    practised = Attempt.objects.get(quiz=practice)
    post = {"action": "delete_selected", "_selected_action": [practised.pk], "post": "yes"}
    admin_client.post(changelist, post)
    assert not Attempt.objects.filter(pk=practised.pk).exists()
    assert_kept_equals_computed(learner, listed)


def test_a_marked_long_answer_counts_in_the_kept_progress_as_self_marked():
    topic = TopicFactory()
    quiz = quiz_with_questions(1, topic=topic, kinds=("essay",))
    learner = LearnerFactory()
    attempt = attempts.start_attempt(quiz=quiz, learner=learner, now=T0)
    slot = attempt.slots.select_related("question").get()
    text = "BPO runs routine processes at high volume."
    handed_in = grading.EssayAnswer(text, None, final=True)
    attempts.record_answer(attempt=attempt, slot=slot, value=handed_in, seq=0, now=T0)
    listed = progress.topics_with_counts(pk=topic.pk)
    assert not TopicProgress.objects.filter(answers__gt=0).exists()  # awaiting marking
    slot = attempt.slots.select_related("question", "response").get()
    points = [o["id"] for o in slot.snapshot["options"]][:1]
    attempts.mark_answer(attempt=attempt, slot=slot, claimed=frozenset(points), now=T0)
    [stats] = progress.stats_by_learner([learner.pk], listed, now=T0)[learner.pk]
    assert stats.answers == 1 and stats.self_marked == 1
    assert_kept_equals_computed(learner, listed)


def test_the_migration_fills_every_kept_row_with_its_recent_accuracy():
    topic = TopicFactory()
    quiz = quiz_with_questions(3, kinds=("single", "multiple"), topic=topic)
    learner = LearnerFactory()
    rng = random.Random(6)
    for minutes in (0, 30, 10):
        _practise(quiz, learner, rng, T0 + timedelta(minutes=minutes))
    listed = progress.topics_with_counts(pk=topic.pk)
    [before] = progress.stats_by_learner([learner.pk], listed, now=T0)[learner.pk]
    TopicProgress.objects.update(recent_accuracy=None)
    migration = importlib.import_module("quizzes.migrations.0016_topic_progress_recent_accuracy")
    migration.fill_recent_accuracy(apps, None)
    [after] = progress.stats_by_learner([learner.pk], listed, now=T0)[learner.pk]
    assert before.recent_accuracy is not None
    assert after.recent_accuracy == before.recent_accuracy
    assert_kept_equals_computed(learner, listed)
