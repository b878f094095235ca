"""The question and quiz admin on a phone: each kind's answer editor fits 390 px."""

import pytest

from tests.browser.conftest import axe_violations, scroll_width
from tests.factories import QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.browser

KINDS = ["single", "multiple", "truefalse", "short", "numerical", "matching", "essay"]


@pytest.fixture
def phone(browser, live_server):
    UserFactory(username="setter", is_staff=True, is_superuser=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    page = context.new_page()
    page.goto("/admin/login/?next=/admin/quizzes/question/add/")
    page.get_by_label("Username").fill("setter")
    page.get_by_label("Password").fill("correct-horse-battery")
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    yield page
    context.close()


def test_each_kinds_answer_editor_fits_a_phone(phone):
    for kind in KINDS:
        phone.goto(f"/admin/quizzes/question/add/?kind={kind}")
        assert scroll_width(phone) <= 390, kind
    question = QuestionFactory()
    quiz = QuizFactory(questions=[question])
    for url in [
        f"/admin/quizzes/question/{question.pk}/change/",
        "/admin/quizzes/question/",
        "/admin/quizzes/quiz/",
        "/admin/quizzes/quiz/add/",
        f"/admin/quizzes/quiz/{quiz.pk}/change/",
        f"/admin/quizzes/quiz/{quiz.pk}/questions/?q=",
    ]:
        phone.goto(url)
        assert scroll_width(phone) <= 390, url


def test_true_false_is_answered_with_a_radio_button_on_a_phone(phone):
    phone.goto("/admin/quizzes/question/add/?kind=truefalse")
    phone.get_by_label("False", exact=True).check()
    assert phone.get_by_label("False", exact=True).is_checked()
    # Django's own autocomplete widget (the tags) has an unlabelled inner search box; the
    # rest of the page, the new answer fields included, must have no violation.
    found = [v for v in axe_violations(phone) if "select2-search__field" not in v]
    assert found == []
