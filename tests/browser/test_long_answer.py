"""A long answer on a phone: write (autosaved), hand in, self-mark, see it on progress."""

import pytest
from playwright.sync_api import expect

from quizzes.models import Quiz, Response
from tests.browser.conftest import axe_violations, loaded, wait_until
from tests.factories import QuestionFactory, TopicFactory, quiz_with_questions

pytestmark = pytest.mark.browser

ANSWER = "BPO runs routine work at high volume, while KPO sells expert judgement."


def test_a_learner_writes_a_long_answer_self_marks_it_and_progress_shows_it(page):
    topic = TopicFactory(title="BPO and KPO compared")
    essay = QuestionFactory(
        topic=topic,
        kind="essay",
        text="Distinguish between BPO and KPO. (4 marks)",
        explanation="BPO handles routine processes at volume; KPO applies judgement.",
    )
    quiz = quiz_with_questions(0, topic=topic, questions=[essay], title="Long answers")
    page.goto(quiz.get_absolute_url())
    page.get_by_role("button", name="Start practising").click()

    loaded(page).get_by_label("Your answer").fill(ANSWER)  # loaded: htmx autosaves it
    # The draft autosaves a moment after typing stops: nothing typed is lost.
    wait_until(page, "document.getElementById('save-status').textContent.includes('Saved')", 15)
    assert Response.objects.get().answer == {"text": ANSWER}
    assert axe_violations(page) == []

    page.get_by_role("button", name="Hand in and mark it").click()
    page.get_by_role("heading", name="Mark your answer").wait_for(timeout=30_000)
    expect(page.get_by_text("KPO applies judgement.")).to_be_visible()  # the model answer
    points = page.get_by_role("group", name="Mark scheme").get_by_role("checkbox")
    expect(points).to_have_count(2)
    assert all(points.nth(i).is_checked() for i in range(2))  # both points' ideas were found
    expect(page.get_by_text("Found in your answer: routine, volume")).to_be_visible()
    assert axe_violations(page) == []

    points.nth(1).uncheck()  # the learner judges they did not really make the second point
    page.get_by_role("button", name="Save my marks").click()
    page.get_by_role("heading", name="Self-marked: 2 of 4 marks").wait_for(timeout=30_000)
    assert axe_violations(page) == []

    page.goto("/progress/")
    expect(page.get_by_text("includes 1 self-marked long answer")).to_be_visible()
    expect(page.get_by_text("50%").first).to_be_visible()


def test_an_exam_long_answer_is_marked_on_the_review_page(page):
    essay = QuestionFactory(kind="essay", text="Explain KPO. (4 marks)")
    quiz = quiz_with_questions(0, topic=essay.topic, questions=[essay], mode=Quiz.Mode.EXAM)
    page.goto(quiz.get_absolute_url())
    page.get_by_role("button", name="Start the exam").click()
    page.get_by_label("Your answer").fill("Routine work at volume.")
    page.get_by_role("button", name="Save and review").click()
    page.get_by_role("button", name="Submit all and finish").click()
    # Generous bounds: submitting marks the whole exam, which a busy machine can slow down.
    page.wait_for_url("**/review/", timeout=30_000)
    page.get_by_text("1 long answer awaits your marking").wait_for(timeout=30_000)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save my marks").click()
    page.get_by_text("Self-marked: 2 of 4 marks").wait_for(timeout=30_000)
    assert page.get_by_text("awaits your marking").count() == 0
    assert axe_violations(page) == []
