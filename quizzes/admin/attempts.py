"""Admin for learners' attempts: listed per quiz and per learner, each opening on the learner's
own review; actions reopen, give an extra attempt (a QuizOverride), delete (after Django's
confirmation page) and regrade (a dry run listing every mark that would change, then apply)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET

from quizzes import attempts, progress, regrade, scheduling
from quizzes.models import REVIEW_ITEMS, Attempt, Learner, Quiz, QuizOverride, Shown
from quizzes.review import review_rows, topic_breakdown


class AttemptAdmin(admin.ModelAdmin):
    list_display = ["learner_name", "quiz", "state", "started", "finished", "mark", "per_learner"]
    list_display_links = ["learner_name"]
    list_filter = ["state", "quiz__course", "quiz"]
    list_select_related = ["quiz", "learner__user"]
    search_fields = ["learner__user__username", "learner__user__email", "quiz__title"]
    actions = ["reopen", "extra_attempt", "regrade", "delete_selected"]
    date_hierarchy = "started"

    def has_add_permission(self, request):
        return False  # learners start attempts; the admin only manages them

    @admin.display(description="Learner", ordering="learner__user__username")
    def learner_name(self, attempt):
        return str(attempt.learner)

    @admin.display(description="Mark", ordering="score")
    def mark(self, attempt):
        if attempt.score is None:
            return "—"
        return f"{attempt.score:.2f} / {attempt.slot_count} ({attempt.percent:.0f} %)"

    @admin.display(description="Their attempts")
    def per_learner(self, attempt):
        url = reverse("admin:quizzes_attempt_changelist")
        return format_html(
            '<a href="{}?learner__id__exact={}">All by {}</a>',
            url,
            attempt.learner_id,
            attempt.learner,
        )

    # --- The learner's review, as they saw it -------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return _review(request, self, object_id)

    # --- Actions ------------------------------------------------------------------------------

    @admin.action(description="Reopen selected finished attempts", permissions=["change"])
    def reopen(self, request, queryset):
        done = 0
        for attempt in queryset.select_related("quiz", "learner__user"):
            try:
                attempts.reopen_attempt(attempt=attempt)
            except attempts.AttemptError as error:
                self.message_user(request, error.message, messages.WARNING)
            else:
                done += 1
                self.log_change(request, attempt, "Reopened")
        if done:
            self.message_user(request, f"Reopened {done} attempts.", messages.SUCCESS)

    @admin.action(description="Give these learners one extra attempt", permissions=["change"])
    def extra_attempt(self, request, queryset):
        pairs = {(a.quiz, a.learner) for a in queryset.select_related("quiz", "learner__user")}
        unlimited = sorted({quiz.title for quiz, _ in pairs if not quiz.attempts_allowed})
        for quiz, learner in pairs:
            if quiz.attempts_allowed:
                QuizOverride.grant(quiz=quiz, learner=learner, attempts=1)
        granted = len(pairs) - sum(1 for quiz, _ in pairs if not quiz.attempts_allowed)
        if granted:
            self.message_user(
                request, f"Gave {granted} learners one more attempt each.", messages.SUCCESS
            )
        if unlimited:
            self.message_user(
                request,
                f"{', '.join(unlimited)}: attempts are unlimited, so no extra one was needed.",
                messages.INFO,
            )

    @admin.action(description="Regrade selected attempts (dry run first)", permissions=["change"])
    def regrade(self, request, queryset):
        return regrade_page(request, self, queryset, action="regrade")

    def delete_queryset(self, request, queryset):
        learners = set(queryset.values_list("learner_id", flat=True))
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            _rebuild_cards(learners)

    def delete_model(self, request, obj):
        with transaction.atomic():
            super().delete_model(request, obj)
            _rebuild_cards({obj.learner_id})


admin.site.register(Attempt, AttemptAdmin)


def _rebuild_cards(learner_ids) -> None:
    """Review cards and kept progress are derived from responses: a deleted attempt's
    answers leave them."""
    for learner in Learner.objects.filter(pk__in=learner_ids):
        scheduling.rebuild_cards(learner)
    progress.rebuild(learner_ids)


@require_GET
def _review(request, model_admin: AttemptAdmin, pk):
    attempt = get_object_or_404(
        Attempt.objects.select_related("quiz__course", "learner__user"), pk=pk
    )
    if not model_admin.has_view_permission(request, attempt):
        raise PermissionDenied
    slots = list(attempt.slots.select_related("response"))
    rows = review_rows(attempt, slots, Shown.everything())
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"{attempt.learner} · {attempt.quiz}",
        "attempt": attempt,
        "quiz": attempt.quiz,
        "rows": rows,
        "shown": Shown.everything(),
        "learner_sees": _learner_sees(attempt),
        "topics": topic_breakdown(rows),
        "can_change": model_admin.has_change_permission(request, attempt),
        "can_delete": model_admin.has_delete_permission(request, attempt),
    }
    return TemplateResponse(request, "admin/quizzes/attempt/review.html", context)


def _learner_sees(attempt: Attempt) -> str:
    """The review options that apply to the learner's own review page now, in words."""
    shown = attempt.shown()
    labels = [
        str(Quiz._meta.get_field(name).verbose_name)
        for name in REVIEW_ITEMS
        if getattr(shown, name.removeprefix("review_"))
    ]
    return ", ".join(labels) or "nothing but their answers"


def regrade_page(request, model_admin, queryset: QuerySet, *, action: str, scope=None):
    """The regrade action: the dry run's page, or, once confirmed, the regrade itself.

    `queryset` is what the action was given (attempts, or quizzes whose attempts to
    regrade, through `scope`); the confirmation posts the same action and selection again.
    """
    if not request.user.has_perm("quizzes.change_attempt"):
        raise PermissionDenied
    selection = scope(queryset) if scope else queryset
    if request.POST.get("apply") == "yes":
        result = regrade.apply(selection)
        model_admin.message_user(
            request,
            f"Regraded {result.attempts} finished attempts: {len(result.changes)} marks "
            f"changed, {len(result.totals)} attempt totals changed.",
            messages.SUCCESS,
        )
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Regrade: dry run",
        "plan": regrade.plan(selection),
        "action": action,
        "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "admin/quizzes/attempt/regrade.html", context)
