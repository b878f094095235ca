"""Benchmark data: the seed course, 1,000 learners and 100,000 stored responses, in seconds.

    .venv/bin/python tests/bench/data.py site [--user name:password ...]

The `site` command (used by the fault tests) migrates, loads the seed course and creates a few
users. `generate()` (used by tests/bench/run.py) builds the load-test data set on top:

- 1,000 learners, each a user with a learner row and a ready-made login session;
- finished attempts with frozen slots, graded responses (fractions, matched options), the
  review cards FSRS derives from them and the progress kept per learner and topic, 100,000
  responses in all: every learner has taken a 20-question class test, one learner has
  10,000 responses (for the dashboard's worst case);
- open attempts that the closed-loop phases answer and submit.

Every table is written with `bulk_create`, never a per-row save. `Question.snapshot()` runs
once per question and the frozen snapshot is reused for every slot of that question. Each
question is graded once per answer variant (right, wrong), and review cards come from one
`scheduling.apply_reviews` call over all graded responses, so they are derived exactly as the
app derives them.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import string
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COURSE_DIR = ROOT / "fixtures/bpo-vs-kpo"
PASSWORD = "bench-password-123"
CLASS_QUIZ = "class-test"
CLASS_SIZE = 20
BATCH = 2000


def setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyhub.settings")
    import django

    django.setup()


def setup_site(users: tuple[str, ...] = ()) -> None:
    """Migrate, load the seed course, and create users given as "name:password"."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_course", str(COURSE_DIR), stdout=io.StringIO())
    for spec in users:
        name, _, password = spec.partition(":")
        get_user_model().objects.create_user(name, f"{name}@example.com", password)


# --- answers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One way to answer a question: the form fields, the stored JSON, and its grade."""

    form: tuple[tuple[str, str], ...]
    stored: dict
    fraction: float
    matched: tuple[int, ...]


def form_fields(kind: str, value) -> tuple[tuple[str, str], ...]:
    """The POST fields that make AnswerForm produce `value`."""
    if kind in ("single", "truefalse"):
        return (("choice", str(value)),)
    if kind == "multiple":
        return tuple(("choice", str(v)) for v in sorted(value))
    if kind == "matching":
        return tuple((f"match-{k}", v) for k, v in sorted(value.items()))
    if kind == "essay":  # handed in; marking is the learner's own later step
        return (("text", value.text or "A long answer."), ("submit", "1"))
    return (("text", value),)


def _wrong(kind: str, snapshot: dict, right):
    options = snapshot["options"]
    wrong_ids = [o["id"] for o in options if o["fraction"] <= 0]
    if kind in ("single", "truefalse"):
        return wrong_ids[0] if wrong_ids else right
    if kind == "multiple":
        return frozenset(wrong_ids[:1]) or frozenset(right)
    if kind == "numerical":
        return "-987654"
    if kind == "short":
        return "no idea"
    if kind == "essay":
        from quizzes.grading import EssayAnswer

        return EssayAnswer("no idea", frozenset(), final=True)
    choices = snapshot["choices"]
    return {
        k: next((c for c in choices if c != v), v) for k, v in right.items()
    }  # every item matched to another choice


def variants(snapshot: dict) -> list[Variant]:
    """The right and a wrong answer to a frozen question, each graded once."""
    from quizzes import grading
    from quizzes.models import Slot, encode_answer

    gradable = Slot(snapshot=snapshot).gradable()
    kind = snapshot["kind"]
    right = grading.correct_response(gradable)
    if kind == "multiple":
        right = frozenset(right)
    found = []
    for value in (right, _wrong(kind, snapshot, right)):
        outcome = grading.grade(gradable, value)
        found.append(
            Variant(
                form_fields(kind, value),
                encode_answer(kind, value),
                outcome.fraction,
                tuple(outcome.matched),
            )
        )
    return found


# --- the data set ---------------------------------------------------------------------------


@dataclass
class Sizes:
    learners: int = 1000
    responses: int = 100_000
    heavy: int = 10_000  # responses of the one learner whose dashboard is timed
    mixed: int = 16  # learners in the mixed scenario
    burst: int = 200  # learners who start the same exam at once


