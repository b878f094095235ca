import csv
import io
import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from fsrs import Rating

from quizzes import attempts, progress, scheduling
from quizzes.models import (
    Attempt,
    Cohort,
    Learner,
    Membership,
    Quiz,
    Response,
    ResponseOption,
    ReviewCard,
)
from tests.factories import (
    CourseFactory,
    LearnerFactory,
    LessonFactory,
    QuestionFactory,
    TopicFactory,
    UserFactory,
    quiz_with_questions,
)
from tests.quizzes.conftest import HX, right_choice, right_post, slot_url, wrong_choice, wrong_post

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def answer(learner, question, right: bool, when: datetime, seconds=20):
    """One graded practice answer at a frozen time."""
    quiz = quiz_with_questions(0, topic=question.topic, questions=[question])
    attempt = attempts.start_attempt(quiz=quiz, learner=learner, now=when)
    slot = attempt.slots.get()
    value = right_choice(slot) if right else wrong_choice(slot)
    attempts.record_answer(
        attempt=attempt, slot=slot, value=value, seq=0, seconds=seconds, now=when
    )
    attempts.finish_attempt(attempt=attempt, now=when)
    return ReviewCard.objects.get(learner=learner, question=question)


# FSRS scheduling --------------------------------------------------------------------------


def test_ratings_come_from_the_grade_and_the_answer_time():
    assert scheduling.rating_for(0.0) == Rating.Again
    assert scheduling.rating_for(0.49) == Rating.Again
    assert scheduling.rating_for(0.5) == Rating.Hard
    assert scheduling.rating_for(1.0, seconds=30) == Rating.Good
    assert scheduling.rating_for(1.0, seconds=5) == Rating.Easy
    assert scheduling.rating_for(1.0) == Rating.Good


def test_right_answers_push_the_due_date_out_and_a_wrong_one_brings_it_back():
    learner, question = LearnerFactory(), QuestionFactory()
    first = answer(learner, question, right=True, when=T0)
    assert first.due > T0
    second = answer(learner, question, right=True, when=first.due)
    third = answer(learner, question, right=True, when=second.due)
    gaps = [first.due - T0, second.due - first.due, third.due - second.due]
    assert gaps[0] < gaps[1] < gaps[2]  # each success spaces the next review further out
    lapse = answer(learner, question, right=False, when=third.due)
    assert lapse.due - third.due < timedelta(days=1)  # a miss comes back within the day
    assert lapse.stability < third.stability


def test_cards_rebuilt_from_responses_equal_the_live_ones():
    learner = LearnerFactory()
    q1, q2 = QuestionFactory(), QuestionFactory()
    answer(learner, q1, True, T0)
    answer(learner, q2, False, T0 + timedelta(hours=1))
    answer(learner, q1, False, T0 + timedelta(days=3))
    live = {
        c.question_id: (c.due, c.stability, c.difficulty, c.state)
        for c in ReviewCard.objects.filter(learner=learner)
    }
    assert scheduling.rebuild_cards(learner) == 2
    rebuilt = {
        c.question_id: (c.due, c.stability, c.difficulty, c.state)
        for c in ReviewCard.objects.filter(learner=learner)
    }
    assert rebuilt == live


def test_exam_answers_schedule_reviews_only_when_submitted(client, start):
    quiz = quiz_with_questions(2, mode=Quiz.Mode.EXAM)
    attempt = start(quiz)
    slot = attempt.slots.get(number=1)
    client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(slot)})
    assert not ReviewCard.objects.exists()  # nothing leaks into progress mid-exam
    client.post(f"/attempts/{attempt.pk}/submit")
    assert ReviewCard.objects.count() == 1


# Progress derived from answers --------------------------------------------------------------


def test_topic_stats_come_from_stored_answers():
    learner = LearnerFactory()
    topic = TopicFactory()
    questions = [QuestionFactory(topic=topic) for _ in range(5)]
    for i, q in enumerate(questions[:4]):
        answer(learner, q, right=i != 0, when=T0 + timedelta(minutes=i))
    [stats] = progress.topic_stats(learner, progress.topics_with_counts(pk=topic.pk), now=T0)
    assert (stats.total, stats.seen, stats.answers) == (5, 4, 4)
    assert stats.recent_accuracy == 0.75
    assert stats.level == progress.Level.FAMILIAR
    assert stats.last_practised == T0 + timedelta(minutes=3)
    assert stats.recall_today is not None and stats.next_due is not None


