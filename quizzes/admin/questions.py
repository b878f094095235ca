"""Admin for the question bank: questions with their answer rows, tags, a learner's-eye preview,
and GIFT/Aiken export.

Every per-kind rule for a question's answer rows lives in `quizzes.importing.problems`; the
admin builds the same `QuestionData` an import would and reports what that function finds, so
a file and a form are held to the same rules.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from courses import fragments
from quizzes import importing, itemcheck, kinds
from quizzes.admin.bankhealth import bank_health
from quizzes.admin.common import (
    GRADE_AND_PENALTY_CHOICES,
    answer_rows,
    percent_label,
    sentence,
    topic_labels,
)
from quizzes.admin.imports import import_confirm, import_question, import_upload
from quizzes.formats import gift
from quizzes.formats.interchange import AnswerData, QuestionData
from quizzes.forms import AnswerForm
from quizzes.models import Answer, Question, Slot, Tag

FRACTION_HELP = "Moodle's grades; a negative grade is a penalty for choosing this option."

# --- Questions and their answer rows ------------------------------------------------------------


class AnswerRowForm(forms.ModelForm):
    class Meta:
        model = Answer
        fields = [
            "text",
            "fraction",
            "feedback",
            "value",
            "tolerance",
            "match",
            "misconception",
            "order",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2, "cols": 28}),
            "feedback": forms.Textarea(attrs={"rows": 2, "cols": 28}),
        }
        labels = {"fraction": "Grade"}
        help_texts = {"fraction": FRACTION_HELP}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "fraction" not in self.fields:
            return  # a kind whose rows carry no grade (AnswerInline.get_fields)
        # Grades are picked from Moodle's list, as percentages; the field stays a FloatField,
        # so a grade outside the list (an imported 0.333) is kept and offered as it is.
        choices = list(GRADE_AND_PENALTY_CHOICES)
        # As a float, so a new row's default 0 selects "0 %" (the widget compares strings:
        # "0" would match nothing, and the browser would pick the first grade, 100 %).
        current = float(self.get_initial_for_field(self.fields["fraction"], "fraction") or 0)
        self.initial["fraction"] = current
        if str(current) not in dict(choices):
            choices.insert(0, (str(current), percent_label(current)))
        self.fields["fraction"].widget = forms.Select(choices=choices)

    def validate_constraints(self):
        # The grade and tolerance ranges are reported in words with the question's other rules
        # (AnswerFormSet.clean), instead of as "Constraint … is violated"; the database
        # constraints still guard them.
        exclude = {*self._get_validation_exclusions(), "fraction", "tolerance"}
        try:
            self.instance.validate_constraints(exclude=exclude)
        except ValidationError as error:
            self.add_error(None, error)


class AnswerFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return  # The per-kind rules need every row's values; row errors are shown first.
        question = self.instance
        rows = [
            form
            for form in self.forms
            if form.cleaned_data and not (self.can_delete and form.cleaned_data.get("DELETE"))
        ]
        if question.kind == Question.Kind.NUMERICAL:
            for form in rows:
                _value_from_text(form)
        data = QuestionData(
            kind=question.kind,
            text=question.text or "",
            answers=[_answer_data(form.cleaned_data) for form in rows],
        )
        found = importing.problems(data)
        if found:
            raise ValidationError([sentence(message) for message in found])


def _value_from_text(form: forms.ModelForm) -> None:
    """A numerical row's text follows its value, as a GIFT file writes it; the editor asks
    for the value only, and a row without one catches any other answer ("*")."""
    if "text" not in form.fields:
        value = form.cleaned_data.get("value")
        text = "*" if value is None else gift.format_number(value)
        form.cleaned_data["text"] = form.instance.text = text
        return
    text = (form.cleaned_data.get("text") or "").strip()
    if form.cleaned_data.get("value") is None and text and gift.is_php_numeric(text):
        form.cleaned_data["value"] = form.instance.value = float(text)


def _answer_data(row: dict) -> AnswerData:
    return AnswerData(
        text=row.get("text") or "",
        fraction=row.get("fraction") if row.get("fraction") is not None else 0.0,
        feedback=row.get("feedback") or "",
        value=row.get("value"),
        tolerance=row.get("tolerance") if row.get("tolerance") is not None else 0.0,
        match=row.get("match") or "",
        misconception=row.get("misconception") or "",
    )


def question_kind(request, obj=None) -> str | None:
    """The kind the question form is for: as posted, else the question's, else the add
    page's `?kind=`. None until one is chosen (the editor then offers every column)."""
    kind = request.POST.get("kind") or (obj.kind if obj is not None and obj.kind else None)
    kind = kind or request.GET.get("kind")
    return kind if kind in kinds.KINDS else None


