"""Admin for quizzes: their fixed questions, random draws, rules and item-analysis statistics."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET

from quizzes import stats
from quizzes.admin import grades as grade_views
from quizzes.admin import picker
from quizzes.admin.attempts import regrade_page
from quizzes.admin.common import topic_labels
from quizzes.forms import MinutesField, TimingsField
from quizzes.models import (
    REVIEW_ITEMS,
    Attempt,
    Cohort,
    Learner,
    Quiz,
    QuizOverride,
    QuizQuestion,
    selection_problems,
)

# --- Quizzes ------------------------------------------------------------------------------------


class QuizAdminForm(forms.ModelForm):
    time_limit = MinutesField(
        label="Time limit (minutes)",
        required=False,
        help_text="Exams only: 30 means 30 minutes. Empty means no limit.",
    )

    # Declared, not field_classes: the admin gives integer fields a number widget.
    review_correctness = TimingsField(label="Whether correct")
    review_marks = TimingsField(label="Marks")
    review_specific_feedback = TimingsField(
        label="Specific feedback", help_text="The feedback on the answer the learner gave."
    )
    review_general_feedback = TimingsField(
        label="General feedback (the explanation)",
        help_text="Shown only when the right answer is shown too: it often states it.",
    )
    review_right_answer = TimingsField(label="Right answer")

    class Meta:
        model = Quiz
        fields = ["time_limit", *REVIEW_ITEMS]  # the admin adds the fieldsets' fields


class QuizOverrideForm(forms.ModelForm):
    """An override names its learner by username: a list of every account would not scale."""

    username = forms.CharField(label="Learner's username", max_length=150)
    extra_time = MinutesField(
        label="Extra time (minutes)", required=False, help_text="Added to an exam's time limit."
    )

    class Meta:
        model = QuizOverride
        fields = ["username", "extra_attempts", "extra_time"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.learner.user_id:
            self.initial["username"] = self.instance.learner.user.get_username()

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise ValidationError(f"No account has the username “{username}”.")
        learner = Learner.objects.get_or_create(user=user)[0]
        quiz = self.instance.quiz if self.instance.quiz_id else None
        taken = QuizOverride.objects.filter(quiz=quiz, learner=learner) if quiz else None
        if taken is not None and taken.exclude(pk=self.instance.pk).exists():
            raise ValidationError(f"{username} already has an override: change that one.")
        self.instance.learner = learner
        return username


class QuizOverrideFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        names = [
            form.cleaned_data["username"]
            for form in self.forms
            if form.cleaned_data.get("username") and not form.cleaned_data.get("DELETE")
        ]
        if len(names) != len(set(names)):
            raise ValidationError("Each learner can have one override only.")


class QuizOverrideInline(admin.TabularInline):
    """Moodle's user overrides: more attempts or more time for one learner."""

    model = QuizOverride
    form = QuizOverrideForm
    formset = QuizOverrideFormSet
    extra = 0
    verbose_name = "learner override"
    verbose_name_plural = "learner overrides (extra attempts, extra time)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("quiz", "learner__user")


class StatisticsFilterForm(forms.Form):
    cohort = forms.ModelChoiceField(
        queryset=Cohort.objects.none(), required=False, label="Class", empty_label="Everyone"
    )
    start = forms.DateField(
        required=False, label="Finished from", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="to", widget=forms.DateInput(attrs={"type": "date"})
    )
    include_guests = forms.BooleanField(required=False, label="Include guests")
    include_staff = forms.BooleanField(required=False, label="Include staff test attempts")

    def __init__(self, *args, quiz: Quiz, user, **kwargs):
        super().__init__(*args, **kwargs)
        classes = Cohort.objects.filter(course_id=quiz.course_id)
        self.fields["cohort"].queryset = (
            classes if user.is_superuser else classes.filter(owner=user)
        )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError("The first date must not come after the second.")
        return data

    def attempt_filter(self) -> stats.AttemptFilter:
        if not self.is_valid():
            return stats.AttemptFilter()
        return stats.AttemptFilter(**self.cleaned_data)


class QuizQuestionFormSet(BaseInlineFormSet):
    def clean(self):
        """Check the quiz against what it would actually serve, fixed questions included.

        The fixed list is this inline; the rest of the settings come from the quiz form,
        which `QuizAdmin.save_form` hands over as the unsaved quiz and its draw topics.
        """
        super().clean()
        draw_topics = getattr(self.instance, "submitted_draw_topics", None)
        if draw_topics is None or any(self.errors):
            return  # the quiz form has errors of its own to fix first
        fixed = [
            form.cleaned_data["question"]
            for form in self.forms
            if form.cleaned_data.get("question") and not form.cleaned_data.get("DELETE")
        ]
        problems = selection_problems(self.instance, draw_topics, fixed)
        if problems:
            raise ValidationError(problems)