def _token(n: int = 32) -> str:
    return "".join(random.choices(string.ascii_letters + string.digits, k=n))


TIMINGS: dict[str, float] = defaultdict(float)


def _bulk(model, rows: list, **kwargs) -> list:
    started = time.perf_counter()
    done = model.objects.bulk_create(rows, batch_size=BATCH, **kwargs)
    TIMINGS[model.__name__] += time.perf_counter() - started
    return done


class Builder:
    """Accumulates attempts with their slots and responses, then writes them in bulk."""

    def __init__(self, snapshots: dict[int, dict], graded: dict[int, list[Variant]]):
        self.snapshots, self.graded = snapshots, graded
        self.attempts: list = []
        self.slots: list[list[tuple]] = []  # per attempt: (question, variant | None, when)

    def add(self, attempt, questions, answered: int, *, skill: float, rng, start, graded_at):
        """An attempt over `questions`, its first `answered` slots answered."""
        rows = []
        for number, question in enumerate(questions, start=1):
            variant = None
            if number <= answered:
                variant = self.graded[question.pk][0 if rng.random() < skill else 1]
            rows.append((question, variant, start + timedelta(seconds=40 * number)))
        attempt.score = sum(v.fraction for _, v, _ in rows if v is not None) if graded_at else None
        self.attempts.append(attempt)
        self.slots.append(rows)
        return attempt

    def write(self, *, exam_ids: set[int]) -> dict:
        from quizzes import progress
        from quizzes.models import Attempt, Response, ResponseOption, Slot

        _bulk(Attempt, self.attempts)
        slots, specs = [], []
        for attempt, rows in zip(self.attempts, self.slots, strict=True):
            for number, (question, variant, when) in enumerate(rows, start=1):
                slots.append(
                    Slot(
                        attempt_id=attempt.pk,
                        number=number,
                        question_id=question.pk,
                        snapshot=self.snapshots[question.pk],
                    )
                )
                specs.append((attempt, question, variant, when))
        _bulk(Slot, slots)
        responses, answered = [], []
        for slot, (attempt, question, variant, when) in zip(slots, specs, strict=True):
            if variant is None:
                continue
            finished = attempt.state == Attempt.State.FINISHED
            if attempt.quiz_id in exam_ids:
                graded = attempt.finished if finished else None
            else:
                graded = when
            responses.append(
                Response(
                    slot_id=slot.pk,
                    learner_id=attempt.learner_id,
                    question_id=question.pk,
                    answer=variant.stored,
                    fraction=variant.fraction if graded else None,
                    matched=list(variant.matched) if graded else [],
                    seconds=25,
                    created=when,
                    updated=when,
                    graded=graded,
                )
            )
            answered.append((variant, question, graded))
        _bulk(Response, responses)
        options = [
            ResponseOption(response_id=r.pk, answer_id=a)
            for r, (v, _, graded) in zip(responses, answered, strict=True)
            if graded
            for a in v.matched
        ]
        _bulk(ResponseOption, options)
        reviews = sorted(
            (graded, r.pk, r.learner_id, q.pk, q.topic_id, v.fraction, r.seconds)
            for r, (v, q, graded) in zip(responses, answered, strict=True)
            if graded
        )
        cards = replay_reviews(reviews)
        summarise_progress(
            progress.Graded(
                r.pk, r.learner_id, q.topic_id, q.pk, r.fraction, r.graded, q.kind == "essay"
            )
            for r, (_, q, graded) in zip(responses, answered, strict=True)
            if graded
        )
        return {
            "attempts": len(self.attempts),
            "slots": len(slots),
            "responses": len(responses),
            "graded": len(reviews),
            "options": len(options),
            "cards": len(cards),
        }


def summarise_progress(answers) -> None:
    """The kept progress rows (quizzes.progress.record's), folded from the graded answers."""
    from quizzes import progress
    from quizzes.models import TopicProgress

    by_key = defaultdict(list)
    for answer in answers:
        by_key[answer.learner_id, answer.topic_id].append(answer)
    rows = [
        progress.fold(TopicProgress(learner_id=learner, topic_id=topic), items)
        for (learner, topic), items in by_key.items()
    ]
    _bulk(TopicProgress, rows)