class AnswerInline(admin.StackedInline):
    """Answer rows, one block each (a phone has no room for columns), with only the
    columns the question's kind uses, named as that kind names them (quizzes.kinds)."""

    model = Answer
    form = AnswerRowForm
    formset = AnswerFormSet
    extra = 1
    classes = ["answer-rows"]

    def get_extra(self, request, obj=None, **kwargs):
        return 4 if obj is None or not obj.pk else 1

    def get_fields(self, request, obj=None):
        kind = question_kind(request, obj)
        if kind is None:
            return [*AnswerRowForm._meta.fields]
        return [*kinds.get(kind).answer_fields, "order"]

    def get_formset(self, request, obj=None, **kwargs):
        kind = question_kind(request, obj)
        labels = {"fraction": "Grade", **(kinds.get(kind).answer_labels if kind else {})}
        return super().get_formset(request, obj, labels=labels, **kwargs)


class QuestionAdminForm(forms.ModelForm):
    """The question, plus true/false's answer as Moodle asks it: two radio buttons."""

    truth = forms.TypedChoiceField(
        label="The statement is",
        choices=[("True", "True"), ("False", "False")],
        widget=forms.RadioSelect,
        required=False,
    )
    feedback_true = forms.CharField(
        label="Feedback for the response “True”",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    feedback_false = forms.CharField(
        label="Feedback for the response “False”",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Question
        fields = ["kind"]  # the admin adds its fieldsets' fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.kind == kinds.TRUE_FALSE:
            rows = {a.text: a for a in self.instance.answers.all()}
            right = [text for text, row in rows.items() if row.fraction >= 1]
            self.initial.setdefault("truth", right[0] if right else None)
            for text in ("True", "False"):
                if text in rows:
                    self.initial.setdefault(f"feedback_{text.lower()}", rows[text].feedback)

    def clean(self):
        data = super().clean()
        asks_truth = data.get("kind") == kinds.TRUE_FALSE and "truth" in self.fields
        if asks_truth and not data.get("truth"):
            self.add_error("truth", "Choose whether the statement is true or false.")
        return data

    def save_true_false(self, question: Question) -> None:
        """Write the two rows a true/false question is graded on; other rows go."""
        question.answers.exclude(text__in=["True", "False"]).delete()
        for order, text in enumerate(("True", "False")):
            Answer.objects.update_or_create(
                question=question,
                text=text,
                defaults={
                    "fraction": 1.0 if self.cleaned_data["truth"] == text else 0.0,
                    "feedback": self.cleaned_data[f"feedback_{text.lower()}"],
                    "order": order,
                },
            )


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "question_count"]
    search_fields = ["name"]

    def get_queryset(self, request):
        # An aggregate drops Meta.ordering, which autocomplete's pagination needs.
        return (
            super()
            .get_queryset(request)
            .annotate(question_count=Count("questions"))
            .order_by(*Tag._meta.ordering)
        )

    @admin.display(description="Questions", ordering="question_count")
    def question_count(self, tag):
        return tag.question_count


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    form = QuestionAdminForm
    inlines = [AnswerInline]
    list_display = [
        "title",
        "topic",
        "kind",
        "answer_count",
        "quiz_count",
        "retired",
        "lesson_link",
        "preview_link",
    ]
    list_filter = ["kind", "retired", "topic__course", "topic", "tags"]
    list_select_related = ["topic", "lesson__topic__course"]
    search_fields = ["title", "text", "idnumber"]
    autocomplete_fields = ["tags"]
    actions = ["duplicate", "retire", "restore", "export_gift", "export_aiken"]
    fieldsets = [
        (None, {"fields": ["topic", "kind", "title", "text", "text_format", "explanation"]}),
        ("Where it is taught", {"fields": ["lesson", "anchor"]}),
        ("Question bank", {"fields": ["idnumber", "tags", "retired"]}),
        ("Item-writing checks", {"fields": ["item_checks"]}),
    ]
    readonly_fields = ["item_checks"]

    # --- The answer editor follows the kind (quizzes.kinds: answer_fields, answer_rule) -------

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if question_kind(request, obj) != kinds.TRUE_FALSE:
            return fieldsets
        answer = ("Answer", {"fields": ["truth", "feedback_true", "feedback_false"]})
        return [fieldsets[0], answer, *fieldsets[1:]]

    def get_inlines(self, request, obj):
        return [] if question_kind(request, obj) == kinds.TRUE_FALSE else self.inlines

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.instance.kind == kinds.TRUE_FALSE and "truth" in form.cleaned_data:
            form.save_true_false(form.instance)

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        kind = question_kind(request, obj)
        context["answer_kind"] = kinds.get(kind) if kind else None
        context["kind_choices"] = Question.Kind.choices
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if initial.get("kind") not in kinds.KINDS:
            initial.pop("kind", None)
        return initial

    def get_queryset(self, request):
        # distinct: filtering by tag joins rows that would inflate a plain count, and so do
        # the two counts of each other. An aggregate drops Meta.ordering, which
        # autocomplete's pagination needs.
        return (
            super()
            .get_queryset(request)
            .annotate(
                answer_count=Count("answers", distinct=True),
                quiz_count=Count("quizzes", distinct=True),
            )
            .order_by(*Question._meta.ordering)
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "topic":
            return topic_labels(field)
        if db_field.name == "lesson":
            field.queryset = field.queryset.select_related("topic")
            field.label_from_instance = lambda lesson: f"{lesson.topic} · {lesson}"
        return field

    @admin.display(description="Answers", ordering="answer_count")
    def answer_count(self, question):
        return question.answer_count

    @admin.display(description="Used in", ordering="quiz_count")
    def quiz_count(self, question):
        count = question.quiz_count
        return f"{count} quiz" if count == 1 else f"{count} quizzes"

    @admin.display(description="Lesson", ordering="lesson__title")
    def lesson_link(self, question):
        if not question.lesson_id:
            return None
        label = question.lesson.title + (f" #{question.anchor}" if question.anchor else "")
        return format_html('<a href="{}">{}</a>', question.lesson_url, label)

    @admin.display(description="Remarks")
    def item_checks(self, question):
        """The item-writing checker's remarks on the saved question (quizzes.itemcheck)."""
        if not question.pk:
            return "The question is checked once it is saved."
        flags = itemcheck.check_question(importing.question_data(question))
        if not flags:
            return "None: no cue the checker looks for (see the bank health page for the rest)."
        return render_to_string("admin/quizzes/question/_flags.html", {"flags": flags})

    @admin.display(description="Preview")
    def preview_link(self, question):
        url = reverse("admin:quizzes_question_preview", args=[question.pk])
        return format_html('<a href="{}">Preview</a>', url)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="quizzes_question_import"),
            path(
                "import/confirm/",
                view(self.import_confirm_view),
                name="quizzes_question_import_confirm",
            ),
            path(
                "import/<str:token>/<int:number>/",
                view(self.import_question_view),
                name="quizzes_question_import_question",
            ),
            path("<int:pk>/preview/", view(self.preview_view), name="quizzes_question_preview"),
            path("bank-health/", view(self.bank_health_view), name="quizzes_question_bank_health"),
            *super().get_urls(),
        ]

    # --- Preview: the question as a learner sees it, then the instructor's view ---------------

    def preview_view(self, request, pk):
        return _preview(request, self, pk)

    def bank_health_view(self, request):
        return bank_health(request, self)

    # --- Duplicate, retire, restore -----------------------------------------------------------

    @admin.action(description="Duplicate selected questions", permissions=["add"])
    def duplicate(self, request, queryset):
        copies = [question.duplicate() for question in queryset.order_by("pk")]
        for copy in copies:
            self.log_addition(request, copy, [{"added": {}}])
        self.message_user(
            request,
            f"Made {len(copies)} copies, titled “… (copy)”, with no ID number."
            if len(copies) != 1
            else f"Made a copy: “{copies[0].title}”, with no ID number.",
            messages.SUCCESS,
        )

    @admin.action(description="Retire selected (leave out of new attempts)", permissions=["change"])
    def retire(self, request, queryset):
        count = queryset.filter(retired=False).update(retired=True)
        fragments.invalidate()  # an UPDATE sends no signal: attempt starts keep the pool
        self.message_user(
            request,
            f"Retired {count} questions: new attempts leave them out; past attempts, answers "
            "and reviews keep them.",
            messages.SUCCESS,
        )

    @admin.action(description="Restore selected retired questions", permissions=["change"])
    def restore(self, request, queryset):
        count = queryset.filter(retired=True).update(retired=False)
        fragments.invalidate()  # an UPDATE sends no signal: attempt starts keep the pool
        self.message_user(request, f"Restored {count} questions to new attempts.", messages.SUCCESS)

    # --- Export -----------------------------------------------------------------------------

    @admin.action(description="Export selected as GIFT", permissions=["view"])
    def export_gift(self, request, queryset):
        return self._export(request, queryset, "gift")

    @admin.action(description="Export selected as Aiken (single choice only)", permissions=["view"])
    def export_aiken(self, request, queryset):
        return self._export(request, queryset, "aiken")

    def _export(self, request, queryset, fmt: str):
        questions = queryset.order_by("topic__course", "topic__order", "topic", "pk")
        try:
            text = importing.export_questions(questions, fmt)
        except ValueError as error:
            self.message_user(request, f"Nothing was exported: {error}.", messages.ERROR)
            return None
        if not text:
            self.message_user(
                request,
                "Nothing was exported: Aiken holds only single-choice questions with one right "
                "answer, and none of the selected questions is one.",
                messages.WARNING,
            )
            return None
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"questions.{fmt}"
        )
        return response

    # --- Import -----------------------------------------------------------------------------

    def import_view(self, request):
        return import_upload(request, self)

    def import_confirm_view(self, request):
        return import_confirm(request, self)

    def import_question_view(self, request, token, number):
        return import_question(request, self, token, number)


@require_GET
def _preview(request, model_admin: QuestionAdmin, pk: int):
    question = get_object_or_404(
        Question.objects.select_related("topic", "lesson__topic__course").prefetch_related(
            "answers"
        ),
        pk=pk,
    )
    if not model_admin.has_view_permission(request, question):
        raise PermissionDenied
    snapshot = question.snapshot()  # written order: a quiz may shuffle the options
    context = {
        "question": question,
        "q": snapshot,
        "form": AnswerForm(Slot(snapshot=snapshot), initial={"seq": 0}),
        "selected": set(),
        "result": None,
        "rows": answer_rows(snapshot),
        "change_url": reverse("admin:quizzes_question_change", args=[question.pk]),
    }
    return render(request, "admin/quizzes/question/preview.html", context)
