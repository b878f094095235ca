"""A quiz's fixed questions in the admin: the question picker and the running order.

One page per quiz: its fixed list, moved up and down by buttons, and below it the course's
questions, searched and filtered by topic and kind, to tick and add several at once. Every
button is a plain form post (POST/redirect/GET), so the page works without JavaScript and on
a phone.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Max, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from courses import fragments
from courses.models import Topic
from quizzes.models import Question, Quiz, QuizQuestion

PER_PAGE = 50


class PickerFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    topic = forms.ModelChoiceField(
        Topic.objects.none(), required=False, label="Topic", empty_label="Every topic"
    )
    kind = forms.ChoiceField(required=False, label="Kind")

    def __init__(self, *args, quiz: Quiz, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.filter(course_id=quiz.course_id)
        self.fields["kind"].choices = [("", "Every kind"), *Question.Kind.choices]

    def questions(self, quiz: Quiz):
        """The course's live questions not yet in the quiz, narrowed by the filters."""
        found = Question.objects.filter(topic__course_id=quiz.course_id, retired=False)
        found = found.exclude(quizquestion__quiz=quiz).select_related("topic")
        if not self.is_valid():
            return found.none()
        data = self.cleaned_data
        if data["q"]:
            found = found.filter(
                Q(title__icontains=data["q"])
                | Q(text__icontains=data["q"])
                | Q(idnumber__iexact=data["q"])
            )
        if data["topic"]:
            found = found.filter(topic=data["topic"])
        if data["kind"]:
            found = found.filter(kind=data["kind"])
        return found.order_by("topic__order", "topic", "pk")


class AddForm(forms.Form):
    add = forms.ModelMultipleChoiceField(Question.objects.none())

    def __init__(self, *args, quiz: Quiz, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the course's live questions not yet in the quiz: another id is a form error.
        self.fields["add"].queryset = Question.objects.filter(
            topic__course_id=quiz.course_id, retired=False
        ).exclude(quizquestion__quiz=quiz)


class MoveForm(forms.Form):
    move = forms.ModelChoiceField(QuizQuestion.objects.none())
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down"), ("remove", "remove")])

    def __init__(self, *args, quiz: Quiz, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["move"].queryset = QuizQuestion.objects.filter(quiz=quiz)


def _add(quiz: Quiz, questions) -> int:
    start = QuizQuestion.objects.filter(quiz=quiz).aggregate(n=Max("order"))["n"] or 0
    rows = [
        QuizQuestion(quiz=quiz, question=question, order=start + index)
        for index, question in enumerate(sorted(questions, key=lambda q: q.pk), start=1)
    ]
    QuizQuestion.objects.bulk_create(rows)
    fragments.invalidate()  # bulk writes send no signal: attempt starts keep the quiz's pool
    return len(rows)


def _move(quiz: Quiz, row: QuizQuestion, direction: str) -> None:
    """Swap a row with its neighbour (or remove it), then number the list 1, 2, 3…"""
    rows = list(QuizQuestion.objects.filter(quiz=quiz).order_by("order", "pk"))
    index = next(i for i, r in enumerate(rows) if r.pk == row.pk)
    if direction == "remove":
        rows.pop(index).delete()
    else:
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(rows):
            rows[index], rows[other] = rows[other], rows[index]
    for number, r in enumerate(rows, start=1):
        r.order = number
    QuizQuestion.objects.bulk_update(rows, ["order"])
    fragments.invalidate()  # as in _add: the cached pool keeps the order too


@require_http_methods(["GET", "POST"])
def picker_view(request, model_admin, pk):
    quiz = get_object_or_404(Quiz.objects.select_related("course"), pk=pk)
    if not model_admin.has_view_permission(request, quiz):
        raise PermissionDenied
    can_change = model_admin.has_change_permission(request, quiz)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        return _post(request, quiz)
    filters = PickerFilterForm(request.GET or None, quiz=quiz)
    found = filters.questions(quiz) if request.GET else Question.objects.none()
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    chosen = QuizQuestion.objects.filter(quiz=quiz).select_related("question__topic")
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"Questions of {quiz.title}",
        "quiz": quiz,
        "chosen": list(chosen.order_by("order", "pk")),
        "filters": filters,
        "page": page,
        "searched": bool(request.GET),
        "query": query.urlencode(),
        "can_change": can_change,
    }
    return TemplateResponse(request, "admin/quizzes/quiz/questions.html", context)


def _post(request, quiz: Quiz):
    here = request.get_full_path()
    if "move" in request.POST:
        form = MoveForm(request.POST, quiz=quiz)
        if form.is_valid():
            with transaction.atomic():
                _move(quiz, form.cleaned_data["move"], form.cleaned_data["direction"])
        else:
            messages.error(request, "That question is no longer in this quiz; nothing changed.")
        return redirect(here)
    if quiz.draw_count:
        messages.error(
            request,
            "This quiz draws its questions at random, so it has no fixed list: clear the "
            "number to draw first.",
        )
        return redirect(here)
    form = AddForm(request.POST, quiz=quiz)
    if not form.is_valid():
        messages.error(request, "Tick at least one question of this quiz's course to add.")
        return redirect(here)
    with transaction.atomic():
        count = _add(quiz, form.cleaned_data["add"])
    messages.success(request, f"Added {count} question{'s' if count != 1 else ''} to the end.")
    return redirect(here)
