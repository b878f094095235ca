"""Question import in the admin: upload → preview → confirm."""

import base64
import binascii
import bisect
import logging
import secrets
import time
import zlib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from courses import markdown
from courses.models import Course, Topic
from quizzes import importing, itemcheck
from quizzes.admin.common import answer_rows, topic_labels
from quizzes.formats import gift
from quizzes.formats.interchange import NotUTF8Error, ParseIssue, QuestionData
from quizzes.models import Question

logger = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 2 * 1024 * 1024
# More questions than a request can parse, preview and later save well inside the worker
# timeout (30 s) on a busy server; bigger files go through `manage.py import_questions`.
MAX_PREVIEW_QUESTIONS = 2000
# Questions the preview shows in full, as learners will see them (rendering costs ~5 ms a
# question on a busy server); the rest of a bigger file is listed by title.
PREVIEW_IN_FULL = 100
IMPORT_SESSION_KEY = "quizzes.admin.import"
IMPORT_KEPT_FOR = 60 * 60  # seconds a previewed file waits for confirmation
FORMATS = [("gift", "GIFT"), ("aiken", "Aiken")]

# --- Import: upload → preview → confirm ---------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="A UTF-8 text file of at most 2 MB.",
        error_messages={
            "required": "Choose a file to import.",
            "empty": "The file is empty.",
            "invalid": "Upload a file (check the form's encoding type).",
        },
    )
    format = forms.ChoiceField(choices=FORMATS, initial="gift")
    course = forms.ModelChoiceField(Course.objects.all())
    topic = forms.ModelChoiceField(
        Topic.objects.all(),
        required=False,
        help_text="Put every question in this topic. Leave empty to place each question by "
        "its $CATEGORY, whose last part names a topic of the course.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        topic_labels(self.fields["topic"])
        self.data_bytes = b""
        self.plan: importing.ImportPlan | None = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is 2 MB. "
                "Split it into smaller files."
            )
        return upload

    def clean(self):
        data = super().clean()
        course, topic = data.get("course"), data.get("topic")
        if course and topic and topic.course_id != course.pk:
            message = f"“{topic.title}” is a topic of {topic.course}, not of {course}."
            self.add_error("topic", message)
        if self.errors:
            return data
        raw = data["file"].read()
        count = importing.count_questions(raw, data["format"])
        if count > MAX_PREVIEW_QUESTIONS:
            self.add_error(
                "file",
                f"This file holds about {count:,} questions: too many to preview and import "
                f"here (at most {MAX_PREVIEW_QUESTIONS:,}). Split it, or import it on the "
                "server: manage.py import_questions FILE --dry-run to check it, then without "
                "--dry-run to save it.",
            )
            return data
        try:
            self.plan = importing.plan_import(raw, data["format"], course=course, topic=topic)
        except NotUTF8Error as error:
            self.add_error("file", str(error))
        else:
            self.data_bytes = raw
        return data


class ConfirmForm(forms.Form):
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)


def _stage(request, raw: bytes, *, fmt: str, course: Course, topic: Topic | None, name: str):
    """Keep the uploaded bytes in the session until the import is confirmed.

    Not on local disk (app servers stay stateless) and not in a hidden field (2 MB would pass
    the request body limit). Compressed: GIFT is text and shrinks several times over.
    """
    token = secrets.token_urlsafe(24)
    request.session[IMPORT_SESSION_KEY] = {
        "token": token,
        "data": base64.b64encode(zlib.compress(raw)).decode("ascii"),
        "format": fmt,
        "course": course.pk,
        "topic": topic.pk if topic else None,
        "name": name,
        "at": int(time.time()),
    }
    return token


def _staged(request, token: str) -> dict | None:
    staged = request.session.get(IMPORT_SESSION_KEY)
    if not staged or not secrets.compare_digest(staged.get("token", ""), token):
        return None
    if time.time() - staged.get("at", 0) > IMPORT_KEPT_FOR:
        return None
    try:
        raw = zlib.decompress(base64.b64decode(staged["data"]))
    except (KeyError, binascii.Error, zlib.error):
        return None
    return {**staged, "data": raw}


