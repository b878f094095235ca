import time
from datetime import datetime

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from courses.models import Course, Topic
from quizzes import attempts, exports, grading, progress
from quizzes.forms import AnswerForm, FlagForm
from quizzes.models import Attempt, Learner, Question, Quiz, Slot, decode_answer, encode_answer
from quizzes.review import describe, review_rows, topic_breakdown
from studyhub import ratelimit

TAKE = "quizzes/take.html"


def _too_many(request, scope: str, ident: str) -> HttpResponse | None:
    limit = ratelimit.limit(scope)
    if limit.hit(ident) <= limit.limit:
        return None
    wait = limit.retry_after()
    message = f"You are going a little fast. Please wait {wait} seconds and try again."
    if request.htmx:
        # Show the notice above the question instead of replacing what the learner typed.
        response = render(request, "quizzes/_notice.html", {"notice": message}, status=429)
        response = reswap(retarget(response, "#notices"), "innerHTML")
    else:
        response = render(request, "quizzes/notice.html", {"notice": message}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _owned_attempt(request, pk: int) -> Attempt:
    return get_object_or_404(
        Attempt.objects.owned_by(request).select_related("quiz__course"), pk=pk
    )


def _closed(request, attempt: Attempt, message: str) -> HttpResponse:
    messages.info(request, message)
    url = reverse("quizzes:review", args=[attempt.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _expire_if_due(request, attempt: Attempt) -> HttpResponse | None:
    """Finish an attempt whose time ran out; the next touch of any attempt URL does it."""
    if attempt.is_open and attempt.is_expired:
        attempts.finish_attempt(attempt=attempt)
        return _closed(request, attempt, "Time is up: your attempt was submitted.")
    return None


@require_GET
def quiz(request, course, slug):
    quiz = get_object_or_404(
        Quiz.objects.select_related("course", "topic__course"), course__slug=course, slug=slug
    )
    learner = Learner.objects.for_request(request)
    history = list(Attempt.objects.for_learner(learner).filter(quiz=quiz)[:10]) if learner else []
    current = next((a for a in history if a.is_open), None)
    return render(
        request,
        "quizzes/quiz.html",
        {"quiz": quiz, "course": quiz.course, "current": current, "history": history},
    )


@require_POST
def start(request, course, slug):
    quiz = get_object_or_404(Quiz.objects.select_related("course"), course__slug=course, slug=slug)
    learner = Learner.objects.for_request(request, create=True)
    if limited := _too_many(request, "start", str(learner.pk)):
        return limited
    if request.POST.get("restart"):
        current = Attempt.objects.for_learner(learner).open().filter(quiz=quiz).first()
        if current is not None:
            attempts.finish_attempt(attempt=current)
    try:
        attempt = attempts.start_attempt(quiz=quiz, learner=learner)
    except attempts.AttemptError as error:
        messages.error(request, error.message)
        return redirect(quiz)
    first_open = (
        attempt.slots.filter(response__isnull=True)
        .order_by("number")
        .values_list("number", flat=True)
        .first()
        or 1
    )
    return redirect("quizzes:slot", attempt.pk, first_open)


def _slot(attempt: Attempt, number: int) -> Slot:
    return get_object_or_404(
        Slot.objects.select_related("response", "question"), attempt=attempt, number=number
    )


def _nav(attempt: Attempt) -> list[dict]:
    rows = attempt.slots.values_list("number", "flagged", "response__id")
    return [{"number": n, "flagged": f, "answered": r is not None} for n, f, r in rows]


def _response(slot: Slot):
    return getattr(slot, "response", None) if hasattr(slot, "response") else None


def _take_context(attempt, slot, *, form=None, saved=None, notice="") -> dict:
    """Everything take.html needs; the result is shown only once a practice answer exists."""
    quiz = attempt.quiz
    response = saved.response if saved is not None else _response(slot)
    if form is None:
        initial = {"seq": response.version if response else 0, "shown": int(time.time())}
        if response is not None:
            initial.update(_initial_answer(slot, response))
        form = AnswerForm(slot, initial=initial, partial=quiz.is_exam)
    result = None
    if response is not None and not quiz.is_exam:
        response.slot = slot
        result = saved.outcome if saved is not None and saved.outcome else response.outcome()
    show_correct = quiz.review_correct == Quiz.Review.AFTER_ATTEMPT
    return {
        "attempt": attempt,
        "quiz": quiz,
        "slot": slot,
        "q": slot.snapshot,
        "form": form,
        "response": response,
        "result": result,
        "percent": round(100 * result.fraction) if result else None,
        "show_correct": show_correct,
        "correct_answer": (
            describe(slot, grading.correct_response(slot.gradable()))
            if result and show_correct
            else []
        ),
        "selected": _selected(form),
        "notice": notice,
        "is_last": slot.number == attempt.slot_count,
    }


def _initial_answer(slot: Slot, response) -> dict:
    value = decode_answer(slot.kind, response.answer)
    if slot.kind == Question.Kind.MATCHING:
        return {f"match-{k}": v for k, v in value.items()}
    if slot.kind == Question.Kind.MULTIPLE:
        return {"choice": sorted(value)}
    if slot.kind in (Question.Kind.SINGLE, Question.Kind.TRUE_FALSE):
        return {"choice": value}
    return {"text": value}


def _selected(form: AnswerForm) -> set[str]:
    """The option ids to show as chosen, from posted data or the stored answer."""
    if "choice" not in form.fields:
        return set()
    value = form["choice"].value()
    if value is None or value == "":
        return set()
    values = value if isinstance(value, list | tuple | set | frozenset) else [value]
    return {str(v) for v in values}


@require_GET
def take(request, pk, number):
    attempt = _owned_attempt(request, pk)
    if expired := _expire_if_due(request, attempt):
        return expired
    if not attempt.is_open:
        return redirect("quizzes:review", attempt.pk)
    slot = _slot(attempt, number)
    context = _take_context(attempt, slot)
    if attempt.quiz.is_exam:
        context["nav"] = _nav(attempt)
    return render(request, TAKE, context)


@require_POST
def answer(request, pk, number):
    attempt = _owned_attempt(request, pk)
    if expired := _expire_if_due(request, attempt):
        return expired
    if not attempt.is_open:
        return _closed(request, attempt, "This attempt is finished; here is your review.")
    if limited := _too_many(request, "answer", str(attempt.learner_id)):
        return limited
    slot = _slot(attempt, number)
    form = AnswerForm(slot, request.POST, partial=attempt.quiz.is_exam)
    if not form.is_valid():
        context = _take_context(attempt, slot, form=form)
        if attempt.quiz.is_exam and not request.htmx:
            context["nav"] = _nav(attempt)
        return render(request, TAKE + ("#question" if request.htmx else ""), context, status=422)
    try:
        saved = attempts.record_answer(
            attempt=attempt,
            slot=slot,
            value=form.value(),
            seq=form.cleaned_data["seq"],
            seconds=form.seconds(int(time.time())),
        )
    except attempts.AttemptClosed as closed:
        return _closed(request, attempt, closed.message)

    if attempt.quiz.is_exam:
        return _exam_answered(request, attempt, slot, form, saved)
    if request.htmx:
        notice = (
            "" if saved.changed else "You had already answered this question. Here is your result."
        )
        return render(
            request, TAKE + "#question", _take_context(attempt, slot, saved=saved, notice=notice)
        )
    if not saved.changed:
        messages.info(request, "You had already answered this question. Here is your result.")
    return redirect("quizzes:slot", attempt.pk, slot.number)


def _exam_answered(request, attempt, slot, form, saved):
    stale = not saved.changed and saved.response.answer != encode_answer(slot.kind, form.value())
    if stale:
        # Keep what the learner typed on screen, with the fresh sequence number, so they
        # can look at it and save it again on purpose.
        data = request.POST.copy()
        data["seq"] = saved.response.version
        form = AnswerForm(slot, data, partial=True)
        form.is_valid()
        notice = (
            "Not saved: this answer was changed in another tab or window since this page "
            "loaded. Your choice is still shown; save again to keep it."
        )
        context = _take_context(attempt, slot, form=form, notice=notice)
        if request.htmx:
            return render(request, TAKE + "#question", context, status=409)
        context["nav"] = _nav(attempt)
        return render(request, TAKE, context, status=409)
    if request.htmx:
        return render(
            request, TAKE + "#status", {"slot": slot, "response": saved.response, "saved_now": True}
        )
    if request.POST.get("go") == "summary" or slot.number == attempt.slot_count:
        return redirect("quizzes:summary", attempt.pk)
    return redirect("quizzes:slot", attempt.pk, slot.number + 1)


@require_POST
def flag(request, pk, number):
    attempt = _owned_attempt(request, pk)
    if not attempt.is_open:
        return _closed(request, attempt, "This attempt is finished.")
    slot = _slot(attempt, number)
    form = FlagForm(request.POST)
    form.is_valid()
    attempts.set_flag(slot=slot, flagged=form.cleaned_data.get("flagged", False))
    slot.flagged = form.cleaned_data.get("flagged", False)
    if request.htmx:
        return render(request, TAKE + "#flag", {"attempt": attempt, "slot": slot})
    return redirect("quizzes:slot", attempt.pk, slot.number)


@require_GET
def summary(request, pk):
    attempt = _owned_attempt(request, pk)
    if expired := _expire_if_due(request, attempt):
        return expired
    if not attempt.is_open:
        return redirect("quizzes:review", attempt.pk)
    nav = _nav(attempt)
    return render(
        request,
        "quizzes/summary.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "nav": nav,
            "unanswered": [r["number"] for r in nav if not r["answered"]],
            "flagged": [r["number"] for r in nav if r["flagged"]],
        },
    )


@require_POST
def submit(request, pk):
    attempt = _owned_attempt(request, pk)
    if attempts.finish_attempt(attempt=attempt):
        messages.success(request, "Submitted. Here are your results.")
    return redirect("quizzes:review", attempt.pk)


@require_GET
def review(request, pk):
    attempt = _owned_attempt(request, pk)
    if expired := _expire_if_due(request, attempt):
        return expired
    if attempt.is_open:
        messages.info(request, "Finish the attempt to see its review.")
        return redirect("quizzes:slot", attempt.pk, 1)
    slots = list(attempt.slots.select_related("response"))
    rows = review_rows(attempt, slots)
    return render(
        request,
        "quizzes/review.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "rows": rows,
            "topics": topic_breakdown(rows),
        },
    )


@require_GET
def history(request):
    learner = Learner.objects.for_request(request)
    rows = (
        Attempt.objects.for_learner(learner).select_related("quiz__course").order_by("-started")
        if learner
        else Attempt.objects.none()
    )
    return render(request, "quizzes/history.html", {"attempts": rows})


# --- Progress -------------------------------------------------------------------------------


def _sparkline(attempts, width=300, height=48) -> dict:
    """Points for an SVG polyline of attempt scores (0–100 %), oldest first."""
    values = [a.percent for a in attempts]
    if not values:
        return {"points": "", "values": []}
    step = width / max(1, len(values) - 1)
    points = " ".join(
        f"{i * step:.1f},{height - 4 - (v / 100) * (height - 8):.1f}" for i, v in enumerate(values)
    )
    return {
        "points": points,
        "values": [round(v) for v in values],
        "width": width,
        "height": height,
    }


@require_GET
def dashboard(request):
    learner = Learner.objects.for_request(request)
    topics = progress.topics_with_counts()
    stats = progress.topic_stats(learner, topics)
    weakest = progress.weakest(stats)
    missed = progress.missed_sections(learner, [s.topic for s in weakest]) if learner else {}
    history = progress.recent_scores(learner) if learner else []
    due = sum(s.due_now for s in stats)
    courses: dict = {}
    for s in stats:
        group = courses.setdefault(s.topic.course, {"started": [], "fresh": []})
        group["started" if s.answers else "fresh"].append(s)
    return render(
        request,
        "quizzes/dashboard.html",
        {
            "learner": learner,
            "courses": courses,
            "weakest": [(s, missed.get(s.topic.pk, [])) for s in weakest],
            "due": due,
            "next_due": min((s.next_due for s in stats if s.next_due), default=None),
            "history": history,
            "spark": _sparkline(history),
            "rules": progress.LEVEL_RULES,
            "today": timezone.localdate(),
        },
    )


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


@require_GET
def exam_day(request):
    learner = Learner.objects.for_request(request)
    form = ExamDayForm(request.GET or None)
    rows = []
    if form.is_valid() and learner is not None:
        day = form.cleaned_data["date"]
        moment = timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=9))
        topics = progress.topics_with_counts()
        rows = progress.exam_day(progress.topic_stats(learner, topics), learner, moment)
    status = 400 if request.GET and not form.is_valid() else 200
    return render(
        request,
        "quizzes/exam_day.html",
        {"form": form, "rows": rows, "learner": learner},
        status=status,
    )


