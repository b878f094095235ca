"""Each question kind's behaviour, in one place.

A kind is one `QuestionKind` object in `KINDS`. It says how a learner's answer is stored
(`encode` / `decode`, to and from the JSON on `Response.answer`), which form fields ask for
it and how the form's data becomes grading's response shape, which template draws those
fields, how an answer (the learner's, or grading's `correct_response`) is shown in words,
and what an author must get right for a question of this kind to be usable (`problems`).

Grading itself stays in `quizzes.grading` (pure functions); a kind points at it through its
value, which is also `Question.Kind`'s value and the interchange kind of `quizzes.formats`.
Adding a kind means a class here, its grader in `grading.py`, its inputs template and (if
files should carry it) its reading and writing in `quizzes.formats`.

This module imports no models: models, forms, views and the importer import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from quizzes import grading
from quizzes.formats.interchange import (
    ESSAY,
    MATCHING,
    MULTIPLE,
    NUMERICAL,
    SHORT,
    SINGLE,
    TRUE_FALSE,
    QuestionData,
)

# Longest short or numerical answer a learner may type.
MAX_TEXT = 200

# An answer row this close to full credit counts as full credit.
FULL = 1 - 1e-6


def _html(option: dict) -> SafeString:
    return mark_safe(option["html"])  # rendered by courses.markdown at snapshot time


def _is_blank(value) -> bool:
    return value is None or value == "" or value == frozenset() or value == {}


class QuestionKind:
    """The behaviour every kind shares; subclasses override what differs."""

    value: ClassVar[str]
    label: ClassVar[str]
    name: ClassVar[str]  # the Question.Kind member name
    template: ClassVar[str]  # draws the answer fields inside the question's form
    # Options are shown in a random order when the quiz shuffles answers.
    shuffles: ClassVar[bool] = False
    # The options can be chosen with the number keys (a tip says so).
    numbered_keys: ClassVar[bool] = False
    # The learner marks their own answer against a mark scheme: the answer is saved as a
    # draft until handed in, and stays ungraded ("awaiting marking") until marked.
    self_marked: ClassVar[bool] = False
    # The answer-row columns the question admin asks for, with this kind's labels for them;
    # an author's rule for the rows is in `problems`. Empty: no rows (true/false asks with
    # two radio buttons on the question itself).
    answer_fields: ClassVar[tuple[str, ...]] = ("text", "fraction", "feedback", "misconception")
    answer_labels: ClassVar[dict[str, str]] = {"text": "Option"}
    answer_rule: ClassVar[str] = ""

    # -- storage -------------------------------------------------------------------------

    def encode(self, value) -> dict:
        """A grading response as the JSON stored on Response.answer."""
        return {"text": value}

    def decode(self, stored: dict):
        """The inverse of encode: stored JSON back to grading's response type."""
        return stored.get("text", "")

    # -- the answer form -----------------------------------------------------------------

    def form_fields(self, snapshot: dict, *, partial: bool) -> dict[str, forms.Field]:
        """The fields that ask for an answer; `partial` lets an exam save an unfinished one.

        Options' "id"s here are the opaque strings a page posts (see forms.AnswerForm), and
        `form_value` returns them as they are: the form maps them back to answer-row ids."""
        raise NotImplementedError

    def clean(self, data: dict) -> None:
        """Checks across this kind's fields (raise ValidationError)."""

    def form_value(self, data: dict):
        """The cleaned form data in grading's response shape."""
        return data["text"]

    def initial(self, value) -> dict:
        """Form initial data that shows a stored answer again."""
        return {"text": value}

    # -- showing answers -----------------------------------------------------------------

    def describe(self, snapshot: dict, value) -> list[SafeString]:
        """A response in words: the chosen options, the typed text, or the matched pairs."""
        return [] if _is_blank(value) else [escape(value)]

    def describe_correct(self, snapshot: dict, gradable: grading.Gradable) -> list[SafeString]:
        """How the right answer is described to a learner."""
        return self.describe(snapshot, grading.correct_response(gradable))

    # -- authoring -----------------------------------------------------------------------

    def problems(self, q: QuestionData) -> list[str]:
        """What makes a question of this kind unusable, in an author's words."""
        return []


