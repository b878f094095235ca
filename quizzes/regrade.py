"""Regrade finished attempts against the questions as they are now, as Moodle does.

`plan(attempts)` is the dry run: it grades every stored answer again against its question's
current data and lists each mark that would change. `apply(attempts)` does the same and
writes it: each slot takes the current question (its options kept in the order that learner
saw them), each response the new graded outcome, each attempt its new total. Open attempts
are left alone; they are graded when submitted.

The current question is its current `QuestionVersion` (quizzes.versions), the one attempts
started now are given; a regraded slot holds that version from then on, while the slots of
attempts not regraded keep the version they were given.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from quizzes import grading, progress, scheduling, versions
from quizzes.models import (
    OUTCOME_FIELDS,
    Attempt,
    Learner,
    Question,
    Response,
    ResponseOption,
    Slot,
    decode_answer,
    gradable_from,
)

_EPSILON = 1e-9


@dataclass(frozen=True)
class Change:
    """One mark that a regrade changes."""

    attempt_id: int
    learner: str
    number: int  # the question's place in the attempt
    question: str
    old: float
    new: float


@dataclass
class Plan:
    attempts: int = 0  # finished attempts looked at
    answers: int = 0  # graded answers looked at
    changes: list[Change] = field(default_factory=list)
    refreshed: int = 0  # answers whose question changed (mark or not)
    totals: dict[int, tuple[float, float]] = field(default_factory=dict)  # attempt: old, new


def _current(question_ids: Iterable[int], *, freeze: bool) -> dict[int, tuple[dict, Any]]:
    """Each question's current rendering (options in written order) and, with `freeze`, its
    current `QuestionVersion` (made if the question changed since its last one).

    The dry run renders in memory and writes nothing; applying takes the version, which the
    regraded slots then hold, as slots of attempts started now do.
    """
    found = (
        Question.objects.select_related("lesson__topic__course", "topic")
        .prefetch_related("answers")
        .in_bulk(list(question_ids))
    )
    if freeze:
        return {pk: (v.snapshot, v) for pk, v in versions.current(found.values()).items()}
    return {pk: (question.render(), None) for pk, question in found.items()}


def _in_slot_order(current: dict, frozen: dict) -> dict:
    """The current rendering, with options and choices in the order this slot showed them.

    Options added since come last; options deleted since are gone.
    """
    seen = {o["id"]: i for i, o in enumerate(frozen["options"])}
    shown = {c: i for i, c in enumerate(frozen.get("choices", []))}
    return {
        **current,
        "options": sorted(current["options"], key=lambda o: seen.get(o["id"], len(seen))),
        "choices": sorted(current["choices"], key=lambda c: shown.get(c, len(shown))),
    }


@dataclass
class _Regraded:
    response: Response
    snapshot: dict
    version: Any  # QuestionVersion or None (dry run)
    outcome: grading.Outcome


def _regrade(attempts: QuerySet[Attempt], *, freeze: bool) -> tuple[Plan, list[_Regraded]]:
    finished = attempts.filter(state=Attempt.State.FINISHED)
    responses = list(
        Response.objects.filter(slot__attempt__in=finished, fraction__isnull=False)
        .select_related("slot__attempt", "learner__user")
        .order_by("slot__attempt_id", "slot__number")
    )
    current = _current({r.question_id for r in responses}, freeze=freeze)
    plan = Plan(attempts=finished.count(), answers=len(responses))
    regraded, totals = [], defaultdict(lambda: [0.0, 0.0])
    for response in responses:
        slot = response.slot
        totals[slot.attempt_id][0] += response.fraction
        if response.question_id not in current:
            totals[slot.attempt_id][1] += response.fraction
            continue
        rendered, version = current[response.question_id]
        snapshot = _in_slot_order(rendered, slot.snapshot)
        outcome = grading.grade(gradable_from(snapshot), decode_answer(slot.kind, response.answer))
        totals[slot.attempt_id][1] += outcome.fraction
        if snapshot == slot.snapshot and outcome == response.graded_outcome():
            continue
        plan.refreshed += 1
        regraded.append(_Regraded(response, snapshot, version, outcome))
        if abs(outcome.fraction - response.fraction) > _EPSILON:
            plan.changes.append(
                Change(
                    attempt_id=slot.attempt_id,
                    learner=str(response.learner),
                    number=slot.number,
                    question=snapshot["title"],
                    old=response.fraction,
                    new=outcome.fraction,
                )
            )
    plan.totals = {pk: (old, new) for pk, (old, new) in totals.items() if abs(old - new) > _EPSILON}
    return plan, regraded


def plan(attempts: QuerySet[Attempt]) -> Plan:
    """The dry run: what `apply` would change, writing nothing."""
    return _regrade(attempts, freeze=False)[0]


@transaction.atomic
def apply(attempts: QuerySet[Attempt]) -> Plan:
    """Regrade and save: slots, outcomes, option records, attempt totals, review cards and
    kept progress."""
    result, regraded = _regrade(attempts, freeze=True)
    if not regraded:
        return result
    now = timezone.now()
    slots, responses = [], []
    for item in regraded:
        item.response.slot.snapshot = item.snapshot
        item.response.slot.version = item.version
        slots.append(item.response.slot)
        item.response.keep_outcome(item.outcome)
        item.response.graded = item.response.graded or now
        responses.append(item.response)
    Slot.objects.bulk_update(slots, ["snapshot", "version"])
    Response.objects.bulk_update(responses, OUTCOME_FIELDS)
    ResponseOption.objects.filter(response__in=responses).delete()
    ResponseOption.objects.bulk_create(
        ResponseOption(response=r, answer_id=a) for r in responses for a in r.matched
    )
    touched = {r.slot.attempt_id for r in responses}
    for attempt_id in touched:
        total = Response.objects.filter(slot__attempt_id=attempt_id).aggregate(s=Sum("fraction"))
        Attempt.objects.filter(pk=attempt_id).update(score=total["s"] or 0.0)
    # Review cards are derived from graded responses: rebuild them from the new marks.
    for learner in Learner.objects.filter(pk__in={r.learner_id for r in responses}):
        scheduling.rebuild_cards(learner)
    # So is the progress kept per topic (see TopicProgress).
    progress.rebuild({r.learner_id for r in responses})
    return result
