import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, page_weight, report, scroll_width
from tests.factories import CourseFactory

pytestmark = pytest.mark.browser


def test_home_page_lists_courses_and_passes_axe(page):
    CourseFactory(title="BPO vs KPO", summary="Outsourcing for commerce exams.")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="BPO vs KPO")).to_be_visible()
    assert axe_violations(page) == []


def test_home_page_is_light_and_compressed(page):
    CourseFactory()
    page.goto("/")
    page.wait_for_load_state("networkidle")
    weight = page_weight(page)
    report("home page first view", weight)
    # Compression is on: what crossed the wire is much smaller than what the browser decoded.
    assert weight["body_bytes"] < weight["decoded_bytes"] * 0.6
    assert weight["transfer_bytes"] < 40_000
    assert weight["requests"] <= 5


def test_signup_page_passes_axe_at_phone_width(page):
    page.goto("/accounts/signup/")
    expect(page.get_by_label("Username")).to_be_visible()
    assert axe_violations(page) == []
    # Nothing scrolls sideways at 390 px.
    assert scroll_width(page) <= 390


def test_empty_home_page_says_so(page):
    page.goto("/")
    expect(page.get_by_text("No courses yet")).to_be_visible()


def test_home_page_taps_are_large_on_a_phone_and_pass_axe(page):
    from quizzes.models import Quiz
    from tests.factories import QuizFactory, TopicFactory

    topic = TopicFactory(title="Outsourcing and BPO")
    QuizFactory(course=topic.course, topic=None, mode=Quiz.Mode.EXAM, title="Mock exam")
    page.goto("/")
    for name in ("Start at the beginning", "Practise a topic", "Mock exam"):
        box = page.get_by_role("link", name=name).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 300, name
    assert scroll_width(page) <= 390
    assert axe_violations(page) == []
    page.get_by_role("link", name="Start at the beginning").click()
    expect(page.get_by_role("heading", level=1, name="Outsourcing and BPO")).to_be_visible()