class SingleChoice(QuestionKind):
    value, name, label = SINGLE, "SINGLE", "Single choice"
    answer_rule = "At least two options, exactly one graded 100 %."
    template = "quizzes/kinds/choice.html"
    shuffles = True
    numbered_keys = True
    required_message = "Choose an answer."

    def encode(self, value) -> dict:
        return {"choice": value}

    def decode(self, stored: dict):
        return stored.get("choice")

    def form_fields(self, snapshot, *, partial):
        options = [(o["id"], o["text"]) for o in snapshot["options"]]
        return {
            "choice": forms.ChoiceField(
                choices=options, error_messages={"required": self.required_message}
            )
        }

    def form_value(self, data):
        return data["choice"]

    def initial(self, value):
        return {"choice": value}

    def describe(self, snapshot, value):
        options = {o["id"]: o for o in snapshot["options"]}
        return [_html(options[value])] if value in options else []

    def problems(self, q):
        out = []
        if len(q.answers) < 2:
            out.append("a single-choice question needs at least two options")
        full = [a for a in q.answers if a.fraction >= FULL]
        if len(full) != 1:
            out.append(
                "a single-choice question needs exactly one full-credit answer "
                f"(it has {len(full)})"
            )
        return out


class TrueFalse(SingleChoice):
    value, name, label = TRUE_FALSE, "TRUE_FALSE", "True/false"
    answer_fields = ()
    answer_rule = "Choose whether the statement is true or false; each response may have feedback."
    shuffles = False

    def problems(self, q):
        texts = sorted(a.text for a in q.answers)
        full = [a for a in q.answers if a.fraction >= FULL]
        if texts != ["False", "True"] or len(full) != 1:
            return ["a true/false question needs a True and a False answer, one of them right"]
        return []


class MultipleResponse(QuestionKind):
    value, name, label = MULTIPLE, "MULTIPLE", "Multiple response"
    answer_rule = (
        "At least two options; the positive grades add up to 100 %. A wrong option may carry "
        "a penalty (a negative grade)."
    )
    template = "quizzes/kinds/choice.html"
    shuffles = True
    numbered_keys = True

    def encode(self, value) -> dict:
        return {"choices": sorted(value)}

    def decode(self, stored: dict):
        return frozenset(stored.get("choices", ()))

    def form_fields(self, snapshot, *, partial):
        options = [(o["id"], o["text"]) for o in snapshot["options"]]
        return {
            "choice": forms.MultipleChoiceField(
                choices=options,
                error_messages={"required": "Choose at least one answer."},
            )
        }

    def form_value(self, data):
        return frozenset(data["choice"])

    def initial(self, value):
        return {"choice": sorted(value)}

    def describe(self, snapshot, value):
        if _is_blank(value):
            return []
        chosen = set(value)
        return [_html(o) for o in snapshot["options"] if o["id"] in chosen]

    def problems(self, q):
        out = []
        if len(q.answers) < 2:
            out.append("a multiple-response question needs at least two options")
        total = sum(a.fraction for a in q.answers if a.fraction > 0)
        if abs(total - 1) > 1e-4:
            out.append(
                f"the positive grades of a multiple-response question must add up to 100% "
                f"(they add up to {total:.0%})"
            )
        return out


class ShortAnswer(QuestionKind):
    value, name, label = SHORT, "SHORT", "Short answer"
    answer_labels = {"text": "Accepted answer"}
    answer_rule = "Each accepted answer as a row (* is a wildcard), at least one graded 100 %."
    template = "quizzes/kinds/text.html"
    what = "a short-answer question"
    field_label = "Your answer"

    def form_fields(self, snapshot, *, partial):
        return {
            "text": forms.CharField(
                max_length=MAX_TEXT,
                error_messages={
                    "required": "Type your answer.",
                    "max_length": f"Keep your answer under {MAX_TEXT} characters.",
                },
            )
        }

    def problems(self, q):
        if not q.answers:
            return [f"{self.what} needs at least one accepted answer"]
        if not any(a.fraction >= FULL for a in q.answers):
            return [f"{self.what} needs at least one full-credit answer"]
        return []


