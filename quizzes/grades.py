"""Who scored what: the grades grid and the responses report of one quiz.

Both take each learner's best finished attempt (Moodle's default grading method, "highest
grade"; the latest breaks ties), optionally only the members of one class, and cost a fixed
number of queries however many learners and questions there are: the attempts, their
responses, the questions' titles and (for the responses report) their answer rows.
"""

import csv
import io
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import unescape

from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils.html import strip_tags

from quizzes import grading, kinds
from quizzes.models import Attempt, Cohort, Question, QuestionVersion, Quiz, Response, Slot

SORTS = ("name", "total")  # and "q<question id>", each optionally prefixed with "-"


@dataclass
class Column:
    question_id: int
    title: str
    kind: str
    number: int  # its place in the quiz (the first slot it was given in)


@dataclass
class Row:
    learner: str
    attempt_id: int
    score: float
    out_of: int
    cells: dict[int, float | None] = field(default_factory=dict)  # question id: mark or None
    answers: dict[int, str] = field(default_factory=dict)  # question id: the answer in words

    def marks(self, columns: list[Column]) -> list[str]:
        """Each column's mark as shown: "" not given, "–" unanswered (0), else 0 to 1."""
        return [
            ""
            if c.question_id not in self.cells
            else "–"
            if self.cells[c.question_id] is None
            else f"{self.cells[c.question_id]:.3g}"
            for c in columns
        ]

    @property
    def total(self) -> str:
        """The score as shown: 1.5, 2, 13.33."""
        return f"{round(self.score, 2):g}"

    @property
    def percent(self) -> float:
        return 100 * self.score / self.out_of if self.out_of else 0.0


@dataclass
class Grid:
    columns: list[Column]
    rows: list[Row]

    def table(self) -> list[tuple[Row, list[str], list[str]]]:
        """Rows with their marks, and their answers in words, in column order (templates)."""
        ids = [c.question_id for c in self.columns]
        return [
            (row, row.marks(self.columns), [row.answers.get(pk, "") for pk in ids])
            for row in self.rows
        ]


def _name(attempt: dict) -> str:
    """The learner as reports show them: "Display name (username)", the username, or a guest."""
    username, shown = attempt["learner__user__username"], attempt["learner__user__first_name"]
    if username is None:
        return f"Guest #{attempt['learner_id']}"
    return f"{shown} ({username})" if shown else username


def _best_attempts(quiz: Quiz, cohort: Cohort | None) -> list[dict]:
    finished = Attempt.objects.filter(quiz=quiz, state=Attempt.State.FINISHED)
    if cohort is not None:
        finished = finished.filter(learner__user__memberships__cohort=cohort)
    best = {}
    for attempt in finished.order_by("learner_id", "-score", "-finished", "-pk").values(
        "pk",
        "learner_id",
        "score",
        "slot_count",
        "learner__user__username",
        "learner__user__first_name",
    ):
        best.setdefault(attempt["learner_id"], attempt)
    return list(best.values())


def grid(quiz: Quiz, *, cohort: Cohort | None = None, sort: str = "name", answers=False) -> Grid:
    """Learners × questions: each learner's best finished attempt, mark per question.

    A question the attempt gave but the learner left unanswered scores 0 (None in `cells`,
    shown as "–"); a question it did not give (a random draw) has no cell at all.
    With `answers`, each row also holds what the learner answered, in words.
    """
    attempts = _best_attempts(quiz, cohort)
    rows = {
        a["pk"]: Row(
            learner=_name(a),
            attempt_id=a["pk"],
            score=a["score"] or 0.0,
            out_of=a["slot_count"],
        )
        for a in attempts
    }
    first_number: dict[int, int] = {}
    given = Slot.objects.filter(attempt__quiz=quiz, attempt__state=Attempt.State.FINISHED)
    if cohort is not None:
        given = given.filter(attempt__learner__user__memberships__cohort=cohort)
    extra = ["answer_json", "version_id"] if answers else []
    if answers:
        # The answer as its JSON text: many learners give the same one, described once.
        given = given.annotate(answer_json=Cast("response__answer", TextField()))
    stored: list[tuple] = []
    for attempt_id, question_id, number, fraction, *answer in given.values_list(
        "attempt_id", "question_id", "number", "response__fraction", *extra
    ):
        row = rows.get(attempt_id)
        if row is None:
            continue  # not this learner's best attempt
        row.cells[question_id] = fraction
        first_number[question_id] = min(number, first_number.get(question_id, number))
        if answer and answer[0] is not None:
            stored.append((row, question_id, *answer))
    questions = Question.objects.filter(pk__in=first_number).values_list("pk", "title", "kind")
    columns = sorted(
        (Column(pk, title, kind, first_number[pk]) for pk, title, kind in questions),
        key=lambda c: (c.number, c.question_id),
    )
    if answers:
        _describe(stored, {c.question_id: c.kind for c in columns})
    return Grid(columns, _sorted(list(rows.values()), sort))


