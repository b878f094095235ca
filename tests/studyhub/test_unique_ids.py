"""Each id is unique on a page: labels, aria references, htmx targets and in-page links all
find their element by id, and a repeated id silently points them at the first one.

Every learner page is rendered with the test client, with and without JavaScript (htmx
fragments and the full pages a plain form post redirects to), and its ids are counted.
"""

import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from quizzes.models import Cohort, Membership, Quiz
from tests.factories import (
    DEFAULT_ANSWERS,
    CourseFactory,
    FAQEntryFactory,
    GlossaryTermFactory,
    KeyPointFactory,
    LessonFactory,
    QuestionFactory,
    QuizFactory,
    TopicFactory,
    UserFactory,
)
from tests.quizzes.conftest import HX

pytestmark = pytest.mark.django_db
KINDS = list(DEFAULT_ANSWERS)  # every kind the factories know how to build


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class IdCollector(HTMLParser):
    """Every id on a page, each with the ids of the elements around it (itself included)
    and whether it is an htmx out-of-band element ("oob") or sits in one ("in oob")."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: list[tuple[str, tuple[str, ...], str]] = []
        self.open: list[tuple[str, str | None, str]] = []  # (tag, id, out of band)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        oob = "in oob" if any(o for _, _, o in self.open) else ""
        oob = "oob" if "hx-swap-oob" in attrs else oob
        if attrs.get("id") is not None:
            around = tuple(i for _, i, _ in self.open if i) + (attrs["id"],)
            self.ids.append((attrs["id"], around, oob))
        if tag not in VOID:
            self.open.append((tag, attrs.get("id"), oob))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass  # an element closed implicitly


def collect(html: str) -> IdCollector:
    parser = IdCollector()
    parser.feed(html)
    parser.close()
    return parser


def repeated(ids) -> dict[str, int]:
    return {value: n for value, n in Counter(ids).items() if n > 1}


def repeated_ids(html: str) -> dict[str, int]:
    return repeated(i for i, _, _ in collect(html).ids)


def ids_after_swap(page: str, fragment: str, target: str) -> list[str]:
    """The page's ids once htmx has put `fragment` in place of the element `target`
    (outerHTML) and its out-of-band elements in place of theirs."""
    before = collect(page).ids
    kept = [i for i, around, _ in before if target not in around]
    assert len(kept) < len(before), f"no #{target} on the page"
    incoming = collect(fragment).ids
    for i, _, oob in incoming:
        if oob == "oob":
            assert i in kept, f"out-of-band #{i} has nothing to replace"
    return kept + [i for i, _, oob in incoming if not oob]


def assert_unique_ids(response, status=200):
    assert response.status_code == status, response.content[:500]
    html = response.content.decode()
    assert "id=" in html  # the page was parsed, not an empty body
    assert repeated_ids(html) == {}


def test_the_check_finds_a_repeated_id():
    html = '<div id="a"></div><p><input id="b"><span id="a"/></p><br id="c">'
    assert repeated_ids(html) == {"a": 2}


def test_the_swap_check_finds_an_id_the_fragment_brings_twice():
    page = '<p id="live"></p><section id="area"><input id="x"></section><i id="y"></i>'
    assert ids_after_swap(page, '<section id="area"><input id="x"></section>', "area") == [
        "live",
        "y",
        "area",
        "x",
    ]
    oob = '<section id="area"></section><p id="live" hx-swap-oob="true"><b id="z"></b></p>'
    assert repeated(ids_after_swap(page, oob, "area")) == {}
    assert repeated(ids_after_swap(page, '<section id="area"><i id="y"></i></section>', "area"))


@pytest.fixture
def site():
    """A course with a topic, lesson, glossary, FAQ, key points, a practice quiz and an
    exam with one question of every kind, and a learner in a class."""
    course = CourseFactory()
    topic = TopicFactory(course=course)
    lesson = LessonFactory(topic=topic)
    KeyPointFactory(topic=topic)
    FAQEntryFactory(topic=topic)
    GlossaryTermFactory(course=course, topic=topic)
    questions = [QuestionFactory(topic=topic, kind=kind, lesson=lesson) for kind in KINDS]
    practice = QuizFactory(course=course, topic=topic, questions=questions)
    exam = QuizFactory(course=course, topic=None, mode=Quiz.Mode.EXAM, questions=questions)
    user = UserFactory()
    cohort = Cohort.objects.create(name="Morning", course=course, owner=UserFactory())
    Membership.objects.create(cohort=cohort, user=user)
    return {
        "course": course,
        "topic": topic,
        "lesson": lesson,
        "practice": practice,
        "exam": exam,
        "user": user,
        "cohort": cohort,
    }


def start(client, quiz):
    response = client.post(reverse("quizzes:start", args=[quiz.course.slug, quiz.slug]))
    assert response.status_code == 302
    return quiz.attempts.order_by("-pk").first()


def answer_data(slot) -> dict:
    """An answer to the slot, as its form posts it."""
    options = slot.snapshot.get("options", [])
    data = {"seq": 0}
    if slot.kind == "essay":
        data["text"] = "BPO runs routine work; KPO needs expert judgement."
    elif slot.kind in ("short", "numerical"):
        data["text"] = options[0]["text"] if options else "40"
    elif slot.kind == "matching":
        data.update({f"match-{slot.option_value(o['id'])}": o["match"] for o in options})
    elif slot.kind == "multiple":
        data["choice"] = [slot.option_value(options[0]["id"])]
    else:
        data["choice"] = slot.option_value(options[0]["id"])
    return data


def slot_url(attempt, number, action=""):
    name = "quizzes:answer" if action == "answer" else "quizzes:slot"
    return reverse(name, args=[attempt.pk, number])


@pytest.mark.parametrize(
    "page",
    [
        "home",
        "course",
        "topic",
        "lesson",
        "glossary",
        "faq",
        "search",
        "revision",
        "practice quiz",
        "exam quiz",
        "history",
        "dashboard",
        "exam day",
        "my data",
        "classes",
        "join class",
    ],
)
def test_content_and_progress_pages_have_unique_ids(client, site, page):
    client.force_login(site["user"])
    course, topic = site["course"], site["topic"]
    attempt = start(client, site["practice"])
    for slot in attempt.slots.all():  # some progress for the dashboard and history
        client.post(slot_url(attempt, slot.number, "answer"), answer_data(slot))
    url = {
        "home": reverse("home"),
        "course": course.get_absolute_url(),
        "topic": topic.get_absolute_url(),
        "lesson": site["lesson"].get_absolute_url(),
        "glossary": reverse("courses:glossary", args=[course.slug]),
        "faq": reverse("courses:faq", args=[course.slug]),
        "search": reverse("courses:search", args=[course.slug]) + "?q=Term",
        "revision": reverse("courses:revision", args=[course.slug, topic.slug]),
        "practice quiz": site["practice"].get_absolute_url(),
        "exam quiz": site["exam"].get_absolute_url(),
        "history": reverse("quizzes:history"),
        "dashboard": reverse("quizzes:dashboard"),
        "exam day": reverse("quizzes:exam_day"),
        "my data": reverse("quizzes:my_data"),
        "classes": reverse("quizzes:classes"),
        "join class": site["cohort"].get_absolute_url(),
    }[page]
    assert_unique_ids(client.get(url))


@pytest.mark.parametrize("page", ["login", "signup", "password_reset"])
def test_account_pages_have_unique_ids(client, page):
    assert_unique_ids(client.get(reverse(page)))


def test_account_pages_with_errors_have_unique_ids(client):
    assert_unique_ids(client.post(reverse("login"), {"username": "x", "password": "y"}))
    assert_unique_ids(client.post(reverse("signup"), {"username": ""}))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", [Quiz.Mode.PRACTICE, Quiz.Mode.EXAM])
def test_question_pages_have_unique_ids_before_and_after_answering(client, site, kind, mode):
    """The question page; the answer with JavaScript (htmx fragment) and without (the
    full page the post redirects to); and a rejected answer, both ways."""
    client.force_login(site["user"])
    attempt = start(client, site["exam" if mode == Quiz.Mode.EXAM else "practice"])
    slot = attempt.slots.get(question__kind=kind)  # exams may shuffle
    page = slot_url(attempt, slot.number)
    post = slot_url(attempt, slot.number, "answer")
    assert_unique_ids(client.get(page))

    rejected = {**answer_data(slot), "seq": "stale"}
    assert_unique_ids(client.post(post, rejected), status=422)
    assert_unique_ids(client.post(post, rejected, headers=HX), status=422)

    assert_swapped_in_with_unique_ids(client, page, post, answer_data(slot))
    followed = client.post(post, {**answer_data(slot), "seq": seq(client, page)}, follow=True)
    assert_unique_ids(followed)
    assert_unique_ids(client.get(page))  # the feedback (practice) or saved answer (exam)
    if kind == "essay" and mode == Quiz.Mode.PRACTICE:  # the above saved drafts: hand it in
        assert_swapped_in_with_unique_ids(client, page, post, {**answer_data(slot), "submit": 1})
        assert_unique_ids(client.get(page))


def seq(client, page) -> int:
    """The answer's version the question page shows (its form posts it back)."""
    return int(re.search(r'name="seq" value="(\d+)"', client.get(page).content.decode())[1])


