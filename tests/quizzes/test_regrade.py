"""Attempts in the admin and regrade, on a worked example written out here.

The quiz has two questions. Q1, "Which came first?", had the wrong key: BPO is right, but
the key said KPO. Alice answered BPO (marked 0), Bob answered KPO (marked 1). Both answered
Q2 right. So Alice scored 1/2 and Bob 2/2. The instructor fixes the key (BPO 100 %, KPO 0 %):
the dry run must list Alice's Q1 going 0 → 1 and Bob's 1 → 0, change nothing, and applying
must give Alice 2/2 and Bob 1/2.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from quizzes import attempts, regrade
from quizzes.models import REVIEW_ITEMS, Answer, Attempt, Learner, Question, Quiz, Response
from tests.factories import QuestionFactory, QuizFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

ATTEMPTS = "admin:quizzes_attempt_changelist"


def take(quiz, name, picks):
    """`name` takes the quiz, choosing the option with each given text, and submits."""
    learner = Learner.objects.create(user=UserFactory(username=name))
    attempt = attempts.start_attempt(quiz=quiz, learner=learner)
    for slot, text in zip(attempt.slots.order_by("number"), picks, strict=True):
        option = next(o["id"] for o in slot.snapshot["options"] if o["text"] == text)
        attempts.record_answer(attempt=attempt, slot=slot, value=option, seq=0)
    attempts.finish_attempt(attempt=attempt)
    return attempt


@pytest.fixture
def example():
    topic = TopicFactory()
    q1 = QuestionFactory(
        topic=topic,
        title="Which came first?",
        answers=[
            {"text": "BPO", "fraction": 0.0, "feedback": "No."},
            {"text": "KPO", "fraction": 1.0, "feedback": "Yes."},
        ],
    )
    q2 = QuestionFactory(
        topic=topic,
        answers=[{"text": "Right", "fraction": 1.0}, {"text": "Wrong", "fraction": 0.0}],
    )
    quiz = QuizFactory(topic=topic, course=topic.course, questions=[q1, q2])
    quiz.shuffle_questions = False
    quiz.save()
    alice = take(quiz, "alice", ["BPO", "Right"])
    bob = take(quiz, "bob", ["KPO", "Right"])
    return quiz, q1, alice, bob


def fix_the_key(q1):
    Answer.objects.filter(question=q1, text="BPO").update(fraction=1.0, feedback="Yes: BPO.")
    Answer.objects.filter(question=q1, text="KPO").update(fraction=0.0, feedback="No.")


def test_the_worked_example_scores_as_described_before_any_regrade(example):
    _, _, alice, bob = example
    assert (alice.score, bob.score) == (1.0, 2.0)


def test_the_dry_run_lists_every_mark_that_would_change_and_writes_nothing(example):
    quiz, q1, alice, bob = example
    fix_the_key(q1)
    plan = regrade.plan(Attempt.objects.filter(quiz=quiz))
    changes = {(c.learner, c.number, c.question, c.old, c.new) for c in plan.changes}
    assert changes == {
        ("alice", 1, "Which came first?", 0.0, 1.0),
        ("bob", 1, "Which came first?", 1.0, 0.0),
    }
    assert plan.totals == {alice.pk: (1.0, 2.0), bob.pk: (2.0, 1.0)}
    alice.refresh_from_db()
    assert alice.score == 1.0
    assert Response.objects.get(slot__attempt=alice, slot__number=1).fraction == 0.0


def test_applying_the_regrade_changes_marks_totals_and_what_review_shows(example, client):
    quiz, q1, alice, bob = example
    fix_the_key(q1)
    regrade.apply(Attempt.objects.filter(quiz=quiz))
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.score, bob.score) == (2.0, 1.0)
    response = Response.objects.get(slot__attempt=alice, slot__number=1)
    assert (response.fraction, response.feedback) == (1.0, ["Yes: BPO."])
    assert regrade.plan(Attempt.objects.filter(quiz=quiz)).changes == []  # nothing left to do


def test_a_regrade_keeps_the_order_each_learner_saw_the_options_in(example):
    quiz, q1, alice, _ = example
    slot = alice.slots.get(number=1)
    slot.snapshot["options"].reverse()  # whichever order she was shown, now the other one
    slot.save()
    shown = [o["text"] for o in slot.snapshot["options"]]
    fix_the_key(q1)
    regrade.apply(Attempt.objects.filter(pk=alice.pk))
    slot.refresh_from_db()
    assert [o["text"] for o in slot.snapshot["options"]] == shown
    new_key = {"BPO": 1.0, "KPO": 0.0}
    assert [o["fraction"] for o in slot.snapshot["options"]] == [new_key[t] for t in shown]


def test_open_attempts_are_left_alone(example):
    quiz, q1, *_ = example
    learner = Learner.objects.create(user=UserFactory(username="carol"))
    attempt = attempts.start_attempt(quiz=quiz, learner=learner)
    slot = attempt.slots.get(number=1)
    bpo = next(o["id"] for o in slot.snapshot["options"] if o["text"] == "BPO")
    attempts.record_answer(attempt=attempt, slot=slot, value=bpo, seq=0)
    fix_the_key(q1)
    assert "carol" not in {c.learner for c in regrade.plan(Attempt.objects.all()).changes}


def instructor_client(client):
    user = UserFactory(username="teacher", is_staff=True)
    user.groups.add(Group.objects.get(name="Instructors"))
    client.force_login(user)
    return client


def test_an_instructor_regrades_from_the_quiz_list_after_a_dry_run(example, client):
    quiz, q1, alice, bob = example
    client = instructor_client(client)
    fix_the_key(q1)
    url = reverse("admin:quizzes_quiz_changelist")
    post = {"action": "regrade_attempts", "_selected_action": [quiz.pk], "index": 0}
    page = client.post(url, post)
    html = page.content.decode()
    assert page.status_code == 200
    assert "2 marks would change" in html
    assert "<td>alice</td>" in html and "<td>bob</td>" in html
    alice.refresh_from_db()
    assert alice.score == 1.0  # the dry run wrote nothing
    done = client.post(url, {**post, "apply": "yes"})
    assert done.status_code == 302
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.score, bob.score) == (2.0, 1.0)
    grid = client.get(reverse("admin:quizzes_quiz_grades_csv", args=[quiz.pk])).content.decode()
    assert "alice,1,1,2,2,100.0" in grid.splitlines()
    assert "bob,0,1,1,2,50.0" in grid.splitlines()


def test_attempts_are_listed_per_quiz_and_per_learner(example, admin_client):
    quiz, _, alice, bob = example
    url = reverse(ATTEMPTS)
    per_quiz = admin_client.get(url, {"quiz__id__exact": quiz.pk}).content.decode()
    assert "alice" in per_quiz and "bob" in per_quiz
    per_learner = admin_client.get(url, {"learner__id__exact": alice.learner_id})
    html = per_learner.content.decode()
    assert per_learner.status_code == 200
    assert "1 attempt" in html and "All by alice" in html and "All by bob" not in html


def test_an_attempt_opens_on_the_learners_review_with_the_feedback_they_saw(example, admin_client):
    _, _, alice, _ = example
    page = admin_client.get(reverse("admin:quizzes_attempt_change", args=[alice.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "alice's own review page shows now" in html
    assert "✗ Wrong" in html and "No." in html


def test_staff_see_an_attempt_in_full_whatever_the_learner_may_see(example, admin_client):
    quiz, _, alice, _ = example
    Quiz.objects.filter(pk=quiz.pk).update(**dict.fromkeys(REVIEW_ITEMS, 0))
    html = admin_client.get(reverse("admin:quizzes_attempt_change", args=[alice.pk])).content
    html = html.decode()
    assert "✗ Wrong" in html and "No." in html and "Correct answer:" in html
    assert "own review page shows now: nothing but their answers" in html


@pytest.mark.parametrize("n", [1, 20])
def test_the_attempt_list_and_review_have_fixed_query_budgets(
    admin_client, django_assert_max_num_queries, n
):
    topic = TopicFactory()
    questions = [QuestionFactory(topic=topic) for _ in range(n)]
    quiz = QuizFactory(topic=topic, course=topic.course, questions=questions)
    for index in range(n):
        learner = Learner.objects.create(user=UserFactory(username=f"l{index}"))
        last = attempts.start_attempt(quiz=quiz, learner=learner)
        attempts.finish_attempt(attempt=last)
    with django_assert_max_num_queries(10):
        assert admin_client.get(reverse(ATTEMPTS)).status_code == 200
    with django_assert_max_num_queries(8):
        assert (
            admin_client.get(reverse("admin:quizzes_attempt_change", args=[last.pk])).status_code
            == 200
        )


def test_reopening_an_exam_attempt_lets_the_learner_change_answers(example, admin_client):
    quiz, _, alice, _ = example
    quiz.mode = "exam"
    quiz.save()
    admin_client.post(
        reverse(ATTEMPTS), {"action": "reopen", "_selected_action": [alice.pk], "index": 0}
    )
    alice.refresh_from_db()
    assert alice.is_open and alice.score is None
    assert not Response.objects.filter(slot__attempt=alice, fraction__isnull=False).exists()
    attempts.finish_attempt(attempt=alice)
    assert alice.score == 1.0


def test_reopening_is_refused_while_another_attempt_is_open(example, admin_client):
    quiz, _, alice, _ = example
    attempts.start_attempt(quiz=quiz, learner=alice.learner)
    page = admin_client.post(
        reverse(ATTEMPTS),
        {"action": "reopen", "_selected_action": [alice.pk], "index": 0},
        follow=True,
    )
    assert "already has an attempt" in page.content.decode()
    alice.refresh_from_db()
    assert not alice.is_open


def test_deleting_an_attempt_asks_first_then_removes_its_answers(example, admin_client):
    _, _, alice, _ = example
    post = {"action": "delete_selected", "_selected_action": [alice.pk], "index": 0}
    confirm = admin_client.post(reverse(ATTEMPTS), post)
    assert "Are you sure" in confirm.content.decode()
    assert Attempt.objects.filter(pk=alice.pk).exists()
    admin_client.post(reverse(ATTEMPTS), {**post, "post": "yes"})
    assert not Attempt.objects.filter(pk=alice.pk).exists()
    assert not Response.objects.filter(learner=alice.learner).exists()
    assert Question.objects.count() == 2


def test_an_extra_attempt_lets_a_learner_start_again_after_the_limit(example, admin_client):
    quiz, _, alice, _ = example
    quiz.attempts_allowed = 1
    quiz.save()
    with pytest.raises(attempts.AttemptsUsedUp):
        attempts.start_attempt(quiz=quiz, learner=alice.learner)
    admin_client.post(
        reverse(ATTEMPTS), {"action": "extra_attempt", "_selected_action": [alice.pk], "index": 0}
    )
    again = attempts.start_attempt(quiz=quiz, learner=alice.learner)
    assert again.pk != alice.pk and again.is_open


def test_applying_gives_regraded_slots_the_current_version_and_others_keep_theirs(example):
    quiz, q1, alice, bob = example
    given = alice.slots.get(number=1).version_id
    assert given is not None and bob.slots.get(number=1).version_id == given
    fix_the_key(q1)
    regrade.apply(Attempt.objects.filter(pk=alice.pk))
    assert alice.slots.get(number=1).version_id != given
    assert bob.slots.get(number=1).version_id == given  # not regraded: keeps its version
