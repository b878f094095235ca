"""Admin for the question bank: questions with their answer rows, quizzes, tags, a learner's-eye
preview, and GIFT/Aiken import and export.

Every per-kind rule for a question's answer rows lives in `quizzes.importing.problems`; the
admin builds the same `QuestionData` an import would and reports what that function finds, so
a file and a form are held to the same rules.
"""

import base64
import binascii
import logging
import secrets
import time
import zlib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.models import Course, Topic
from quizzes import cohorts, importing, stats
from quizzes.formats import gift
from quizzes.formats.interchange import AnswerData, NotUTF8Error, ParseIssue, QuestionData
from quizzes.forms import AnswerForm
from quizzes.models import (
    Answer,
    Cohort,
    Membership,
    Question,
    Quiz,
    QuizQuestion,
    Slot,
    Tag,
)

logger = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 2 * 1024 * 1024
IMPORT_SESSION_KEY = "quizzes.admin.import"
IMPORT_KEPT_FOR = 60 * 60  # seconds a previewed file waits for confirmation
FORMATS = [("gift", "GIFT"), ("aiken", "Aiken")]
FRACTION_HELP = "From -1 to 1: 1 = 100 %, 0.5 = 50 %, -0.5 = −50 %."


def _sentence(message: str) -> str:
    """`problems()` speaks in clauses ("a single-choice question needs …"); forms want sentences."""
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def _topic_labels(field: forms.ModelChoiceField) -> forms.ModelChoiceField:
    """Topics are named by course too: two courses may well both have an "Introduction"."""
    field.queryset = field.queryset.select_related("course")
    field.label_from_instance = lambda topic: f"{topic.course} · {topic}"
    return field


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
            raise ValidationError([_sentence(message) for message in found])


def _value_from_text(form: forms.ModelForm) -> None:
    """A numerical row may give its number as text only, as a GIFT file does."""
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


class AnswerInline(admin.TabularInline):
    model = Answer
    form = AnswerRowForm
    formset = AnswerFormSet
    extra = 1

    def get_extra(self, request, obj=None, **kwargs):
        return 4 if obj is None else 1


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
    inlines = [AnswerInline]
    list_display = ["title", "topic", "kind", "answer_count", "lesson_link", "preview_link"]
    list_filter = ["kind", "topic__course", "topic", "tags"]
    list_select_related = ["topic", "lesson__topic__course"]
    search_fields = ["title", "text", "idnumber"]
    autocomplete_fields = ["tags"]
    actions = ["export_gift", "export_aiken"]
    fieldsets = [
        (None, {"fields": ["topic", "kind", "title", "text", "text_format", "explanation"]}),
        ("Where it is taught", {"fields": ["lesson", "anchor"]}),
        ("Question bank", {"fields": ["idnumber", "tags"]}),
    ]

    def get_queryset(self, request):
        # distinct: filtering by tag joins rows that would inflate a plain count. An aggregate
        # drops Meta.ordering, which autocomplete's pagination needs.
        return (
            super()
            .get_queryset(request)
            .annotate(answer_count=Count("answers", distinct=True))
            .order_by(*Question._meta.ordering)
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "topic":
            return _topic_labels(field)
        if db_field.name == "lesson":
            field.queryset = field.queryset.select_related("topic")
            field.label_from_instance = lambda lesson: f"{lesson.topic} · {lesson}"
        return field

    @admin.display(description="Answers", ordering="answer_count")
    def answer_count(self, question):
        return question.answer_count

    @admin.display(description="Lesson", ordering="lesson__title")
    def lesson_link(self, question):
        if not question.lesson_id:
            return None
        label = question.lesson.title + (f" #{question.anchor}" if question.anchor else "")
        return format_html('<a href="{}">{}</a>', question.lesson_url, label)

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
            path("<int:pk>/preview/", view(self.preview_view), name="quizzes_question_preview"),
            *super().get_urls(),
        ]

    # --- Preview: the question as a learner sees it, then the instructor's view ---------------

    def preview_view(self, request, pk):
        return _preview(request, self, pk)

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
        return _import(request, self)

    def import_confirm_view(self, request):
        return _import_confirm(request, self)


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
        "rows": _instructor_rows(snapshot),
        "change_url": reverse("admin:quizzes_question_change", args=[question.pk]),
    }
    return render(request, "admin/quizzes/question/preview.html", context)


def _instructor_rows(snapshot: dict) -> list[dict]:
    rows = []
    for option in snapshot["options"]:
        # A matching question is graded by its pairs; its rows carry no grade of their own.
        percent = "—" if snapshot["kind"] == Question.Kind.MATCHING else f"{option['fraction']:.0%}"
        row = {**option, "percent": percent}
        if snapshot["kind"] == Question.Kind.NUMERICAL:
            row["answer"] = (
                f"{gift.format_number(option['value'])} ± {gift.format_number(option['tolerance'])}"
                if option["value"] is not None
                else "* (any other answer)"
            )
        rows.append(row)
    return rows