def replay_reviews(reviews: list[tuple]) -> list:
    """Review cards from graded answers (time-ordered), as `scheduling.apply_reviews` makes them.

    The same rating rule, scheduler and row mapping as the app; the only difference is that
    each card is built once with an explicit id. `fsrs.Card()` without a `card_id` sleeps a
    millisecond to keep generated ids unique, which alone would cost 100 s for 100,000 reviews.
    """
    from datetime import UTC

    from fsrs import Card

    from quizzes import scheduling
    from quizzes.models import ReviewCard

    cards: dict[tuple[int, int], tuple[Card, int, tuple]] = {}
    for when, response_id, learner_id, question_id, topic_id, fraction, seconds in reviews:
        card, *_ = cards.get((learner_id, question_id)) or (Card(card_id=len(cards) + 1),)
        card, _ = scheduling.SCHEDULER.review_card(
            card,
            scheduling.rating_for(fraction, seconds),
            review_datetime=when.astimezone(UTC),
        )
        # In (graded, id) order, so the latest answer is the last one replayed.
        cards[learner_id, question_id] = (card, topic_id, (fraction, when, response_id))
    rows = [
        scheduling._store(
            card,
            ReviewCard(
                learner_id=lid,
                question_id=qid,
                topic_id=tid,
                latest_fraction=latest[0],
                latest_graded=latest[1],
                latest_response=latest[2],
            ),
        )
        for (lid, qid), (card, tid, latest) in cards.items()
    ]
    return _bulk(ReviewCard, rows)


