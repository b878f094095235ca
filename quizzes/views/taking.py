import time

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from courses import fragments
from quizzes import attempts, kinds
from quizzes.forms import AnswerForm, FlagForm, MarkForm
from quizzes.models import (
    Attempt,
    Learner,
    Quiz,
    Slot,
    decode_answer,
    encode_answer,
)
from quizzes.review import describe_correct, long_answer_marking, review_rows, topic_breakdown
from studyhub import ratelimit

TAKE = "quizzes/take.html"


def too_many(request, scope: str, ident: str, what: str = "") -> HttpResponse | None:
    """A 429 once `ident` goes over the `scope` limit (`what`: too many of what, from
    one network, for the per-client limits)."""
    limit = ratelimit.limit(scope)
    if limit.hit(ident) <= limit.limit:
        return None
    wait = limit.wait_message(ident)
    message = f"You are going a little fast. Please wait {wait} and try again."
    if what:
        message = (
            f"Too many {what} from your network. Please wait {wait}, or log in: "
            "signed-in learners are not limited this way."
        )
    if request.htmx:
        # Show the notice above the question instead of replacing what the learner typed.
        response = render(request, "quizzes/_notice.html", {"notice": message}, status=429)
        response = reswap(retarget(response, "#notices"), "innerHTML")
    else:
        response = render(request, "quizzes/notice.html", {"notice": message}, status=429)
    response["Retry-After"] = str(limit.retry_after(ident))
    return response


def guest_limits(request) -> tuple[Learner | None, HttpResponse | None]:
    """The requester's learner for starting an attempt, creating a guest if need be; or,
    for a guest, the 429 of a per-client limit (guests created, guest attempts started).

    Each guest is a new session, so per-learner limits alone would start over with each
    one: these limits count per client address instead (`ratelimit.client_ip`).
    """
    if request.user.is_authenticated:
        return Learner.objects.for_request(request, create=True), None
    client = ratelimit.client_ip(request)
    learner = Learner.objects.for_request(request)
    if learner is None:
        if limited := too_many(request, "guest", client, "new guest sessions"):
            return None, limited
        learner = Learner.objects.for_request(request, create=True)
    return learner, too_many(request, "guest_start", client, "quizzes started")


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


def _open_attempt(request, pk: int) -> tuple[Attempt, HttpResponse | None]:
    """The requester's open attempt, or (for an expired or finished one) where to go instead."""
    attempt = _owned_attempt(request, pk)
    return attempt, _elsewhere(request, attempt)


def _elsewhere(request, attempt: Attempt) -> HttpResponse | None:
    """Where to go instead of an expired or finished attempt; None while it is open."""
    if expired := _expire_if_due(request, attempt):
        return expired
    if not attempt.is_open:
        return _closed(request, attempt, "This attempt is finished; here is its review.")
    return None


def can_preview(user) -> bool:
    """Staff who may edit quizzes try drafts and closed quizzes: Moodle's preview."""
    return user.is_authenticated and user.is_staff and user.has_perm("quizzes.change_quiz")


def _standard_quiz(request, course: str, slug: str, token: str = "") -> tuple[Quiz, bool]:
    """The quiz a learner asked for, and whether the requester previews it as staff.

    A draft is a 404 to learners, indistinguishable from a missing quiz. The quiz (with its
    course and topic) is kept in the content cache until the next edit (courses/fragments.py).
    """
    quiz = fragments.cached(
        ("quiz", course, slug),
        lambda: (
            Quiz.objects.select_related("course", "topic__course")
            .filter(course__slug=course, slug=slug, purpose=Quiz.Purpose.STANDARD)
            .first()
        ),
        token=token,
    )
    if quiz is None:
        raise Http404("No such quiz.")
    preview = not quiz.is_published and can_preview(request.user)
    if not quiz.is_published and not preview:
        raise Http404("No such quiz.")
    return quiz, preview


@require_safe
def quiz(request, course, slug):
    token = fragments.generation()
    quiz, preview = _standard_quiz(request, course, slug, token)
    learner = Learner.objects.for_request(request)
    history = (
        list(
            Attempt.objects.for_learner(learner)
            .filter(quiz=quiz)
            .with_hints_at_exam(learner.pk)
            .select_related("quiz")[:10]
        )
        if learner
        else []
    )
    current = next((a for a in history if a.is_open), None)
    unavailable = quiz.unavailable_reason()
    preview = preview or (bool(unavailable) and can_preview(request.user))
    left = attempts.attempts_left(quiz, learner) if not unavailable and not current else None
    return render(
        request,
        "quizzes/quiz.html",
        {
            "quiz": quiz,
            "course": quiz.course,
            "current": current,
            "history": history,
            "unavailable": unavailable,
            "preview": preview,
            "attempts_left": left,
            "selection": fragments.cached(("selection", str(quiz.pk)), quiz.selection, token=token),
        },
    )