def _replan(staged: dict):
    """Parse the staged bytes again, against their course and topic as they are now (topics
    or lessons may have changed since the preview). None if either was deleted meanwhile."""
    course = Course.objects.filter(pk=staged["course"]).first()
    topic = Topic.objects.filter(pk=staged["topic"]).first() if staged["topic"] else None
    if course is None or (staged["topic"] and topic is None):
        return None
    return (
        course,
        topic,
        importing.plan_import(staged["data"], staged["format"], course=course, topic=topic),
    )


def _last_checks(request, model_admin: admin.ModelAdmin, plan: importing.ImportPlan) -> set[str]:
    """What the admin adds to the importer's checks; returns the ID numbers saving updates.

    Questions with a known ID number are updated in place, which needs the change permission.
    """
    updates = importing.existing_idnumbers(plan)
    if updates and not model_admin.has_change_permission(request):
        for q in plan.questions:
            if q.idnumber in updates:
                plan.errors.append(
                    ParseIssue(
                        q.line,
                        f"ID number “{q.idnumber}” belongs to an existing question, and you "
                        "may not change questions",
                    )
                )
    if not plan.questions and not plan.errors:
        plan.errors.append(ParseIssue(1, "the file holds no questions"))
    return updates


def _preview_rows(plan: importing.ImportPlan, updates: set[str]) -> list[dict]:
    """One row per question, with the warnings from its first line up to the next question.

    Linear in the file: each warning finds its question by bisection (questions come in
    file order), instead of every question scanning every warning, which made a file of
    20,000 questions take longer than the worker timeout.
    """
    kinds = dict(Question.Kind.choices)
    # Item-writing flags are advice: they never stop an import (see quizzes.itemcheck).
    checks: dict[int, list[itemcheck.Flag]] = {}
    for flag in itemcheck.check_bank(itemcheck.Item(q, line=q.line) for q in plan.questions):
        checks.setdefault(flag.line, []).append(flag)
    rows = [
        {
            "line": q.line,
            "kind": kinds.get(q.kind, q.kind),
            "title": q.title or gift.default_title(q.text),
            "topic": topic,
            "answers": len(q.answers),
            "update": bool(q.idnumber) and q.idnumber in updates,
            "warnings": [],
            "checks": checks.get(q.line, []),
            "full": _in_full(q) if index < PREVIEW_IN_FULL else None,
        }
        for index, (q, topic) in enumerate(zip(plan.questions, plan.topics, strict=True))
    ]
    starts = [q.line for q in plan.questions]
    for warning in sorted(plan.warnings, key=lambda issue: issue.line):
        index = bisect.bisect_right(starts, warning.line) - 1
        if index >= 0:
            rows[index]["warnings"].append(warning)
    return rows


def _in_full(q: QuestionData) -> dict:
    """A parsed question as learners will see it (rendered as `Question.render` does), with
    its answers' grades and feedback for the instructor."""
    options = [
        {
            **{f: getattr(a, f) for f in ("text", "fraction", "value", "tolerance", "match")},
            "misconception": a.misconception,
            "html": markdown.render_text_inline(a.text, a.text_format),
            "feedback": markdown.render_text_inline(a.feedback, a.feedback_format),
        }
        for a in q.answers
    ]
    return {
        "kind": q.kind,
        "text": markdown.render_text(q.text, q.text_format),
        "explanation": markdown.render_text(q.explanation, q.explanation_format),
        "rows": answer_rows({"kind": q.kind, "options": options}),
    }


