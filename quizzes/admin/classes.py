"""Admin for classes (cohorts): members, join link and the class report with its CSV exports."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from quizzes import cohorts
from quizzes.models import Cohort, Membership, Quiz

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
    readonly_fields = ["join_link", "code", "owner", "report_link", "grades_links"]
    fields = ["name", "course", "owner", "code", "join_link", "report_link", "grades_links"]
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

    @admin.display(description="Grades")
    def grades_links(self, cohort):
        if not cohort.pk:
            return "—"
        quizzes = Quiz.objects.filter(course_id=cohort.course_id, purpose=Quiz.Purpose.STANDARD)
        links = format_html_join(
            " · ",
            '<a href="{}?cohort={}">{}</a>',
            (
                (reverse("admin:quizzes_quiz_grades", args=[quiz.pk]), cohort.pk, quiz.title)
                for quiz in quizzes
            ),
        )
        return links or "No quizzes in this course yet."

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
