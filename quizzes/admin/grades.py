"""Grades in the admin: a quiz's grades grid (on screen and CSV) and its responses report, for
everyone or one class; unmatched short answers can be accepted from the report, then the quiz
regraded (quizzes.regrade, dry run first)."""

import html
import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from quizzes import grades
from quizzes.admin.common import GRADE_CHOICES
from quizzes.models import Answer, Cohort, Question, Quiz

SORT_PATTERN = re.compile(r"-?(name|total|q\d+)")


class GradesFilterForm(forms.Form):
    cohort = forms.ModelChoiceField(
        Cohort.objects.none(), required=False, label="Class", empty_label="Everyone"
    )
    sort = forms.RegexField(SORT_PATTERN, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, quiz: Quiz, user, **kwargs):
        super().__init__(*args, **kwargs)
        classes = Cohort.objects.filter(course_id=quiz.course_id)
        if not user.is_superuser:
            classes = classes.filter(owner=user)  # instructors see their own classes only
        self.fields["cohort"].queryset = classes

    def choices(self) -> tuple[Cohort | None, str]:
        if not self.is_valid():
            return None, "name"
        return self.cleaned_data["cohort"], self.cleaned_data["sort"] or "name"


def _quiz(request, model_admin, pk) -> Quiz:
    quiz = get_object_or_404(Quiz.objects.select_related("course"), pk=pk)
    if not model_admin.has_view_permission(request, quiz):
        raise PermissionDenied
    return quiz


def _context(request, model_admin, quiz, form, title) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"{title}: {quiz.title}",
        "quiz": quiz,
        "form": form,
        "query": request.GET.urlencode(),
    }


@require_GET
def grades_view(request, model_admin, pk):
    quiz = _quiz(request, model_admin, pk)
    form = GradesFilterForm(request.GET or None, quiz=quiz, user=request.user)
    cohort, sort = form.choices()
    result = grades.grid(quiz, cohort=cohort, sort=sort)
    keep = {"cohort": cohort.pk} if cohort else {}
    context = _context(request, model_admin, quiz, form, "Grades") | {
        "grid": result,
        "sort": sort,
        "keep": keep,
        "headers": _headers(result, sort),
        "body": _body(result, answers=False),
    }
    return TemplateResponse(request, "admin/quizzes/quiz/grades.html", context)


def _body(result: grades.Grid, *, answers: bool) -> SafeString:
    """The table's rows as HTML, built here rather than in the template: 1,000 learners × 20
    questions is 20,000 cells, which the template engine renders several times slower."""
    base = reverse("admin:quizzes_attempt_change", args=[0])
    rows = []
    for row, marks, words in result.table():
        url = base.replace("/0/", f"/{row.attempt_id}/", 1)
        # Marks are digits, "." or "–"; words are the learner's own and are escaped.
        shown = (html.escape(value) for value in words) if answers else marks
        cells = "".join(f"<td>{value}</td>" for value in shown)
        total = f"{row.total} / {row.out_of}"
        if not answers:
            total += f" ({row.percent:.0f} %)"
        rows.append(
            f'<tr><th scope="row"><a href="{escape(url)}">{escape(row.learner)}</a></th>'
            f"{cells}<td>{escape(total)}</td></tr>"
        )
    return mark_safe("\n".join(rows))  # every value above is escaped


def _headers(result: grades.Grid, sort: str) -> list[dict]:
    """Column headers with the sort each one links to (its own order, then reversed)."""
    keys = [("name", "Learner")]
    keys += [(f"q{c.question_id}", f"Q{c.number}") for c in result.columns]
    keys += [("total", "Total")]
    titles = {f"q{c.question_id}": c.title for c in result.columns}
    return [
        {
            "label": label,
            "title": titles.get(key, ""),
            "sort": f"-{key}" if sort == key else key,
            "current": "ascending" if sort == key else "descending" if sort == f"-{key}" else "",
        }
        for key, label in keys
    ]


@require_GET
def grades_csv(request, model_admin, pk):
    quiz = _quiz(request, model_admin, pk)
    cohort, sort = GradesFilterForm(request.GET or None, quiz=quiz, user=request.user).choices()
    text = grades.grid_csv(grades.grid(quiz, cohort=cohort, sort=sort))
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    name = f"grades-{quiz.slug}" + (f"-{cohort.code}" if cohort else "") + ".csv"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


@require_GET
def responses_view(request, model_admin, pk):
    quiz = _quiz(request, model_admin, pk)
    form = GradesFilterForm(request.GET or None, quiz=quiz, user=request.user)
    cohort, sort = form.choices()
    result = grades.grid(quiz, cohort=cohort, sort=sort, answers=True)
    context = _context(request, model_admin, quiz, form, "Responses") | {
        "grid": result,
        "body": _body(result, answers=True),
        "unmatched": grades.unmatched_answers(quiz, cohort=cohort),
        "grade_choices": GRADE_CHOICES,
        "can_accept": request.user.has_perm("quizzes.add_answer"),
    }
    return TemplateResponse(request, "admin/quizzes/quiz/responses.html", context)


class AcceptForm(forms.Form):
    """Add a typed answer to a short-answer question's accepted answers."""

    question = forms.ModelChoiceField(Question.objects.none(), widget=forms.HiddenInput)
    text = forms.CharField(max_length=1000, widget=forms.HiddenInput)
    fraction = forms.TypedChoiceField(
        choices=GRADE_CHOICES, coerce=float, initial="1.0", label="Grade"
    )

    def __init__(self, *args, quiz: Quiz, **kwargs):
        super().__init__(*args, **kwargs)
        # Only short-answer questions this quiz has given: another id is a validation error.
        self.fields["question"].queryset = Question.objects.filter(
            kind=Question.Kind.SHORT, slots__attempt__quiz=quiz
        ).distinct()

    def clean(self):
        data = super().clean()
        question, text = data.get("question"), data.get("text", "")
        if question and question.answers.filter(text__iexact=text.strip()).exists():
            raise forms.ValidationError(f"“{text}” is already one of this question's answers.")
        return data


@require_POST
def accept_answer(request, model_admin, pk):
    quiz = _quiz(request, model_admin, pk)
    if not request.user.has_perm("quizzes.add_answer"):
        raise PermissionDenied
    form = AcceptForm(request.POST, quiz=quiz)
    back = reverse("admin:quizzes_quiz_responses", args=[quiz.pk])
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect(back)
    question, text = form.cleaned_data["question"], form.cleaned_data["text"].strip()
    order = (question.answers.aggregate(last=Max("order"))["last"] or 0) + 1
    Answer.objects.create(
        question=question, text=text, fraction=form.cleaned_data["fraction"], order=order
    )
    messages.success(
        request,
        f"“{text}” is now an answer to “{question.title}”. Regrade to update past marks: "
        "the regrade button below shows the marks that would change first.",
    )
    return redirect(back)