def test_recent_accuracy_only_counts_the_last_twenty_answers():
    learner = LearnerFactory()
    question = QuestionFactory()
    for i in range(5):
        answer(learner, question, right=False, when=T0 + timedelta(days=i))
    for i in range(20):
        answer(learner, question, right=True, when=T0 + timedelta(days=10 + i))
    [stats] = progress.topic_stats(
        learner, progress.topics_with_counts(pk=question.topic_id), now=T0 + timedelta(days=40)
    )
    assert stats.answers == 25 and stats.recent_accuracy == 1.0


# Dashboard ----------------------------------------------------------------------------------


@pytest.mark.parametrize("topics, per_topic", [(1, 1), (5, 4), (12, 10)])
def test_dashboard_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, topics, per_topic
):
    user = UserFactory()
    learner = Learner.objects.create(user=user)
    for _ in range(topics):
        topic = TopicFactory()
        lesson = LessonFactory(topic=topic)
        for j in range(per_topic):
            q = QuestionFactory(topic=topic, lesson=lesson, anchor="first-section")
            answer(learner, q, right=j % 2 == 0, when=T0)
    client.force_login(user)
    with django_assert_max_num_queries(10):
        response = client.get("/progress/")
    assert response.status_code == 200
    assert response.content.decode().count('class="level"') == topics


def test_dashboard_shows_levels_revise_next_and_review_due(client, start):
    lesson = LessonFactory()
    questions = [
        QuestionFactory(topic=lesson.topic, lesson=lesson, anchor="second-section")
        for _ in range(3)
    ]
    quiz = quiz_with_questions(0, topic=lesson.topic, questions=questions, shuffle_questions=False)
    attempt = start(quiz)
    for slot in attempt.slots.all():
        client.post(
            slot_url(attempt, slot.number, "answer"), {"seq": 0, "choice": wrong_post(slot)}
        )
    ReviewCard.objects.update(due=T0)  # everything is due
    html = client.get("/progress/").content.decode()
    assert "Attempted" in html
    assert "3 questions</strong> are due for review" in html
    assert f'href="{lesson.get_absolute_url()}#second-section"' in html  # Revise next
    assert "(3 missed)" in html
    assert "Practise my mistakes" in html


def test_a_review_session_is_built_from_due_items(client, start):
    quiz = quiz_with_questions(4)
    attempt = start(quiz)
    for slot in attempt.slots.all()[:3]:
        client.post(
            slot_url(attempt, slot.number, "answer"), {"seq": 0, "choice": wrong_post(slot)}
        )
    due = list(ReviewCard.objects.values_list("question_id", flat=True))
    ReviewCard.objects.update(due=T0)
    response = client.post(f"/progress/{quiz.course.slug}/review")
    review = Attempt.objects.get(quiz__purpose=Quiz.Purpose.REVIEW)
    assert response["Location"] == slot_url(review, 1)
    assert sorted(review.slots.values_list("question_id", flat=True)) == sorted(due)


def test_practise_my_mistakes_picks_only_questions_last_answered_wrongly(client, start):
    quiz = quiz_with_questions(4, shuffle_questions=False)
    attempt = start(quiz)
    slots = list(attempt.slots.all())
    for slot in slots:
        choice = wrong_post(slot) if slot.number <= 2 else right_post(slot)
        client.post(slot_url(attempt, slot.number, "answer"), {"seq": 0, "choice": choice})
    topic = quiz.topic
    client.post(f"/progress/{topic.course.slug}/{topic.slug}/mistakes")
    session = Attempt.objects.get(quiz__purpose=Quiz.Purpose.MISTAKES)
    assert sorted(session.slots.values_list("question_id", flat=True)) == sorted(
        s.question_id for s in slots[:2]
    )


