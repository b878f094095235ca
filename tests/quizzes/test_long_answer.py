"""Long answers with a mark scheme: key-idea matching, GIFT, writing, self-marking, exams."""

import pytest
from django.urls import reverse

from quizzes import importing
from quizzes.formats.gift import parse_gift, write_gift
from quizzes.formats.interchange import ESSAY
from quizzes.grading import (
    WHOLE_ANSWER,
    EssayAnswer,
    Gradable,
    Option,
    correct_response,
    grade,
    key_ideas,
    match_points,
)
from quizzes.models import Attempt, Question, Quiz, Response, ResponseOption
from quizzes.progress import topic_stats, topics_with_counts
from tests.factories import QuizFactory, TopicFactory, quiz_with_questions
from tests.quizzes.conftest import HX, slot_url

ROUTINE = Option(id=1, text="BPO is routine", value=2, match="rule-based | routine ; volume")
JUDGEMENT = Option(id=2, text="KPO needs judgement", value=1, match="judgement | judgment")
NO_IDEAS = Option(id=3, text="An example of each", value=1, match="")
SCHEME = Gradable(ESSAY, (ROUTINE, JUDGEMENT, NO_IDEAS))

ANSWER_TEXT = "BPO is Routine work done at high volume. KPO brings expertise."

ESSAY_GIFT = """\
// [id:essay-01] [tag:long-answer]
// [point:2] BPO runs routine, rule-based processes :: rule-based | routine ; volume | high-volume
// [point:1.5] KPO applies expert judgement :: judgement | judgment | expertise
::Distinguish BPO and KPO::Distinguish between BPO and KPO. (3.5 marks){
\t####BPO runs routine processes at volume; KPO sells judgement.
}
"""


# --- grading: key ideas and marks ------------------------------------------------------------


def test_key_ideas_are_read_as_ideas_of_synonyms():
    assert key_ideas(" rule-based | routine ;; volume |  ") == (
        ("rule-based", "routine"),
        ("volume",),
    )


def test_a_point_is_found_when_every_idea_has_a_synonym_in_the_text():
    found = {m.id: m for m in match_points(SCHEME, ANSWER_TEXT)}

    assert found[1].found and found[1].words == ("routine", "volume")


def test_a_point_missing_one_idea_is_not_found_but_shows_the_words_it_matched():
    found = {m.id: m for m in match_points(SCHEME, "It is all routine.")}

    assert not found[1].found and found[1].words == ("routine",)


def test_synonyms_match_whole_words_only_ignoring_case_and_accents():
    assert not match_points(SCHEME, "Judgements were made.")[1].found
    assert match_points(SCHEME, "Sound JUDGMENT matters.")[1].found
    assert match_points(Gradable(ESSAY, (Option(id=9, value=1, match="café"),)), "CAFE")[0].found


def test_a_point_without_key_ideas_is_never_pre_ticked():
    assert not match_points(SCHEME, ANSWER_TEXT + " example")[2].found


def test_the_score_is_the_marks_claimed_over_the_total():
    outcome = grade(SCHEME, EssayAnswer("text", frozenset({1, 3})))

    assert outcome.fraction == pytest.approx(3 / 4)
    assert outcome.matched == (1, 3)


def test_an_unmarked_long_answer_scores_nothing_and_points_of_other_questions_count_nothing():
    assert grade(SCHEME, EssayAnswer("text")).fraction == 0
    assert grade(SCHEME, EssayAnswer("text", frozenset({99}))).fraction == 0


def test_claiming_every_point_is_full_marks_and_an_empty_scheme_is_marked_whole():
    assert grade(SCHEME, correct_response(SCHEME)).fraction == 1
    empty = Gradable(ESSAY, ())
    assert grade(empty, EssayAnswer("x", frozenset({WHOLE_ANSWER}))).fraction == 1
    assert grade(empty, EssayAnswer("x", frozenset())).fraction == 0


# --- GIFT --------------------------------------------------------------------------------------


def test_a_gift_essay_imports_with_its_model_answer_and_scheme():
    result = parse_gift(ESSAY_GIFT)

    assert result.errors == [] and result.warnings == []
    (question,) = result.questions
    assert question.kind == ESSAY
    assert question.explanation == "BPO runs routine processes at volume; KPO sells judgement."
    assert [(a.text, a.value) for a in question.answers] == [
        ("BPO runs routine, rule-based processes", 2.0),
        ("KPO applies expert judgement", 1.5),
    ]
    assert question.answers[0].match == "rule-based | routine ; volume | high-volume"
    assert sum(a.fraction for a in question.answers) == pytest.approx(1)


def test_a_gift_essay_round_trips_with_its_scheme():
    parsed = parse_gift(ESSAY_GIFT).questions

    again = parse_gift(write_gift(parsed))

    assert again.errors == [] and again.questions == parsed


def test_a_gift_essay_without_points_has_an_empty_scheme_and_exports_as_moodle_does():
    (question,) = parse_gift("::Q8::How are you?{}").questions

    assert question.kind == ESSAY and question.answers == []
    assert write_gift([question]) == "// name: Q8\n::Q8::How are you?{}\n\n"


