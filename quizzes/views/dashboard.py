from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from courses.models import Course, Topic
from quizzes import attempts, exports, progress
from quizzes.forms import DeleteDataForm, ExamDayForm
from quizzes.models import (
    Attempt,
    Learner,
    Quiz,
)
from quizzes.views.taking import guest_limits, too_many


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


@require_safe
def dashboard(request):
    learner = Learner.objects.for_request(request)
    if learner is not None:  # an exam left to run out counts, as finished at its deadline
        attempts.close_expired(Attempt.objects.for_learner(learner))
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


@require_safe
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
    if limited := too_many(request, "start", str(learner.pk)):
        return limited
    if learner.user_id is None and (limited := guest_limits(request)[1]):
        return limited
    # A personal session is rebuilt from what is due now, so an unfinished one is closed.
    current = Attempt.objects.for_learner(learner).open().filter(quiz=quiz).first()
    if current is not None:
        attempts.finish_attempt(attempt=current)
    try:
        attempt = attempts.start_attempt(quiz=quiz, learner=learner, question_ids=ids)
    except attempts.AttemptError as error:
        messages.info(request, error.message)
        return redirect("quizzes:dashboard")
    return redirect("quizzes:slot", attempt.pk, 1)


@require_http_methods(["GET", "HEAD", "POST"])
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


@require_safe
def export_data(request, fmt):
    if fmt not in ("json", "csv"):
        raise Http404("Exports come as .json or .csv")
    user = request.user if request.user.is_authenticated else None
    data = exports.learner_data(Learner.objects.for_request(request), user)
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        response = HttpResponse(exports.as_csv(data), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(exports.as_json(data), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="studyhub-data-{stamp}.{fmt}"'
    return response
