"""A learner's own data, to download (JSON or CSV) or delete."""

import csv
import io
import json

from django.contrib.auth import logout
from django.db import transaction
from django.utils import timezone

from quizzes.models import Attempt, Learner, Membership, Response, ReviewCard, Slot


def _iso(value):
    return value.isoformat() if value else None


def learner_data(learner: Learner | None, user=None) -> dict:
    """Everything StudyHub stores about a learner and their account, in a few queries.

    A signed-in user who has never answered anything has an account but no learner row:
    they still get their account and classes.
    """
    user = user if user is not None else (learner.user if learner else None)
    responses: dict[int, list] = {}
    for r in Response.objects.filter(learner=learner).select_related("slot").order_by("created"):
        responses.setdefault(r.slot.attempt_id, []).append(
            {
                "question_id": r.question_id,
                "question": r.slot.snapshot["title"],
                "slot": r.slot.number,
                "answer": r.answer,
                "score": r.fraction,
                "answered": _iso(r.created),
                "changed": _iso(r.updated),
                "graded": _iso(r.graded),
                "seconds": r.seconds,
                "flagged": r.slot.flagged,
            }
        )
    flagged: dict[int, list[int]] = {}
    flags = Slot.objects.filter(attempt__learner=learner, flagged=True)
    for attempt_id, number in flags.values_list("attempt_id", "number"):
        flagged.setdefault(attempt_id, []).append(number)
    attempts = Attempt.objects.filter(learner=learner).select_related("quiz__course")
    memberships = (
        Membership.objects.filter(user=user).select_related("cohort__course").order_by("joined")
        if user
        else []
    )
    return {
        "exported": _iso(timezone.now()),
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        }
        if user
        else None,
        "classes": [
            {
                "class": m.cohort.name,
                "course": m.cohort.course.title,
                "code": m.cohort.code,
                "joined": _iso(m.joined),
            }
            for m in memberships
        ],
        "attempts": [
            {
                "id": a.pk,
                "course": a.quiz.course.title,
                "quiz": a.quiz.title,
                "mode": a.quiz.mode,
                "state": a.state,
                "started": _iso(a.started),
                "deadline": _iso(a.deadline),
                "finished": _iso(a.finished),
                "score": a.score,
                "out_of": a.slot_count,
                "answers": responses.get(a.pk, []),
                "flagged": sorted(flagged.get(a.pk, [])),
            }
            for a in attempts.order_by("started")
        ],
        "review_schedule": [
            {
                "question_id": c.question_id,
                "due": _iso(c.due),
                "last_review": _iso(c.last_review),
                "stability": c.stability,
                "difficulty": c.difficulty,
                "state": c.state,
            }
            for c in ReviewCard.objects.filter(learner=learner).order_by("due")
        ],
    }


def as_json(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


CSV_COLUMNS = [
    "attempt_id",
    "course",
    "quiz",
    "attempt_started",
    "question_id",
    "question",
    "answer",
    "score",
    "answered",
    "graded",
]


def as_csv(data: dict) -> str:
    """One row per answer."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for attempt in data["attempts"]:
        for answer in attempt["answers"]:
            writer.writerow(
                {
                    "attempt_id": attempt["id"],
                    "course": attempt["course"],
                    "quiz": attempt["quiz"],
                    "attempt_started": attempt["started"],
                    "question_id": answer["question_id"],
                    "question": answer["question"],
                    "answer": json.dumps(answer["answer"], ensure_ascii=False),
                    "score": answer["score"],
                    "answered": answer["answered"],
                    "graded": answer["graded"],
                }
            )
    return out.getvalue()


@transaction.atomic
def delete_everything(request, learner: Learner | None) -> None:
    """Delete the account (if any) and every attempt, answer and review card; log out."""
    user = request.user if request.user.is_authenticated else None
    if learner is not None:
        learner.delete()  # cascades to attempts, slots, responses and review cards
    if user is not None:
        user.delete()
    logout(request)  # also flushes a guest's session
