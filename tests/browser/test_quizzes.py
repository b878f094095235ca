import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from quizzes.models import Attempt, Quiz
from tests.browser.conftest import (
    axe_violations,
    loaded,
    page_weight,
    report,
    scroll_width,
    wait_until,
)
from tests.factories import QuestionFactory, TopicFactory, UserFactory, quiz_with_questions

pytestmark = pytest.mark.browser
KINDS = ("single", "truefalse", "multiple", "short", "numerical", "matching")


def answer_visible_question(page):
    """Answer whatever question is on screen, the way a learner would."""
    question = loaded(page).locator("form[data-question]")
    if question.locator("input[type=radio]").count():
        question.locator("input[type=radio]").last.focus()  # shortcuts act inside the question
        page.keyboard.press("1")  # keyboard shortcut picks the first option
    elif question.locator("input[type=checkbox]").count():
        question.locator("input[type=checkbox]").first.check()
    elif page.locator("select").count():
        for select in page.locator("select").all():
            select.select_option(index=1)
    elif "number" in page.locator("label[for=id_text]").inner_text():
        page.get_by_label("Your answer").fill("40")
    else:
        page.get_by_label("Your answer").fill("KPO")


@pytest.fixture
def practice_quiz():
    topic = TopicFactory(course__slug="bpo-vs-kpo")
    questions = [QuestionFactory(topic=topic, kind=k) for k in KINDS]
    return quiz_with_questions(0, topic=topic, questions=questions, title="Practise KPO")


def test_a_guest_practises_to_the_end_reviews_then_signs_up_and_keeps_it(page, practice_quiz):
    page.goto(practice_quiz.get_absolute_url())
    page.get_by_role("button", name="Start practising").click()
    for number in range(1, len(KINDS) + 1):
        expect(page.get_by_text(f"Question {number} of {len(KINDS)}")).to_be_visible()
        answer_visible_question(page)
        page.get_by_role("button", name="Check answer").click()
        feedback = page.locator(".feedback h2")
        feedback.wait_for()
        assert feedback.inner_text()[0] in "✓◐✗"
        expect(page.locator("#announce")).to_have_text(
            re.compile(r"^(Correct|Partly correct|Not quite)\.$")
        )
        # Focus moves to the result, so Enter goes on to the next question.
        wait_until(page, "document.activeElement.matches('[data-autofocus]')")
        if number < len(KINDS):
            page.keyboard.press("Enter")
            page.wait_for_url(f"**/q/{number + 1}/")
    page.get_by_role("button", name="Finish and see results").click()
    page.wait_for_url("**/review/")
    expect(page.get_by_text("You scored")).to_be_visible()
    expect(page.get_by_role("heading", name="Question by question")).to_be_visible()

    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill("priya")
    page.locator("#id_password1").fill("s3cret-Pass-phrase")
    page.locator("#id_password2").fill("s3cret-Pass-phrase")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign up").click()
    page.goto("/attempts/")
    expect(page.get_by_role("link", name="Practise KPO")).to_be_visible()
    assert Attempt.objects.get().learner.user.username == "priya"


def test_practice_works_without_javascript(browser, live_server):
    quiz = quiz_with_questions(2)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=False, base_url=live_server.url
    )
    page = context.new_page()
    page.goto(quiz.get_absolute_url())
    page.get_by_role("button", name="Start practising").click()
    page.locator("input[type=radio]").first.check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.locator(".feedback h2")).to_be_visible()
    page.get_by_role("link", name="Next question").click()
    expect(page.get_by_text("Question 2 of")).to_be_visible()
    context.close()


def checked_options(page) -> list[bool]:
    return page.evaluate(
        "() => [...document.querySelectorAll('form[data-question] input[type=radio]')]"
        ".map(i => i.checked)"
    )


def test_number_keys_act_only_inside_the_question_and_can_be_turned_off(page):
    quiz = quiz_with_questions(2)
    page.goto(quiz.get_absolute_url())
    page.get_by_role("button", name="Start practising").click()
    radios = loaded(page).locator("form[data-question] input[type=radio]")
    expect(radios.nth(2)).to_be_attached()

    page.get_by_role("link", name=quiz.title).focus()  # outside the question
    page.keyboard.press("1")
    assert not any(checked_options(page))

    radios.first.focus()
    page.keyboard.press("2")
    assert checked_options(page)[:3] == [False, True, False]

    toggle = page.get_by_label("Keyboard shortcuts: number keys choose an option")
    toggle.uncheck()
    expect(page.locator(".shortcut-tip")).to_be_hidden()
    radios.nth(1).focus()
    page.keyboard.press("3")
    assert checked_options(page)[:3] == [False, True, False]

    page.reload()  # the choice is kept
    toggle = page.get_by_label("Keyboard shortcuts: number keys choose an option")
    assert not toggle.is_checked()
    radios.first.focus()
    page.keyboard.press("3")
    assert not checked_options(page)[2]

    toggle.check()
    radios.first.focus()
    page.keyboard.press("3")
    assert checked_options(page)[2]


