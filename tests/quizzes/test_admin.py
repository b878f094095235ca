"""The question bank admin: answer rules, preview, list budgets, GIFT/Aiken import and export."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from quizzes.admin.imports import IMPORT_KEPT_FOR, IMPORT_SESSION_KEY
from quizzes.formats.gift import NOT_UTF8_MESSAGE, parse_gift
from quizzes.models import Answer, Question, Tag
from tests.factories import (
    LessonFactory,
    QuestionFactory,
    QuizFactory,
    TopicFactory,
    UserFactory,
)
from tests.quizzes.conftest import GOOD_GIFT

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:quizzes_question_changelist"
IMPORT = "admin:quizzes_question_import"
CONFIRM = "admin:quizzes_question_import_confirm"

BROKEN_GIFT = """\
::Fine::Fine?{=a ~b ####Because.}

::Broken::What is missing{
=One
~Two

::Odd weight::Pick one{=a ~%33%b}
"""


def question_data(topic, kind, answers, **fields) -> dict:
    """The add form as the admin posts it: the question's fields plus the answers formset."""
    data = {
        "topic": topic.pk,
        "kind": kind,
        "title": "A question",
        "text": "What is it?",
        "text_format": "markdown",
        "explanation": "Because.",
        "lesson": "",
        "anchor": "",
        "idnumber": "",
        "answers-TOTAL_FORMS": len(answers),
        "answers-INITIAL_FORMS": 0,
        "answers-MIN_NUM_FORMS": 0,
        "answers-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(answers):
        row = {
            "text": "",
            "fraction": 0,
            "feedback": "",
            "value": "",
            "tolerance": 0,
            "match": "",
            "misconception": "",
            "order": index + 1,
            **row,
        }
        data.update({f"answers-{index}-{name}": value for name, value in row.items()})
    data.update(fields)
    return data


def add(admin_client, data):
    return admin_client.post(reverse("admin:quizzes_question_add"), data)


def upload(admin_client, content: bytes, *, course, topic=None, fmt="gift", name="bank.gift"):
    return admin_client.post(
        reverse(IMPORT),
        {
            "file": SimpleUploadedFile(name, content, content_type="text/plain"),
            "format": fmt,
            "course": course.pk,
            "topic": topic.pk if topic else "",
        },
    )


def token_of(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "the preview offers no confirmation"
    return match.group(1)


# --- Answer rules, checked with importing.problems() -------------------------------------------


def test_a_valid_single_choice_question_is_saved_with_its_answers(admin_client):
    topic = TopicFactory()
    response = add(
        admin_client,
        question_data(
            topic,
            "single",
            [{"text": "Right", "fraction": 1, "feedback": "Yes."}, {"text": "Wrong"}],
        ),
    )
    assert response.status_code == 302, response.content.decode()
    question = Question.objects.get()
    assert [(a.text, a.fraction) for a in question.answers.all()] == [("Right", 1), ("Wrong", 0)]


RULES = [
    pytest.param(
        "single",
        [{"text": "A"}, {"text": "B"}],
        "A single-choice question needs exactly one full-credit answer (it has 0).",
        id="single-no-right-answer",
    ),
    pytest.param(
        "single",
        [{"text": "A", "fraction": 1}, {"text": "B", "fraction": 1}],
        "A single-choice question needs exactly one full-credit answer (it has 2).",
        id="single-two-right-answers",
    ),
    pytest.param(
        "single",
        [{"text": "A", "fraction": 1}],
        "A single-choice question needs at least two options.",
        id="single-one-option",
    ),
    pytest.param(
        "multiple",
        [{"text": "A", "fraction": 0.5}, {"text": "B", "fraction": 0.3}, {"text": "C"}],
        "The positive grades of a multiple-response question must add up to 100% "
        "(they add up to 80%).",
        id="multiple-not-100",
    ),
    pytest.param(
        "matching",
        [{"text": "Payroll", "match": "BPO"}, {"match": "KPO"}],
        "A matching question needs at least two pairs.",
        id="matching-one-pair",
    ),
    pytest.param(
        "numerical",
        [{"text": "40", "value": 40, "tolerance": -1, "fraction": 1}],
        "Answer “40” has a negative tolerance.",
        id="numerical-negative-tolerance",
    ),
    pytest.param(
        "numerical",
        [{"value": "forty", "fraction": 1}],
        "Enter a number.",
        id="numerical-not-a-number",
    ),
    pytest.param(
        "truefalse",
        [],
        "Choose whether the statement is true or false.",
        id="truefalse-no-answer",
    ),
    pytest.param(
        "short",
        [{"text": "KPO", "fraction": 0.5}],
        "A short-answer question needs at least one full-credit answer.",
        id="short-no-full-credit",
    ),
    pytest.param(
        "single",
        [{"text": "A", "fraction": 1.5}, {"text": "B"}],
        "Answer “A” has a grade outside -100%..100%.",
        id="grade-out-of-range",
    ),
]


@pytest.mark.parametrize(("kind", "answers", "message"), RULES)
def test_the_admin_refuses_a_question_that_breaks_its_kinds_rules(
    admin_client, kind, answers, message
):
    response = add(admin_client, question_data(TopicFactory(), kind, answers))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Please correct the error" in html
    assert not Question.objects.exists()
    assert not Answer.objects.exists()


def test_a_numerical_answer_is_a_value_plus_or_minus_a_tolerance(admin_client):
    answers = [
        {"value": "40", "tolerance": "2", "fraction": 1},
        {"value": "", "fraction": 0, "feedback": "Count again."},
    ]
    response = add(admin_client, question_data(TopicFactory(), "numerical", answers))
    assert response.status_code == 302, response.content.decode()
    rows = [(a.text, a.value, a.tolerance) for a in Answer.objects.all()]
    # The text follows the value, as GIFT writes it; a row with no value catches the rest.
    assert rows == [("40", 40.0, 2.0), ("*", None, 0.0)]


def test_deleting_the_right_answer_of_a_saved_question_is_refused(admin_client):
    question = QuestionFactory()
    answers = list(question.answers.all())
    data = question_data(
        question.topic,
        "single",
        [
            {
                "id": a.pk,
                "question": question.pk,
                "text": a.text,
                "fraction": a.fraction,
                **({"DELETE": "on"} if a.fraction == 1 else {}),
            }
            for a in answers
        ],
        **{"answers-INITIAL_FORMS": len(answers)},
    )
    response = admin_client.post(reverse("admin:quizzes_question_change", args=[question.pk]), data)
    assert response.status_code == 200
    assert "exactly one full-credit answer (it has 0)" in response.content.decode()
    assert question.answers.count() == len(answers)


def test_the_anchor_must_be_a_section_of_the_chosen_lesson(admin_client):
    lesson = LessonFactory()
    data = question_data(
        lesson.topic,
        "single",
        [{"text": "A", "fraction": 1}, {"text": "B"}],
        lesson=lesson.pk,
        anchor="no-such-section",
    )
    response = add(admin_client, data)
    assert response.status_code == 200
    assert "The lesson has no section #no-such-section" in response.content.decode()
    assert not Question.objects.exists()

    data["anchor"] = "second-section"
    assert add(admin_client, data).status_code == 302
    assert Question.objects.get().lesson_url.endswith("#second-section")


def test_the_add_page_offers_each_kind_first(admin_client):
    html = admin_client.get(reverse("admin:quizzes_question_add")).content.decode()
    assert 'href="?kind=truefalse"' in html and 'href="?kind=matching"' in html
    assert '<option value="0.5">50 %</option>' in html  # grades as Moodle's percentages


def test_a_new_answer_row_starts_at_a_grade_of_0(admin_client):
    question = QuestionFactory(answers=[{"text": "A", "fraction": 1.0}, {"text": "B"}])
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    html = admin_client.get(url).content.decode()
    selects = re.findall(r'<select name="answers-(\d)-fraction".*?</select>', html, re.S)
    chosen = re.findall(
        r'<select name="answers-\d-fraction".*?<option value="([^"]*)" selected', html, re.S
    )
    # The saved rows keep their grades; the new row shows 0 %, not the first choice (100 %),
    # which the browser would post, making an untouched blank row a second right answer.
    assert selects == ["0", "1", "2"] and chosen == ["1.0", "0.0", "0.0"]


EDITOR_FIELDS = {
    "single": ({"text", "fraction", "feedback", "misconception"}, "Option"),
    "multiple": ({"text", "fraction", "feedback", "misconception"}, "Option"),
    "short": ({"text", "fraction", "feedback", "misconception"}, "Accepted answer"),
    "numerical": ({"value", "tolerance", "fraction", "feedback", "misconception"}, "± tolerance"),
    "matching": ({"text", "match"}, "Its match"),
    "essay": ({"text", "value", "match"}, "Key ideas"),
}


@pytest.mark.parametrize("kind", EDITOR_FIELDS)
def test_the_answer_editor_asks_only_for_what_the_kind_uses(admin_client, kind):
    url = reverse("admin:quizzes_question_add") + f"?kind={kind}"
    html = admin_client.get(url).content.decode()
    asked = set(re.findall(r'name="answers-0-(\w+)"', html)) - {"id", "question", "order"}
    fields, label = EDITOR_FIELDS[kind]
    assert asked == fields
    assert label in html
    assert "Choose the kind first" not in html


def test_true_false_is_two_radio_buttons_with_feedback_for_each(admin_client):
    url = reverse("admin:quizzes_question_add") + "?kind=truefalse"
    html = admin_client.get(url).content.decode()
    assert html.count('name="truth"') == 2 and 'type="radio"' in html
    assert "answers-TOTAL_FORMS" not in html
    data = question_data(
        TopicFactory(), "truefalse", [], truth="False", feedback_true="No: KPO came later."
    )
    data.update(feedback_false="Right.")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    question = Question.objects.get()
    rows = [(a.text, a.fraction, a.feedback) for a in question.answers.order_by("order")]
    assert rows == [("True", 0.0, "No: KPO came later."), ("False", 1.0, "Right.")]

    change = reverse("admin:quizzes_question_change", args=[question.pk])
    html = admin_client.get(change).content.decode()
    assert re.search(r'value="False"[^>]*checked', html)
    edited = {**data, "truth": "True", "feedback_true": "Yes.", "feedback_false": "No."}
    assert admin_client.post(change, edited).status_code == 302
    rows = [(a.text, a.fraction, a.feedback) for a in question.answers.order_by("order")]
    assert rows == [("True", 1.0, "Yes."), ("False", 0.0, "No.")]


def test_a_matching_question_is_written_as_pairs(admin_client):
    answers = [
        {"text": "Payroll", "match": "BPO"},
        {"text": "Market research", "match": "KPO"},
        {"match": "LPO"},
    ]
    response = add(admin_client, question_data(TopicFactory(), "matching", answers))
    assert response.status_code == 302, response.content.decode()
    pairs = [(a.text, a.match) for a in Answer.objects.order_by("order")]
    assert pairs == [("Payroll", "BPO"), ("Market research", "KPO"), ("", "LPO")]


# --- Preview ----------------------------------------------------------------------------------


def test_the_preview_shows_the_question_as_a_learner_and_grades_only_to_the_instructor(
    admin_client,
):
    question = QuestionFactory(
        answers=[
            {"text": "Knowledge process outsourcing", "fraction": 1.0, "feedback": "Spot on."},
            {"text": "Key process outsourcing", "feedback": "Close, but no."},
        ]
    )
    response = admin_client.get(reverse("admin:quizzes_question_preview", args=[question.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    learner, instructor = html.split('id="instructor-view"')
    assert "What does <strong>KPO</strong> stand for?" in learner
    assert learner.count('type="radio" name="choice"') == 2
    assert "Knowledge process outsourcing" in learner
    assert "Key process outsourcing" in learner
    for secret in ("100%", "Spot on.", "Close, but no.", "KPO means knowledge"):
        assert secret not in learner
        assert secret in instructor
    assert "studyhub/site.css" in html  # the site's own look, not the admin's


@pytest.mark.parametrize("kind", [kind.value for kind in Question.Kind])
def test_every_kind_of_question_can_be_previewed(admin_client, kind):
    question = QuestionFactory(kind=kind)
    response = admin_client.get(reverse("admin:quizzes_question_preview", args=[question.pk]))
    assert response.status_code == 200
    learner = response.content.decode().split('id="instructor-view"')[0]
    expected = {
        "single": 'type="radio"',
        "truefalse": 'type="radio"',
        "multiple": 'type="checkbox"',
        "short": 'name="text"',
        "numerical": 'inputmode="decimal"',
        "matching": "<select",
        "essay": "<textarea",
    }[kind]
    assert expected in learner


def test_the_preview_is_linked_from_the_change_page_and_the_list(admin_client):
    question = QuestionFactory()
    url = reverse("admin:quizzes_question_preview", args=[question.pk])
    change = admin_client.get(reverse("admin:quizzes_question_change", args=[question.pk]))
    assert url in change.content.decode()
    assert url in admin_client.get(reverse(CHANGELIST)).content.decode()


def test_the_preview_needs_the_view_permission(client):
    question = QuestionFactory()
    url = reverse("admin:quizzes_question_preview", args=[question.pk])
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(url).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_question"))
    assert client.get(url).status_code == 200


def test_the_preview_is_not_shown_to_learners(client):
    question = QuestionFactory()
    client.force_login(UserFactory())
    response = client.get(reverse("admin:quizzes_question_preview", args=[question.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_previewing_a_missing_question_is_a_404(admin_client):
    assert admin_client.get("/admin/quizzes/question/999999/preview/").status_code == 404


# --- Lists ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["", "?kind__exact=single", "?q=KPO", "?q=missing", "?o=4", "?o=-4"],
)
def test_the_question_list_loads_searched_sorted_and_filtered(admin_client, query):
    QuestionFactory()
    response = admin_client.get(reverse(CHANGELIST) + query)
    assert response.status_code == 200


def test_the_question_list_filters_by_topic_and_tag(admin_client):
    tagged, other = QuestionFactory(title="Tagged one"), QuestionFactory(title="Other one")
    tag = Tag.objects.create(name="basics")
    tagged.tags.add(tag)
    by_tag = admin_client.get(reverse(CHANGELIST), {"tags__id__exact": tag.pk}).content.decode()
    assert "Tagged one" in by_tag
    assert "Other one" not in by_tag
    by_topic = admin_client.get(
        reverse(CHANGELIST), {"topic__id__exact": other.topic_id}
    ).content.decode()
    assert "Other one" in by_topic
    assert "Tagged one" not in by_topic


def test_the_list_counts_answers_once_even_when_filtered_by_tag(admin_client):
    question = QuestionFactory(title="Two tags")
    question.tags.add(Tag.objects.create(name="a"), Tag.objects.create(name="b"))
    html = admin_client.get(reverse(CHANGELIST), {"q": "Two tags"}).content.decode()
    assert '<td class="field-answer_count">4</td>' in html


@pytest.mark.parametrize("n", [1, 20, 100])
def test_the_question_list_has_a_fixed_query_budget(admin_client, django_assert_max_num_queries, n):
    lesson = LessonFactory()
    tag = Tag.objects.create(name="budget")
    for index in range(n):
        question = QuestionFactory(
            topic=lesson.topic if index % 2 else TopicFactory(),
            lesson=lesson,
            anchor="first-section",
        )
        question.tags.add(tag)
    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse(CHANGELIST))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 20, 100])
def test_the_quiz_list_has_a_fixed_query_budget(admin_client, django_assert_max_num_queries, n):
    topic = TopicFactory()
    questions = [QuestionFactory(topic=topic) for _ in range(3)]
    for _ in range(n):
        QuizFactory(topic=topic, course=topic.course, questions=questions)
    with django_assert_max_num_queries(7):
        response = admin_client.get(reverse("admin:quizzes_quiz_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 20, 100])
def test_the_preview_has_a_fixed_query_budget(admin_client, django_assert_max_num_queries, n):
    question = QuestionFactory(
        kind="multiple",
        answers=[{"text": f"Option {i}", "fraction": 1 / n if i < n else 0} for i in range(n + 1)],
    )
    with django_assert_max_num_queries(4):
        response = admin_client.get(reverse("admin:quizzes_question_preview", args=[question.pk]))
    assert response.content.decode().count('type="checkbox"') == n + 1


def test_a_question_can_be_deleted_from_the_list(admin_client):
    question = QuestionFactory()
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "delete_selected", "_selected_action": [question.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Question.objects.exists()


def test_the_quiz_admin_pages_load(admin_client):
    quiz = QuizFactory(questions=[QuestionFactory()])
    listing = admin_client.get(reverse("admin:quizzes_quiz_changelist"))
    assert listing.status_code == 200
    assert quiz.get_absolute_url() in listing.content.decode()
    for query in (
        {"mode__exact": "exam"},
        {"course__id__exact": quiz.course_id},
        {"topic__id__exact": quiz.topic_id},
        {"purpose__exact": "standard"},
    ):
        assert admin_client.get(reverse("admin:quizzes_quiz_changelist"), query).status_code == 200
    change = admin_client.get(reverse("admin:quizzes_quiz_change", args=[quiz.pk]))
    html = change.content.decode()
    assert change.status_code == 200
    assert 'name="quizquestion_set-0-question"' in html
    assert "draw_topics" in html
    assert f"{quiz.course} · {quiz.topic}" in html  # topics are named with their course


def test_a_quiz_is_added_with_its_questions(admin_client):
    question = QuestionFactory()
    topic = question.topic
    data = {
        "course": topic.course_id,
        "topic": topic.pk,
        "title": "Mock exam",
        "slug": "mock-exam",
        "mode": "exam",
        "purpose": "standard",
        "order": 1,
        "draw_count": "",
        "shuffle_questions": "on",
        "shuffle_answers": "on",
        "time_limit": "30",
        "pass_mark": 60,
        "attempts_allowed": 0,
        "status": "published",
        "review_correctness": ["2", "4", "8"],
        "review_right_answer": ["8"],
        "overrides-TOTAL_FORMS": 0,
        "overrides-INITIAL_FORMS": 0,
        "quizquestion_set-TOTAL_FORMS": 1,
        "quizquestion_set-INITIAL_FORMS": 0,
        "quizquestion_set-MIN_NUM_FORMS": 0,
        "quizquestion_set-MAX_NUM_FORMS": 1000,
        "quizquestion_set-0-order": 1,
        "quizquestion_set-0-question": question.pk,
    }
    practice = admin_client.post(reverse("admin:quizzes_quiz_add"), {**data, "mode": "practice"})
    assert "Only exams have a time limit." in practice.content.decode()
    response = admin_client.post(reverse("admin:quizzes_quiz_add"), data)
    assert response.status_code == 302, response.content.decode()
    quiz = topic.course.quizzes.get(slug="mock-exam")
    assert list(quiz.questions.all()) == [question]
    assert quiz.time_limit == timedelta(minutes=30)
    assert (quiz.review_correctness, quiz.review_marks, quiz.review_right_answer) == (14, 0, 8)


def test_questions_are_found_for_the_quiz_inline_autocomplete(admin_client):
    QuestionFactory(title="Outsourcing basics")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "outsourcing",
            "app_label": "quizzes",
            "model_name": "quizquestion",
            "field_name": "question",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Outsourcing basics"]


# --- Export -----------------------------------------------------------------------------------


def test_selected_questions_download_as_gift(admin_client):
    questions = [QuestionFactory(kind=kind) for kind in ("single", "numerical", "matching")]
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "export_gift", "_selected_action": [q.pk for q in questions[:2]]},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="questions.gift"'
    parsed = parse_gift(response.content.decode())
    assert parsed.errors == []
    assert [q.kind for q in parsed.questions] == ["single", "numerical"]


def test_selected_questions_download_as_aiken(admin_client):
    question = QuestionFactory()
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "export_aiken", "_selected_action": [question.pk]}
    )
    assert response["Content-Disposition"] == 'attachment; filename="questions.aiken"'
    assert "ANSWER: A" in response.content.decode()


def test_exporting_no_aiken_compatible_question_says_so(admin_client):
    question = QuestionFactory(kind="short")
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "export_aiken", "_selected_action": [question.pk]},
        follow=True,
    )
    assert "Nothing was exported" in response.content.decode()


# --- Import -----------------------------------------------------------------------------------


def test_the_import_page_is_linked_from_the_question_list(admin_client):
    assert reverse(IMPORT) in admin_client.get(reverse(CHANGELIST)).content.decode()
    page = admin_client.get(reverse(IMPORT))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()


def test_a_file_is_previewed_then_imported_on_confirmation(admin_client):
    topic = TopicFactory()
    preview = upload(admin_client, GOOD_GIFT.encode(), course=topic.course, topic=topic)
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "KPO meaning" in html
    assert "BPO came first" in html
    assert "Single choice" in html
    assert "True/false" in html
    assert "Import 2 questions" in html
    assert not Question.objects.exists()  # nothing before confirmation

    done = admin_client.post(reverse(CONFIRM), {"token": token_of(preview)}, follow=True)
    assert done.redirect_chain[-1][0] == reverse(CHANGELIST)
    assert "Imported 2 questions from bank.gift: 2 created, 0 updated." in done.content.decode()
    kpo = Question.objects.get(idnumber="kpo-meaning")
    assert kpo.topic == topic
    assert [t.name for t in kpo.tags.all()] == ["basics"]
    assert [(a.text, a.fraction) for a in kpo.answers.all()] == [
        ("Knowledge process outsourcing", 1.0),
        ("Key process outsourcing", 0.0),
    ]
    assert IMPORT_SESSION_KEY not in admin_client.session


PREVIEWED_GIFT = """\
::Reversed::BPO came **before** KPO.{TRUE
#Wrong: it came after.#Right: it came first.####BPO came first.}

::Tolerance::How many days in a week?{#7:0.5#Yes. =%50%8:0#Close.}

::Pairs::Match each task.{=Payroll -> BPO =Research -> KPO}
"""


def test_the_import_preview_shows_each_question_in_full(admin_client):
    topic = TopicFactory()
    preview = upload(admin_client, PREVIEWED_GIFT.encode(), course=topic.course, topic=topic)
    html = preview.content.decode()
    details = re.findall(r'<details class="question-in-full">(.*?)</details>', html, re.S)
    assert len(details) == 3
    true_false, numerical, matching = details
    # The text as a learner sees it, each answer with its grade and its feedback: a reversed
    # true/false feedback shows up before anything is saved.
    assert "BPO came <strong>before</strong> KPO." in true_false
    # (GIFT gives a true/false question's feedback for the wrong response first.)
    assert re.search(r"True</td>\s*<td>100%</td>\s*<td>Right: it came first.", true_false)
    assert re.search(r"False</td>\s*<td>0%</td>\s*<td>Wrong: it came after.", true_false)
    assert "BPO came first." in true_false  # the explanation
    assert "7 ± 0.5" in numerical and "8 ± 0" in numerical and "50%" in numerical
    assert "Payroll → BPO" in matching and "Research → KPO" in matching
    assert not Question.objects.exists()


def test_a_big_import_preview_shows_its_first_questions_in_full(admin_client, monkeypatch):
    monkeypatch.setattr("quizzes.admin.imports.PREVIEW_IN_FULL", 2)
    topic = TopicFactory()
    preview = upload(admin_client, PREVIEWED_GIFT.encode(), course=topic.course, topic=topic)
    html = preview.content.decode()
    assert html.count('<details class="question-in-full">') == 2
    assert "The first 2 questions open in full" in html
    assert "Pairs" in html  # the third is listed by its title, linked to its page in full
    third = reverse("admin:quizzes_question_import_question", args=[token_of(preview), 3])
    assert f'href="{third}"' in html
    page = admin_client.get(third).content.decode()
    assert "Question 3 of 3" in page and "Payroll → BPO" in page


def test_a_question_page_of_an_expired_or_foreign_preview_is_a_404(
    admin_client, django_assert_max_num_queries
):
    topic = TopicFactory()
    preview = upload(admin_client, PREVIEWED_GIFT.encode(), course=topic.course, topic=topic)
    token = token_of(preview)
    url = "admin:quizzes_question_import_question"
    with django_assert_max_num_queries(10):
        assert admin_client.get(reverse(url, args=[token, 1])).status_code == 200
    assert admin_client.get(reverse(url, args=[token, 99])).status_code == 404
    assert admin_client.get(reverse(url, args=["not-the-token", 1])).status_code == 404


def test_a_question_page_of_a_preview_whose_topic_was_deleted_is_a_404(admin_client):
    topic = TopicFactory()
    preview = upload(admin_client, PREVIEWED_GIFT.encode(), course=topic.course, topic=topic)
    topic.delete()
    url = reverse("admin:quizzes_question_import_question", args=[token_of(preview), 1])
    assert admin_client.get(url).status_code == 404


def test_importing_the_same_file_again_updates_in_place(admin_client):
    topic = TopicFactory()
    for _ in range(2):
        preview = upload(admin_client, GOOD_GIFT.encode(), course=topic.course, topic=topic)
        done = admin_client.post(reverse(CONFIRM), {"token": token_of(preview)}, follow=True)
    assert "updates the existing question" in preview.content.decode()
    assert "1 created, 1 updated" in done.content.decode()  # the true/false one has no ID
    assert Question.objects.filter(idnumber="kpo-meaning").count() == 1


def test_the_topic_can_come_from_the_files_category(admin_client):
    topic = TopicFactory(slug="basics")
    content = f"$CATEGORY: $course$/{topic.course.slug}/basics\n\n{GOOD_GIFT}"
    preview = upload(admin_client, content.encode(), course=topic.course)
    admin_client.post(reverse(CONFIRM), {"token": token_of(preview)})
    assert Question.objects.filter(topic=topic).count() == 2


def test_a_broken_file_shows_every_error_with_its_line_and_saves_nothing(admin_client):
    topic = TopicFactory()
    response = upload(admin_client, BROKEN_GIFT.encode(), course=topic.course, topic=topic)
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 errors" in html
    assert "Line 3: question &quot;Broken&quot;" in html
    assert "Line 7: question &quot;Odd weight&quot;" in html
    assert 'name="token"' not in html
    assert IMPORT_SESSION_KEY not in admin_client.session
    assert not Question.objects.exists()


def test_a_question_without_a_topic_is_an_error(admin_client):
    topic = TopicFactory()
    response = upload(admin_client, GOOD_GIFT.encode(), course=topic.course)
    html = response.content.decode()
    assert "Line 1: the question has no $CATEGORY naming a topic" in html
    assert 'name="token"' not in html


def test_a_non_utf8_file_is_refused(admin_client):
    topic = TopicFactory()
    content = GOOD_GIFT.replace("KPO stand", "KPO signifie é").encode("latin-1")
    response = upload(admin_client, content, course=topic.course, topic=topic)
    assert response.status_code == 200
    assert NOT_UTF8_MESSAGE in response.content.decode()
    assert not Question.objects.exists()


def test_a_non_utf8_aiken_file_is_refused(admin_client):
    topic = TopicFactory()
    content = "Café?\nA) Oui\nB) Non\nANSWER: A\n".encode("latin-1")
    response = upload(admin_client, content, course=topic.course, topic=topic, fmt="aiken")
    assert "Aiken format files must use UTF-8" in response.content.decode()


def test_an_aiken_file_imports(admin_client):
    topic = TopicFactory()
    content = b"What is KPO?\nA) Knowledge process outsourcing\nB) Key process\nANSWER: A\n"
    preview = upload(
        admin_client, content, course=topic.course, topic=topic, fmt="aiken", name="b.txt"
    )
    admin_client.post(reverse(CONFIRM), {"token": token_of(preview)})
    question = Question.objects.get()
    assert question.kind == "single"
    assert question.answers.get(fraction=1).text == "Knowledge process outsourcing"


def test_an_oversized_file_is_refused(admin_client):
    topic = TopicFactory()
    response = upload(admin_client, b"x" * (2 * 1024 * 1024 + 1), course=topic.course)
    assert "the limit is 2 MB" in response.content.decode()
    assert IMPORT_SESSION_KEY not in admin_client.session


def test_an_empty_file_is_refused(admin_client):
    topic = TopicFactory()
    response = upload(admin_client, b"", course=topic.course)
    assert "The file is empty." in response.content.decode()


def test_a_file_without_questions_cannot_be_imported(admin_client):
    topic = TopicFactory()
    response = upload(admin_client, b"// just a comment\n", course=topic.course, topic=topic)
    html = response.content.decode()
    assert "Line 1: the file holds no questions" in html
    assert 'name="token"' not in html


def test_a_topic_of_another_course_is_refused(admin_client):
    topic = TopicFactory()
    other_course = TopicFactory().course
    response = upload(admin_client, GOOD_GIFT.encode(), course=other_course, topic=topic)
    assert f"is a topic of {topic.course}, not of {other_course}" in response.content.decode()


def test_missing_fields_are_reported_not_crashed_on(admin_client):
    response = admin_client.post(reverse(IMPORT), {"format": "docx"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose a file to import." in html
    assert "Select a valid choice" in html


def test_confirming_with_an_unknown_token_saves_nothing(admin_client):
    topic = TopicFactory()
    upload(admin_client, GOOD_GIFT.encode(), course=topic.course, topic=topic)
    for data in ({"token": "forged"}, {}):
        response = admin_client.post(reverse(CONFIRM), data, follow=True)
        assert "nothing was saved" in response.content.decode()
    assert not Question.objects.exists()


def test_a_preview_left_unconfirmed_for_too_long_expires(admin_client):
    topic = TopicFactory()
    preview = upload(admin_client, GOOD_GIFT.encode(), course=topic.course, topic=topic)
    session = admin_client.session
    session[IMPORT_SESSION_KEY]["at"] -= IMPORT_KEPT_FOR + 1
    session.save()
    response = admin_client.post(reverse(CONFIRM), {"token": token_of(preview)}, follow=True)
    assert "This import preview has expired" in response.content.decode()
    assert not Question.objects.exists()


def test_confirming_after_the_topic_was_deleted_saves_nothing(admin_client):
    topic = TopicFactory()
    preview = upload(admin_client, GOOD_GIFT.encode(), course=topic.course, topic=topic)
    topic.delete()
    response = admin_client.post(reverse(CONFIRM), {"token": token_of(preview)}, follow=True)
    assert "nothing was saved" in response.content.decode()
    assert not Question.objects.exists()


def test_a_file_that_stopped_importing_cleanly_is_shown_again_with_its_errors(admin_client):
    lesson = LessonFactory()
    content = GOOD_GIFT.replace(
        "// [id:kpo-meaning]", f"// [lesson:{lesson.slug}#first-section] [id:kpo-meaning]"
    )
    preview = upload(admin_client, content.encode(), course=lesson.topic.course, topic=lesson.topic)
    lesson.body = "No sections any more."
    lesson.save()
    response = admin_client.post(reverse(CONFIRM), {"token": token_of(preview)})
    html = response.content.decode()
    assert "no longer imports cleanly" in html
    assert "has no section #first-section" in html
    assert not Question.objects.exists()


def test_importing_needs_the_add_permission(client):
    topic = TopicFactory()
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_question"))
    client.force_login(staff)
    assert client.get(reverse(IMPORT)).status_code == 403
    assert upload(client, GOOD_GIFT.encode(), course=topic.course, topic=topic).status_code == 403
    assert client.post(reverse(CONFIRM), {"token": "x"}).status_code == 403


def test_updating_existing_questions_needs_the_change_permission(client):
    topic = TopicFactory()
    QuestionFactory(topic=topic, idnumber="kpo-meaning")
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_question", "view_question"])
    )
    client.force_login(staff)
    response = upload(client, GOOD_GIFT.encode(), course=topic.course, topic=topic)
    html = response.content.decode()
    assert "ID number “kpo-meaning” belongs to an existing question" in html
    assert 'name="token"' not in html