def test_a_point_without_positive_marks_is_an_error_at_its_line():
    result = parse_gift("// [point:0] Nothing :: x\n::E::Explain.{}")

    assert result.questions == []
    assert [error.line for error in result.errors] == [1]
    assert "positive number of marks" in result.errors[0].message


def test_a_point_line_on_another_kind_is_ignored_with_a_warning():
    result = parse_gift("// [point:2] Stray :: x\n::T::True?{T}")

    assert result.errors == [] and result.questions[0].answers[0].value is None
    assert "[point:...]" in result.warnings[0].message


@pytest.mark.django_db
def test_an_essay_saved_to_the_bank_exports_the_same_gift():
    topic = TopicFactory()
    (data,) = parse_gift(ESSAY_GIFT).questions
    question, _ = importing.save_question(data, topic=topic, lessons={})

    exported = parse_gift(importing.export_questions([question], "gift")).questions

    assert [(a.text, a.value, a.match) for a in exported[0].answers] == [
        (a.text, a.value, a.match) for a in data.answers
    ]
    assert exported[0].explanation == data.explanation


def test_the_numerical_catch_all_has_an_empty_tolerance():
    (question,) = parse_gift("::N::Pick one.{#=3:2~#Completely wrong}").questions

    assert [a.tolerance for a in question.answers] == [2.0, None]


# --- practice: writing, drafts, handing in, self-marking ---------------------------------------


def essay_quiz(mode=Quiz.Mode.PRACTICE, n=1):
    return quiz_with_questions(n, kinds=("essay",), mode=mode)


def mark_url(attempt, number=1):
    return reverse("quizzes:mark", args=[attempt.pk, number])


@pytest.mark.django_db
def test_a_draft_saves_without_javascript_and_is_shown_again(client, start):
    attempt = start(essay_quiz())

    saved = client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "text": "First thoughts"})

    assert saved.status_code == 302 and saved["Location"] == slot_url(attempt, 1)
    page = client.get(saved["Location"]).content.decode()
    assert "First thoughts</textarea>" in page and "Draft saved" in page
    response = Response.objects.get()
    assert response.fraction is None and response.answer == {"text": "First thoughts"}


@pytest.mark.django_db
def test_autosave_with_htmx_returns_only_the_status_and_the_new_sequence(client, start):
    attempt = start(essay_quiz())

    first = client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "text": "One"}, headers=HX)
    second = client.post(slot_url(attempt, 1, "answer"), {"seq": 1, "text": "Two"}, headers=HX)

    html = second.content.decode()
    assert first.status_code == second.status_code == 200
    assert "<html" not in html and 'id="save-status"' in html and 'value="2"' in html
    assert Response.objects.get().answer == {"text": "Two"}


@pytest.mark.django_db
def test_a_draft_from_a_stale_page_is_refused_and_what_was_typed_stays_on_screen(client, start):
    attempt = start(essay_quiz())
    client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "text": "From tab one"})

    stale = client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "text": "From tab two"})

    assert stale.status_code == 409
    assert "From tab two</textarea>" in stale.content.decode()
    assert Response.objects.get().answer == {"text": "From tab one"}


@pytest.mark.django_db
def test_handing_in_an_empty_answer_is_refused_with_a_message(client, start):
    attempt = start(essay_quiz())

    page = client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "text": " ", "submit": "1"})

    assert page.status_code == 422
    assert "Write your answer before handing it in." in page.content.decode()
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_handing_in_shows_the_model_answer_and_the_scheme_pre_ticked(client, start):
    attempt = start(essay_quiz())
    answer = {"seq": 0, "text": "Routine, high-volume work; KPO adds judgement.", "submit": "1"}

    html = client.post(slot_url(attempt, 1, "answer"), answer, headers=HX).content.decode()

    assert "Mark your answer" in html and "KPO means knowledge process outsourcing." in html
    assert html.count(" checked>") == 2
    assert "Found in your answer: routine, volume" in html
    assert Response.objects.get().fraction is None


@pytest.mark.django_db
def test_self_marking_scores_the_points_claimed_and_counts_as_self_marked(client, start):
    quiz = essay_quiz()
    attempt = start(quiz)
    slot = attempt.slots.get()
    first, second = (slot.option_value(o["id"]) for o in slot.snapshot["options"])
    client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "text": "Routine.", "submit": "1"})

    marked = client.post(mark_url(attempt), {"points": [first]})

    assert marked.status_code == 302
    page = client.get(marked["Location"]).content.decode()
    assert "Self-marked: 2 of 4 marks" in page
    assert Response.objects.get().fraction == 0.5
    again = client.post(mark_url(attempt), {"points": [first, second]})
    assert again.status_code == 302 and Response.objects.get().fraction == 0.5
    (stats,) = topic_stats(Attempt.objects.get().learner, topics_with_counts(pk=quiz.topic_id))
    assert (stats.answers, stats.self_marked) == (1, 1)


