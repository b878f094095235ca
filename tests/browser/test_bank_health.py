import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.factories import QuestionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.browser


def test_the_bank_health_page_passes_axe(page):
    topic = TopicFactory(title="Outsourcing")
    QuestionFactory(
        topic=topic,
        title="Above",
        answers=[{"text": "All of the above", "fraction": 1.0}, {"text": "Payroll"}],
    )
    QuestionFactory(topic=TopicFactory(course=topic.course), text="Which task is KPO work?")
    UserFactory(username="setter", is_staff=True, is_superuser=True)
    page.goto("/admin/login/?next=/admin/quizzes/question/bank-health/")
    page.get_by_label("Username").fill("setter")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=topic.course.title)).to_be_visible()
    expect(page.get_by_role("link", name="Above")).to_be_visible()
    assert axe_violations(page) == []