@require_POST
def start(request, course, slug):
    quiz, preview = _standard_quiz(request, course, slug)
    preview = preview or (bool(quiz.unavailable_reason()) and can_preview(request.user))
    if quiz.attempts_allowed and not request.user.is_authenticated:
        # Checked before a guest is created; the quiz page offers log in and sign up.
        messages.error(request, "This quiz needs an account: log in or sign up to take it.")
        return redirect(quiz)
    learner, limited = guest_limits(request)
    if limited:
        return limited
    if limited := too_many(request, "start", str(learner.pk)):
        return limited
    if request.POST.get("restart") and not quiz.is_exam:
        current = Attempt.objects.for_learner(learner).open().filter(quiz=quiz).first()
        if current is not None:
            attempts.finish_attempt(attempt=current)
    try:
        attempt = attempts.start_attempt(quiz=quiz, learner=learner, preview=preview)
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


def _slot(
    attempt: Attempt, number: int, *, sealed: bool | None = None, for_grading: bool = False
) -> Slot:
    """The slot, with `withheld`: the running exam that also asks it (see Slot.sealing_exam).
    `sealed` defaults to practice attempts only: an open exam would seal its own slots.
    `for_grading` brings what grading an answer updates (`SlotQuerySet.with_learner_state`)."""
    slots = Slot.objects.select_related("response")
    if for_grading:  # the question's topic, for the kept progress
        slots = slots.select_related("question").with_learner_state()
    if not attempt.quiz.is_exam if sealed is None else sealed:
        slots = slots.annotate(withheld=Slot.sealing_exam(attempt.learner_id))
    slot = get_object_or_404(slots, attempt=attempt, number=number)
    slot.attempt = attempt
    return slot


def _nav(attempt: Attempt) -> list[dict]:
    """Each slot's number, state and URL. The URLs differ only in the number at their end,
    so one reverse() serves them all (a reverse per slot was a fifth of an exam page)."""
    first = reverse("quizzes:slot", args=[attempt.pk, 1])
    prefix = first.removesuffix("1/")
    rows = attempt.slots.values_list("number", "flagged", "response__id")
    return [
        {"number": n, "flagged": f, "answered": r is not None, "url": f"{prefix}{n}/"}
        for n, f, r in rows
    ]


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
    kind = kinds.get(slot.kind)
    result = marking = None
    # A practice answer to a question of a running exam is kept, its result is not shown
    # (nor a long answer's model answer and scheme).
    withheld = getattr(slot, "withheld", None) if response is not None else None
    if withheld and kind.self_marked and not kind.decode(response.answer).final:
        withheld = None  # a long answer's draft: nothing to hide yet
    if kind.self_marked and not withheld:
        marking = long_answer_marking(slot, response, show_while_open=not quiz.is_exam)
    elif response is not None and not quiz.is_exam and not withheld:
        response.slot = slot
        result = saved.outcome if saved is not None and saved.outcome else response.graded_outcome()
    shown = quiz.review_shown(Quiz.When.DURING)
    return {
        "marking": marking,
        "attempt": attempt,
        "quiz": quiz,
        "slot": slot,
        "q": slot.shown(),
        "withheld": withheld,
        "form": form,
        "response": response,
        "result": result,
        "percent": round(100 * result.fraction) if result else None,
        "shown": shown,
        "correct_answer": describe_correct(slot) if result and shown.right_answer else [],
        "selected": _selected(form),
        "notice": notice,
        "is_last": slot.number == attempt.slot_count,
    }


def _initial_answer(slot: Slot, response) -> dict:
    """The stored answer as the form's initial data, options as their form values."""
    value = decode_answer(slot.kind, response.answer)
    if isinstance(value, dict):  # matching
        value = {slot.option_value(k): v for k, v in value.items()}
    elif isinstance(value, frozenset):
        value = frozenset(slot.option_value(v) for v in value)
    elif isinstance(value, int):
        value = slot.option_value(value)
    return kinds.get(slot.kind).initial(value)


def _selected(form: AnswerForm) -> set[str]:
    """The option values to show as chosen, from posted data or the stored answer."""
    if "choice" not in form.fields:
        return set()
    value = form["choice"].value()
    if value is None or value == "":
        return set()
    values = value if isinstance(value, list | tuple | set | frozenset) else [value]
    return {str(v) for v in values}


@require_safe
def take(request, pk, number):
    attempt, elsewhere = _open_attempt(request, pk)
    if elsewhere:
        return elsewhere
    slot = _slot(attempt, number)
    context = _take_context(attempt, slot)
    if attempt.quiz.is_exam:
        context["nav"] = _nav(attempt)
    return render(request, TAKE, context)


