"""The grades grid (screen and CSV) and the responses report, with their query budgets."""

import csv
import io

import pytest
from django.urls import reverse

from quizzes import attempts
from quizzes.models import Answer, Cohort, Learner, Membership
from tests.factories import QuestionFactory, QuizFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def take(quiz, name, answers, learner=None):
    """`name` takes the quiz: a choice's text, or typed text for a short answer; None skips."""
    learner = learner or Learner.objects.create(user=UserFactory(username=name))
    attempt = attempts.start_attempt(quiz=quiz, learner=learner)
    for slot, given in zip(attempt.slots.order_by("number"), answers, strict=True):
        if given is None:
            continue
        if slot.kind == "short":
            value = given
        else:
            value = next(o["id"] for o in slot.snapshot["options"] if o["text"] == given)
        attempts.record_answer(attempt=attempt, slot=slot, value=value, seq=0)
    attempts.finish_attempt(attempt=attempt)
    return attempt


@pytest.fixture
def quiz():
    topic = TopicFactory()
    q1 = QuestionFactory(
        topic=topic,
        title="First",
        answers=[{"text": "Right", "fraction": 1.0}, {"text": "Wrong", "fraction": 0.0}],
    )
    q2 = QuestionFactory(
        topic=topic, kind="short", title="Spell it", answers=[{"text": "KPO", "fraction": 1.0}]
    )
    quiz = QuizFactory(topic=topic, course=topic.course, questions=[q1, q2], slug="kpo-check")
    quiz.shuffle_questions = False
    quiz.save()
    return quiz


