"""Progress per topic, derived from stored answers only.

Two halves. `topic_stats` reads one summary row per topic (`TopicProgress`) and the review
cards, however many responses there are. `level` and `how_to_raise` are pure rules over the
resulting numbers, documented on the dashboard (see LEVEL_RULES) and tested at their
boundaries.

The summary rows are kept at write time: `record` folds each graded answer into its row in
the transaction that grades it, and `rebuild` recomputes a learner's rows from the responses.
Every figure can still be recomputed from the responses alone (`computed_by_learner`, which
also serves reports filtered by quiz or date), and the tests check both always agree.
"""

import copy
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum

from django.db import connections, router, transaction
from django.db.models import Count, F, Func, IntegerField, Max, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from courses.models import Topic
from quizzes import scheduling
from quizzes.formats.interchange import ESSAY
from quizzes.models import Attempt, Learner, Question, Response, ReviewCard, TopicProgress

# "Recent accuracy" is the mean score of a learner's last RECENT answers in a topic, so one
# slip among twenty costs five points, never a whole level at once.
RECENT = 20
# An answer scoring at least this counts as recalled (FSRS rates anything less "Again").
RECALLED = 0.5


class Level(IntEnum):
    NOT_STARTED = 0
    ATTEMPTED = 1
    FAMILIAR = 2
    PROFICIENT = 3
    MASTERED = 4

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Rule:
    level: Level
    seen: float  # share of the topic's questions answered at least once
    accuracy: float  # recent accuracy
    recall: float | None = None  # recall likely today (FSRS retrievability)


# The ladder, lowest first; a learner holds the highest level whose every bar they clear.
LEVEL_RULES = (
    Rule(Level.FAMILIAR, seen=0.4, accuracy=0.6),
    Rule(Level.PROFICIENT, seen=0.7, accuracy=0.8),
    Rule(Level.MASTERED, seen=0.9, accuracy=0.9, recall=0.8),
)


@dataclass(frozen=True)
class TopicStats:
    topic: Topic
    total: int  # questions in the topic
    seen: int = 0  # distinct questions answered
    answers: int = 0  # graded answers
    # Graded long answers, which the learner marked themselves (see quizzes.kinds.Essay):
    # they count like any answer and are labelled on the progress page.
    self_marked: int = 0
    recent_accuracy: float | None = None
    recall_today: float | None = None  # over the `recalled` questions only
    recalled: int = 0  # questions whose latest answer was at least half right
    last_practised: datetime | None = None
    next_due: datetime | None = None
    due_now: int = 0

    @property
    def not_recalled(self) -> int:
        """Questions answered whose latest answer was wrong: left out of `recall_today`."""
        return max(0, self.seen - self.recalled)

    @property
    def seen_share(self) -> float:
        return self.seen / self.total if self.total else 0.0

    @property
    def level(self) -> Level:
        return level(self)

    @property
    def how_to_raise(self) -> list[str]:
        return how_to_raise(self)

    @property
    def percent(self) -> int:
        """Progress up the ladder, for the bar: 0, 25, 50, 75 or 100."""
        return self.level * 25


def _clears(stats: TopicStats, rule: Rule) -> bool:
    if stats.seen_share < rule.seen or (stats.recent_accuracy or 0) < rule.accuracy:
        return False
    return rule.recall is None or (stats.recall_today or 0) >= rule.recall


def level(stats: TopicStats) -> Level:
    if stats.answers == 0:
        return Level.NOT_STARTED
    held = Level.ATTEMPTED
    for rule in LEVEL_RULES:
        if not _clears(stats, rule):
            break
        held = rule.level
    return held


def how_to_raise(stats: TopicStats) -> list[str]:
    """What would lift this topic to the next level, in plain words."""
    current = level(stats)
    if current == Level.MASTERED:
        return ["You have mastered this topic. Keep reviewing when items fall due."]
    if current == Level.NOT_STARTED:
        return ["Answer a practice question in this topic to get started."]
    rule = next(r for r in LEVEL_RULES if r.level == current + 1)
    steps = []
    need_seen = max(0, _ceil(rule.seen * stats.total) - stats.seen)
    if need_seen:
        steps.append(
            f"Answer {need_seen} more question{'s' if need_seen != 1 else ''} you have not seen "
            f"({stats.seen} of {stats.total} so far; {rule.level.label} needs {rule.seen:.0%})."
        )
    accuracy = stats.recent_accuracy or 0
    if accuracy < rule.accuracy:
        steps.append(
            f"Raise recent accuracy from {accuracy:.0%} to {rule.accuracy:.0%}: "
            "practise your mistakes in this topic."
        )
    if rule.recall is not None and (stats.recall_today or 0) < rule.recall:
        steps.append(
            f"Lift recall likely today from {(stats.recall_today or 0):.0%} to "
            f"{rule.recall:.0%} by answering the questions due for review."
        )
    return steps


