import pytest
from playwright.sync_api import expect

from quizzes.models import ReviewCard
from tests.browser.conftest import axe_violations
from tests.factories import LessonFactory, QuestionFactory, quiz_with_questions
from tests.quizzes.conftest import wrong_post

pytestmark = pytest.mark.browser


def test_wrong_answers_show_up_on_the_dashboard(page):
    lesson = LessonFactory(title="What KPO is")
    questions = [
        QuestionFactory(topic=lesson.topic, lesson=lesson, anchor="second-section")
        for _ in range(3)
    ]
    quiz = quiz_with_questions(0, topic=lesson.topic, questions=questions)
    page.goto(quiz.get_absolute_url())
    page.get_by_role("button", name="Start practising").click()
    for number in (1, 2, 3):
        wrong = wrong_post(quiz.attempts.get().slots.get(number=number))
        page.locator(f"input[value='{wrong}']").check()
        page.get_by_role("button", name="Check answer").click()
        page.get_by_text("✗ Not quite").wait_for()
        if number < 3:
            page.get_by_role("link", name="Next question").click()
    ReviewCard.objects.update(due="2026-01-01T00:00:00Z")  # let the review queue fill up
    page.goto("/progress/")
    assert page.locator(".level").first.inner_text() == "Attempted"
    assert page.get_by_role("meter").first.get_attribute("aria-label").endswith("level 1 of 4")
    revise = page.get_by_role("link", name="What KPO is: Second section")
    expect(revise).to_be_visible()
    expect(page.get_by_text("3 questions are due for review")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Start a review session").click()
    expect(page.get_by_text("Question 1 of 3")).to_be_visible()
    revise_page = page.goto(lesson.get_absolute_url() + "#second-section")
    assert revise_page.ok


def test_progress_pages_pass_axe_when_empty(page):
    for path in ("/progress/", "/progress/exam-day/", "/progress/my-data/"):
        page.goto(path)
        assert axe_violations(page) == [], path


def test_joining_a_class_on_a_phone_passes_axe(page):
    from quizzes.models import Cohort
    from tests.factories import CourseFactory, UserFactory

    teacher = UserFactory(username="teacher")
    cohort = Cohort.objects.create(name="Commerce 12B", course=CourseFactory(), owner=teacher)
    UserFactory(username="learner-one")
    page.goto("/accounts/login/?next=" + cohort.get_absolute_url())
    page.get_by_label("Username").fill("learner-one")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Join “Commerce 12B”")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Join the class").click()
    expect(page.get_by_text("You have joined")).to_be_visible()
    assert axe_violations(page) == []