def test_the_grid_shows_each_learners_best_attempt_per_question(quiz, admin_client):
    take(quiz, "zoe", ["Wrong", "kpo"])
    take(quiz, "adam", ["Right", None])
    zoe = Learner.objects.get(user__username="zoe")
    take(quiz, "zoe", ["Right", "KPO"], learner=zoe)  # her second, better attempt
    page = admin_client.get(reverse("admin:quizzes_quiz_grades", args=[quiz.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "2 learners" in html
    assert html.index(">adam<") < html.index(">zoe<")  # by name
    assert "2 / 2 (100 %)" in html and "1 / 2 (50 %)" in html


def test_the_grid_sorts_by_total_and_by_question(quiz, admin_client):
    take(quiz, "adam", ["Wrong", "KPO"])
    take(quiz, "zoe", ["Right", "KPO"])
    url = reverse("admin:quizzes_quiz_grades", args=[quiz.pk])
    by_total = admin_client.get(url, {"sort": "-total"}).content.decode()
    assert by_total.index(">zoe<") < by_total.index(">adam<")
    first = quiz.questions.get(title="First")
    by_q1 = admin_client.get(url, {"sort": f"q{first.pk}"}).content.decode()
    assert by_q1.index(">adam<") < by_q1.index(">zoe<")
    assert 'aria-sort="ascending"' in by_q1


def test_a_made_up_sort_is_ignored_not_an_error(quiz, admin_client):
    take(quiz, "adam", ["Wrong", "KPO"])
    url = reverse("admin:quizzes_quiz_grades", args=[quiz.pk])
    assert admin_client.get(url, {"sort": "'; drop"}).status_code == 200


def test_the_grades_csv_holds_one_row_per_learner_with_marks_and_total(quiz, admin_client):
    take(quiz, "zoe", ["Right", "KPO"])
    take(quiz, "adam", ["Wrong", None])
    response = admin_client.get(reverse("admin:quizzes_quiz_grades_csv", args=[quiz.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="grades-kpo-check.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["Learner", "Q1 First", "Q2 Spell it", "Total", "Out of", "%"],
        ["adam", "0", "0", "0", "2", "0.0"],
        ["zoe", "1", "1", "2", "2", "100.0"],
    ]


def test_reports_show_a_learners_display_name_beside_their_username(quiz, admin_client):
    learner = Learner.objects.create(user=UserFactory(username="zoe", first_name="Zoë Achebe"))
    take(quiz, "zoe", ["Right", "KPO"], learner=learner)
    take(quiz, "adam", ["Wrong", None])
    grid = admin_client.get(reverse("admin:quizzes_quiz_grades", args=[quiz.pk])).content.decode()
    assert ">Zoë Achebe (zoe)<" in grid
    url = reverse("admin:quizzes_quiz_grades_csv", args=[quiz.pk])
    rows = list(csv.reader(io.StringIO(admin_client.get(url).content.decode())))
    assert [row[0] for row in rows[1:]] == ["adam", "Zoë Achebe (zoe)"]


def test_the_responses_report_shows_the_option_as_the_learner_saw_it_before_an_edit(
    quiz, admin_client
):
    take(quiz, "ann", ["Wrong", "KPO"])
    first = quiz.questions.get(title="First")
    answer = first.answers.get(text="Wrong")
    answer.text = "Reworded later"
    answer.save()
    html = admin_client.get(reverse("admin:quizzes_quiz_responses", args=[quiz.pk])).content
    assert "<td>Wrong</td>" in html.decode()


def test_the_grid_for_a_class_shows_only_its_members(quiz, admin_client):
    take(quiz, "zoe", ["Right", "KPO"])
    take(quiz, "adam", ["Wrong", "KPO"])
    owner = UserFactory(username="teacher")
    cohort = Cohort.objects.create(name="Morning", course=quiz.course, owner=owner)
    Membership.objects.create(cohort=cohort, user=Learner.objects.get(user__username="zoe").user)
    url = reverse("admin:quizzes_quiz_grades_csv", args=[quiz.pk])
    rows = list(
        csv.reader(io.StringIO(admin_client.get(url, {"cohort": cohort.pk}).content.decode()))
    )
    assert [row[0] for row in rows[1:]] == ["zoe"]


def test_the_responses_report_shows_answers_and_groups_unmatched_short_answers(quiz, admin_client):
    take(quiz, "ann", ["Right", "Knowledge PO"])
    take(quiz, "bob", ["Wrong", "knowledge  po"])
    take(quiz, "cat", ["Right", "BPO"])
    take(quiz, "dan", ["Right", "KPO"])
    page = admin_client.get(reverse("admin:quizzes_quiz_responses", args=[quiz.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<td>Knowledge PO</td><td>2</td>" in html
    assert "<td>BPO</td><td>1</td>" in html
    assert "<td>KPO</td><td>1</td>" not in html  # it matched
    assert "<td>Wrong</td>" in html  # what bob chose


def test_accepting_an_unmatched_answer_then_regrading_raises_the_mark(quiz, admin_client):
    attempt = take(quiz, "ann", ["Right", "Knowledge PO"])
    question = quiz.questions.get(title="Spell it")
    admin_client.post(
        reverse("admin:quizzes_quiz_accept_answer", args=[quiz.pk]),
        {"question": question.pk, "text": "Knowledge PO", "fraction": "0.5"},
    )
    assert Answer.objects.filter(question=question, text="Knowledge PO", fraction=0.5).exists()
    post = {"action": "regrade_attempts", "_selected_action": [quiz.pk], "index": 0}
    dry = admin_client.post(reverse("admin:quizzes_quiz_changelist"), post).content.decode()
    assert "1 mark would change" in dry
    admin_client.post(reverse("admin:quizzes_quiz_changelist"), {**post, "apply": "yes"})
    attempt.refresh_from_db()
    assert attempt.score == 1.5
    grid = admin_client.get(reverse("admin:quizzes_quiz_grades", args=[quiz.pk])).content.decode()
    assert "1.5 / 2 (75 %)" in grid


def test_accepting_is_refused_for_a_question_outside_the_quiz(quiz, admin_client):
    take(quiz, "ann", ["Right", "Knowledge PO"])
    other = QuestionFactory(kind="short")
    admin_client.post(
        reverse("admin:quizzes_quiz_accept_answer", args=[quiz.pk]),
        {"question": other.pk, "text": "Knowledge PO", "fraction": "1.0"},
    )
    assert not Answer.objects.filter(question=other, text="Knowledge PO").exists()


@pytest.mark.parametrize("learners", [1, 10, 40])
def test_grades_and_responses_have_a_fixed_query_budget(
    quiz, admin_client, django_assert_max_num_queries, learners
):
    for index in range(learners):
        take(quiz, f"l{index}", ["Right", "nope"])
    for name in ("grades", "responses", "grades_csv"):
        with django_assert_max_num_queries(10):
            page = admin_client.get(reverse(f"admin:quizzes_quiz_{name}", args=[quiz.pk]))
        assert page.status_code == 200
