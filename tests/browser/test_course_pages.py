import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, page_weight, report, scroll_width
from tests.factories import (
    CourseFactory,
    FAQEntryFactory,
    GlossaryTermFactory,
    KeyPointFactory,
    LessonFactory,
    SourceFactory,
    TopicFactory,
)

pytestmark = pytest.mark.browser

BODY = """Outsourcing comes in two main kinds.

## BPO vs KPO: the key factors

| Factor | BPO | KPO |
|---|---|---|
| Value driver | Low cost, fast processing of volume | Specialist expertise, analysis |
| Skills | Training in documented processes | Degrees, certifications, judgement |
| Cost per employee a year | $8,000–$18,000 | $20,000–$50,000 |

## Remember

KPO is a higher-skill subset of BPO, and LPO sits inside KPO.
"""


@pytest.fixture
def course():
    course = CourseFactory(slug="bpo-vs-kpo", title="BPO vs KPO")
    topic = TopicFactory(course=course, slug="bpo-vs-kpo", title="BPO vs KPO side by side")
    source = SourceFactory(course=course, publisher="AB7 Solutions editorial team")
    first = LessonFactory(topic=topic, slug="key-factors", title="The key factors", body=BODY)
    first.sources.add(source)
    LessonFactory(topic=topic, slug="measuring", title="Measuring BPO and KPO")
    KeyPointFactory(topic=topic, text="BPO is a cost play; KPO is an expertise play.")
    FAQEntryFactory(topic=topic, question="Is LPO part of KPO?", answer="Yes: a specialisation.")
    GlossaryTermFactory(
        course=course,
        topic=topic,
        term="Knowledge process outsourcing",
        abbreviation="KPO",
        definition="Handing expert work to a provider.",
    )
    return course


def test_a_learner_reads_a_lesson_on_a_phone(page, course):
    page.goto("/")
    page.get_by_role("link", name="BPO vs KPO").first.click()
    page.get_by_role("link", name="1. BPO vs KPO side by side").click()
    page.get_by_role("link", name="The key factors").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The key factors")
    # The comparison table reads as cards: no sideways scrolling at 390 px.
    assert scroll_width(page) <= 390
    cell = page.locator("td[data-label='KPO']").first
    expect(cell).to_be_visible()
    assert cell.bounding_box()["width"] < 390
    expect(page.get_by_text("AB7 Solutions editorial team")).to_be_visible()
    page.get_by_role("link", name="Next Measuring BPO and KPO").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Measuring BPO and KPO")


def test_the_table_stays_readable_at_360_pixels(browser, live_server, course):
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=live_server.url)
    page = context.new_page()
    page.goto("/courses/bpo-vs-kpo/bpo-vs-kpo/key-factors/")
    assert scroll_width(page) <= 360
    context.close()


def test_a_learner_searches_and_lands_on_the_section(page, course):
    page.goto("/courses/bpo-vs-kpo/")
    page.get_by_role("searchbox").fill("specialist expertise")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^1 result"))
    assert page.locator("mark").first.inner_text().lower() == "specialist expertise"
    page.goto("/courses/bpo-vs-kpo/search/?q=Remember")
    page.get_by_role("link", name="The key factors").click()
    page.wait_for_url(re.compile(r"#remember$"))


def test_lesson_page_weight(page, course):
    page.goto("/courses/bpo-vs-kpo/bpo-vs-kpo/key-factors/")
    page.wait_for_load_state("networkidle")
    weight = page_weight(page)
    report("lesson page first view", weight)
    assert weight["transfer_bytes"] < 40_000


@pytest.mark.parametrize(
    "path",
    [
        "/courses/bpo-vs-kpo/",
        "/courses/bpo-vs-kpo/bpo-vs-kpo/",
        "/courses/bpo-vs-kpo/bpo-vs-kpo/key-factors/",
        "/courses/bpo-vs-kpo/glossary/",
        "/courses/bpo-vs-kpo/faq/",
        "/courses/bpo-vs-kpo/search/?q=KPO",
        "/courses/bpo-vs-kpo/bpo-vs-kpo/revision/",
        "/accounts/login/",
        "/attempts/",
    ],
)
def test_course_pages_pass_axe(page, course, path):
    page.goto(path)
    assert axe_violations(page) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_lesson_passes_axe_in_both_colour_schemes(browser, live_server, course, scheme):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, color_scheme=scheme, base_url=live_server.url
    )
    page = context.new_page()
    page.goto("/courses/bpo-vs-kpo/bpo-vs-kpo/key-factors/")
    assert axe_violations(page) == []
    context.close()
