import pytest
from django.urls import reverse

from tests.factories import (
    CourseFactory,
    FAQEntryFactory,
    GlossaryTermFactory,
    KeyPointFactory,
    LessonFactory,
    QuizFactory,
    SourceFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db
SIZES = [1, 20, 100]


def build_course(n: int):
    """A course with n topics, and n lessons, glossary terms, FAQs and key points in one topic."""
    course = CourseFactory(slug="bpo-vs-kpo")
    topics = [TopicFactory(course=course) for _ in range(n)]
    topic = topics[0]
    source = SourceFactory(course=course)
    lessons = [LessonFactory(topic=topic) for _ in range(n)]
    for lesson in lessons:
        lesson.sources.add(source)
    terms = [GlossaryTermFactory(course=course, topic=topic) for _ in range(n)]
    for a, b in zip(terms, terms[1:], strict=False):
        a.related.add(b)
    for _ in range(n):
        FAQEntryFactory(topic=topic)
        KeyPointFactory(topic=topic)
    QuizFactory(course=course, topic=topic)
    QuizFactory(course=course, topic=None, mode="exam")
    return course, topic, lessons


@pytest.mark.parametrize("n", SIZES)
def test_every_course_page_has_a_fixed_query_budget(client, django_assert_max_num_queries, n):
    course, topic, lessons = build_course(n)
    # Home, course and lesson: +1 for the content generation (courses/fragments.py); a cached
    # view runs that one query and nothing else.
    pages = {
        "home": ("/", 4),
        "course": (course.get_absolute_url(), 4),
        "topic": (topic.get_absolute_url(), 5),
        "lesson": (lessons[n // 2].get_absolute_url(), 5),
        "glossary": (reverse("courses:glossary", args=[course.slug]), 3),
        "faq": (reverse("courses:faq", args=[course.slug]), 3),
        "search": (reverse("courses:search", args=[course.slug]) + "?q=Term", 4),
        "revision": (reverse("courses:revision", args=[course.slug, topic.slug]), 3),
    }
    for name, (url, budget) in pages.items():
        with django_assert_max_num_queries(budget):
            response = client.get(url)
        assert response.status_code == 200, name


def test_course_page_lists_topics_in_order_with_lesson_counts(client):
    course, topic, _ = build_course(3)
    html = client.get(course.get_absolute_url()).content.decode()
    titles = [t.title for t in course.topics.all()]
    assert [html.index(t) for t in titles] == sorted(html.index(t) for t in titles)
    assert "3 lessons" in html
    assert "Test yourself on the whole course" in html


def test_topic_page_shows_lessons_key_points_faq_and_practice(client):
    course, topic, lessons = build_course(2)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert lessons[0].title in html
    assert topic.key_points.first().text in html
    assert "<details" in html
    assert "Practise this topic" in html


def test_lesson_page_has_sources_reading_time_and_previous_next(client):
    course, topic, lessons = build_course(3)
    html = client.get(lessons[1].get_absolute_url()).content.decode()
    assert "A publisher, “Article" in html
    assert "min read" in html
    assert f'href="{lessons[0].get_absolute_url()}" rel="prev"' in html
    assert f'href="{lessons[2].get_absolute_url()}" rel="next"' in html
    assert 'id="first-section"' in html


def test_search_shows_where_the_match_is(client):
    topic = TopicFactory(course=CourseFactory(slug="c"))
    LessonFactory(
        topic=topic,
        title="Costs",
        body="Intro.\n\n## Salary bands\n\nEntry-level pay is Rs 2.5–4 lakh per annum.\n",
    )
    GlossaryTermFactory(course=topic.course, term="Lakh", definition="One hundred thousand rupees.")
    html = client.get("/courses/c/search/?q=lakh").content.decode()
    assert "2 results" in html
    assert "<mark>lakh</mark>" in html
    assert "#salary-bands" in html  # the lesson hit links to the section
    assert "Salary bands" in html


def test_search_handles_empty_short_and_odd_queries(client):
    CourseFactory(slug="c")
    for query in ["", "a", "%", "<script>", "x" * 500]:
        response = client.get("/courses/c/search/", {"q": query})
        assert response.status_code == 200
        assert "<script>" not in response.content.decode().split("</header>")[1]


def test_glossary_is_alphabetical_with_anchors(client):
    course = CourseFactory(slug="c")
    for term in ["Outsourcing", "back office", "KPO"]:
        GlossaryTermFactory(course=course, term=term)
    page = client.get("/courses/c/glossary/").content.decode()
    html = page[page.index("<dl") :]
    assert html.index("back office") < html.index("KPO") < html.index("Outsourcing")
    assert 'id="back-office"' in html and 'href="#letter-K"' in page


def test_unknown_pages_are_friendly_404s(client):
    CourseFactory(slug="c")
    for url in ["/courses/nope/", "/courses/c/nope/", "/courses/c/nope/lesson/"]:
        response = client.get(url)
        assert response.status_code == 404


def test_revision_sheet_is_printable(client):
    course, topic, _ = build_course(2)
    GlossaryTermFactory(course=course, topic=topic, term="Back office")
    html = client.get(reverse("courses:revision", args=[course.slug, topic.slug])).content.decode()
    assert "Key points" in html and "Back office" in html
    assert "no-print" in html


@pytest.mark.parametrize("n", SIZES)
def test_course_page_with_a_learners_levels_keeps_its_budget(
    client, django_assert_max_num_queries, n
):
    from quizzes import attempts
    from tests.factories import LearnerFactory, QuestionFactory, quiz_with_questions

    course, topic, _ = build_course(n)
    learner = LearnerFactory()
    quiz = quiz_with_questions(0, topic=topic, questions=[QuestionFactory(topic=topic)])
    attempt = attempts.start_attempt(quiz=quiz, learner=learner)
    slot = attempt.slots.get()
    attempts.record_answer(
        attempt=attempt, slot=slot, value=slot.snapshot["options"][0]["id"], seq=0
    )
    client.force_login(learner.user)
    with django_assert_max_num_queries(10):  # 9, and the content generation (fragments.py)
        html = client.get(course.get_absolute_url()).content.decode()
    assert "your level" in html
