"""Question versions: each question rendered once per edit, and frozen once learners get it.

`current(questions)` is the one writer of `QuestionVersion`. It fingerprints each question
(`Question.source_digest()`, no Markdown involved) and returns the version with that digest,
rendering a new one only when the question changed since its last version:

- a version no slot holds yet is rewritten in place (nobody was given it);
- a version some slot holds is immutable: the edit gets the next version number.

So a question that learners were given and then edited has two versions, the slots keep the
one they were given (`Slot.version`), and a regrade can compare a response's version with the
question's current one. Attempt starts call `current` (through `served`, which keeps the
result in the content cache until the next edit), so the first start after an edit renders
the question and every later start only reads the finished version; `refresh` does
the same for questions just saved, for a writer that wants the version at once (a regrade).
The admin's file imports do not render: a large import stays as fast as before, and unused
questions never cost a rendering. `load_course` does (`importing.save_questions`): a course
folder is small and loaded on deploy, so no learner's start pays for it afterwards.
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Max

from courses import fragments
from quizzes.models import Question, QuestionVersion


def _loaded(questions: Iterable[Question]) -> list[Question]:
    """The questions with what `render` and `source_digest` read, fetched in two queries."""
    ids = [q.pk for q in questions]
    found = (
        Question.objects.select_related("lesson__topic__course", "topic")
        .prefetch_related("answers")
        .in_bulk(ids)
    )
    return [found[pk] for pk in ids if pk in found]


def current(questions: Iterable[Question]) -> dict[int, QuestionVersion]:
    """Each question's current version by question id, creating those that are missing.

    Pass questions loaded with select_related("lesson__topic__course", "topic") and
    prefetch_related("answers"): an up-to-date question then costs one query for all.
    """
    questions = list(questions)
    digests = {q.pk: q.source_digest() for q in questions}
    found = {
        v.question_id: v
        for v in QuestionVersion.objects.filter(
            question_id__in=digests, digest__in=set(digests.values())
        )
        if digests[v.question_id] == v.digest
    }
    for question in questions:
        if question.pk not in found:
            found[question.pk] = _freeze(question, digests[question.pk])
    return found


def served(ids: Iterable[int], *, token: str = "") -> dict[int, tuple[int, dict]]:
    """(version id, snapshot) by question id of the questions among `ids` that are not
    retired: what an attempt start gives out.

    Kept in the content cache (courses/fragments.py) until the next edit, so a start reads
    no question, answer or version row for questions already given out in this content
    generation. Everything `Question.source_digest` reads retires the entry when saved
    (questions, answers, lessons, topics, courses), as do the admin's retire actions.
    """

    def build(missing: list[int]) -> dict[int, tuple[int, dict]]:
        found = (
            Question.objects.filter(retired=False)
            .select_related("lesson__topic__course", "topic")
            .prefetch_related("answers")
            .in_bulk(missing)
        )
        return {pk: (v.pk, v.snapshot) for pk, v in current(found.values()).items()}

    return fragments.cached_many(("version",), ids, build, token=token)


def refresh(questions: Iterable[Question]) -> dict[int, QuestionVersion]:
    """`current` for questions as saved (loaded again with what rendering needs)."""
    return current(_loaded(questions))


def _freeze(question: Question, digest: str) -> QuestionVersion:
    snapshot = question.render()
    try:
        with transaction.atomic():
            latest = (
                QuestionVersion.objects.select_for_update()
                .filter(question=question)
                .order_by("-number")
                .first()
            )
            if latest is not None and not latest.slots.exists():
                latest.digest, latest.snapshot = digest, snapshot
                latest.save(update_fields=["digest", "snapshot"])
                return latest
            number = (
                QuestionVersion.objects.filter(question=question).aggregate(n=Max("number"))["n"]
                or 0
            ) + 1
            return QuestionVersion.objects.create(
                question=question, number=number, digest=digest, snapshot=snapshot
            )
    except IntegrityError:
        # Another request froze the same edit at the same moment: use theirs.
        return QuestionVersion.objects.get(question=question, digest=digest)