# --- Import: upload → preview → confirm ---------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="A UTF-8 text file of at most 2 MB.",
        error_messages={
            "required": "Choose a file to import.",
            "empty": "The file is empty.",
            "invalid": "Upload a file (check the form's encoding type).",
        },
    )
    format = forms.ChoiceField(choices=FORMATS, initial="gift")
    course = forms.ModelChoiceField(Course.objects.all())
    topic = forms.ModelChoiceField(
        Topic.objects.all(),
        required=False,
        help_text="Put every question in this topic. Leave empty to place each question by "
        "its $CATEGORY, whose last part names a topic of the course.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _topic_labels(self.fields["topic"])
        self.data_bytes = b""
        self.plan: importing.ImportPlan | None = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is 2 MB. "
                "Split it into smaller files."
            )
        return upload

    def clean(self):
        data = super().clean()
        course, topic = data.get("course"), data.get("topic")
        if course and topic and topic.course_id != course.pk:
            message = f"“{topic.title}” is a topic of {topic.course}, not of {course}."
            self.add_error("topic", message)
        if self.errors:
            return data
        raw = data["file"].read()
        try:
            self.plan = importing.plan_import(raw, data["format"], course=course, topic=topic)
        except NotUTF8Error as error:
            self.add_error("file", str(error))
        else:
            self.data_bytes = raw
        return data


class ConfirmForm(forms.Form):
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)


def _stage(request, raw: bytes, *, fmt: str, course: Course, topic: Topic | None, name: str):
    """Keep the uploaded bytes in the session until the import is confirmed.

    Not on local disk (app servers stay stateless) and not in a hidden field (2 MB would pass
    the request body limit). Compressed: GIFT is text and shrinks several times over.
    """
    token = secrets.token_urlsafe(24)
    request.session[IMPORT_SESSION_KEY] = {
        "token": token,
        "data": base64.b64encode(zlib.compress(raw)).decode("ascii"),
        "format": fmt,
        "course": course.pk,
        "topic": topic.pk if topic else None,
        "name": name,
        "at": int(time.time()),
    }
    return token


def _staged(request, token: str) -> dict | None:
    staged = request.session.get(IMPORT_SESSION_KEY)
    if not staged or not secrets.compare_digest(staged.get("token", ""), token):
        return None
    if time.time() - staged.get("at", 0) > IMPORT_KEPT_FOR:
        return None
    try:
        raw = zlib.decompress(base64.b64decode(staged["data"]))
    except (KeyError, binascii.Error, zlib.error):
        return None
    return {**staged, "data": raw}


def _last_checks(request, model_admin: QuestionAdmin, plan: importing.ImportPlan) -> set[str]:
    """What the admin adds to the importer's checks; returns the ID numbers saving updates.

    Questions with a known ID number are updated in place, which needs the change permission.
    """
    updates = importing.existing_idnumbers(plan)
    if updates and not model_admin.has_change_permission(request):
        for q in plan.questions:
            if q.idnumber in updates:
                plan.errors.append(
                    ParseIssue(
                        q.line,
                        f"ID number “{q.idnumber}” belongs to an existing question, and you "
                        "may not change questions",
                    )
                )
    if not plan.questions and not plan.errors:
        plan.errors.append(ParseIssue(1, "the file holds no questions"))
    return updates


def _preview_rows(plan: importing.ImportPlan, updates: set[str]) -> list[dict]:
    """One row per question, with the warnings from its first line up to the next question."""
    starts = [q.line for q in plan.questions] + [float("inf")]
    warnings = sorted(plan.warnings, key=lambda issue: issue.line)
    kinds = dict(Question.Kind.choices)
    rows = []
    for index, (q, topic) in enumerate(zip(plan.questions, plan.topics, strict=True)):
        rows.append(
            {
                "line": q.line,
                "kind": kinds.get(q.kind, q.kind),
                "title": q.title or gift.default_title(q.text),
                "topic": topic,
                "answers": len(q.answers),
                "update": bool(q.idnumber) and q.idnumber in updates,
                "warnings": [w for w in warnings if starts[index] <= w.line < starts[index + 1]],
            }
        )
    return rows