def _import_page(request, model_admin, *, form, plan=None, updates=(), name="", token=""):
    opts = model_admin.opts
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "title": "Import questions from GIFT or Aiken",
        "form": form,
        "plan": plan,
        "name": name,
        "token": token,
    }
    if plan is not None:
        rows = _preview_rows(plan, set(updates))
        first = plan.questions[0].line if plan.questions else float("inf")
        context |= {
            "rows": rows,
            "errors": sorted(plan.errors, key=lambda issue: issue.line),
            "loose_warnings": [w for w in plan.warnings if w.line < first],
            "updated": sum(row["update"] for row in rows),
            "created": sum(not row["update"] for row in rows),
            "checked": sum(len(row["checks"]) for row in rows),
            "in_full": min(len(rows), PREVIEW_IN_FULL),
        }
    return TemplateResponse(request, "admin/quizzes/question/import.html", context)


@require_http_methods(["GET", "POST"])
def import_upload(request, model_admin: admin.ModelAdmin):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    request.session.pop(IMPORT_SESSION_KEY, None)  # starting over drops an earlier preview
    if request.method != "POST":
        return _import_page(request, model_admin, form=ImportForm())
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, model_admin, form=form)
    plan = form.plan
    updates = _last_checks(request, model_admin, plan)
    name = form.cleaned_data["file"].name
    token = ""
    if plan.ok:
        token = _stage(
            request,
            form.data_bytes,
            fmt=form.cleaned_data["format"],
            course=form.cleaned_data["course"],
            topic=form.cleaned_data["topic"],
            name=name,
        )
    return _import_page(
        request, model_admin, form=form, plan=plan, updates=updates, name=name, token=token
    )


@require_safe
def import_question(request, model_admin: admin.ModelAdmin, token: str, number: int):
    """One question of the staged file in full: the preview shows the first PREVIEW_IN_FULL
    inline, and links each later one here (parsed again from the staged bytes)."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    staged = _staged(request, token)
    replanned = _replan(staged) if staged else None
    if replanned is None:
        raise Http404("This import preview has expired or was replaced by another upload.")
    _course, _topic, plan = replanned
    if not 1 <= number <= len(plan.questions):
        raise Http404("The file has no question with that number.")
    q = plan.questions[number - 1]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": q.title or gift.default_title(q.text),
        "full": _in_full(q),
        "number": number,
        "count": len(plan.questions),
        "line": q.line,
        "name": staged["name"],
    }
    return TemplateResponse(request, "admin/quizzes/question/import_question.html", context)


@require_POST
def import_confirm(request, model_admin: admin.ModelAdmin):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    import_url = reverse("admin:quizzes_question_import")
    form = ConfirmForm(request.POST)
    staged = _staged(request, form.cleaned_data["token"]) if form.is_valid() else None
    if staged is None:
        messages.error(
            request,
            "This import preview has expired or was replaced by another upload, so nothing "
            "was saved. Please upload the file again.",
        )
        return redirect(import_url)
    replanned = _replan(staged)
    if replanned is None:
        messages.error(request, "The course or topic was deleted meanwhile; nothing was saved.")
        return redirect(import_url)
    course, topic, plan = replanned
    updates = _last_checks(request, model_admin, plan)
    if not plan.ok:
        del request.session[IMPORT_SESSION_KEY]
        messages.error(request, "The file no longer imports cleanly, so nothing was saved.")
        initial = {"format": staged["format"], "course": course, "topic": topic}
        return _import_page(
            request,
            model_admin,
            form=ImportForm(initial=initial),
            plan=plan,
            updates=updates,
            name=staged["name"],
        )
    saved = [0]
    try:
        counts = importing.save_plan(
            plan, course=course, progress=lambda done, total: saved.__setitem__(0, done)
        )
    except DatabaseError:
        logger.exception("Question import of %s failed after %d", staged["name"], saved[0])
        messages.error(
            request,
            f"The database failed part-way: {saved[0]} of {len(plan.questions)} questions "
            "were saved. Please import the same file again to save the rest.",
        )
        return redirect(import_url)
    del request.session[IMPORT_SESSION_KEY]
    messages.success(
        request,
        f"Imported {len(plan.questions)} questions from {staged['name']}: "
        f"{counts['created']} created, {counts['updated']} updated.",
    )
    return redirect("admin:quizzes_question_changelist")