def test_nothing_due_says_so(client):
    quiz = quiz_with_questions(1)
    response = client.post(f"/progress/{quiz.course.slug}/review", follow=True)
    assert "Nothing is due for review right now" in response.content.decode()


def test_exam_day_predicts_recall_per_topic_weakest_first(client, start):
    strong, weak = TopicFactory(title="Strong topic"), TopicFactory(title="Weak topic")
    for topic, right in ((strong, True), (weak, False)):
        quiz = quiz_with_questions(2, topic=topic)
        attempt = start(quiz)
        for slot in attempt.slots.all():
            choice = right_post(slot) if right else wrong_post(slot)
            client.post(slot_url(attempt, slot.number, "answer"), {"seq": 0, "choice": choice})
    day = (timezone.localdate() + timedelta(days=60)).isoformat()
    html = client.get("/progress/exam-day/", {"date": day}).content.decode()
    assert html.index("Weak topic") < html.index("Strong topic")
    assert "Expected score" in html


@pytest.mark.parametrize("bad", ["yesterday", "2001-01-01", "9999-12-31", ""])
def test_exam_day_rejects_bad_dates_clearly(client, bad):
    response = client.get("/progress/exam-day/", {"date": bad})
    assert response.status_code == 400
    assert 'class="msg error"' in response.content.decode()


def test_guest_progress_and_review_cards_carry_over_on_sign_up(client, start):
    quiz = quiz_with_questions(2)
    attempt = start(quiz)
    for slot in attempt.slots.all():
        client.post(
            slot_url(attempt, slot.number, "answer"), {"seq": 0, "choice": wrong_post(slot)}
        )
    guest_cards = set(ReviewCard.objects.values_list("question_id", "due"))
    client.post(
        "/accounts/signup/",
        {"username": "nia", "password1": "s3cret-Pass-phrase", "password2": "s3cret-Pass-phrase"},
    )
    learner = Learner.objects.get(user__username="nia")
    assert set(learner.cards.values_list("question_id", "due")) == guest_cards
    assert "Attempted" in client.get("/progress/").content.decode()


# Your data ----------------------------------------------------------------------------------


def test_export_gives_every_answer_in_json_and_csv(client, start):
    user = UserFactory(username="ola")
    client.force_login(user)
    quiz = quiz_with_questions(2)
    attempt = start(quiz)
    for slot in attempt.slots.all():
        client.post(
            slot_url(attempt, slot.number, "answer"),
            {"seq": 0, "choice": right_post(slot)},
            headers=HX,
        )
    data = json.loads(client.get("/progress/my-data.json").content)
    assert data["account"]["username"] == "ola"
    assert [len(a["answers"]) for a in data["attempts"]] == [2]
    assert len(data["review_schedule"]) == 2
    rows = list(csv.DictReader(io.StringIO(client.get("/progress/my-data.csv").content.decode())))
    assert len(rows) == 2 and {r["score"] for r in rows} == {"1.0"}


def test_export_includes_classes_and_flagged_questions(client, start):
    user = UserFactory(username="ola")
    client.force_login(user)
    quiz = quiz_with_questions(2)
    cohort = Cohort.objects.create(name="Evening class", course=quiz.course, owner=UserFactory())
    Membership.objects.create(cohort=cohort, user=user)
    attempt = start(quiz)
    slot = attempt.slots.get(number=2)
    client.post(slot_url(attempt, 2, "answer"), {"seq": 0, "choice": right_post(slot)})
    client.post(slot_url(attempt, 2, "flag"), {"flagged": "on"})
    assert attempt.slots.get(number=2).flagged

    data = json.loads(client.get("/progress/my-data.json").content)
    assert [(c["class"], c["code"]) for c in data["classes"]] == [("Evening class", cohort.code)]
    assert data["attempts"][0]["flagged"] == [2]
    assert data["attempts"][0]["answers"][0]["flagged"] is True