def test_without_javascript_the_shortcut_tip_and_switch_are_hidden(browser, live_server):
    quiz = quiz_with_questions(1)
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    page.goto(quiz.get_absolute_url())
    page.get_by_role("button", name="Start practising").click()
    expect(loaded(page).locator("form[data-question]")).to_be_visible()
    expect(page.locator(".shortcut-tip")).to_be_hidden()
    expect(page.locator(".shortcut-setting")).to_be_hidden()
    context.close()


def test_a_learner_reloads_an_exam_and_time_runs_out(browser, live_server):
    user = UserFactory(username="exam-taker")
    quiz = quiz_with_questions(
        3, mode=Quiz.Mode.EXAM, time_limit=timedelta(seconds=12), shuffle_questions=False
    )
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct-horse-battery")
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    page.goto(quiz.get_absolute_url())
    page.get_by_role("button", name="Start the exam").click()
    expect(loaded(page).locator(".timer")).to_be_visible()
    second = page.locator("input[type=radio]").nth(1)
    chosen = second.get_attribute("value")
    second.check()  # autosaves through htmx on change
    page.get_by_role("status").filter(has_text="Saved.").wait_for()
    page.reload()
    assert page.locator(f"input[value='{chosen}']").is_checked()
    expect(page.get_by_text("Your answer is saved.")).to_be_visible()
    # The countdown reaches zero, reloads, and the server finishes the attempt.
    page.wait_for_url("**/review/", timeout=20_000)
    expect(page.get_by_text("Time is up")).to_be_visible()
    attempt = Attempt.objects.get(quiz=quiz)
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.slots.get(number=1).response.fraction is not None
    context.close()


def test_quiz_pages_pass_axe(page, practice_quiz):
    exam = quiz_with_questions(2, mode=Quiz.Mode.EXAM, time_limit=timedelta(minutes=10))
    checked = []

    def check(name):
        violations = axe_violations(page)
        checked.append(name)
        assert violations == [], (name, violations)

    page.goto(practice_quiz.get_absolute_url())
    check("quiz start page")
    page.get_by_role("button", name="Start practising").click()
    for number in range(1, len(KINDS) + 1):
        check(f"practice question {number}")
        answer_visible_question(page)
        page.get_by_role("button", name="Check answer").click()
        page.locator(".feedback").wait_for()
        check(f"practice feedback {number}")
        if number < len(KINDS):
            page.get_by_role("link", name="Next question").click()
    page.get_by_role("button", name="Finish and see results").click()
    check("practice review")
    page.goto(exam.get_absolute_url())
    page.get_by_role("button", name="Start the exam").click()
    check("exam question")
    page.get_by_role("button", name="⚐ Flag for review").click()
    page.get_by_role("button", name="⚑ Flagged for review").wait_for()
    check("exam question flagged")
    page.get_by_role("link", name="Finish attempt…").click()
    check("exam summary")
    page.get_by_role("button", name="Submit all and finish").click()
    check("exam review")
    page.goto("/attempts/")
    check("history")
    assert len(checked) == 2 * len(KINDS) + 7


def test_question_page_first_view_is_light(page, practice_quiz):
    page.goto(practice_quiz.get_absolute_url())
    page.get_by_role("button", name="Start practising").click()
    page.wait_for_url("**/q/1/")
    # A first view: a fresh browser context with nothing cached.
    url = page.url
    fresh = page.context.browser.new_context(viewport={"width": 390, "height": 844})
    fresh.add_cookies(page.context.cookies())
    first = fresh.new_page()
    first.goto(url)
    first.wait_for_load_state("networkidle")
    weight = page_weight(first)
    report("question page first view", weight)
    assert weight["transfer_bytes"] <= 60_000
    assert weight["script_bytes"] <= 20_000
    assert weight["requests"] <= 6
    fresh.close()


def test_pages_fit_a_320_pixel_screen(browser, live_server, practice_quiz):
    """The narrowest phones: nothing scrolls sideways, every control stays tappable."""
    context = browser.new_context(viewport={"width": 320, "height": 640}, base_url=live_server.url)
    page = context.new_page()
    page.goto(practice_quiz.get_absolute_url())
    page.get_by_role("button", name="Start practising").click()
    for path in ["/", practice_quiz.get_absolute_url(), page.url, "/progress/", "/accounts/login/"]:
        page.goto(path)
        assert scroll_width(page) <= 320, path
        small = page.evaluate(
            """selector => [...document.querySelectorAll(selector)]
                .map(e => (e.closest('label') || e).getBoundingClientRect())
                .filter(r => r.width > 0 && (r.height < 44 || r.width < 44)).length""",
            "button, .button, input[type=radio], input[type=checkbox], select, "
            "input[type=text], header a",
        )
        assert small == 0, path
    context.close()