class Numerical(ShortAnswer):
    value, name, label = NUMERICAL, "NUMERICAL", "Numerical"
    answer_fields = ("value", "tolerance", "fraction", "feedback", "misconception")
    answer_labels = {"value": "Value (empty: any other answer)", "tolerance": "± tolerance"}
    answer_rule = (
        "Each row a value and its margin (value ± tolerance, 0 or more), at least one graded "
        "100 %. A row with no value catches any other answer."
    )
    what = "a numerical question"

    def clean(self, data):
        text = data.get("text")
        if text is not None and grading.parse_number(text) is None:
            raise ValidationError({"text": "Enter a number, such as 40 or 2.5."})

    def problems(self, q):
        if not q.answers:
            return [f"{self.what} needs at least one answer"]
        return super().problems(q) + [
            f"numerical answer “{a.text}” is not a number"
            for a in q.answers
            if a.value is None and a.text != "*"
        ]


class Matching(QuestionKind):
    value, name, label = MATCHING, "MATCHING", "Matching"
    answer_fields = ("text", "match")
    answer_labels = {"text": "Item", "match": "Its match"}
    answer_rule = (
        "At least two pairs, each an item and its match; a match with no item is an extra "
        "wrong choice. Matching is graded by its pairs, so rows carry no grade."
    )
    template = "quizzes/kinds/matching.html"
    shuffles = True
    prefix = "match-"

    def encode(self, value) -> dict:
        return {"pairs": {str(k): v for k, v in sorted(value.items())}}

    def decode(self, stored: dict):
        return {int(k): v for k, v in stored.get("pairs", {}).items()}

    def form_fields(self, snapshot, *, partial):
        choices = [("", "Choose…"), *((c, c) for c in snapshot["choices"])]
        return {
            f"{self.prefix}{option['id']}": forms.ChoiceField(
                choices=choices,
                label=option["text"],
                required=not partial,
                error_messages={"required": "Choose a match for every item."},
            )
            for option in snapshot["options"]
            if option["text"].strip()
        }

    def clean(self, data):
        if not any(data.get(name) for name in data if name.startswith(self.prefix)):
            raise ValidationError("Choose a match for at least one item.")

    def form_value(self, data):
        return {
            name.removeprefix(self.prefix): chosen
            for name, chosen in data.items()
            if name.startswith(self.prefix) and chosen
        }

    def initial(self, value):
        return {f"{self.prefix}{k}": v for k, v in value.items()}

    def describe(self, snapshot, value):
        if _is_blank(value):
            return []
        options = {o["id"]: o for o in snapshot["options"]}
        return [
            mark_safe(f"{options[k]['html']} → {escape(v)}")
            for k, v in value.items()
            if k in options
        ]

    def problems(self, q):
        out = []
        if len([a for a in q.answers if a.text.strip()]) < 2:
            out.append("a matching question needs at least two pairs")
        if any(not a.match.strip() for a in q.answers):
            out.append("every matching pair needs a right-hand side")
        return out


