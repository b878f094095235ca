"""Admin for classes (cohorts): members, join link and the class report with its CSV exports."""

from datetime import date

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from quizzes import cohorts, progress
from quizzes.models import Cohort, Membership, Quiz

# --- Classes ----------------------------------------------------------------------------------


# Report dates stay well inside what datetime can hold: the last day of the filter becomes
# "before the next day's midnight", which overflows on 9999-12-31.
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


def _report_date(label: str) -> forms.DateField:
    bounds = {"min": EARLIEST.isoformat(), "max": LATEST.isoformat()}
    return forms.DateField(
        required=False,
        label=label,
        widget=forms.DateInput(attrs={"type": "date", **bounds}),
        validators=[MinValueValidator(EARLIEST), MaxValueValidator(LATEST)],
        error_messages={
            "min_value": f"Choose a date from {EARLIEST:%-d %B %Y} on.",
            "max_value": f"Choose a date up to {LATEST:%-d %B %Y}.",
        },
    )


class ReportFilterForm(forms.Form):
    quiz = forms.ModelChoiceField(queryset=Quiz.objects.none(), required=False, label="Quiz")
    start = _report_date("From")
    end = _report_date("To")

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


def _report_body(rows: list[cohorts.LearnerRow]) -> SafeString:
    """The report's rows as HTML, built here rather than in the template: 1,000 learners ×
    10 topics is 10,000 cells, which the template engine renders several times slower."""
    html = []
    for row in rows:
        username = escape(row.user.get_username())
        full = row.user.get_full_name()
        name = f'{escape(full)} <span class="help">({username})</span>' if full else username
        cells = "".join(_report_cell(s) for s in row.stats)
        html.append(f'<tr><th scope="row">{name}</th>\n{cells}\n</tr>')
    return mark_safe("\n".join(html))  # every value above is escaped or a number


LEVEL_LABELS = {level: escape(level.label) for level in progress.Level}


def _report_cell(stats) -> str:
    """A learner's level, recent accuracy and questions seen in one topic."""
    if not stats.answers:
        return '<td><span class="quiet">—</span></td>'
    accuracy = "" if stats.recent_accuracy is None else round(stats.recent_accuracy * 100)
    return (
        f"<td><strong>{LEVEL_LABELS[stats.level]}</strong><br>"
        f"{accuracy}% · {stats.seen}/{stats.total}</td>"
    )


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "course", "owner", "member_count", "join_link", "report_link"]
    list_filter = ["course"]
    search_fields = ["name", "code"]
    readonly_fields = ["join_link", "join_code", "owner", "report_link", "grades_links"]
    fields = [
        "name",
        "course",
        "joining_open",
        "owner",
        "join_code",
        "join_link",
        "report_link",
        "grades_links",
    ]
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

    @admin.display(description="Join code")
    def join_code(self, cohort):
        # An unsaved class's default code is drawn again when it is saved: show none yet.
        return cohort.code if cohort.pk else "Given when you save the class."

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
        # A filter that does not validate shows its errors over the unfiltered report.
        status = 400 if form.is_bound and not form.is_valid() else 200
        topics, rows = cohorts.class_report(cohort, form.report_filter())
        context = {
            **self.admin_site.each_context(request),
            "title": f"Class report: {cohort.name}",
            "opts": self.model._meta,
            "cohort": cohort,
            "form": form,
            "topics": topics,
            "rows": rows,
            "body": _report_body(rows),
            "query": request.GET.urlencode(),
        }
        return TemplateResponse(request, "admin/quizzes/cohort/report.html", context, status=status)

    def report_csv(self, request, pk, kind):
        cohort = self._cohort(request, pk)
        if kind not in ("attempts", "topics"):
            raise Http404("Unknown export")
        form = ReportFilterForm(request.GET or None, course=cohort.course)
        if form.is_bound and not form.is_valid():
            problems = [f"{name}: {m}" for name, ms in form.errors.items() for m in ms]
            return HttpResponseBadRequest(
                "The report filter is not valid.\n" + "\n".join(problems),
                content_type="text/plain; charset=utf-8",
            )
        flt = form.report_filter()
        text = (
            cohorts.attempts_csv(cohort, flt)
            if kind == "attempts"
            else cohorts.topics_csv(cohort, flt)
        )
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="class-{cohort.code}-{kind}.csv"'
        return response
