"""Item analysis of a quiz: how the whole quiz, and each of its questions, performed.

The definitions are Moodle's, from "Quiz statistics calculations" in the Moodle developer docs
(https://docs.moodle.org/dev/Quiz_statistics_calculations), with the choices Moodle leaves open
made as follows:

- Every finished attempt counts, each as if by a different learner (Moodle's "all attempts"
  option); open attempts are left out.
- A question scores x in [0, 1] (`Response.fraction`); a slot left unanswered scores 0 (Moodle's
  first way of handling omitted items). The test score T is the attempt's `score`, the sum of
  its x, out of `slot_count`.
- A question drawn at random into only some attempts is analysed over the attempts that
  included it.

Two halves. `quiz_statistics` asks the database a fixed number of aggregate queries, however
many learners, attempts or questions there are: per question it fetches only the sums
n, Σx, Σx², ΣT, ΣT² and ΣxT. Everything else is small pure functions over those sums (or over
the list of attempt scores), tested without a database.

Moodle's discriminative efficiency is not reported: its maximum covariance pairs the sorted
item scores with the sorted rest-of-test scores, which needs every attempt's score on every
question rather than sums.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Avg, Count, F, FloatField, Q, Sum, Value
from django.db.models.functions import Coalesce

from quizzes import attempts, importing, itemcheck
from quizzes.cohorts import day_start
from quizzes.formats.interchange import MATCHING, MULTIPLE, NUMERICAL, SHORT, SINGLE, TRUE_FALSE
from quizzes.models import (
    Answer,
    Attempt,
    Cohort,
    Membership,
    Quiz,
    Response,
    ResponseOption,
    Slot,
)

# A question is flagged only once this many finished attempts included it: below that one
# learner's slip moves the facility index by 20 points or more.
MIN_ATTEMPTS_FOR_FLAGS = 5
# Facility index (%) above which a question is "too easy": nearly everyone gets it right, so
# it tells learners apart no better than a free mark.
EASY_ABOVE = 90.0
# Facility index (%) below which a question is "too hard": check its key before blaming the
# learners.
HARD_BELOW = 20.0
# Discrimination index (%) below which a question is flagged: the learners who did well on
# the rest of the quiz did worse on this question, which usually means a wrong key or a
# misleading wording.
NEGATIVE_BELOW = 0.0
# Cronbach's alpha from fewer attempts says more about chance than about the quiz.
MIN_ATTEMPTS_FOR_CIC = 10

TOO_EASY = "too easy"
TOO_HARD = "too hard"
NEGATIVE_DISCRIMINATION = "negative discrimination"

# Kinds whose answer rows are options a learner picks, so an option nobody picks is news.
CHOICE_KINDS = (SINGLE, MULTIPLE, TRUE_FALSE)

BIN_COUNT = 10

# Sums of squares within this share of Σx² are rounding error, not spread: ten answers of 0.1
# must give a variance of exactly 0 (and a discrimination of "n/a"), not 1e-18.
_ROUNDING = 1e-10


# --- Pure maths over sums ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sums:
    """Sums over the n attempts that included one question.

    x is the question's score in [0, 1] (0 when unanswered), t the attempt's total score.
    """

    n: int
    x: float
    xx: float
    t: float
    tt: float
    xt: float

    def rest_of_test(self) -> tuple[float, float, float]:
        """ΣX, ΣX² and ΣxX for X = T − x, the score on the rest of the test."""
        return self.t - self.x, self.tt - 2 * self.xt + self.xx, self.xt - self.xx


def mean(n: int, total: float) -> float | None:
    return total / n if n else None


def _sum_of_squares(n: int, total: float, squares: float) -> float:
    """Σ(v − v̄)², from Σv and Σv²; rounding dust and negative zero become 0."""
    spread = squares - total * total / n
    return 0.0 if spread <= _ROUNDING * max(abs(squares), 1.0) else spread


def variance(n: int, total: float, squares: float) -> float | None:
    """Sample variance (divisor n − 1, as Moodle's V(x)); None below two values."""
    if n < 2:
        return None
    return _sum_of_squares(n, total, squares) / (n - 1)


def std_dev(n: int, total: float, squares: float) -> float | None:
    """Sample standard deviation (Moodle's SD = √V)."""
    var = variance(n, total, squares)
    return None if var is None else math.sqrt(var)


def correlation(n: int, sx: float, sxx: float, sy: float, syy: float, sxy: float) -> float | None:
    """Pearson's r from sums; None when fewer than two pairs or either side never varies."""
    if n < 2:
        return None
    ssx, ssy = _sum_of_squares(n, sx, sxx), _sum_of_squares(n, sy, syy)
    if not ssx or not ssy:
        return None
    r = (sxy - sx * sy / n) / math.sqrt(ssx * ssy)
    return max(-1.0, min(1.0, r))


def facility_index(sums: Sums) -> float | None:
    """Moodle's facility index F = 100 (x̄ − x_min) / (x_max − x_min), here 100 x̄ (%).

    The mean score on the question as a percentage of its maximum: high is easy.
    """
    m = mean(sums.n, sums.x)
    return None if m is None else 100 * m


def item_sd(sums: Sums) -> float | None:
    """Moodle's question standard deviation SD = √V(x), as a percentage of the maximum."""
    sd = std_dev(sums.n, sums.x, sums.xx)
    return None if sd is None else 100 * sd


def discrimination_index(sums: Sums) -> float | None:
    """Moodle's discrimination index D = 100 r(x, X), X = T − x the rest of the test (%).

    The correlation between the question's score and the score on the rest of the quiz, so
    the question does not correlate with itself. Positive: learners who did well elsewhere
    did well here. None ("n/a") when either never varies, e.g. everyone got it right.
    """
    rx, rxx, rxy = sums.rest_of_test()
    r = correlation(sums.n, sums.x, sums.xx, rx, rxx, rxy)
    return None if r is None else 100 * r


def median(values: Iterable[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def histogram(percents: Iterable[float], bins: int = BIN_COUNT) -> list[int]:
    """How many scores fall in each of `bins` equal bands of 0–100 %; 100 % is in the last.

    A band holds its lower edge: 10 % is in 10–20 %. Scores a rounding hair below an edge
    (0.1 + 0.2 + 0.4 of 1 is 69.99999999999999 %) count as on it.
    """
    width = 100 / bins
    counts = [0] * bins
    for percent in percents:
        index = math.floor((percent + 1e-9) / width)
        counts[max(0, min(bins - 1, index))] += 1
    return counts


def cronbach_alpha(item_variances: Sequence[float], total_variance: float | None) -> float | None:
    """Moodle's coefficient of internal consistency (Cronbach's alpha), as a percentage.

    CIC = 100 · P/(P − 1) · (1 − Σ V(x_i) / V(T)) over P questions that every attempt shares.
    None below two questions, or when the total score never varies.
    """
    p = len(item_variances)
    if p < 2 or not total_variance:
        return None
    return 100 * p / (p - 1) * (1 - sum(item_variances) / total_variance)


def internal_consistency(
    attempts: int, items: Sequence[Sums], total_variance: float | None
) -> tuple[float | None, str]:
    """Cronbach's alpha when it means something, else None and the reason, for the page.

    It needs at least MIN_ATTEMPTS_FOR_CIC attempts that all contain the same P ≥ 2
    questions: an attempt holds a question once, so that is every question having n equal to
    the number of attempts.
    """
    if attempts < MIN_ATTEMPTS_FOR_CIC:
        return None, (
            f"too few attempts: {attempts} finished, at least {MIN_ATTEMPTS_FOR_CIC} needed"
        )
    if len(items) < 2:
        return None, "the quiz has fewer than two questions"
    if any(item.n != attempts for item in items):
        return None, "questions drawn at random differ between attempts"
    alpha = cronbach_alpha([variance(i.n, i.x, i.xx) or 0.0 for i in items], total_variance)
    if alpha is None:
        return None, "every attempt has the same score"
    return alpha, ""


def flags(n: int, facility: float | None, discrimination: float | None) -> tuple[str, ...]:
    """What is wrong with a question by the thresholds above; nothing below MIN_ATTEMPTS."""
    if n < MIN_ATTEMPTS_FOR_FLAGS or facility is None:
        return ()
    found = []
    if facility > EASY_ABOVE:
        found.append(TOO_EASY)
    if facility < HARD_BELOW:
        found.append(TOO_HARD)
    if discrimination is not None and discrimination < NEGATIVE_BELOW:
        found.append(NEGATIVE_DISCRIMINATION)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class OptionStats:
    """One answer row of a question, and how many graded responses picked or matched it."""

    answer_id: int
    text: str
    fraction: float
    match: str = ""
    misconception: str = ""
    picks: int = 0
    percent: float | None = None  # of the attempts that included the question

    @property
    def label(self) -> str:
        if self.match:
            return f"{self.text or '(extra choice)'} → {self.match}"
        return self.text


def is_wrong(kind: str, option: OptionStats) -> bool:
    """Whether picking the option is a mistake, by grading's rule for misconceptions.

    A row earning nothing (fraction ≤ 0); in a matching question, where rows carry no grade,
    a distractor (a row with a match but no item).
    """
    return not option.text.strip() if kind == MATCHING else option.fraction <= 0


def random_guess_score(kind: str, options: Sequence[OptionStats]) -> float | None:
    """Moodle's random guess score: the mean score of guessing at random, as a percentage.

    Single choice and true/false: the mean of the options' scores (a negative grade scores 0
    here). Matching: one over the number of choices. Short answer and numerical: the score of
    a catch-all "*" row, else 0. Multiple response: None, as in Moodle.
    """
    if kind in (SINGLE, TRUE_FALSE):
        if not options:
            return None
        return 100 * sum(max(0.0, o.fraction) for o in options) / len(options)
    if kind == MATCHING:
        choices = {o.match.strip().casefold() for o in options if o.match.strip()}
        return 100 / len(choices) if choices else None
    if kind in (SHORT, NUMERICAL):
        caught = [max(0.0, o.fraction) for o in options if o.text.strip() == "*"]
        return 100 * max(caught, default=0.0)
    return None  # multiple response, and kinds this module does not know


# --- The histogram drawn as SVG ---------------------------------------------------------------

CHART_WIDTH = 368
CHART_HEIGHT = 200
_LEFT, _TOP, _BASELINE = 32, 18, 168  # plot area edges in the viewBox
_SLOT, _BAR = 32, 26  # each band's width, and its bar's


@dataclass(frozen=True, slots=True)
class Bin:
    """One band of the score histogram, with its bar's geometry in the chart's viewBox."""

    low: int
    high: int
    count: int
    x: int
    y: int
    width: int
    height: int
    tick_x: int

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high} %"

    @property
    def centre(self) -> int:
        return self.x + self.width // 2

    @property
    def count_y(self) -> int:
        return self.y - 4


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything the template needs to draw the histogram: no arithmetic in templates."""

    bins: tuple[Bin, ...]
    max_count: int
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = _LEFT
    right: int = _LEFT + BIN_COUNT * _SLOT
    top: int = _TOP
    baseline: int = _BASELINE
    tick_y: int = _BASELINE + 14
    title_x: int = _LEFT + BIN_COUNT * _SLOT // 2
    title_y: int = CHART_HEIGHT - 4


def chart(counts: Sequence[int]) -> Chart:
    """Bar geometry for histogram counts: the tallest bar fills the plot's height."""
    top = max(counts, default=0) or 1
    width = 100 // len(counts) if counts else 0
    bins = []
    for index, count in enumerate(counts):
        height = round(count / top * (_BASELINE - _TOP))
        bins.append(
            Bin(
                low=index * width,
                high=(index + 1) * width,
                count=count,
                x=_LEFT + index * _SLOT + (_SLOT - _BAR) // 2,
                y=_BASELINE - height,
                width=_BAR,
                height=height,
                tick_x=_LEFT + index * _SLOT,
            )
        )
    return Chart(bins=tuple(bins), max_count=max(counts, default=0))


# --- The report -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionStats:
    """Item analysis of one question; percentages are of the question's maximum score."""

    question_id: int
    title: str
    kind: str
    sums: Sums
    facility: float | None
    sd: float | None
    discrimination: float | None
    random_guess: float | None
    options: tuple[OptionStats, ...]
    flags: tuple[str, ...]

    @property
    def n(self) -> int:
        return self.sums.n

    @property
    def too_few_attempts(self) -> bool:
        return self.n < MIN_ATTEMPTS_FOR_FLAGS

    @property
    def unpicked(self) -> tuple[OptionStats, ...]:
        """Options of a choice question that no graded response picked."""
        if self.kind not in CHOICE_KINDS:
            return ()
        return tuple(option for option in self.options if not option.picks)


@dataclass(frozen=True, slots=True)
class Misconception:
    """A misconception label, summed over every question's wrong options that carry it."""

    label: str
    picks: int
    questions: int


@dataclass(frozen=True, slots=True)
class QuizStats:
    """Item analysis of a quiz over its finished attempts; scores are percentages."""

    attempts: int
    mean: float | None
    median: float | None
    sd: float | None
    histogram: Chart
    cic: float | None
    cic_reason: str
    questions: tuple[QuestionStats, ...]
    misconceptions: tuple[Misconception, ...] = field(default=())

    @property
    def flagged(self) -> tuple[QuestionStats, ...]:
        return tuple(q for q in self.questions if q.flags)

    @property
    def unpicked(self) -> tuple[tuple[QuestionStats, OptionStats], ...]:
        return tuple((q, option) for q in self.questions for option in q.unpicked)


def question_stats(
    question_id: int, title: str, kind: str, sums: Sums, options: Sequence[OptionStats]
) -> QuestionStats:
    """Everything about one question, from its sums and its answer rows with their picks."""
    facility = facility_index(sums)
    discrimination = discrimination_index(sums)
    return QuestionStats(
        question_id=question_id,
        title=title,
        kind=kind,
        sums=sums,
        facility=facility,
        sd=item_sd(sums),
        discrimination=discrimination,
        random_guess=random_guess_score(kind, options),
        options=tuple(options),
        flags=flags(sums.n, facility, discrimination),
    )


def misconceptions(questions: Iterable[QuestionStats]) -> tuple[Misconception, ...]:
    """Labels on wrong options that learners picked, most picked first."""
    picks: dict[str, int] = defaultdict(int)
    where: dict[str, set[int]] = defaultdict(set)
    for question in questions:
        for option in question.options:
            label = option.misconception.strip()
            if label and option.picks and is_wrong(question.kind, option):
                picks[label] += option.picks
                where[label].add(question.question_id)
    found = (Misconception(label, total, len(where[label])) for label, total in picks.items())
    return tuple(sorted(found, key=lambda m: (-m.picks, m.label.casefold())))


def summarise(
    scores: Sequence[tuple[float, int]],
    questions: Sequence[QuestionStats],
) -> QuizStats:
    """The quiz-level figures from each finished attempt's (score, slot_count)."""
    percents = [100 * score / slots for score, slots in scores if slots]
    raw = [score for score, _ in scores]
    n = len(scores)
    cic, reason = internal_consistency(
        n, [q.sums for q in questions], variance(n, sum(raw), sum(s * s for s in raw))
    )
    return QuizStats(
        attempts=n,
        mean=mean(len(percents), sum(percents)),
        median=median(percents),
        sd=std_dev(len(percents), sum(percents), sum(p * p for p in percents)),
        histogram=chart(histogram(percents)),
        cic=cic,
        cic_reason=reason,
        questions=tuple(questions),
        misconceptions=misconceptions(questions),
    )


# --- The queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptFilter:
    """Which finished attempts the analysis counts. By default, learners' own: guests and
    staff trying the quiz out are left out, as they would skew it."""

    cohort: Cohort | None = None
    start: date | None = None
    end: date | None = None
    include_guests: bool = False
    include_staff: bool = False

    def q(self, to_attempt: str = "") -> Q:
        """The filter on attempts, reached from another model through `to_attempt`."""
        q = Q()
        if not self.include_guests:
            q &= Q(**{f"{to_attempt}learner__user__isnull": False})
        if not self.include_staff:
            q &= Q(**{f"{to_attempt}learner__user__isnull": True}) | Q(
                **{f"{to_attempt}learner__user__is_staff": False}
            )
        if self.cohort is not None:
            members = Membership.objects.filter(cohort=self.cohort).values("user_id")
            q &= Q(**{f"{to_attempt}learner__user_id__in": members})
        if self.start is not None:
            q &= Q(**{f"{to_attempt}finished__gte": day_start(self.start)})
        if self.end is not None:
            q &= Q(**{f"{to_attempt}finished__lt": day_start(self.end, next_day=True)})
        return q


def quiz_statistics(quiz: Quiz, flt: AttemptFilter = AttemptFilter()) -> QuizStats:
    """Item analysis of a quiz, in four queries whatever the number of attempts or questions.

    1. each finished attempt's score and slot count (for the median and the histogram);
    2. per question, its title and kind and the sums n, Σx, Σx², ΣT, ΣT², ΣxT over the slots
       of finished attempts, each LEFT JOINed to its response;
    3. the answer rows of those questions;
    4. per answer row, how many graded responses in those attempts picked or matched it.

    Questions come in the order they were shown (mean slot number), which for a fixed quiz
    is the quiz's order.
    """
    attempts.close_expired(Attempt.objects.filter(quiz=quiz))
    finished = Attempt.objects.filter(quiz=quiz, state=Attempt.State.FINISHED).order_by()
    finished = finished.filter(flt.q())
    slots = Slot.objects.filter(attempt__quiz=quiz, attempt__state=Attempt.State.FINISHED)
    slots = slots.filter(flt.q("attempt__")).order_by()

    zero = Value(0.0, output_field=FloatField())
    scores = list(finished.values_list(Coalesce("score", zero), "slot_count"))

    x = Coalesce(F("response__fraction"), zero, output_field=FloatField())
    t = Coalesce(F("attempt__score"), zero, output_field=FloatField())
    per_question = (
        slots.values("question", "question__title", "question__kind")
        .annotate(
            n=Count("pk"),
            sx=Sum(x),
            sxx=Sum(x * x),
            st=Sum(t),
            stt=Sum(t * t),
            sxt=Sum(x * t),
            position=Avg("number"),
        )
        .order_by("position", "question")
    )

    answers = Answer.objects.filter(question__in=slots.values("question")).order_by(
        "question_id", "order", "pk"
    )
    picked = ResponseOption.objects.filter(
        response__slot__attempt__quiz=quiz,
        response__slot__attempt__state=Attempt.State.FINISHED,
        response__fraction__isnull=False,
    ).filter(flt.q("response__slot__attempt__"))
    picks = dict(
        picked.order_by().values("answer").annotate(c=Count("pk")).values_list("answer", "c")
    )

    rows_by_question: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers.only("question", "text", "fraction", "match", "misconception"):
        rows_by_question[answer.question_id].append(answer)

    questions = []
    for row in per_question:
        sums = Sums(
            n=row["n"], x=row["sx"], xx=row["sxx"], t=row["st"], tt=row["stt"], xt=row["sxt"]
        )
        options = [
            OptionStats(
                answer_id=answer.pk,
                text=answer.text,
                fraction=answer.fraction,
                match=answer.match,
                misconception=answer.misconception,
                picks=picks.get(answer.pk, 0),
                percent=100 * picks.get(answer.pk, 0) / sums.n,
            )
            for answer in rows_by_question[row["question"]]
        ]
        questions.append(
            question_stats(
                row["question"], row["question__title"], row["question__kind"], sums, options
            )
        )
    return summarise(scores, questions)


# --- Option counts over the whole bank, for the item-writing checker ---------------------------


def bank_items(questions) -> list[itemcheck.Item]:
    """Stored questions as checker items, each with its option counts from graded responses.

    Counts cover every graded response to the question, in any quiz (practice included), so
    "implausible distractor" sees all the evidence there is. Four queries whatever the size of
    the bank: questions, answers, responses per question, picks per answer row. An item's
    `source` is its topic's slug and its `line` the question's id.
    """
    questions = list(
        questions.select_related("topic__course", "lesson").prefetch_related("answers", "tags")
    )
    ids = [q.pk for q in questions]
    responses = dict(
        Response.objects.graded()
        .filter(question__in=ids)
        .order_by()
        .values("question")
        .annotate(n=Count("pk"))
        .values_list("question", "n")
    )
    picks = dict(
        ResponseOption.objects.filter(response__question__in=ids, response__fraction__isnull=False)
        .order_by()
        .values("answer")
        .annotate(c=Count("pk"))
        .values_list("answer", "c")
    )
    items = []
    for question in questions:
        answers = list(question.answers.all())
        counts = itemcheck.OptionCounts(
            responses.get(question.pk, 0), tuple(picks.get(a.pk, 0) for a in answers)
        )
        items.append(
            itemcheck.Item(
                importing.question_data(question),
                source=question.topic.slug,
                line=question.pk,
                counts=counts,
            )
        )
    return items