def _describe(stored: list[tuple], kind_of: dict[int, str]) -> None:
    """Fill Row.answers in words, as each kind describes an answer to the version it asked."""
    snapshots = dict(
        QuestionVersion.objects.filter(pk__in={version for *_, version in stored}).values_list(
            "pk", "snapshot"
        )
    )
    words: dict[tuple, str] = {}
    for row, question_id, answer, version in stored:
        key = (question_id, version, answer)
        if key not in words:
            kind = kinds.get(kind_of[question_id])
            value = kind.decode(json.loads(answer))
            shown = kind.describe(snapshots.get(version, {"options": []}), value)
            words[key] = "; ".join(unescape(strip_tags(part)).strip() for part in shown)
        row.answers[question_id] = words[key]


def _sorted(rows: list[Row], sort: str) -> list[Row]:
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key == "total":
        order = lambda row: (row.score, row.learner.casefold())  # noqa: E731
    elif key.startswith("q") and key[1:].isdigit():
        pk = int(key[1:])
        order = lambda row: (  # noqa: E731
            row.cells.get(pk) if row.cells.get(pk) is not None else -1.0,
            row.learner.casefold(),
        )
    else:
        order = lambda row: row.learner.casefold()  # noqa: E731
    return sorted(rows, key=order, reverse=descending)


def grid_csv(result: Grid) -> str:
    """The grid as CSV: learner, one column per question (mark 0–1), total, percent."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["Learner", *(f"Q{c.number} {c.title}" for c in result.columns), "Total", "Out of", "%"]
    )
    for row in result.rows:
        cells = []
        for column in result.columns:
            if column.question_id not in row.cells:
                cells.append("")
            else:
                mark = row.cells[column.question_id]
                cells.append("0" if mark is None else f"{mark:g}")
        writer.writerow([row.learner, *cells, f"{row.score:g}", row.out_of, f"{row.percent:.1f}"])
    return out.getvalue()


@dataclass
class Unmatched:
    """Typed answers to one short-answer question that no answer row matched."""

    question_id: int
    title: str
    counts: list[tuple[str, int]]  # (answer as most often typed, how many), most frequent first


def unmatched_answers(quiz: Quiz, *, cohort: Cohort | None = None) -> list[Unmatched]:
    """Short answers that matched nothing, grouped (case and spacing folded) and counted.

    Over every finished attempt, not just the best: each is a learner's real wording, and
    what an instructor may want to accept.
    """
    responses = Response.objects.filter(
        slot__attempt__quiz=quiz,
        slot__attempt__state=Attempt.State.FINISHED,
        question__kind=Question.Kind.SHORT,
        matched=[],
        fraction__isnull=False,
    )
    if cohort is not None:
        responses = responses.filter(learner__user__memberships__cohort=cohort)
    groups: dict[int, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    titles = {}
    for question_id, title, answer in responses.values_list(
        "question_id", "question__title", "answer"
    ):
        text = str(answer.get("text", "")).strip()
        if not text:
            continue
        titles[question_id] = title
        groups[question_id][grading.normalise(text)][text] += 1
    return [
        Unmatched(
            question_id,
            titles[question_id],
            sorted(
                ((spellings.most_common(1)[0][0], spellings.total()) for spellings in by.values()),
                key=lambda pair: (-pair[1], pair[0].casefold()),
            ),
        )
        for question_id, by in sorted(groups.items())
    ]