def generate(sizes: Sizes, *, seed: int = 7, log=print) -> dict:
    """Write the data set into the (migrated, course-loaded) database; return the load plan.

    The plan lists, per group of learners, their session cookie, CSRF token and the work the
    load generator will do (open attempts with ready answers), so no request is spent logging
    in or discovering ids during a measurement.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from courses.models import Course, Lesson
    from quizzes.models import Attempt, Learner, Question, Quiz, QuizQuestion

    rng = random.Random(seed)
    random.seed(seed)
    started_at = time.perf_counter()
    now = timezone.now()
    course = Course.objects.get(slug="bpo-vs-kpo")
    questions = list(
        Question.objects.filter(topic__course=course)
        .select_related("lesson__topic__course", "topic")
        .prefetch_related("answers")
        .order_by("pk")
    )
    snapshots = {q.pk: q.snapshot() for q in questions}
    graded = {pk: variants(s) for pk, s in snapshots.items()}
    by_topic: dict[int, list] = defaultdict(list)
    for q in questions:
        by_topic[q.topic_id].append(q)
    standard = Quiz.objects.filter(course=course, purpose=Quiz.Purpose.STANDARD)
    practice = list(standard.filter(mode=Quiz.Mode.PRACTICE).order_by("order", "pk"))
    exam = standard.get(slug="mock-exam")
    regular = list(range(1, sizes.learners))
    reserved = 1 + sizes.mixed + sizes.burst + 1  # heavy, mixed, burst, probe
    if sizes.learners < reserved + 2:
        raise ValueError(f"need at least {reserved + 2} learners, got {sizes.learners}")

    with transaction.atomic():
        class_questions = [q for t in sorted(by_topic) for q in by_topic[t][:2]][:CLASS_SIZE]
        class_quiz = Quiz.objects.create(
            course=course,
            slug=CLASS_QUIZ,
            title="Class test (benchmark)",
            mode=Quiz.Mode.EXAM,
            order=99,
            shuffle_questions=False,
            shuffle_answers=False,
        )
        _bulk(
            QuizQuestion,
            [
                QuizQuestion(quiz=class_quiz, question=q, order=i)
                for i, q in enumerate(class_questions, start=1)
            ],
        )

        # Users share one password hash: hashing 1,000 passwords would take minutes.
        User = get_user_model()
        hashed = make_password(PASSWORD)
        names = ["heavy-learner"] + [f"learner{i:04d}" for i in regular]
        users = _bulk(
            User,
            [
                User(username=n, email=f"{n}@example.com", password=hashed, date_joined=now)
                for n in names
            ],
        )
        admin = User.objects.create_superuser("bench-admin", "admin@example.com", PASSWORD)
        learners = _bulk(Learner, [Learner(user_id=u.pk) for u in users])
        log(f"  users and learners: {time.perf_counter() - started_at:.1f} s")

        # Finished history: the class test for everyone, then exams and practice to the quota.
        builder = Builder(snapshots, graded)
        quotas = [sizes.heavy] + _spread(sizes.responses - sizes.heavy, len(regular))
        last_finished: dict[int, Attempt] = {}
        for learner, quota in zip(learners, quotas, strict=True):
            skill = rng.uniform(0.35, 0.95)
            plan = [(class_quiz, class_questions)] if quota >= CLASS_SIZE else []
            cycle = 0
            while sum(len(qs) for _, qs in plan) < quota:
                if cycle % 2 == 0:
                    plan.append((exam, rng.sample(questions, exam.draw_count)))
                else:
                    quiz = practice[cycle // 2 % len(practice)]
                    pool = by_topic[quiz.topic_id]
                    plan.append((quiz, rng.sample(pool, min(quiz.draw_count, len(pool)))))
                cycle += 1
            days = sorted(rng.uniform(1, 60) for _ in plan)
            left = quota
            for (quiz, qs), day in zip(plan, reversed(days), strict=True):
                start = now - timedelta(days=day)
                finish = start + timedelta(seconds=40 * (len(qs) + 1))
                attempt = Attempt(
                    quiz=quiz,
                    learner_id=learner.pk,
                    state=Attempt.State.FINISHED,
                    started=start,
                    finished=finish,
                    slot_count=len(qs),
                )
                answered = min(left, len(qs))
                left -= answered
                builder.add(
                    attempt, qs, answered, skill=skill, rng=rng, start=start, graded_at=finish
                )
                last_finished[learner.pk] = attempt

        # Open attempts that the closed-loop phases use (see Plan groups below).
        groups = _groups(learners, sizes)
        # Opened 15 minutes ago: the prefilled answers lie in the past, the deadline ahead.
        opened = now - timedelta(minutes=15)
        open_practice, open_exam = {}, {}
        for learner in groups["pool_a"] + groups["pool_b"]:
            quiz = practice[0]
            qs = rng.sample(by_topic[quiz.topic_id], quiz.draw_count)
            attempt = Attempt(
                quiz=quiz,
                learner_id=learner.pk,
                started=opened,
                slot_count=len(qs),
            )
            open_practice[learner.pk] = (
                builder.add(attempt, qs, 0, skill=1, rng=rng, start=opened, graded_at=None),
                qs,
            )
        for learner in groups["pool_a"]:
            qs = rng.sample(questions, exam.draw_count)
            attempt = Attempt(
                quiz=exam,
                learner_id=learner.pk,
                started=opened,
                deadline=opened + exam.time_limit,
                slot_count=len(qs),
            )
            # Most of the exam is answered already, so a submit grades a realistic attempt.
            prefilled = len(qs) - 5
            builder.add(attempt, qs, prefilled, skill=0.7, rng=rng, start=opened, graded_at=None)
            open_exam[learner.pk] = (attempt, qs, prefilled)

        counts = builder.write(exam_ids={exam.pk, class_quiz.pk})
        # The open exams' time runs from the end of generation, which takes minutes on a
        # busy machine: otherwise they could expire before the load phases answer them.
        Attempt.objects.filter(pk__in=[a.pk for a, _, _ in open_exam.values()]).update(
            deadline=timezone.now() + exam.time_limit
        )
        log(f"  attempts, slots, responses, cards: {time.perf_counter() - started_at:.1f} s")

        # A login session per user, written directly: a real login hashes the password.
        sessions, identities = [], {}
        expire = now + timedelta(days=1)
        for user, learner in [*zip(users, learners, strict=True), (admin, None)]:
            store = SessionStore()
            key = store._get_new_session_key()
            data = {
                "_auth_user_id": str(user.pk),
                "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                "_auth_user_hash": user.get_session_auth_hash(),
            }
            sessions.append(
                Session(session_key=key, session_data=store.encode(data), expire_date=expire)
            )
            identities[learner.pk if learner else "admin"] = {
                "user": user.pk,
                "username": user.username,
                "learner": learner.pk if learner else None,
                "session": key,
                "csrf": _token(),
            }
        _bulk(Session, sessions)
        cohort = _cohort(course, admin, users)

    def ident(learner) -> dict:
        entry = dict(identities[learner.pk])
        if learner.pk in last_finished:
            entry["finished"] = last_finished[learner.pk].pk
        if learner.pk in open_practice:
            attempt, qs = open_practice[learner.pk]
            entry["practice"] = _work(attempt, qs, graded, rng, first=1)
        if learner.pk in open_exam:
            attempt, qs, prefilled = open_exam[learner.pk]
            entry["exam"] = _work(attempt, qs, graded, rng, first=prefilled + 1)
        return entry

    lessons = Lesson.objects.filter(topic__course=course).select_related("topic")
    plan = {
        "course": course.slug,
        "lessons": [f"/courses/{course.slug}/{x.topic.slug}/{x.slug}/" for x in lessons],
        "practice": [q.slug for q in practice],
        "exam": exam.slug,
        "class_quiz": class_quiz.pk,
        "cohort": cohort,
        "admin": identities["admin"],
        "groups": {name: [ident(x) for x in members] for name, members in groups.items()},
        "counts": {
            **counts,
            "learners": len(learners),
            "finished_responses": sum(quotas),
            "seconds": round(time.perf_counter() - started_at, 1),
        },
    }
    return plan


def _cohort(course, owner, users) -> int | None:
    """A class holding every learner, for the class report (when that feature exists)."""
    try:
        from quizzes.models import Cohort, Membership
    except ImportError:
        return None
    cohort = Cohort.objects.create(name="Benchmark class", course=course, owner=owner)
    _bulk(Membership, [Membership(cohort=cohort, user_id=u.pk) for u in users])
    return cohort.pk


def _spread(total: int, n: int) -> list[int]:
    base, extra = divmod(total, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def _groups(learners: list, sizes: Sizes) -> dict[str, list]:
    """Disjoint sets of learners, so one phase never resumes another phase's attempt."""
    rest = learners[1:]
    mixed, rest = rest[: sizes.mixed], rest[sizes.mixed :]
    burst, rest = rest[: sizes.burst], rest[sizes.burst :]
    probe, rest = rest[:1], rest[1:]
    half = len(rest) // 2
    return {
        "heavy": learners[:1],
        "mixed": mixed,
        "burst": burst,
        "probe": probe,
        "pool_a": rest[:half],  # open practice and open, mostly answered exam
        "pool_b": rest[half:],  # open practice, no open exam: starts exams
    }


