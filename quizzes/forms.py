from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from quizzes import grading
from quizzes.models import Question, Slot

MAX_TEXT = 200


class MinutesField(forms.IntegerField):
    """A duration typed as whole minutes: 30 means 30 minutes, never 30 seconds."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 7 * 24 * 60)
        kwargs.setdefault("widget", forms.NumberInput(attrs={"step": 1, "inputmode": "numeric"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, timedelta):
            return round(value.total_seconds() / 60)
        return value

    def clean(self, value):
        minutes = super().clean(value)
        return None if minutes is None else timedelta(minutes=minutes)

    def has_changed(self, initial, data):
        return super().has_changed(self.prepare_value(initial), data)


class AnswerForm(forms.Form):
    """One answer to one slot. Choices come from the slot's own snapshot, so an option id
    from another question (or a made-up one) is a validation error, never a crash."""

    seq = forms.IntegerField(min_value=0, max_value=1_000_000, widget=forms.HiddenInput)
    shown = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, slot: Slot, *args, partial: bool = False, **kwargs):
        """`partial` lets a matching answer leave items unmatched (exam autosave)."""
        super().__init__(*args, **kwargs)
        self.slot = slot
        snapshot = slot.snapshot
        kind = snapshot["kind"]
        options = [(o["id"], o["text"]) for o in snapshot["options"]]
        if kind in (Question.Kind.SINGLE, Question.Kind.TRUE_FALSE):
            self.fields["choice"] = forms.TypedChoiceField(
                choices=options, coerce=int, error_messages={"required": "Choose an answer."}
            )
        elif kind == Question.Kind.MULTIPLE:
            self.fields["choice"] = forms.TypedMultipleChoiceField(
                choices=options,
                coerce=int,
                error_messages={"required": "Choose at least one answer."},
            )
        elif kind == Question.Kind.MATCHING:
            choices = [(c, c) for c in snapshot["choices"]]
            for option in snapshot["options"]:
                if option["text"].strip():
                    self.fields[f"match-{option['id']}"] = forms.ChoiceField(
                        choices=[("", "Choose…"), *choices],
                        label=option["text"],
                        required=not partial,
                        error_messages={"required": "Choose a match for every item."},
                    )
        else:
            self.fields["text"] = forms.CharField(
                max_length=MAX_TEXT,
                error_messages={
                    "required": "Type your answer.",
                    "max_length": f"Keep your answer under {MAX_TEXT} characters.",
                },
            )

    def clean(self):
        data = super().clean()
        matches = [name for name in self.fields if name.startswith("match-")]
        if matches and not self.errors and not any(data.get(name) for name in matches):
            raise ValidationError("Choose a match for at least one item.")
        return data

    def clean_text(self):
        text = self.cleaned_data["text"]
        if self.slot.kind == Question.Kind.NUMERICAL and grading.parse_number(text) is None:
            raise ValidationError("Enter a number, such as 40 or 2.5.")
        return text

    def value(self):
        """The answer in grading's response shape (call after is_valid())."""
        kind = self.slot.kind
        data = self.cleaned_data
        if kind in (Question.Kind.SINGLE, Question.Kind.TRUE_FALSE):
            return data["choice"]
        if kind == Question.Kind.MULTIPLE:
            return frozenset(data["choice"])
        if kind == Question.Kind.MATCHING:
            return {
                int(name.removeprefix("match-")): data[name]
                for name in self.fields
                if name.startswith("match-") and data.get(name)
            }
        return data["text"]

    def seconds(self, now_epoch: int) -> int | None:
        shown = self.cleaned_data.get("shown")
        if not shown or shown > now_epoch:
            return None
        return min(now_epoch - shown, 3600)


class FlagForm(forms.Form):
    flagged = forms.BooleanField(required=False)


class ExamDayForm(forms.Form):
    date = forms.DateField(
        label="Exam date",
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],
    )

    def clean_date(self):
        day = self.cleaned_data["date"]
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError("Choose today or a date in the future.")
        if (day - today).days > 3 * 365:
            raise forms.ValidationError("Choose a date within the next three years.")
        return day


class DeleteDataForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand this deletes my account, attempts and progress for good."
    )
    password = forms.CharField(
        label="Your password", widget=forms.PasswordInput, required=False, strip=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is None:
            del self.fields["password"]
        else:
            self.fields["password"].required = True

    def clean_password(self):
        password = self.cleaned_data["password"]
        if self.user is not None and not self.user.check_password(password):
            raise forms.ValidationError("That password is not right.")
        return password