def _import_page(request, model_admin, *, form, plan=None, updates=(), name="", token=""):
    opts = model_admin.opts
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "title": "Import questions from GIFT or Aiken",
        "form": form,
        "plan": plan,
        "name": name,
        "token": token,
    }
    if plan is not None:
        rows = _preview_rows(plan, set(updates))
        first = plan.questions[0].line if plan.questions else float("inf")
        context |= {
            "rows": rows,
            "errors": sorted(plan.errors, key=lambda issue: issue.line),
            "loose_warnings": [w for w in plan.warnings if w.line < first],
            "updated": sum(row["update"] for row in rows),
            "created": sum(not row["update"] for row in rows),
        }
    return TemplateResponse(request, "admin/quizzes/question/import.html", context)


@require_http_methods(["GET", "POST"])
def _import(request, model_admin: QuestionAdmin):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    request.session.pop(IMPORT_SESSION_KEY, None)  # starting over drops an earlier preview
    if request.method != "POST":
        return _import_page(request, model_admin, form=ImportForm())
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, model_admin, form=form)
    plan = form.plan
    updates = _last_checks(request, model_admin, plan)
    name = form.cleaned_data["file"].name
    token = ""
    if plan.ok:
        token = _stage(
            request,
            form.data_bytes,
            fmt=form.cleaned_data["format"],
            course=form.cleaned_data["course"],
            topic=form.cleaned_data["topic"],
            name=name,
        )
    return _import_page(
        request, model_admin, form=form, plan=plan, updates=updates, name=name, token=token
    )


@require_POST
def _import_confirm(request, model_admin: QuestionAdmin):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    import_url = reverse("admin:quizzes_question_import")
    form = ConfirmForm(request.POST)
    staged = _staged(request, form.cleaned_data["token"]) if form.is_valid() else None
    if staged is None:
        messages.error(
            request,
            "This import preview has expired or was replaced by another upload, so nothing "
            "was saved. Please upload the file again.",
        )
        return redirect(import_url)
    course = Course.objects.filter(pk=staged["course"]).first()
    topic = Topic.objects.filter(pk=staged["topic"]).first() if staged["topic"] else None
    if course is None or (staged["topic"] and topic is None):
        messages.error(request, "The course or topic was deleted meanwhile; nothing was saved.")
        return redirect(import_url)
    # Parse the very same bytes again: the course's topics or lessons may have changed.
    plan = importing.plan_import(staged["data"], staged["format"], course=course, topic=topic)
    updates = _last_checks(request, model_admin, plan)
    if not plan.ok:
        del request.session[IMPORT_SESSION_KEY]
        messages.error(request, "The file no longer imports cleanly, so nothing was saved.")
        initial = {"format": staged["format"], "course": course, "topic": topic}
        return _import_page(
            request,
            model_admin,
            form=ImportForm(initial=initial),
            plan=plan,
            updates=updates,
            name=staged["name"],
        )
    try:
        counts = importing.save_plan(plan, course=course)
    except DatabaseError:
        logger.exception("Question import of %s failed", staged["name"])
        messages.error(
            request, "The database refused the import, so nothing was saved. Please try again."
        )
        return redirect(import_url)
    del request.session[IMPORT_SESSION_KEY]
    messages.success(
        request,
        f"Imported {len(plan.questions)} questions from {staged['name']}: "
        f"{counts['created']} created, {counts['updated']} updated.",
    )
    return redirect("admin:quizzes_question_changelist")


# --- Quizzes ------------------------------------------------------------------------------------