def _ceil(x: float) -> int:
    return int(-(-x // 1))


def topic_stats(
    learner: Learner | None, topics: list[Topic], now: datetime | None = None
) -> list[TopicStats]:
    """One learner's stats for each topic (see `stats_by_learner`)."""
    if learner is None:
        return [TopicStats(t, t.question_count) for t in topics]
    return stats_by_learner([learner.pk], topics, now)[learner.pk]


def stats_by_learner(
    learner_ids: list[int],
    topics: list[Topic],
    now: datetime | None = None,
    responses: Q | None = None,
    *,
    dates: bool = True,
) -> dict[int, list[TopicStats]]:
    """Stats per learner and topic in two queries, however many learners, topics or answers.

    `topics` must be annotated with `question_count` (see `topics_with_counts`).
    `responses` narrows the answers counted (e.g. one quiz, a date range); such a report is
    computed from the responses (`computed_by_learner`), the rest read the kept summaries.
    Reports close expired exams first (`attempts.close_expired`), so that their answers count.
    `dates=False` leaves out the figures that are dates or counted from dates
    (`last_practised`, `next_due`, `due_now` stay empty): the class report shows none of
    them, and reading a date per row cost it more than everything else at 1,000 learners.
    """
    if responses is not None:
        return computed_by_learner(learner_ids, topics, now, responses, dates=dates)
    ids = [t.pk for t in topics]
    totals, recent = {}, {}
    rows = (
        TopicProgress.objects.filter(learner__in=learner_ids, topic__in=ids)
        .annotate(seen_count=JSONArrayLength("seen"))
        .values_list(
            "learner_id",
            "topic_id",
            "seen_count",
            "answers",
            "self_marked",
            "recent_accuracy",
            *_when(dates, "last"),
        )
    )
    for learner_id, topic_id, seen, answers, self_marked, accuracy, *last in rows:
        if answers:
            totals[learner_id, topic_id] = {
                "seen": seen,
                "answers": answers,
                "self_marked": self_marked,
                "last": last[0] if last else None,
            }
            recent[learner_id, topic_id] = accuracy
    return _assemble(learner_ids, topics, now, totals, recent, dates=dates)


class JSONArrayLength(Func):
    """The length of a JSON array column, counted by the database instead of decoded here."""

    function = "JSON_ARRAY_LENGTH"
    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSONB_ARRAY_LENGTH", **extra_context)


def _when(dates: bool, *fields) -> tuple:
    """The date fields to read, if dates are wanted (see `stats_by_learner`)."""
    return fields if dates else ()


def computed_by_learner(
    learner_ids: list[int],
    topics: list[Topic],
    now: datetime | None = None,
    responses: Q | None = None,
    *,
    dates: bool = True,
) -> dict[int, list[TopicStats]]:
    """`stats_by_learner` computed from the responses, in three aggregate queries."""
    ids = [t.pk for t in topics]
    graded = Response.objects.graded().filter(learner__in=learner_ids, question__topic__in=ids)
    if responses is not None:
        graded = graded.filter(responses)
    last = {"last": Max("graded")} if dates else {}
    totals = {
        (row["learner"], row["question__topic"]): row
        for row in graded.values("learner", "question__topic").annotate(
            seen=Count("question", distinct=True),
            answers=Count("pk"),
            self_marked=Count("pk", filter=Q(question__kind=ESSAY)),
            **last,
        )
    }
    scores: dict[tuple, list[float]] = defaultdict(list)
    rows = (
        graded.annotate(
            topic_id=F("question__topic"),
            rank=Window(
                RowNumber(),
                partition_by=[F("learner"), F("question__topic")],
                order_by=[F("graded").desc(), F("pk").desc()],
            ),
        )
        .filter(rank__lte=RECENT)
        .values_list("learner", "topic_id", "fraction")
    )
    for learner_id, topic_id, fraction in rows:
        scores[learner_id, topic_id].append(fraction)
    recent = {key: mean(items) for key, items in scores.items()}
    return _assemble(learner_ids, topics, now, totals, recent, dates=dates)


def mean(scores: list[float]) -> float | None:
    """The recent accuracy of scores (newest first), the same float however it is stored."""
    return sum(scores) / len(scores) if scores else None


def _assemble(learner_ids, topics, now, totals, recent, *, dates) -> dict[int, list[TopicStats]]:
    """TopicStats from answer totals and recent accuracy, with recall and due dates from cards."""
    now = now or timezone.now()
    ids = [t.pk for t in topics]
    recall: dict[tuple, list[float]] = defaultdict(list)
    due: dict[tuple, list] = defaultdict(list)
    # Recall is estimated only for questions whose latest answer was recalled (at least half
    # right): right after a wrong answer FSRS's curve still reads 100 %, which is no promise.
    # The days since the last review are counted in SQL, so recall reads no datetimes; without
    # dates (no due dates either) only the recalled questions' cards are read.
    cards = ReviewCard.objects.filter(learner__in=learner_ids, topic__in=ids)
    if not dates:
        cards = cards.filter(latest_fraction__gte=RECALLED)
    cards = cards.annotate(days=scheduling.DaysSince("last_review", now)).values_list(
        "learner_id", "topic_id", "stability", "days", "latest_fraction", *_when(dates, "due")
    )
    for learner_id, topic_id, stability, days, latest_fraction, *due_at in cards:
        key = (learner_id, topic_id)
        if latest_fraction is not None and latest_fraction >= RECALLED:
            recall[key].append(scheduling.recall_after(stability, days))
        due[key] += due_at
    result: dict[int, list[TopicStats]] = {}
    for learner_id in learner_ids:
        stats = result[learner_id] = []
        for topic in topics:
            key = (learner_id, topic.pk)
            row = totals.get(key)
            if row is None:
                stats.append(TopicStats(topic, topic.question_count))
                continue
            chances, dues = recall[key], due[key]
            stats.append(
                TopicStats(
                    topic,
                    topic.question_count,
                    seen=row["seen"],
                    answers=row["answers"],
                    self_marked=row["self_marked"],
                    recent_accuracy=recent.get(key),
                    recall_today=sum(chances) / len(chances) if chances else None,
                    recalled=len(chances),
                    last_practised=row.get("last"),
                    next_due=min(dues) if dues else None,
                    due_now=sum(1 for d in dues if d <= now),
                )
            )
    return result


# --- the summaries kept at write time -------------------------------------------------------


@dataclass(frozen=True)
class Graded:
    """One graded answer, as its topic's summary needs it."""

    response_id: int
    learner_id: int
    topic_id: int
    question_id: int
    fraction: float
    when: datetime
    self_marked: bool = False  # a long answer (see TopicStats.self_marked)


def graded_from(responses: Iterable[Response]) -> list[Graded]:
    """Graded answers from responses loaded with select_related("question").

    A response still without a fraction (not graded yet) is not an answer progress counts.
    """
    return [
        Graded(
            r.pk,
            r.learner_id,
            r.question.topic_id,
            r.question_id,
            r.fraction,
            r.graded,
            r.question.kind == ESSAY,
        )
        for r in responses
        if r.fraction is not None
    ]


def fold(row: TopicProgress, answers: Iterable[Graded]) -> TopicProgress:
    """Add answers to a summary row; the order they arrive in does not matter.

    `recent` keeps the RECENT latest answers, newest first, ordered as the computed path
    orders them (graded time, then response id), so the mean is the same either way.
    """
    seen, recent = set(row.seen), [tuple(item) for item in row.recent]
    for a in answers:
        seen.add(a.question_id)
        row.answers += 1
        row.self_marked += a.self_marked
        row.last = a.when if row.last is None else max(row.last, a.when)
        recent.append((a.when.astimezone(UTC).timestamp(), a.response_id, a.fraction))
    recent.sort(key=lambda item: (item[0], item[1]), reverse=True)
    row.seen, row.recent = sorted(seen), [list(item) for item in recent[:RECENT]]
    row.recent_accuracy = mean([fraction for _, _, fraction in row.recent])
    return row


FIELDS = ["seen", "answers", "self_marked", "last", "recent", "recent_accuracy"]


def record(answers: Iterable[Graded]) -> None:
    """Fold newly graded answers into their summaries; call inside the grading transaction.

    Three queries, however many answers: missing rows are inserted empty (ignoring a
    conflict with a concurrent insert), then every row is locked (SELECT … FOR UPDATE on
    PostgreSQL; SQLite's writing transactions are serial already), folded and written back,
    so two answers graded at once both count.
    """
    answers = list(answers)
    if not answers:
        return
    by_key: dict[tuple[int, int], list[Graded]] = defaultdict(list)
    for a in answers:
        by_key[a.learner_id, a.topic_id].append(a)
    with transaction.atomic(savepoint=False):
        TopicProgress.objects.bulk_create(
            [TopicProgress(learner_id=lid, topic_id=tid) for lid, tid in by_key],
            ignore_conflicts=True,
        )
        rows = _locked(by_key)
        changed = [fold(rows[key], items) for key, items in by_key.items()]
        TopicProgress.objects.bulk_update(changed, FIELDS)


def record_one(answer: Graded, kept: TopicProgress | None) -> None:
    """Fold one answer into its summary in one query, given the row as read before (or None).

    For the practice answer post, which reads the row with the slot it answers (see
    `Slot.objects.for_answer`): the write is an UPDATE that applies only if the row still
    holds as many answers as when it was read (every fold adds one, and a rebuild makes a
    new row), or an INSERT that does nothing if a row appeared meanwhile. Should another
    request have got there first, it falls back to `record`, which locks. Call inside the
    transaction that saves the answer.
    """
    if kept is None:
        if _insert(
            fold(TopicProgress(learner_id=answer.learner_id, topic_id=answer.topic_id), [answer])
        ):
            return
    else:
        read = kept.answers
        row = fold(copy.copy(kept), [answer])
        changes = {name: getattr(row, name) for name in FIELDS}
        if TopicProgress.objects.filter(pk=kept.pk, answers=read).update(**changes):
            return
    record([answer])


def _insert(row: TopicProgress) -> bool:
    """INSERT the row unless one exists for its learner and topic; whether it was inserted."""
    connection = connections[router.db_for_write(TopicProgress)]
    fields = [TopicProgress._meta.get_field(name) for name in ("learner", "topic", *FIELDS)]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(TopicProgress._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT DO NOTHING"
    )
    params = [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def _locked(keys) -> dict[tuple[int, int], TopicProgress]:
    rows = TopicProgress.objects.select_for_update().filter(
        learner_id__in={lid for lid, _ in keys}, topic_id__in={tid for _, tid in keys}
    )
    return {(r.learner_id, r.topic_id): r for r in rows}


def rebuild(learner_ids: Iterable[int]) -> None:
    """Recompute these learners' summaries from their graded responses."""
    learner_ids = list(learner_ids)
    with transaction.atomic():
        TopicProgress.objects.filter(learner_id__in=learner_ids).delete()
        graded = (
            Response.objects.graded()
            .filter(learner_id__in=learner_ids)
            .annotate(essay=Q(question__kind=ESSAY))
            .values_list(
                "pk",
                "learner_id",
                "question__topic_id",
                "question_id",
                "fraction",
                "graded",
                "essay",
            )
        )
        by_key: dict[tuple[int, int], list[Graded]] = defaultdict(list)
        for row in graded.iterator(chunk_size=2000):
            a = Graded(*row)
            by_key[a.learner_id, a.topic_id].append(a)
        TopicProgress.objects.bulk_create(
            [
                fold(TopicProgress(learner_id=lid, topic_id=tid), items)
                for (lid, tid), items in by_key.items()
            ],
            batch_size=500,
        )


def topics_with_counts(**filters):
    return list(
        Topic.objects.filter(**filters)
        .select_related("course")
        .annotate(
            question_count=Count("questions", distinct=True),
            lesson_count=Count("lessons", distinct=True),
        )
        .order_by("course__title", "order", "pk")
    )


def weakest(stats: list[TopicStats], n: int = 3) -> list[TopicStats]:
    """Started topics below mastery, weakest first: lowest level, then lowest accuracy."""
    started = [s for s in stats if Level.NOT_STARTED < s.level < Level.MASTERED]
    return sorted(started, key=lambda s: (s.level, s.recent_accuracy or 0))[:n]


def missed_sections(learner: Learner, topics: list[Topic]) -> dict[int, list[dict]]:
    """Per topic, the lesson sections behind questions whose latest answer was not right."""
    latest = (
        Response.objects.graded()
        .filter(learner=learner, question=OuterRef("pk"))
        .order_by("-graded", "-pk")
        .values("fraction")[:1]
    )
    questions = (
        Question.objects.filter(topic__in=topics, responses__learner=learner, lesson__isnull=False)
        .annotate(latest=Subquery(latest))
        .filter(latest__lt=1)
        .select_related("lesson__topic__course")
        .distinct()
    )
    sections: dict[int, dict[tuple, dict]] = defaultdict(dict)
    for q in questions:
        key = (q.lesson_id, q.anchor)
        heading = next((h["text"] for h in q.lesson.headings if h["anchor"] == q.anchor), "")
        entry = sections[q.topic_id].setdefault(
            key,
            {"url": q.lesson_url, "lesson": q.lesson.title, "section": heading, "missed": 0},
        )
        entry["missed"] += 1
    return {topic_id: list(entries.values()) for topic_id, entries in sections.items()}


def due_questions(learner: Learner, *, course=None, now: datetime | None = None, limit=10):
    """Questions due for review, most overdue first."""
    now = now or timezone.now()
    cards = ReviewCard.objects.filter(learner=learner, due__lte=now)
    if course is not None:
        cards = cards.filter(topic__course=course)
    return list(cards.order_by("due").values_list("question_id", flat=True)[:limit])


def mistake_questions(learner: Learner, topic: Topic, limit: int = 10) -> list[int]:
    """Questions in a topic whose latest answer was not fully right."""
    latest = (
        Response.objects.graded()
        .filter(learner=learner, question=OuterRef("pk"))
        .order_by("-graded", "-pk")
        .values("fraction")[:1]
    )
    return list(
        Question.objects.filter(topic=topic, responses__learner=learner)
        .annotate(latest=Subquery(latest))
        .filter(latest__lt=1)
        .distinct()
        .values_list("pk", flat=True)[:limit]
    )


def recent_scores(learner: Learner, n: int = 20) -> list[Attempt]:
    """The learner's last n finished attempts, oldest first, for the sparkline; without
    those whose score would hint at a running exam's answers (see Learner.sealed_questions)."""
    finished = (
        Attempt.objects.for_learner(learner)
        .finished()
        .with_hints_at_exam(learner.pk)
        .filter(withheld=False)
        .filter(slot_count__gt=0)
        .select_related("quiz")
        .order_by("-finished")[:n]
    )
    return list(reversed(finished))


def exam_day(stats: list[TopicStats], learner: Learner, day: datetime) -> list[dict]:
    """Predicted recall per topic on an exam day, lowest (review first) first.

    Recall covers the questions studied so far; questions never answered count as not
    recalled in the expected score, so coverage matters as much as memory.
    """
    cards = ReviewCard.objects.filter(learner=learner, topic__in=[s.topic for s in stats])
    recall: dict[int, list[float]] = defaultdict(list)
    for card in cards:
        recall[card.topic_id].append(scheduling.retrievability(card, day))
    rows = []
    for s in stats:
        chances = recall[s.topic.pk]
        studied = sum(chances) / len(chances) if chances else None
        expected = sum(chances) / s.total if s.total else 0.0
        rows.append({"stats": s, "recall": studied, "expected": expected})
    return sorted(rows, key=lambda r: (r["expected"], r["stats"].topic.order))


@dataclass(frozen=True)
class Resume:
    """Where "Continue where you left off" leads in one course."""

    url: str
    what: str  # the quiz or topic it resumes
    started: bool  # False: nothing to resume yet, so it leads to the first topic


def where_to_continue(learner: Learner | None, topics: list[Topic]) -> dict[int, Resume]:
    """Per course of `topics` (in course order), the learner's open attempt, else the topic
    they last answered in, else the first topic. Two queries for a learner, none for a
    first-time visitor, however many courses, attempts or answers there are."""
    resume: dict[int, Resume] = {}
    if learner is not None:
        course_ids = {t.course_id for t in topics}
        open_attempts = (
            Attempt.objects.for_learner(learner)
            .open()
            .filter(quiz__course__in=course_ids)
            .select_related("quiz")
            .order_by("-started")
        )
        # Each Resume is built only for a course without one yet: reversing a URL per
        # topic was most of the home page's time.
        for attempt in open_attempts:
            if attempt.quiz.course_id not in resume:
                resume[attempt.quiz.course_id] = Resume(
                    attempt.get_absolute_url(), attempt.quiz.title, True
                )
        by_id = {t.pk: t for t in topics}
        # The kept summaries hold each topic's latest graded answer: one row per topic,
        # however many answers the learner has.
        last = (
            TopicProgress.objects.filter(learner=learner, topic__in=by_id, last__isnull=False)
            .order_by("-last")
            .values_list("topic_id", flat=True)
        )
        for topic_id in last:
            topic = by_id[topic_id]
            if topic.course_id not in resume:
                resume[topic.course_id] = Resume(topic.get_absolute_url(), topic.title, True)
    for topic in topics:
        if topic.course_id not in resume:
            resume[topic.course_id] = Resume(topic.get_absolute_url(), topic.title, False)
    return resume
