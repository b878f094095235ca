"""Small helpers shared by the admin modules."""

from django import forms


def sentence(message: str) -> str:
    """`problems()` speaks in clauses ("a single-choice question needs …"); forms want sentences."""
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def topic_labels(field: forms.ModelChoiceField) -> forms.ModelChoiceField:
    """Topics are named by course too: two courses may well both have an "Introduction"."""
    field.queryset = field.queryset.select_related("course")
    field.label_from_instance = lambda topic: f"{topic.course} · {topic}"
    return field


# Moodle's list of grades for an answer row, as fractions, shown as percentages.
MOODLE_FRACTIONS = [
    1.0,
    0.9,
    0.8333333,
    0.8,
    0.75,
    0.7,
    0.6666667,
    0.6,
    0.5,
    0.4,
    0.3333333,
    0.3,
    0.25,
    0.2,
    0.1666667,
    0.1428571,
    0.125,
    0.1111111,
    0.1,
    0.05,
    0.0,
]


def percent_label(fraction: float) -> str:
    """0.8333333 → "83.33333 %", as Moodle lists its grades."""
    return f"{100 * fraction:.5f}".rstrip("0").rstrip(".") + " %"


GRADE_CHOICES = [(str(f), percent_label(f)) for f in MOODLE_FRACTIONS]
# With Moodle's penalties, for answer rows (a wrong option in a multiple-response question).
GRADE_AND_PENALTY_CHOICES = GRADE_CHOICES + [
    (str(-f), percent_label(-f)) for f in reversed(MOODLE_FRACTIONS) if f
]