@require_POST
def review_session(request, course):
    course = get_object_or_404(Course, slug=course)
    learner = Learner.objects.for_request(request)
    ids = progress.due_questions(learner, course=course) if learner else []
    if not ids:
        messages.info(request, "Nothing is due for review right now. Well done!")
        return redirect("quizzes:dashboard")
    return _start_personal(request, Quiz.personal(course, Quiz.Purpose.REVIEW), learner, ids)


@require_POST
def mistakes_session(request, course, topic):
    topic = get_object_or_404(
        Topic.objects.select_related("course"), course__slug=course, slug=topic
    )
    learner = Learner.objects.for_request(request)
    ids = progress.mistake_questions(learner, topic) if learner else []
    if not ids:
        messages.info(request, f"No mistakes to practise in “{topic.title}”.")
        return redirect("quizzes:dashboard")
    quiz = Quiz.personal(topic.course, Quiz.Purpose.MISTAKES, topic)
    return _start_personal(request, quiz, learner, ids)


def _start_personal(request, quiz, learner, ids):
    if limited := _too_many(request, "start", str(learner.pk)):
        return limited
    # A personal session is rebuilt from what is due now, so an unfinished one is closed.
    current = Attempt.objects.for_learner(learner).open().filter(quiz=quiz).first()
    if current is not None:
        attempts.finish_attempt(attempt=current)
    attempt = attempts.start_attempt(quiz=quiz, learner=learner, question_ids=ids)
    return redirect("quizzes:slot", attempt.pk, 1)


# --- Your data ------------------------------------------------------------------------------


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


@require_http_methods(["GET", "POST"])
def my_data(request):
    learner = Learner.objects.for_request(request)
    user = request.user if request.user.is_authenticated else None
    form = DeleteDataForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            exports.delete_everything(request, learner)
            messages.success(request, "Your account and all your data have been deleted.")
            return redirect("home")
        return render(
            request, "quizzes/my_data.html", {"form": form, "learner": learner}, status=400
        )
    return render(request, "quizzes/my_data.html", {"form": form, "learner": learner})


@require_GET
def export_data(request, fmt):
    learner = Learner.objects.for_request(request)
    if learner is None:
        data = {"exported": timezone.now().isoformat(), "account": None, "attempts": []}
        data["review_schedule"] = []
    else:
        data = exports.learner_data(learner)
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        response = HttpResponse(exports.as_csv(data), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(exports.as_json(data), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="studyhub-data-{stamp}.{fmt}"'
    return response