class QuizQuestionInline(admin.TabularInline):
    model = QuizQuestion
    formset = QuizQuestionFormSet
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
        "status",
        "question_count",
        "order",
        "site_link",
        "statistics_link",
        "attempts_link",
    ]
    list_filter = ["status", "course", "topic", "mode", "purpose"]
    list_select_related = ["course", "topic"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["draw_topics"]
    form = QuizAdminForm
    inlines = [QuizQuestionInline, QuizOverrideInline]
    readonly_fields = ["statistics_link", "attempts_link"]
    actions = ["regrade_attempts"]
    fieldsets = [
        (None, {"fields": ["course", "topic", "title", "slug", "mode", "purpose", "order"]}),
        ("Availability", {"fields": ["status", "opens", "closes"]}),
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
                ]
            },
        ),
        (
            "Review options",
            {
                "fields": list(REVIEW_ITEMS),
                "description": "What learners see of their answers, and when: during the "
                "attempt (practice only: exams show nothing until submitted), in the two "
                "minutes after it, later while the quiz is open, and after it closes. The "
                "explanation is shown only when the right answer is shown too.",
            },
        ),
    ]

    def save_form(self, request, form, change):
        quiz = super().save_form(request, form, change)
        # For QuizQuestionFormSet.clean, which checks the whole selection before saving.
        quiz.submitted_draw_topics = list(form.cleaned_data.get("draw_topics") or [])
        return quiz

    def get_changeform_initial_data(self, request):
        # A new quiz starts as a draft: it goes live when the instructor publishes it.
        return {"status": Quiz.Status.DRAFT, **super().get_changeform_initial_data(request)}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(question_count=Count("questions", distinct=True))
            .order_by(*Quiz._meta.ordering)
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return topic_labels(field) if db_field.name == "topic" else field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return topic_labels(field) if db_field.name == "draw_topics" else field

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
        return [*fieldsets, ("Results", {"fields": ["statistics_link", "attempts_link"]})]

    @admin.display(description="Statistics")
    def statistics_link(self, quiz):
        url = reverse("admin:quizzes_quiz_statistics", args=[quiz.pk])
        return format_html('<a href="{}">Statistics</a>', url)

    @admin.display(description="Results")
    def attempts_link(self, quiz):
        url = reverse("admin:quizzes_attempt_changelist")
        return format_html(
            '<a href="{}?quiz__id__exact={}">Attempts</a> · <a href="{}">Grades</a> · '
            '<a href="{}">Responses</a>',
            url,
            quiz.pk,
            reverse("admin:quizzes_quiz_grades", args=[quiz.pk]),
            reverse("admin:quizzes_quiz_responses", args=[quiz.pk]),
        )

    @admin.action(description="Regrade their finished attempts (dry run first)")
    def regrade_attempts(self, request, queryset):
        return regrade_page(
            request,
            self,
            queryset,
            action="regrade_attempts",
            scope=lambda quizzes: Attempt.objects.filter(quiz__in=quizzes),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/statistics/",
                view(require_GET(self.statistics_view)),
                name="quizzes_quiz_statistics",
            ),
            path("<int:pk>/questions/", view(self.questions_view), name="quizzes_quiz_questions"),
            path("<int:pk>/grades/", view(self.grades_view), name="quizzes_quiz_grades"),
            path("<int:pk>/grades.csv", view(self.grades_csv), name="quizzes_quiz_grades_csv"),
            path("<int:pk>/responses/", view(self.responses_view), name="quizzes_quiz_responses"),
            path(
                "<int:pk>/responses/accept/",
                view(self.accept_answer),
                name="quizzes_quiz_accept_answer",
            ),
            *super().get_urls(),
        ]

    def questions_view(self, request, pk):
        return picker.picker_view(request, self, pk)

    def grades_view(self, request, pk):
        return grade_views.grades_view(request, self, pk)

    def grades_csv(self, request, pk):
        return grade_views.grades_csv(request, self, pk)

    def responses_view(self, request, pk):
        return grade_views.responses_view(request, self, pk)

    def accept_answer(self, request, pk):
        return grade_views.accept_answer(request, self, pk)

    def statistics_view(self, request, pk):

        quiz = get_object_or_404(Quiz, pk=pk)
        if not self.has_view_permission(request, quiz):
            raise PermissionDenied
        form = StatisticsFilterForm(request.GET or None, quiz=quiz, user=request.user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Statistics: {quiz.title}",
            "quiz": quiz,
            "stats": stats.quiz_statistics(quiz, form.attempt_filter()),
            "filter_form": form,
            "limits": {
                "flags": stats.MIN_ATTEMPTS_FOR_FLAGS,
                "easy": stats.EASY_ABOVE,
                "hard": stats.HARD_BELOW,
            },
        }
        return TemplateResponse(request, "admin/quizzes/quiz/statistics.html", context)
