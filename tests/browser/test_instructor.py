"""An instructor's round trip in the admin, on a phone: build a quiz from the picker, preview
and publish it, let a learner take it, give an extra attempt, change a key, regrade after a
dry run, and see the new mark in the grades grid. No admin page scrolls sideways at 390 px."""

import importlib

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from quizzes.models import Attempt, Question, Quiz
from tests.browser.conftest import loaded, scroll_width
from tests.factories import QuestionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PASSWORD = "correct-horse-battery"


def sign_in(browser, live_server, username: str, url: str):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    context.set_default_timeout(20_000)  # a busy machine: generous, never flaky
    page = context.new_page()
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    return context, page


def instructors() -> Group:
    """The Instructors group as its migrations make it. A browser test's database is flushed
    after each test (live server), which empties the rows data migrations wrote."""
    first = importlib.import_module("quizzes.migrations.0005_instructors_group")
    later = importlib.import_module("quizzes.migrations.0009_instructors_manage_attempts")
    codenames = [
        f"{a}_{m}" for models in first.MODELS.values() for m in models for a in first.ACTIONS
    ]
    group, _ = Group.objects.get_or_create(name=first.GROUP)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=first.MODELS, codename__in=codenames
        ),
        *Permission.objects.filter(content_type__app_label="quizzes", codename__in=later.CODENAMES),
    )
    return group


def save(page, name: str) -> None:
    """Press an admin form's save button; the form must have been accepted."""
    with page.expect_navigation():
        page.locator(f"input[name={name}]").click()
    errors = page.locator(".errornote, ul.errorlist li").all_inner_texts()
    assert errors == [], errors
    assert "/add/" not in page.url


def fits(page) -> None:
    assert scroll_width(page) <= PHONE["width"], page.url


def test_an_instructor_builds_publishes_and_regrades_a_quiz(browser, live_server):
    topic = TopicFactory(title="Outsourcing basics")
    other = TopicFactory(course=topic.course, title="Elsewhere")
    QuestionFactory(
        topic=topic,
        title="Alpha",
        answers=[{"text": "Alpha right", "fraction": 1.0}, {"text": "Alpha wrong"}],
    )
    QuestionFactory(
        topic=topic,
        title="Beta",
        answers=[{"text": "Beta right", "fraction": 1.0}, {"text": "Beta wrong"}],
    )
    QuestionFactory(topic=topic, title="Gamma", kind=Question.Kind.TRUE_FALSE)
    QuestionFactory(topic=other, title="Delta")
    instructor = UserFactory(username="teacher", is_staff=True)
    instructor.groups.add(instructors())
    UserFactory(username="learner")

    # 1. The instructor adds a draft exam with a 30-minute limit…
    admin, page = sign_in(browser, live_server, "teacher", "/admin/quizzes/quiz/add/")
    fits(page)
    page.locator("#id_course").select_option(str(topic.course_id))
    page.locator("#id_topic").select_option(str(topic.pk))
    page.locator("#id_slug").fill("basics-exam")  # first: the title would prepopulate it
    page.locator("#id_title").fill("Basics exam")
    page.locator("#id_mode").select_option("exam")
    page.locator("#id_time_limit").fill("30")
    page.locator("#id_attempts_allowed").fill("1")
    save(page, "_continue")
    quiz = Quiz.objects.get(slug="basics-exam")
    assert quiz.status == Quiz.Status.DRAFT and quiz.time_limit.total_seconds() == 30 * 60

    # …picks two questions with the filtered picker…
    page.get_by_role("link", name="Pick and order questions").click()
    page.locator("#id_topic").select_option(str(topic.pk))
    page.locator("#id_kind").select_option("single")
    page.get_by_role("button", name="Find questions").click()
    fits(page)
    expect(page.get_by_text("Alpha")).to_be_visible()
    assert page.get_by_text("Gamma").count() == 0 and page.get_by_text("Delta").count() == 0
    page.get_by_label("Alpha").check()
    page.get_by_label("Beta").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Add the ticked questions").click()
    assert list(quiz.question_pool().values_list("title", flat=True)) == ["Alpha", "Beta"]

    # …previews it (a draft: staff only), and publishes it.
    page.goto(quiz.get_absolute_url())
    expect(page.get_by_text("Preview:")).to_be_visible()
    page.goto(f"/admin/quizzes/quiz/{quiz.pk}/change/")
    fits(page)
    page.locator("#id_status").select_option("published")
    save(page, "_save")
    quiz.refresh_from_db()
    assert quiz.status == Quiz.Status.PUBLISHED

    # 2. A learner takes it: Alpha wrong, Beta right.
    learner, taking = sign_in(browser, live_server, "learner", "/accounts/login/")
    taking.goto(quiz.get_absolute_url())
    taking.get_by_role("button", name="Start the exam").click()
    for _ in range(2):
        loaded(taking)  # the question and htmx, which autosaves the choice
        alpha = taking.get_by_label("Alpha wrong")
        (alpha if alpha.count() else taking.get_by_label("Beta right")).check()
        taking.get_by_role("status").filter(has_text="Saved.").wait_for()
        taking.locator("button[name=go]").click()
    taking.get_by_role("button", name="Submit all and finish").click()
    taking.wait_for_url("**/review/")
    attempt = Attempt.objects.get(quiz=quiz)
    assert attempt.score == 1.0
    assert taking.get_by_role("link", name="Try again").count() == 0  # its one attempt

    # 3. The instructor gives an extra attempt…
    page.goto(f"/admin/quizzes/attempt/{attempt.pk}/change/")
    fits(page)
    page.get_by_role("button", name="Give one extra attempt").click()
    page.get_by_text("one more attempt").first.wait_for()
    taking.goto(quiz.get_absolute_url())
    expect(taking.get_by_role("button", name="Start the exam")).to_be_visible()

    # …changes Alpha's key (the other option is right after all)…
    alpha = Question.objects.get(title="Alpha")
    page.goto(f"/admin/quizzes/question/{alpha.pk}/change/")
    fits(page)
    for index, grade in ((0, "0.0"), (1, "1.0")):
        page.locator(f"#id_answers-{index}-fraction").select_option(value=grade)
    save(page, "_save")
    assert alpha.answers.get(text="Alpha wrong").fraction == 1.0

    # …sees the dry run, applies the regrade, and the grades grid shows the new mark.
    page.goto(f"/admin/quizzes/quiz/{quiz.pk}/grades/")
    row = page.locator("#grades tbody tr").filter(has_text="learner")
    assert "(50 %)" in row.inner_text()
    page.goto(f"/admin/quizzes/attempt/{attempt.pk}/change/")
    page.get_by_role("button", name="Regrade (dry run first)").click()
    expect(page.get_by_text("Nothing has changed yet")).to_be_visible()
    attempt.refresh_from_db()
    assert attempt.score == 1.0  # a dry run changes nothing
    with page.expect_navigation():
        page.get_by_role("button", name="Apply the regrade").click()
    attempt.refresh_from_db()
    assert attempt.score == 2.0
    page.goto(f"/admin/quizzes/quiz/{quiz.pk}/grades/")
    assert "(100 %)" in page.locator("#grades tbody tr").filter(has_text="learner").inner_text()
    learner.close()
    admin.close()