def assert_swapped_in_with_unique_ids(client, page, post, data):
    """Post `data` with htmx: the fragment, and the page once htmx has swapped it in (the
    fragment replaces the element with its first id, as hx-swap="outerHTML" does)."""
    before = client.get(page).content.decode()
    fragment = client.post(post, {**data, "seq": seq(client, page)}, headers=HX)
    assert_unique_ids(fragment)
    html = fragment.content.decode()
    assert repeated(ids_after_swap(before, html, target=collect(html).ids[0][0])) == {}


@pytest.mark.parametrize("mode", [Quiz.Mode.PRACTICE, Quiz.Mode.EXAM])
def test_summary_and_review_pages_have_unique_ids(client, site, mode):
    client.force_login(site["user"])
    attempt = start(client, site["exam" if mode == Quiz.Mode.EXAM else "practice"])
    for slot in attempt.slots.all():
        client.post(slot_url(attempt, slot.number, "answer"), answer_data(slot))
    assert_unique_ids(client.get(reverse("quizzes:summary", args=[attempt.pk])))
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    assert_unique_ids(client.get(reverse("quizzes:review", args=[attempt.pk])))


def test_guest_question_and_feedback_pages_have_unique_ids(client, site):
    attempt = start(client, site["practice"])
    slot = attempt.slots.get(number=1)
    assert_unique_ids(client.get(slot_url(attempt, 1)))
    followed = client.post(slot_url(attempt, 1, "answer"), answer_data(slot), follow=True)
    assert_unique_ids(followed)