@require_POST
def answer(request, pk, number):
    # The slot and its attempt in one query, with what the answer updates (the answer post's
    # query budget): see Slot.objects.for_answer.
    slot = get_object_or_404(
        Slot.objects.for_answer(Attempt.objects.owned_by(request)), attempt=pk, number=number
    )
    attempt = slot.attempt
    if elsewhere := _elsewhere(request, attempt):
        return elsewhere
    if limited := too_many(request, "answer", str(attempt.learner_id)):
        return limited
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
    if form.kind.self_marked and not form.value().final:
        return _draft_saved(request, attempt, slot, form, saved)
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


def _draft_saved(request, attempt, slot, form, saved):
    """A long answer's draft, saved (or refused as stale) without leaving the question."""
    if not saved.changed and saved.response.answer != encode_answer(slot.kind, form.value()):
        return _exam_answered(request, attempt, slot, form, saved)
    if request.htmx:
        return render(
            request, TAKE + "#status", {"slot": slot, "response": saved.response, "saved_now": True}
        )
    messages.info(request, "Draft saved. Hand it in when you are ready to mark it.")
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
    attempt, elsewhere = _open_attempt(request, pk)
    if elsewhere:
        return elsewhere
    slot = _slot(attempt, number)
    form = FlagForm(request.POST)
    form.is_valid()
    attempts.set_flag(slot=slot, flagged=form.cleaned_data.get("flagged", False))
    slot.flagged = form.cleaned_data.get("flagged", False)
    if request.htmx:
        return render(request, TAKE + "#flag", {"attempt": attempt, "slot": slot})
    return redirect("quizzes:slot", attempt.pk, slot.number)


@require_POST
def mark(request, pk, number):
    """The learner ticks the points of a long answer's mark scheme that they made."""
    attempt = _owned_attempt(request, pk)
    if expired := _expire_if_due(request, attempt):
        return expired
    # Sealed whenever the attempt is not an open exam (which cannot be marked anyway).
    slot = _slot(
        attempt, number, sealed=not (attempt.quiz.is_exam and attempt.is_open), for_grading=True
    )
    form = MarkForm(slot, request.POST)
    if not form.is_valid():
        return HttpResponse("Choose points from this question's mark scheme.", status=400)
    if getattr(slot, "withheld", None):
        messages.error(
            request,
            f"Your exam “{slot.withheld}” also asks this question: mark it after submitting "
            "that exam.",
        )
    else:
        try:
            attempts.mark_answer(attempt=attempt, slot=slot, claimed=form.claimed())
        except attempts.AttemptError as error:
            messages.error(request, error.message)
    if attempt.is_open:
        url = reverse("quizzes:slot", args=[attempt.pk, slot.number])
    else:
        url = reverse("quizzes:review", args=[attempt.pk]) + f"#r{slot.number}"
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_safe
def summary(request, pk):
    attempt, elsewhere = _open_attempt(request, pk)
    if elsewhere:
        return elsewhere
    nav = _nav(attempt)
    return render(
        request,
        "quizzes/summary.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "nav": nav,
            "unanswered": [r for r in nav if not r["answered"]],
            "flagged": [r for r in nav if r["flagged"]],
        },
    )


@require_POST
def submit(request, pk):
    attempt = _owned_attempt(request, pk)
    if attempts.finish_attempt(attempt=attempt):
        messages.success(request, "Submitted. Here are your results.")
    return redirect("quizzes:review", attempt.pk)


@require_safe
def review(request, pk):
    attempt = _owned_attempt(request, pk)
    if expired := _expire_if_due(request, attempt):
        return expired
    if attempt.is_open:
        messages.info(request, "Finish the attempt to see its review.")
        return redirect("quizzes:slot", attempt.pk, 1)
    slots = attempt.slots.select_related("response").annotate(
        withheld=Slot.sealing_exam(attempt.learner_id)
    )
    shown = attempt.shown()
    rows = review_rows(attempt, list(slots), shown)
    quiz = attempt.quiz
    again = quiz.purpose == Quiz.Purpose.STANDARD and not quiz.unavailable_reason()
    return render(
        request,
        "quizzes/review.html",
        {
            "attempt": attempt,
            "quiz": quiz,
            "rows": rows,
            "shown": shown,
            "topics": topic_breakdown(rows) if shown.marks else [],
            "withheld": next((row.withheld for row in rows if row.withheld), ""),
            "pending": sum(row.pending for row in rows),
            "try_again": again and attempts.attempts_left(quiz, attempt.learner) != 0,
        },
    )


@require_safe
def history(request):
    learner = Learner.objects.for_request(request)
    rows = (
        Attempt.objects.for_learner(learner)
        .with_hints_at_exam(learner.pk)
        .select_related("quiz__course")
        .order_by("-started")
        if learner
        else Attempt.objects.none()
    )
    return render(request, "quizzes/history.html", {"attempts": rows})
