"""Admin for quizzes: their fixed questions, random draws, rules and item-analysis statistics."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET

from quizzes import stats
from quizzes.admin import grades as grade_views
from quizzes.admin.attempts import regrade_page
from quizzes.admin.common import topic_labels
from quizzes.models import Attempt, Cohort, Quiz, QuizQuestion

# --- Quizzes ------------------------------------------------------------------------------------


class QuizQuestionInline(admin.TabularInline):
    model = QuizQuestion
    fields = ["order", "question"]
    autocomplete_fields = ["question"]
    extra = 0


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
        "attempts_link",
    ]
    list_filter = ["course", "topic", "mode", "purpose"]
    list_select_related = ["course", "topic"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["draw_topics"]
    inlines = [QuizQuestionInline]
    readonly_fields = ["statistics_link", "attempts_link"]
    actions = ["regrade_attempts"]
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
