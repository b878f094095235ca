from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from courses import fragments
from courses import search as course_search
from courses.models import Course, FAQEntry, GlossaryTerm, Lesson, Topic
from quizzes import progress
from quizzes.models import Learner, Quiz, topic_quiz_links

LEARNER_QUIZZES = Quiz.objects.filter(purpose=Quiz.Purpose.STANDARD).published()


@require_safe
def home(request):
    """Each course with one tap each to continue, practise a topic, or sit the mock exam."""
    catalogue = fragments.cached(("home",), _catalogue)
    resume = progress.where_to_continue(Learner.objects.for_request(request), catalogue["topics"])
    rows = [
        (course, resume.get(course.pk), catalogue["mocks"].get(course.pk))
        for course in catalogue["courses"]
    ]
    return render(request, "courses/home.html", {"rows": rows})


def _catalogue() -> dict:
    """The courses with their topics and each course's mock exam: the same for everyone."""
    courses = list(Course.objects.annotate(topic_count=Count("topics")))
    topics = list(
        Topic.objects.filter(course__in=courses).select_related("course").order_by("order", "pk")
    )
    mocks = {}
    exams = Quiz.objects.filter(
        course__in=courses,
        topic__isnull=True,
        purpose=Quiz.Purpose.STANDARD,
        mode=Quiz.Mode.EXAM,
        status=Quiz.Status.PUBLISHED,
    ).order_by("-order", "-pk")
    for quiz in exams:
        mocks[quiz.course_id] = quiz  # the first in quiz order wins
    return {"courses": courses, "topics": topics, "mocks": mocks}


@require_safe
def course(request, course):
    outline = fragments.cached(("outline", course), lambda: _outline(course))
    if outline is None:
        raise Http404("No such course.")
    # Each topic with the learner's level on it (empty for a first-time visitor).
    stats = progress.topic_stats(Learner.objects.for_request(request), outline["topics"])
    return render(request, "courses/course.html", {**outline, "stats": stats})


def _outline(slug) -> dict | None:
    """The course with its topics (and their counts) and whole-course quizzes, or None."""
    course = Course.objects.filter(slug=slug).first()
    if course is None:
        return None
    return {
        "course": course,
        "topics": progress.topics_with_counts(course=course),
        "exams": list(course.quizzes.filter(topic__isnull=True, purpose="standard").published()),
    }


@require_safe
def topic(request, course, topic):
    topic = get_object_or_404(
        Topic.objects.select_related("course").prefetch_related(
            Prefetch("lessons", Lesson.objects.defer("body", "body_html")),
            "key_points",
            "faqs",
            Prefetch("quizzes", LEARNER_QUIZZES),
        ),
        course__slug=course,
        slug=topic,
    )
    return render(
        request,
        "courses/topic.html",
        {
            "course": topic.course,
            "topic": topic,
            "quiz_links": topic_quiz_links(topic.quizzes.all()),
        },
    )


@require_safe
def lesson(request, course, topic, lesson):
    key = ("lesson", course, topic, lesson)
    page = fragments.cached(key, lambda: _lesson(course, topic, lesson))
    if page is None:
        raise Http404("No such lesson.")
    return render(request, "courses/lesson.html", {**page, "body": mark_safe(page["body"])})


def _lesson(course, topic, lesson) -> dict | None:
    """The lesson page's title, description and rendered body, or None when it is missing."""
    lesson = (
        Lesson.objects.select_related("topic__course")
        .prefetch_related(
            "sources",
            Prefetch("topic__quizzes", LEARNER_QUIZZES),
        )
        .filter(topic__course__slug=course, topic__slug=topic, slug=lesson)
        .first()
    )
    if lesson is None:
        return None
    # The course's lessons in reading order, for previous / next across topic boundaries.
    sequence = list(
        Lesson.objects.filter(topic__course=lesson.topic.course)
        .select_related("topic")
        .only("slug", "title", "topic__slug", "topic__title", "topic__course_id")
    )
    index = next(i for i, item in enumerate(sequence) if item.pk == lesson.pk)
    previous = sequence[index - 1] if index > 0 else None
    following = sequence[index + 1] if index + 1 < len(sequence) else None
    body = render_to_string(
        "courses/_lesson.html",
        {
            "course": lesson.topic.course,
            "topic": lesson.topic,
            "lesson": lesson,
            "quiz_links": topic_quiz_links(lesson.topic.quizzes.all()),
            "previous": previous,
            "next": following,
            "position": index + 1,
            "total": len(sequence),
        },
    )
    return {
        "title": lesson.title,
        "description": lesson.summary or lesson.topic.summary,
        "body": str(body),
    }


@require_safe
def glossary(request, course):
    course = get_object_or_404(Course, slug=course)
    terms = list(
        GlossaryTerm.objects.filter(course=course)
        .select_related("topic__course", "course")
        .prefetch_related("related")
        .order_by("term")
    )
    letters: dict[str, list[GlossaryTerm]] = {}
    for term in sorted(terms, key=lambda t: t.term.casefold()):
        letters.setdefault(term.initial, []).append(term)
    return render(request, "courses/glossary.html", {"course": course, "letters": letters})


@require_safe
def faq(request, course):
    course = get_object_or_404(Course, slug=course)
    topics = course.topics.prefetch_related(
        Prefetch("faqs", FAQEntry.objects.select_related("topic__course"))
    )
    return render(request, "courses/faq.html", {"course": course, "topics": topics})


@require_safe
def search(request, course):
    course = get_object_or_404(Course, slug=course)
    query = request.GET.get("q", "")[: course_search.MAX_QUERY]
    hits = course_search.search(course, query)
    return render(
        request,
        "courses/search.html",
        {"course": course, "query": query.strip(), "hits": hits},
    )


@require_safe
def revision(request, course, topic):
    topic = get_object_or_404(
        Topic.objects.select_related("course").prefetch_related(
            "key_points", Prefetch("terms", GlossaryTerm.objects.order_by("term"))
        ),
        course__slug=course,
        slug=topic,
    )
    return render(request, "courses/revision.html", {"course": topic.course, "topic": topic})