def test_export_of_a_user_who_never_started_a_quiz_gives_their_account(client):
    user = UserFactory(username="new", email="new@example.com")
    cohort = Cohort.objects.create(name="Morning", course=CourseFactory(), owner=UserFactory())
    Membership.objects.create(cohort=cohort, user=user)
    client.force_login(user)
    data = json.loads(client.get("/progress/my-data.json").content)
    assert data["account"]["username"] == "new"
    assert data["account"]["email"] == "new@example.com"
    assert [c["class"] for c in data["classes"]] == ["Morning"]
    assert data["attempts"] == [] and data["review_schedule"] == []


def test_a_guest_with_nothing_stored_exports_an_empty_record(client):
    data = json.loads(client.get("/progress/my-data.json").content)
    assert data["account"] is None
    assert data["classes"] == data["attempts"] == data["review_schedule"] == []


def test_deleting_an_account_leaves_nothing_behind(client, start):
    user = UserFactory()
    client.force_login(user)
    attempt = start(quiz_with_questions(1))
    slot = attempt.slots.get()
    client.post(slot_url(attempt, 1, "answer"), {"seq": 0, "choice": right_post(slot)})
    wrong = client.post("/progress/my-data/", {"confirm": "on", "password": "nope"})
    assert wrong.status_code == 400 and "That password is not right" in wrong.content.decode()
    done = client.post("/progress/my-data/", {"confirm": "on", "password": "correct-horse-battery"})
    assert done.status_code == 302
    assert not type(user).objects.filter(pk=user.pk).exists()
    for model in (Learner, Attempt, Response, ResponseOption, ReviewCard):
        assert not model.objects.exists(), model
    assert not client.get("/").context["user"].is_authenticated


def test_a_guest_can_delete_their_data_too(client, start):
    start(quiz_with_questions(1))
    assert client.post("/progress/my-data/", {"confirm": "on"}).status_code == 302
    assert not Learner.objects.exists() and not Attempt.objects.exists()


def test_recall_probability_matches_the_fsrs_package():
    learner = LearnerFactory()
    question = QuestionFactory()
    card = answer(learner, question, right=True, when=T0)
    card = answer(learner, question, right=False, when=T0 + timedelta(days=2))
    fsrs_card = scheduling._card(card)
    for days in (0, 1, 7, 30, 365):
        when = T0 + timedelta(days=days, hours=5)
        expected = scheduling.SCHEDULER.get_card_retrievability(fsrs_card, when)
        assert scheduling.retrievability(card, when) == pytest.approx(expected, rel=1e-12)
    assert scheduling.recall_probability(None, None, T0) == 0.0


def test_recall_counts_only_questions_last_answered_right():
    """Ten questions, three right: the 100 % recall FSRS gives right after answering covers
    the three, and the page says so, instead of "recall likely today 100 %" for the topic."""
    user = UserFactory()
    learner = Learner.objects.create(user=user)
    topic = TopicFactory()
    questions = [QuestionFactory(topic=topic) for _ in range(10)]
    for i, q in enumerate(questions):
        answer(learner, q, right=i < 3, when=T0)
    [stats] = progress.topic_stats(learner, progress.topics_with_counts(pk=topic.pk), now=T0)
    assert stats.recent_accuracy == pytest.approx(0.3)
    assert (stats.recalled, stats.not_recalled) == (3, 7)
    assert stats.recall_today == pytest.approx(1.0)


def test_a_question_answered_wrong_after_right_leaves_the_recall_estimate():
    learner = LearnerFactory()
    question = QuestionFactory()
    answer(learner, question, right=True, when=T0)
    answer(learner, question, right=False, when=T0 + timedelta(days=2))
    [stats] = progress.topic_stats(
        learner, progress.topics_with_counts(pk=question.topic_id), now=T0 + timedelta(days=2)
    )
    assert stats.recalled == 0 and stats.recall_today is None


def test_the_dashboard_says_what_recall_covers(client):
    user = UserFactory()
    learner = Learner.objects.create(user=user)
    topic = TopicFactory()
    questions = [QuestionFactory(topic=topic) for _ in range(10)]
    for i, q in enumerate(questions):
        answer(learner, q, right=i < 3, when=timezone.now())
    client.force_login(user)
    page = client.get("/progress/").content.decode()
    assert "30%" in page
    assert (
        "of the 3 questions you last answered right; 7 answered wrong last time are not counted"
        in page
    )