def as_answered(kind: str, stored: dict) -> dict:
    """What an answer post stores for a variant: a long answer is handed in with its text
    (the same text `form_fields` posts), and its points are claimed later, by marking."""
    if kind == "essay":
        return {"text": stored["text"] or "A long answer.", "final": True}
    return stored


def _work(attempt, questions, graded, rng, *, first: int) -> dict:
    """An open attempt's unanswered slots with a ready answer for each: the form fields, and
    the answer as stored but with option values for ids (what the checks compare)."""
    from functools import partial

    from quizzes.models import option_value
    from tests.bench.pages import as_posted, fields_for

    slots = []
    for number, q in enumerate(questions, start=1):
        if number < first:
            continue
        variant = graded[q.pk][0 if rng.random() < 0.7 else 1]
        stored = as_answered(q.kind, variant.stored)
        posted = as_posted(stored, partial(option_value, attempt.pk, number))
        slots.append({"number": number, "form": fields_for(posted), "stored": posted})
    return {"attempt": attempt.pk, "slots": slots}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    site = sub.add_parser("site", help="migrate, load the seed course, create users")
    site.add_argument("--user", action="append", default=[], help="name:password")
    args = parser.parse_args()
    setup_django()
    setup_site(tuple(args.user))


if __name__ == "__main__":
    main()
