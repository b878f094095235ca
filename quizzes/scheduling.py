"""Spaced review with FSRS, driven by graded answers instead of self-grading.

Each graded response is one FSRS review of its question: the grade and the answer time map
to a rating, and the maintained `fsrs` package computes the next due date. The resulting
`ReviewCard` rows are a cache: `rebuild_cards` replays a learner's graded responses in order
and reproduces them exactly (fuzzing is off so the replay is deterministic). Each card also
holds the grade of the latest graded answer to its question, whatever order the answers
were applied in, which the tests check against the responses.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import DateTimeField, Func, IntegerField, Value
from fsrs import Card, Rating, Scheduler, State

from quizzes.models import Learner, Response, ReviewCard

SCHEDULER = Scheduler(desired_retention=0.9, enable_fuzzing=False)
# An answer this quick, and right, was recalled without effort.
EASY_SECONDS = 8


def rating_for(fraction: float, seconds: int | None = None) -> Rating:
    """Map a grade (and how long the answer took) to the rating a learner would have chosen.

    Wrong (under half marks) is Again; partly right is Hard; right is Good, or Easy when it
    came within EASY_SECONDS.
    """
    if fraction < 0.5:
        return Rating.Again
    if fraction < 1 - 1e-9:
        return Rating.Hard
    if seconds is not None and seconds <= EASY_SECONDS:
        return Rating.Easy
    return Rating.Good


def _card(row: ReviewCard | None) -> Card:
    # An explicit card_id matters: without one, fsrs.Card() sleeps 1 ms to make its
    # timestamp id unique, which would cost a millisecond per card on every dashboard.
    if row is None:
        return Card(card_id=0)
    return Card(
        card_id=row.question_id,
        state=State(row.state),
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=row.due.astimezone(UTC),
        last_review=row.last_review.astimezone(UTC) if row.last_review else None,
    )


def _store(card: Card, row: ReviewCard) -> ReviewCard:
    row.state = card.state.value
    row.step = card.step
    row.stability = card.stability
    row.difficulty = card.difficulty
    row.due = card.due
    row.last_review = card.last_review
    return row


@dataclass(frozen=True)
class Review:
    """One graded answer, as the scheduler needs it."""

    learner_id: int
    question_id: int
    topic_id: int
    fraction: float
    seconds: int | None
    when: datetime
    response_id: int


def apply_reviews(
    reviews: Iterable[Review], known: dict[tuple[int, int], ReviewCard | None] | None = None
) -> None:
    """Advance the cards of these reviews (in time order) in two queries: one read, one upsert.

    `known` holds cards already read, by (learner id, question id), None for none yet: when
    it covers every review, the read is skipped.
    """
    reviews = sorted(reviews, key=lambda r: r.when)
    if not reviews:
        return
    keys = {(r.learner_id, r.question_id) for r in reviews}
    if known is not None and keys <= known.keys():
        existing = {key: card for key, card in known.items() if card is not None}
    else:
        existing = {
            (c.learner_id, c.question_id): c
            for c in ReviewCard.objects.filter(
                learner_id__in={k[0] for k in keys}, question_id__in={k[1] for k in keys}
            )
        }
    rows: dict[tuple[int, int], ReviewCard] = {}
    for review in reviews:
        key = (review.learner_id, review.question_id)
        row = rows.get(key) or existing.get(key)
        card, _ = SCHEDULER.review_card(
            _card(row),
            rating_for(review.fraction, review.seconds),
            review_datetime=review.when.astimezone(UTC),
        )
        row = row or ReviewCard(
            learner_id=review.learner_id, question_id=review.question_id, topic_id=review.topic_id
        )
        rows[key] = _store(card, row)
        if row.is_latest(review.when, review.response_id):
            row.latest_fraction = review.fraction
            row.latest_graded, row.latest_response = review.when, review.response_id
    ReviewCard.objects.bulk_create(
        rows.values(),
        update_conflicts=True,
        unique_fields=["learner", "question"],
        update_fields=[
            "topic",
            "state",
            "step",
            "stability",
            "difficulty",
            "due",
            "last_review",
            "latest_fraction",
            "latest_graded",
            "latest_response",
        ],
    )


def reviews_from(responses: Iterable[Response]) -> list[Review]:
    """Reviews for graded responses (load them with select_related("question"))."""
    return [
        Review(
            learner_id=r.learner_id,
            question_id=r.question_id,
            topic_id=r.question.topic_id,
            fraction=r.fraction,
            seconds=r.seconds,
            when=r.graded,
            response_id=r.pk,
        )
        for r in responses
    ]


def rebuild_cards(learner: Learner) -> int:
    """Recreate a learner's cards from their graded responses; return how many there are."""
    ReviewCard.objects.filter(learner=learner).delete()
    responses = (
        Response.objects.graded()
        .filter(learner=learner)
        .select_related("question")
        .order_by("graded", "pk")
    )
    apply_reviews(reviews_from(responses))
    return ReviewCard.objects.filter(learner=learner).count()


