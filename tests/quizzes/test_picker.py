"""The question picker: search and filter by topic and kind, add several, reorder up/down."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from quizzes import attempts
from quizzes.models import Question, QuizQuestion
from tests.factories import (
    LearnerFactory,
    QuestionFactory,
    QuizFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PICKER = "admin:quizzes_quiz_questions"


def order_of(quiz) -> list[str]:
    rows = QuizQuestion.objects.filter(quiz=quiz).order_by("order", "pk")
    return [row.question.title for row in rows.select_related("question")]


@pytest.fixture
def bank():
    """A quiz on topic A with one question; the course has more on A and B, of two kinds."""
    a = TopicFactory(title="Topic A")
    b = TopicFactory(course=a.course, title="Topic B")
    first = QuestionFactory(topic=a, title="In already")
    quiz = QuizFactory(topic=a, course=a.course, questions=[first])
    QuestionFactory(topic=a, title="KPO full form", text="What does KPO stand for?")
    QuestionFactory(topic=b, title="KPO full form", text="Expand the letters K, P, O.")
    QuestionFactory(topic=b, title="BPO came first", kind=Question.Kind.TRUE_FALSE)
    QuestionFactory(topic=a, title="Old one", retired=True)
    QuestionFactory(title="Another course")
    return quiz, a, b


def titles_found(admin_client, quiz, **query) -> list[str]:
    html = admin_client.get(reverse(PICKER, args=[quiz.pk]), query).content.decode()
    found = (
        html.split('id="picker-results"')[1].split("</ul>")[0] if "picker-results" in html else ""
    )
    return sorted(q.title for q in Question.objects.all() if f"> {q.title}</label>" in found)


def test_the_picker_searches_the_course_by_text_topic_and_kind(admin_client, bank):
    quiz, a, b = bank
    everything = titles_found(admin_client, quiz, q="")
    # Retired questions, questions of other courses and those in the quiz are left out.
    assert everything == ["BPO came first", "KPO full form", "KPO full form"]
    html = admin_client.get(reverse(PICKER, args=[quiz.pk]), {"q": "letters"}).content.decode()
    assert "Expand the letters" in html and "What does KPO stand for" not in html
    by_topic = admin_client.get(reverse(PICKER, args=[quiz.pk]), {"topic": b.pk}).content.decode()
    assert "Expand the letters" in by_topic and "What does KPO stand for" not in by_topic
    assert titles_found(admin_client, quiz, kind="truefalse") == ["BPO came first"]


def test_several_questions_are_added_at_once_to_the_end(admin_client, bank):
    quiz, a, b = bank
    picked = Question.objects.filter(title__in=["KPO full form", "BPO came first"])
    response = admin_client.post(reverse(PICKER, args=[quiz.pk]), {"add": [q.pk for q in picked]})
    assert response.status_code == 302
    assert order_of(quiz)[0] == "In already" and len(order_of(quiz)) == 4


@pytest.mark.parametrize("title", ["Old one", "Another course", "In already"])
def test_a_question_the_picker_does_not_offer_cannot_be_added(admin_client, bank, title):
    quiz, _, _ = bank
    question = Question.objects.get(title=title)
    response = admin_client.post(reverse(PICKER, args=[quiz.pk]), {"add": [question.pk]})
    assert response.status_code == 302
    assert order_of(quiz) == ["In already"]


def test_questions_move_up_and_down_and_are_removed(admin_client):
    topic = TopicFactory()
    questions = [QuestionFactory(topic=topic, title=t) for t in "ABC"]
    quiz = QuizFactory(topic=topic, course=topic.course, questions=questions)
    url = reverse(PICKER, args=[quiz.pk])

    def press(title, direction):
        row = QuizQuestion.objects.get(quiz=quiz, question__title=title)
        assert admin_client.post(url, {"move": row.pk, "direction": direction}).status_code == 302

    press("C", "up")
    assert order_of(quiz) == ["A", "C", "B"]
    press("A", "down")
    assert order_of(quiz) == ["C", "A", "B"]
    press("C", "up")  # the first stays first
    assert order_of(quiz) == ["C", "A", "B"]
    press("A", "remove")
    assert order_of(quiz) == ["C", "B"]
    assert list(quiz.question_pool().values_list("title", flat=True)) == ["C", "B"]


def test_a_row_of_another_quiz_cannot_be_moved(admin_client, bank):
    quiz, _, _ = bank
    other = QuizFactory(questions=[QuestionFactory(title="Elsewhere")])
    row = QuizQuestion.objects.get(quiz=other)
    response = admin_client.post(
        reverse(PICKER, args=[quiz.pk]), {"move": row.pk, "direction": "remove"}
    )
    assert response.status_code == 302
    assert QuizQuestion.objects.filter(pk=row.pk).exists()


def test_a_quiz_that_draws_at_random_takes_no_fixed_questions(admin_client, bank):
    quiz, _, _ = bank
    QuizQuestion.objects.filter(quiz=quiz).delete()
    quiz.draw_count = 2
    quiz.save()
    question = Question.objects.filter(title="KPO full form").first()
    response = admin_client.post(reverse(PICKER, args=[quiz.pk]), {"add": [question.pk]})
    assert response.status_code == 302
    assert order_of(quiz) == []


def test_viewing_without_the_change_permission_offers_no_buttons(client, bank):
    quiz, _, _ = bank
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_quiz"))
    client.force_login(viewer)
    url = reverse(PICKER, args=[quiz.pk])
    html = client.get(url).content.decode()
    assert "In already" in html and "Add questions" not in html and "↑ Up" not in html
    question = Question.objects.filter(title="KPO full form").first()
    assert client.post(url, {"add": [question.pk]}).status_code == 403


def test_the_quiz_page_links_to_the_picker(admin_client, bank):
    quiz, _, _ = bank
    html = admin_client.get(reverse("admin:quizzes_quiz_change", args=[quiz.pk])).content
    assert reverse(PICKER, args=[quiz.pk]) in html.decode()


@pytest.mark.parametrize("n", [1, 20, 100])
def test_the_picker_has_a_fixed_query_budget(admin_client, django_assert_max_num_queries, n):
    topic = TopicFactory()
    questions = [QuestionFactory(topic=topic) for _ in range(n)]
    quiz = QuizFactory(topic=topic, course=topic.course, questions=questions[: n // 2 or 1])
    url = reverse(PICKER, args=[quiz.pk])
    # Session, user, quiz, the fixed list, the topic choices, the count and the page.
    with django_assert_max_num_queries(8):
        assert admin_client.get(url, {"q": "KPO"}).status_code == 200


def test_adding_and_reordering_in_the_picker_reach_the_next_start(admin_client):
    """Attempt starts keep each quiz's pool in the content cache; the picker's bulk writes
    send no signal, so they must retire it themselves."""
    topic = TopicFactory()
    first, second = (QuestionFactory(topic=topic, title=t) for t in ("First", "Second"))
    quiz = QuizFactory(topic=topic, course=topic.course, questions=[first], shuffle_questions=False)

    def served() -> list[str]:
        attempt = attempts.start_attempt(quiz=quiz, learner=LearnerFactory())
        return [slot.question.title for slot in attempt.slots.order_by("number")]

    assert served() == ["First"]  # the pool is cached now
    admin_client.post(reverse(PICKER, args=[quiz.pk]), {"add": [second.pk]})
    assert served() == ["First", "Second"]
    row = QuizQuestion.objects.get(quiz=quiz, question=second)
    admin_client.post(reverse(PICKER, args=[quiz.pk]), {"move": row.pk, "direction": "up"})
    assert served() == ["Second", "First"]
