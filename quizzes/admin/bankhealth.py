"""The bank health page: the item-writing checker (quizzes.itemcheck) over a course's stored
questions, with the bank report, a line per topic and every flag linked to its question."""

from collections import Counter

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from courses.models import Course, Topic
from quizzes import itemcheck, stats
from quizzes.admin.common import topic_labels
from quizzes.models import Question


class BankHealthForm(forms.Form):
    course = forms.ModelChoiceField(
        queryset=Course.objects.order_by("title"), required=False, empty_label="(first course)"
    )
    topic = forms.ModelChoiceField(
        queryset=Topic.objects.order_by("course__title", "order", "pk"),
        required=False,
        empty_label="(every topic)",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        topic_labels(self.fields["topic"])

    def clean(self):
        data = super().clean()
        course, topic = data.get("course"), data.get("topic")
        if course and topic and topic.course_id != course.pk:
            raise forms.ValidationError(f"The topic “{topic}” is not part of {course}.")
        return data


@require_GET
def bank_health(request, model_admin: admin.ModelAdmin):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    form = BankHealthForm(request.GET)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Question bank health",
        "form": form,
        "limits": {
            "responses": itemcheck.MIN_RESPONSES,
            "implausible": round(100 * itemcheck.IMPLAUSIBLE_BELOW),
        },
    }
    if not form.is_valid():
        return TemplateResponse(
            request, "admin/quizzes/question/bank_health.html", context, status=400
        )
    topic = form.cleaned_data["topic"]
    course = form.cleaned_data["course"] or (
        topic.course if topic else Course.objects.order_by("title").first()
    )
    if course is not None:
        questions = Question.objects.filter(topic__course=course)
        if topic:
            questions = questions.filter(topic=topic)
        items = stats.bank_items(questions)
        flags = itemcheck.check_bank(items)
        context |= {
            "course": course,
            "topic": topic,
            "report": itemcheck.bank_report(items, flags),
            "topics": _topic_rows(course, items, flags),
            "flags": [
                (flag, reverse("admin:quizzes_question_change", args=[flag.line])) for flag in flags
            ],
        }
    return TemplateResponse(request, "admin/quizzes/question/bank_health.html", context)


def _topic_rows(course: Course, items: list[itemcheck.Item], flags: list[itemcheck.Flag]):
    """Questions, errors and warnings per topic, in course order (a flag's source is its topic's
    slug). Topics without questions are left out."""
    questions = Counter(item.source for item in items)
    errors = Counter(f.source for f in flags if f.severity == itemcheck.ERROR)
    warnings = Counter(f.source for f in flags if f.severity != itemcheck.ERROR)
    return [
        {
            "topic": topic,
            "questions": questions[topic.slug],
            "errors": errors[topic.slug],
            "warnings": warnings[topic.slug],
        }
        for topic in course.topics.order_by("order", "pk")
        if questions[topic.slug]
    ]
