"""Small helpers shared by the admin modules."""

from django import forms

from quizzes.formats import gift
from quizzes.formats.gift import GRADE_STEPS
from quizzes.formats.interchange import MATCHING, NUMERICAL


def sentence(message: str) -> str:
    """`problems()` speaks in clauses ("a single-choice question needs …"); forms want sentences."""
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def topic_labels(field: forms.ModelChoiceField) -> forms.ModelChoiceField:
    """Topics are named by course too: two courses may well both have an "Introduction"."""
    field.queryset = field.queryset.select_related("course")
    field.label_from_instance = lambda topic: f"{topic.course} · {topic}"
    return field


# Moodle's list of grades for an answer row, as fractions, shown as percentages.
MOODLE_FRACTIONS = [*GRADE_STEPS, 0.0]


def percent_label(fraction: float) -> str:
    """0.8333333 → "83.33333 %", as Moodle lists its grades."""
    return f"{100 * fraction:.5f}".rstrip("0").rstrip(".") + " %"


GRADE_CHOICES = [(str(f), percent_label(f)) for f in MOODLE_FRACTIONS]
# With Moodle's penalties, for answer rows (a wrong option in a multiple-response question).
GRADE_AND_PENALTY_CHOICES = GRADE_CHOICES + [
    (str(-f), percent_label(-f)) for f in reversed(MOODLE_FRACTIONS) if f
]


def answer_rows(snapshot: dict) -> list[dict]:
    """A rendered question's answers for an instructor: each with its grade in percent, and
    a numerical answer as value ± tolerance (admin/quizzes/question/_answers.html)."""
    rows = []
    for option in snapshot["options"]:
        # A matching question is graded by its pairs; its rows carry no grade of their own.
        percent = "—" if snapshot["kind"] == MATCHING else f"{option['fraction']:.0%}"
        row = {**option, "percent": percent}
        if snapshot["kind"] == NUMERICAL:
            row["answer"] = (
                f"{gift.format_number(option['value'])} ± {gift.format_number(option['tolerance'])}"
                if option["value"] is not None
                else "* (any other answer)"
            )
        rows.append(row)
    return rows
