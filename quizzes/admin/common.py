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