# FSRS's forgetting curve, R = (1 + FACTOR · t / S) ^ DECAY with t in whole days, from the
# scheduler's own parameters. It is evaluated here on plain numbers because reports compute
# it for tens of thousands of cards (test_scheduling checks it matches fsrs exactly).
DECAY = -SCHEDULER.parameters[20]
FACTOR = 0.9 ** (1 / DECAY) - 1


def recall_probability(stability: float | None, last_review: datetime | None, when: datetime):
    """Probability (0–1) of recalling a question at `when`; 0 if it was never reviewed."""
    if last_review is None:
        return 0.0
    return recall_after(stability, (when - last_review).days)


def recall_after(stability: float | None, days: int | None) -> float:
    """Probability (0–1) of recalling a question `days` whole days after its last review
    (`DaysSince` counts them in SQL); 0 if it was never reviewed."""
    if stability is None or days is None:
        return 0.0
    return (1 + FACTOR * max(0, days) / stability) ** DECAY


class DaysSince(Func):
    """Whole days from a datetime column to `when`, as `(when - column).days` counts them
    (negative when `when` comes first: only 0 and up are exact).

    Reports count them in SQL so that a card reads as plain numbers: hydrating a datetime
    per card cost more than the rest of the class report at 1,000 learners. Exact to the
    microsecond on SQLite (which stores "YYYY-MM-DD HH:MM:SS[.ffffff]" text) and PostgreSQL.
    """

    output_field = IntegerField()

    def __init__(self, expression, when: datetime):
        super().__init__(expression, Value(when, output_field=DateTimeField()))

    def get_db_converters(self, connection):
        # Both databases return an integer already; a converter would run once per card.
        return []

    def as_sql(self, compiler, connection, **extra_context):
        column, when = (compiler.compile(e) for e in self.get_source_expressions())
        # PostgreSQL's timestamptz difference is an interval of whole days plus under 24 h.
        return f"EXTRACT(DAY FROM ({when[0]} - {column[0]}))::integer", [*when[1], *column[1]]

    def as_sqlite(self, compiler, connection, **extra_context):
        column, when = (compiler.compile(e) for e in self.get_source_expressions())

        def micros(sql):
            # Whole seconds from the text before the fraction (strftime would round the
            # fraction to milliseconds), then the six digits after the point, if any.
            return (
                f"(CAST(strftime('%%s', substr({sql}, 1, 19)) AS INTEGER) * 1000000"
                f" + CAST(substr({sql}, 21) AS INTEGER))"
            )

        params = [*when[1], *when[1], *column[1], *column[1]]
        # Integer division truncates, which for a positive difference is .days's floor.
        return f"(({micros(when[0])} - {micros(column[0])}) / 86400000000)", params


def retrievability(row: ReviewCard, when: datetime) -> float:
    """Probability (0–1) that the learner still recalls this card's question at `when`."""
    return recall_probability(row.stability, row.last_review, when)
