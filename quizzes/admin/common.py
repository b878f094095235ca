"""Small helpers shared by the admin modules."""

from django import forms

from quizzes.formats.gift import GRADE_STEPS


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