@pytest.mark.django_db
def test_a_point_of_another_question_is_a_bad_request(client, start):
    attempt = start(essay_quiz())
    client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "text": "Routine.", "submit": "1"})

    refused = client.post(mark_url(attempt), {"points": ["999999"]})

    assert refused.status_code == 400 and Response.objects.get().fraction is None


@pytest.mark.django_db
def test_points_are_posted_as_opaque_values_never_as_answer_row_ids(client, start):
    attempt = start(essay_quiz())
    slot = attempt.slots.get()
    ids = [o["id"] for o in slot.snapshot["options"]]
    client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "text": "Routine.", "submit": "1"})
    page = client.get(slot_url(attempt, 1)).content.decode()
    assert all(f'value="{slot.option_value(pk)}"' in page for pk in ids)
    assert not any(f'name="points" value="{pk}"' in page for pk in ids)

    refused = client.post(mark_url(attempt), {"points": [str(ids[0])]})

    assert refused.status_code == 400 and Response.objects.get().fraction is None


@pytest.mark.django_db
def test_a_long_answer_an_open_exam_also_asks_shows_no_scheme_and_cannot_be_marked(client, start):
    practice = essay_quiz()
    exam = QuizFactory(
        topic=practice.topic,
        course=practice.course,
        mode=Quiz.Mode.EXAM,
        questions=list(practice.questions.all()),
        title="Mock exam",
    )
    attempt = start(practice)  # started before the exam, so it keeps the shared question
    assert start(exam).is_open
    slot = attempt.slots.get()
    answer = {"seq": 0, "text": "Routine volume work.", "submit": "1"}

    page = client.post(slot_url(attempt, 1, "answer"), answer, follow=True).content.decode()

    assert "KPO means knowledge process outsourcing." not in page  # the model answer
    assert "rule-based" not in page and "Mark your answer" not in page
    assert "Answer saved" in page and "“Mock exam”" in page
    points = [slot.option_value(o["id"]) for o in slot.snapshot["options"]]
    client.post(mark_url(attempt), {"points": points})
    assert Response.objects.get(slot=slot).fraction is None


@pytest.mark.django_db
def test_a_draft_cannot_be_marked_before_it_is_handed_in(client, start):
    attempt = start(essay_quiz())
    client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "text": "Draft"})

    client.post(mark_url(attempt), {"points": []})

    assert Response.objects.get().fraction is None


# --- exams: marked after submitting ----------------------------------------------------------


@pytest.mark.django_db
def test_an_exam_long_answer_awaits_marking_after_submit_then_joins_the_score(client, start):
    quiz = quiz_with_questions(2, kinds=("single", "essay"), mode=Quiz.Mode.EXAM)
    attempt = start(quiz)
    essay = attempt.slots.get(question__kind=Question.Kind.ESSAY)
    client.post(slot_url(attempt, essay.number, "answer"), {"seq": 0, "text": "Routine volume."})
    client.post(mark_url(attempt, essay.number), {"points": []})  # refused while open
    assert Response.objects.get().fraction is None
    open_page = client.get(slot_url(attempt, essay.number)).content.decode()
    assert "KPO means knowledge process outsourcing." not in open_page  # the model answer
    assert "rule-based" not in open_page and "Mark your answer" not in open_page

    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    review = client.get(reverse("quizzes:review", args=[attempt.pk])).content.decode()

    assert "1 long answer awaits your marking" in review and "Awaiting your marking" in review
    assert Attempt.objects.get().score == 0
    points = [o["id"] for o in essay.snapshot["options"]]
    values = [essay.option_value(pk) for pk in points]
    marked = client.post(mark_url(attempt, essay.number), {"points": values})
    assert marked["Location"].endswith(f"#r{essay.number}")
    assert Attempt.objects.get().score == 1
    assert set(ResponseOption.objects.values_list("answer_id", flat=True)) == set(points)
    review = client.get(reverse("quizzes:review", args=[attempt.pk])).content.decode()
    assert "(self-marked)" in review and "awaits your marking" not in review


# --- query budgets -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 20, 100])
def test_long_answer_pages_keep_their_query_budgets(
    client, start, django_assert_max_num_queries, n
):
    quiz = essay_quiz(mode=Quiz.Mode.EXAM, n=n)
    attempt = start(quiz)
    for slot in attempt.slots.all():
        client.post(slot_url(attempt, slot.number, "answer"), {"seq": 0, "text": "Routine."})
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    with django_assert_max_num_queries(5):
        page = client.get(reverse("quizzes:review", args=[attempt.pk]))
    assert page.content.decode().count("Save my marks") == n
    with django_assert_max_num_queries(12):
        client.post(mark_url(attempt, n), {"points": []})

    practice = start(essay_quiz())
    client.post(slot_url(practice, 1, "answer"), {"seq": 0, "text": "Routine.", "submit": "1"})
    with django_assert_max_num_queries(5):
        assert client.get(slot_url(practice, 1)).status_code == 200
