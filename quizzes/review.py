"""What a finished attempt's review shows, from the frozen slots and the stored outcomes.

The question comes from each slot's snapshot, and the grade, feedback and hint from what was
stored with the response when it was graded: a review shows exactly what the learner saw,
even after the question bank or the grader changes. Only the right answer is derived (from
the slot's snapshot, which a regrade updates together with the stored outcome).
"""

from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe

from quizzes import kinds
from quizzes.forms import MarkForm
from quizzes.models import Attempt, Shown, Slot, decode_answer


@dataclass
class ReviewRow:
    slot: Slot
    q: dict
    answered: bool
    fraction: float
    your_answer: list[SafeString] = field(default_factory=list)
    correct_answer: list[SafeString] = field(default_factory=list)
    feedback: list[SafeString] = field(default_factory=list)
    hint: str = ""
    withheld: str = ""  # the running exam that has this question: show nothing about it
    marking: dict | None = None  # a long answer's scheme and marks (see long_answer_marking)
    pending: bool = False  # a long answer not yet marked: not in the score yet

    @property
    def status(self) -> str:
        if self.withheld:
            return "withheld"
        if not self.answered:
            return "unanswered"
        if self.pending:
            return "pending"
        if self.fraction >= 1 - 1e-9:
            return "right"
        return "partial" if self.fraction > 0 else "wrong"


def describe(slot: Slot, value) -> list[SafeString]:
    """A response in words: the chosen options, the typed text, or the matched pairs."""
    return kinds.get(slot.kind).describe(slot.snapshot, value)


def describe_correct(slot: Slot) -> list[SafeString]:
    """The right answer in words, as the slot's kind describes it."""
    return kinds.get(slot.kind).describe_correct(slot.snapshot, slot.gradable())


def long_answer_marking(slot: Slot, response, *, show_while_open: bool) -> dict | None:
    """A long answer's marking state, once it is handed in (or its attempt finished):
    the answer, the scheme with its ticks and words found, and the marks if marked."""
    if response is None:
        return None
    kind = kinds.get(slot.kind)
    answer = kind.decode(response.answer)
    finished = not slot.attempt.is_open
    if not (finished or (show_while_open and answer.final)):
        return None
    marked = response.fraction is not None
    earned, total = kind.marks(slot.snapshot, response.fraction or 0.0)
    return {
        "answer": kind.describe(slot.snapshot, answer),
        # Each point with the opaque value the marking form posts for it (Slot.option_value).
        "scheme": [
            {**point, "value": slot.option_value(point["id"])}
            for point in kind.scheme(slot.snapshot, answer)
        ],
        "marked": marked,
        "earned": earned,
        "total": total,
        "form": None if marked else MarkForm(slot),
    }


def review_rows(attempt: Attempt, slots: list[Slot], shown: Shown) -> list[ReviewRow]:
    """Each slot as the review shows it; what the review options hide is left empty.

    A slot annotated `withheld` (see `Slot.sealing_exam`) shows no answer, verdict,
    feedback or explanation while that exam runs. A long answer's scheme (and so its
    self-marking) is the right answer: it shows when the right answer does."""
    rows = []
    for slot in slots:
        response = getattr(slot, "response", None) if hasattr(slot, "response") else None
        row = ReviewRow(slot, slot.snapshot, response is not None, 0.0)
        if getattr(slot, "withheld", None):
            row.withheld = slot.withheld
            rows.append(row)
            continue
        if response is not None and kinds.get(slot.kind).self_marked:
            row.pending = response.fraction is None
            row.fraction = response.fraction or 0.0
            row.your_answer = describe(slot, decode_answer(slot.kind, response.answer))
            if shown.right_answer:
                slot.attempt = attempt
                row.marking = long_answer_marking(slot, response, show_while_open=False)
            rows.append(row)
            continue
        if response is not None:
            row.fraction = response.fraction if response.fraction is not None else 0.0
            row.your_answer = describe(slot, decode_answer(slot.kind, response.answer))
            if shown.specific_feedback:
                # Stored as rendered by courses.markdown when the question was frozen.
                row.feedback = [mark_safe(f) for f in response.feedback]
                row.hint = response.hint
        if shown.right_answer:
            row.correct_answer = describe_correct(slot)
        rows.append(row)
    return rows


def topic_breakdown(rows: list[ReviewRow]) -> list[dict]:
    """Score per topic, in the order topics first appear in the attempt."""
    topics: dict[int, dict] = {}
    for row in rows:
        topic = row.q["topic"]
        entry = topics.setdefault(topic["id"], {"title": topic["title"], "score": 0.0, "count": 0})
        entry["score"] += row.fraction
        entry["count"] += 1
    for entry in topics.values():
        entry["percent"] = round(100 * entry["score"] / entry["count"]) if entry["count"] else 0
    return list(topics.values())