def test_the_dashboard_says_when_no_question_was_answered_right(client):
    user = UserFactory()
    learner = Learner.objects.create(user=user)
    answer(learner, QuestionFactory(), right=False, when=timezone.now())
    client.force_login(user)
    page = client.get("/progress/").content.decode()
    assert "no question answered right yet" in page
    assert "100%" not in page


def test_days_since_counts_whole_days_as_python_does_to_the_microsecond():
    card = answer(LearnerFactory(), QuestionFactory(), right=True, when=T0)
    micro = timedelta(microseconds=1)
    reviewed = [T0, T0 + timedelta(microseconds=999_600), T0 + timedelta(seconds=59.9996)]
    gaps = [timedelta(0), micro, timedelta(days=1) - micro, timedelta(days=1), timedelta(days=1)]
    gaps += [timedelta(days=1) + micro, timedelta(days=30, hours=23, minutes=59), timedelta(400)]
    for last_review in reviewed:
        ReviewCard.objects.filter(pk=card.pk).update(last_review=last_review)
        for gap in gaps:
            when = last_review + gap
            [days] = ReviewCard.objects.filter(pk=card.pk).values_list(
                scheduling.DaysSince("last_review", when), flat=True
            )
            assert days == gap.days, (last_review, gap)


def _reference_stats(learner, topic, now):
    """Recall and due figures recomputed in Python from the responses and the FSRS state."""
    latest = {}
    for r in Response.objects.graded().filter(learner=learner).order_by("graded", "pk"):
        latest[r.question_id] = r.fraction
    cards = list(ReviewCard.objects.filter(learner=learner, topic=topic))
    chances = [
        scheduling.recall_probability(c.stability, c.last_review, now)
        for c in cards
        if latest[c.question_id] >= progress.RECALLED
    ]
    return {
        "recall_today": sum(chances) / len(chances) if chances else None,
        "recalled": len(chances),
        "next_due": min((c.due for c in cards), default=None),
        "due_now": sum(1 for c in cards if c.due <= now),
    }


@pytest.mark.parametrize("seed", range(3))
def test_report_stats_without_dates_keep_every_other_figure_and_the_level(seed):
    """The class report reads no dates (`dates=False`); its recall, and so each level up to
    Mastered, equal the dashboard's and a recomputation with Python's datetime arithmetic,
    also for reviews exactly a whole number of days before now, to the microsecond."""
    rng = random.Random(seed)
    topic = TopicFactory()
    questions = [QuestionFactory(topic=topic) for _ in range(4)]
    now = T0 + timedelta(days=60)
    learners = [LearnerFactory() for _ in range(4)]
    for learner in learners:
        skill = rng.choice([0.5, 0.9, 1.0])
        for _ in range(rng.randint(4, 10)):
            ago = timedelta(days=rng.randint(0, 40))
            ago += rng.choice([timedelta(0), timedelta(microseconds=1), timedelta(hours=7)])
            ago -= rng.choice([timedelta(0), timedelta(microseconds=1)])
            answer(learner, rng.choice(questions), right=rng.random() < skill, when=now - ago)
    listed = progress.topics_with_counts(pk=topic.pk)
    ids = [learner.pk for learner in learners]
    full = progress.stats_by_learner(ids, listed, now=now)
    lean = progress.stats_by_learner(ids, listed, now=now, dates=False)
    levels = set()
    for learner in learners:
        [with_dates], [without] = full[learner.pk], lean[learner.pk]
        reference = _reference_stats(learner, topic, now)
        assert {name: getattr(with_dates, name) for name in reference} == reference
        assert without.level == with_dates.level
        assert (without.seen, without.answers, without.recent_accuracy, without.recalled) == (
            with_dates.seen,
            with_dates.answers,
            with_dates.recent_accuracy,
            with_dates.recalled,
        )
        assert without.recall_today == with_dates.recall_today
        assert (without.last_practised, without.next_due, without.due_now) == (None, None, 0)
        levels.add(without.level)
    assert len(levels) > 1