class QuizQuestionInline(admin.TabularInline):
    model = QuizQuestion
    fields = ["order", "question"]
    autocomplete_fields = ["question"]
    extra = 0


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "course",
        "topic",
        "mode",
        "question_count",
        "order",
        "site_link",
        "statistics_link",
    ]
    list_filter = ["course", "topic", "mode", "purpose"]
    list_select_related = ["course", "topic"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["draw_topics"]
    inlines = [QuizQuestionInline]
    readonly_fields = ["statistics_link"]
    fieldsets = [
        (None, {"fields": ["course", "topic", "title", "slug", "mode", "purpose", "order"]}),
        (
            "Questions drawn at random",
            {"fields": ["draw_count", "draw_topics"], "classes": ["collapse"]},
        ),
        (
            "Rules",
            {
                "fields": [
                    "shuffle_questions",
                    "shuffle_answers",
                    "time_limit",
                    "pass_mark",
                    "attempts_allowed",
                    "review_feedback",
                    "review_correct",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(question_count=Count("questions", distinct=True))
            .order_by(*Quiz._meta.ordering)
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _topic_labels(field) if db_field.name == "topic" else field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _topic_labels(field) if db_field.name == "draw_topics" else field

    @admin.display(description="Fixed questions", ordering="question_count")
    def question_count(self, quiz):
        return quiz.question_count

    @admin.display(description="On site")
    def site_link(self, quiz):
        return format_html('<a href="{}">View</a>', quiz.get_absolute_url())

    # --- Statistics: item analysis over finished attempts (quizzes.stats) ---------------------

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets  # an unsaved quiz has no attempts to analyse
        return [*fieldsets, ("Results", {"fields": ["statistics_link"]})]

    @admin.display(description="Statistics")
    def statistics_link(self, quiz):
        url = reverse("admin:quizzes_quiz_statistics", args=[quiz.pk])
        return format_html('<a href="{}">Statistics</a>', url)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/statistics/",
                view(require_GET(self.statistics_view)),
                name="quizzes_quiz_statistics",
            ),
            *super().get_urls(),
        ]

    def statistics_view(self, request, pk):

        quiz = get_object_or_404(Quiz, pk=pk)
        if not self.has_view_permission(request, quiz):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Statistics: {quiz.title}",
            "quiz": quiz,
            "stats": stats.quiz_statistics(quiz),
            "limits": {
                "flags": stats.MIN_ATTEMPTS_FOR_FLAGS,
                "easy": stats.EASY_ABOVE,
                "hard": stats.HARD_BELOW,
            },
        }
        return TemplateResponse(request, "admin/quizzes/quiz/statistics.html", context)


# --- Classes ----------------------------------------------------------------------------------


class ReportFilterForm(forms.Form):
    quiz = forms.ModelChoiceField(queryset=Quiz.objects.none(), required=False, label="Quiz")
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, course=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quiz"].queryset = Quiz.objects.filter(
            course=course, purpose=Quiz.Purpose.STANDARD
        )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("The “From” date must come before the “To” date.")
        return data

    def report_filter(self) -> cohorts.ReportFilter:
        if not self.is_valid():
            return cohorts.ReportFilter()
        data = self.cleaned_data
        return cohorts.ReportFilter(data.get("quiz"), data.get("start"), data.get("end"))


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "joined"]
    readonly_fields = ["user", "joined"]
    extra = 0
    can_delete = True

    def has_add_permission(self, request, obj=None):
        return False  # learners join through the class link


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "course", "owner", "member_count", "join_link", "report_link"]
    list_filter = ["course"]
    search_fields = ["name", "code"]
    readonly_fields = ["join_link", "code", "owner", "report_link"]
    fields = ["name", "course", "owner", "code", "join_link", "report_link"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        """Instructors see only their own classes; superusers see every class."""
        queryset = (
            super()
            .get_queryset(request)
            .select_related("course", "owner")
            .annotate(member_count=Count("memberships"))
        )
        return queryset if request.user.is_superuser else queryset.filter(owner=request.user)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.owner = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, cohort):
        return cohort.member_count

    @admin.display(description="Join link")
    def join_link(self, cohort):
        if not cohort.pk:
            return "Save the class to get its link."
        return format_html(
            '<a href="{0}">{0}</a> (or the code <strong>{1}</strong> on the Classes page)',
            cohort.get_absolute_url(),
            cohort.code,
        )

    @admin.display(description="Report")
    def report_link(self, cohort):
        if not cohort.pk:
            return "—"
        return format_html(
            '<a href="{}">Class report</a>',
            reverse("admin:quizzes_cohort_report", args=[cohort.pk]),
        )

    def get_urls(self):
        urls = [
            path(
                "<int:pk>/report/",
                self.admin_site.admin_view(self.report_view),
                name="quizzes_cohort_report",
            ),
            path(
                "<int:pk>/report/<str:kind>.csv",
                self.admin_site.admin_view(self.report_csv),
                name="quizzes_cohort_report_csv",
            ),
        ]
        return urls + super().get_urls()

    def _cohort(self, request, pk) -> Cohort:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def report_view(self, request, pk):
        cohort = self._cohort(request, pk)
        form = ReportFilterForm(request.GET or None, course=cohort.course)
        topics, rows = cohorts.class_report(cohort, form.report_filter())
        context = {
            **self.admin_site.each_context(request),
            "title": f"Class report: {cohort.name}",
            "opts": self.model._meta,
            "cohort": cohort,
            "form": form,
            "topics": topics,
            "rows": rows,
            "query": request.GET.urlencode(),
        }
        return TemplateResponse(request, "admin/quizzes/cohort/report.html", context)

    def report_csv(self, request, pk, kind):
        cohort = self._cohort(request, pk)
        if kind not in ("attempts", "topics"):
            raise Http404("Unknown export")
        flt = ReportFilterForm(request.GET or None, course=cohort.course).report_filter()
        text = (
            cohorts.attempts_csv(cohort, flt)
            if kind == "attempts"
            else cohorts.topics_csv(cohort, flt)
        )
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="class-{cohort.code}-{kind}.csv"'
        return response
