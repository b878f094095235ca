from datetime import timedelta

from django import forms
from django.utils import timezone

from quizzes import grading, kinds
from quizzes.models import REVIEW_ALWAYS, Quiz, Slot


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


class TimingsField(forms.TypedMultipleChoiceField):
    """One row of the review options matrix: the `Quiz.When` timings it shows in, as bits."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        for integer_only in ("min_value", "max_value", "step_size"):  # from the model field
            kwargs.pop(integer_only, None)
        kwargs["required"] = False
        kwargs.setdefault("initial", REVIEW_ALWAYS)
        super().__init__(choices=Quiz.When.choices, coerce=int, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return [when for when in Quiz.When.values if value & when]
        return value

    def clean(self, value):
        return sum(set(super().clean(value)))

    def has_changed(self, initial, data):
        return super().has_changed(self.prepare_value(initial), data)


class AnswerForm(forms.Form):
    """One answer to one slot. Choices come from the slot's own snapshot, so an option
    from another question or attempt (or a made-up one) is a validation error, never a
    crash. The fields and their checks are the kind's (see quizzes.kinds).

    Options are posted as their opaque per-attempt values (`Slot.option_value`): the kind
    builds its fields from the snapshot with those values in place of the answer-row ids,
    and `value()` maps them back, so grading and storage keep the ids.
    """

    seq = forms.IntegerField(min_value=0, max_value=1_000_000, widget=forms.HiddenInput)
    shown = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, slot: Slot, *args, partial: bool = False, **kwargs):
        """`partial` lets a matching answer leave items unmatched (exam autosave)."""
        super().__init__(*args, **kwargs)
        self.slot = slot
        self.kind = kinds.get(slot.kind)
        shown = slot.shown()
        self.ids = {o["value"]: o["id"] for o in shown["options"]}
        as_posted = {**shown, "options": [{**o, "id": o["value"]} for o in shown["options"]]}
        self.fields.update(self.kind.form_fields(as_posted, partial=partial))

    def clean(self):
        data = super().clean()
        if not self.errors:
            self.kind.clean(data)
        return data

    def value(self):
        """The answer in grading's response shape, with answer-row ids (after is_valid())."""
        value = self.kind.form_value(self.cleaned_data)
        if isinstance(value, dict):  # matching: {option: its match}
            return {self.ids[k]: v for k, v in value.items()}
        if isinstance(value, frozenset):
            return frozenset(self.ids[v] for v in value)
        return self.ids[value] if "choice" in self.fields else value

    def seconds(self, now_epoch: int) -> int | None:
        shown = self.cleaned_data.get("shown")
        if not shown or shown > now_epoch:
            return None
        return min(now_epoch - shown, 3600)


class MarkForm(forms.Form):
    """The points of a long answer's mark scheme the learner claims. The choices are the
    slot's own points, posted as their opaque per-attempt values (`Slot.option_value`, as
    in AnswerForm), so a point of another question or attempt is a validation error."""

    points = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, slot: Slot, *args, **kwargs):
        super().__init__(*args, **kwargs)
        options = [o["id"] for o in slot.snapshot["options"]] or [grading.WHOLE_ANSWER]
        self.ids = {slot.option_value(pk): pk for pk in options}
        self.fields["points"].choices = [(value, value) for value in self.ids]

    def claimed(self) -> frozenset[int]:
        """The claimed points as answer-row ids (after is_valid())."""
        return frozenset(self.ids[value] for value in self.cleaned_data["points"])


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