class Essay(QuestionKind):
    """A long answer with a mark scheme (Moodle's essay), marked by the learner.

    The answer row of each scheme point holds its description (`text`), marks (`value`) and
    key ideas (`match`, see `grading.key_ideas`); the model answer is the explanation. The
    learner writes (drafts are saved on the server), hands in, then sees the model answer
    and the scheme with the points whose key ideas were found already ticked, and ticks
    the points they made: the score is the marks claimed over the total.

    Self-marked answers count towards progress like any other graded answer, at full
    weight, and progress says how many of a topic's answers were self-marked: the learner
    judged them, helped by the key-idea search, so the figure is labelled rather than
    discounted (a discount would make an honest full answer look weaker than a right
    multiple-choice click).
    """

    value, name, label = ESSAY, "ESSAY", "Long answer (self-marked)"
    answer_fields = ("text", "value", "match")
    answer_labels = {"text": "Mark-scheme point", "value": "Marks", "match": "Key ideas"}
    answer_rule = (
        "Each mark-scheme point with its marks and key ideas (ideas split by ;, synonyms by |)."
    )
    template = "quizzes/kinds/essay.html"
    self_marked = True

    def encode(self, value: grading.EssayAnswer) -> dict:
        stored: dict = {"text": value.text}
        if value.final:
            stored["final"] = True
        if value.claimed is not None:
            stored["claimed"] = sorted(value.claimed)
        return stored

    def decode(self, stored: dict) -> grading.EssayAnswer:
        claimed = stored.get("claimed")
        return grading.EssayAnswer(
            text=stored.get("text", ""),
            claimed=None if claimed is None else frozenset(claimed),
            final=bool(stored.get("final")),
        )

    def form_fields(self, snapshot, *, partial):
        limit = grading.MAX_ESSAY_LENGTH
        return {
            "text": forms.CharField(
                required=False,
                max_length=limit,
                widget=forms.Textarea(attrs={"rows": 12}),
                error_messages={"max_length": f"Keep your answer under {limit:,} characters."},
            ),
            "submit": forms.BooleanField(required=False),
        }

    def clean(self, data):
        if data.get("submit") and not data.get("text", "").strip():
            raise ValidationError({"text": "Write your answer before handing it in."})

    def form_value(self, data):
        return grading.EssayAnswer(data.get("text", ""), final=bool(data.get("submit")))

    def initial(self, value):
        return {"text": value.text}

    def describe(self, snapshot, value):
        if value is None or not value.text.strip():
            return []
        return [mark_safe(escape(value.text.strip()).replace("\n", "<br>"))]

    def describe_correct(self, snapshot, gradable):
        return [
            mark_safe(f"{option['html']} ({_marks_label(option['value'])})")
            for option in snapshot["options"]
        ]

    def scheme(self, snapshot: dict, value: grading.EssayAnswer) -> list[dict]:
        """The mark scheme as the learner marks against it: each point with its marks, the
        key-idea words found in the answer, and whether it is ticked (claimed, or before
        marking: found). An empty scheme is one point, the whole model answer."""
        gradable = grading.Gradable(
            ESSAY,
            tuple(
                grading.Option(id=o["id"], text=o["text"], value=o["value"], match=o["match"])
                for o in snapshot["options"]
            ),
        )
        found = {m.id: m for m in grading.match_points(gradable, value.text)}
        rows = [
            {
                "id": option["id"],
                "html": mark_safe(option["html"]),
                "marks": _marks_label(option["value"]),
                "words": found[option["id"]].words,
                "ticked": (
                    found[option["id"]].found
                    if value.claimed is None
                    else option["id"] in value.claimed
                ),
            }
            for option in snapshot["options"]
        ]
        if not rows:
            rows.append(
                {
                    "id": grading.WHOLE_ANSWER,
                    "html": "My answer makes the points of the model answer",
                    "marks": "all marks",
                    "words": (),
                    "ticked": bool(value.claimed),
                }
            )
        return rows

    def marks(self, snapshot: dict, fraction: float) -> tuple[str, str]:
        """(marks earned, marks available) as shown: "4" and "6"."""
        total = sum(o["value"] or 0 for o in snapshot["options"] if (o["value"] or 0) > 0) or 1
        return _number(fraction * total), _number(total)

    def problems(self, q):
        out = []
        for a in q.answers:
            if a.value is None or not 0 < a.value < float("inf"):
                out.append(f"the point “{a.text}” needs a positive number of marks")
            if len(a.match) > 255:
                out.append(f"the key ideas of the point “{a.text}” are over 255 characters")
        return out


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _marks_label(marks: float | None) -> str:
    marks = marks or 0
    return f"{_number(marks)} mark{'' if marks == 1 else 's'}"


KINDS: Mapping[str, QuestionKind] = {
    kind.value: kind
    for kind in (
        SingleChoice(),
        MultipleResponse(),
        TrueFalse(),
        ShortAnswer(),
        Numerical(),
        Matching(),
        Essay(),
    )
}


def get(kind: str) -> QuestionKind:
    """The behaviour of a kind; an unknown kind raises KeyError."""
    return KINDS[kind]


def choices() -> list[tuple[str, tuple[str, str]]]:
    """Question.Kind's members, for models.TextChoices' functional form."""
    return [(kind.name, (kind.value, kind.label)) for kind in KINDS.values()]
