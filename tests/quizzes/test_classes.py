import csv
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from quizzes import attempts
from quizzes.models import Cohort, Learner, Membership, Quiz
from tests.factories import (
    CourseFactory,
    QuestionFactory,
    TopicFactory,
    UserFactory,
    quiz_with_questions,
)
from tests.quizzes.conftest import right_choice, wrong_choice

pytestmark = pytest.mark.django_db


@pytest.fixture
def instructor(client):
    user = UserFactory(username="ms-rao", is_staff=True)
    user.groups.add(Group.objects.get(name="Instructors"))
    return user


def make_class(owner, course=None, name="Commerce 12B"):
    return Cohort.objects.create(name=name, course=course or CourseFactory(), owner=owner)


def practise(user, quiz, right: bool):
    learner, _ = Learner.objects.get_or_create(user=user)
    attempt = attempts.start_attempt(quiz=quiz, learner=learner)
    for slot in attempt.slots.all():
        value = right_choice(slot) if right else wrong_choice(slot)
        attempts.record_answer(attempt=attempt, slot=slot, value=value, seq=0)
    attempts.finish_attempt(attempt=attempt)
    return attempt


# Roles ---------------------------------------------------------------------------------------


def test_instructors_can_author_content_and_quizzes(client, instructor):
    client.force_login(instructor)
    for model in [
        "courses/course",
        "courses/lesson",
        "quizzes/question",
        "quizzes/quiz",
        "quizzes/cohort",
    ]:
        assert client.get(f"/admin/{model}/add/").status_code == 200, model
    response = client.post(
        "/admin/courses/course/add/",
        {
            "title": "New course",
            "slug": "new-course",
            "summary": "",
            "topics-TOTAL_FORMS": 0,
            "topics-INITIAL_FORMS": 0,
            "sources-TOTAL_FORMS": 0,
            "sources-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302


def test_instructors_cannot_touch_users_passwords_groups_or_sessions(client, instructor):
    client.force_login(instructor)
    other = UserFactory()
    for url in [
        "/admin/auth/user/",
        f"/admin/auth/user/{other.pk}/change/",
        f"/admin/auth/user/{other.pk}/password/",
        "/admin/auth/group/",
    ]:
        assert client.get(url).status_code == 403, url
    assert client.get("/admin/").content.decode().count("auth/user") == 0
    perms = instructor.get_all_permissions()
    assert not any(p.startswith("auth.") or p.startswith("sessions.") for p in perms)
    # Attempts are learners' work: instructors see, reopen, regrade and delete them (issue 12),
    # but only learners start them.
    assert {"quizzes.view_attempt", "quizzes.change_attempt"} <= perms
    assert "quizzes.add_attempt" not in perms


def test_a_class_gets_its_owner_and_a_join_code(client, instructor):
    course = CourseFactory()
    client.force_login(instructor)
    response = client.post(
        "/admin/quizzes/cohort/add/",
        {
            "name": "Commerce 12B",
            "course": course.pk,
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    cohort = Cohort.objects.get()
    assert cohort.owner == instructor
    assert len(cohort.code) == 8 and cohort.code.isalnum()


def test_the_add_page_shows_no_join_code_until_the_class_is_saved(client, instructor):
    client.force_login(instructor)
    add = client.get("/admin/quizzes/cohort/add/").content.decode()
    assert "Given when you save the class." in add
    cohort = make_class(instructor)
    change = client.get(f"/admin/quizzes/cohort/{cohort.pk}/change/").content.decode()
    assert cohort.code in change
    assert re.search(r"<input[^>]*name=\"joining_open\"[^>]*checked", add)  # open by default


def test_instructors_see_only_their_own_classes_and_superusers_see_all(client, instructor):
    mine = make_class(instructor, name="Mine")
    other_instructor = UserFactory(is_staff=True)
    other_instructor.groups.add(Group.objects.get(name="Instructors"))
    theirs = make_class(other_instructor, name="Theirs")
    client.force_login(instructor)
    listing = client.get("/admin/quizzes/cohort/").content.decode()
    assert "Mine" in listing and "Theirs" not in listing
    assert client.get(f"/admin/quizzes/cohort/{theirs.pk}/change/").status_code == 302
    assert client.get(reverse("admin:quizzes_cohort_report", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("admin:quizzes_cohort_report", args=[mine.pk])).status_code == 200
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get("/admin/quizzes/cohort/").content.decode()
    assert "Mine" in listing and "Theirs" in listing


def test_a_staff_user_outside_the_group_cannot_open_reports(client, instructor):
    cohort = make_class(instructor)
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("admin:quizzes_cohort_report", args=[cohort.pk])).status_code == 403


# Joining and leaving --------------------------------------------------------------------------


def test_a_learner_joins_through_the_link_and_can_leave(client, instructor):
    cohort = make_class(instructor)
    learner = UserFactory(username="arjun")
    anonymous = client.get(cohort.get_absolute_url())
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(learner)
    page = client.get(cohort.get_absolute_url()).content.decode()
    assert "Join the class" in page and "Commerce 12B" in page
    client.post(cohort.get_absolute_url())
    client.post(cohort.get_absolute_url())  # a second click joins once
    assert Membership.objects.filter(cohort=cohort, user=learner).count() == 1
    assert "Commerce 12B" in client.get("/classes/").content.decode()
    client.post(f"/classes/{cohort.pk}/leave")
    assert not Membership.objects.exists()
    assert client.post(f"/classes/{cohort.pk}/leave").status_code == 404


def test_a_class_closed_for_joining_refuses_newcomers_and_keeps_its_members(client, instructor):
    cohort = make_class(instructor)
    member = UserFactory()
    Membership.objects.create(cohort=cohort, user=member)
    cohort.joining_open = False
    cohort.save()
    client.force_login(UserFactory())
    page = client.get(cohort.get_absolute_url())
    assert page.status_code == 403
    assert "not taking new members" in page.content.decode()
    assert client.post(cohort.get_absolute_url()).status_code == 403
    assert Membership.objects.filter(cohort=cohort).count() == 1
    client.force_login(member)
    assert "already in this class" in client.get(cohort.get_absolute_url()).content.decode()


def test_joining_by_code_is_forgiving_about_case_and_spaces(client, instructor):
    cohort = make_class(instructor)
    client.force_login(UserFactory())
    response = client.get(
        "/classes/join/", {"code": f" {cohort.code.lower()[:4]} {cohort.code[4:]} "}
    )
    assert response["Location"] == cohort.get_absolute_url()
    bad = client.get("/classes/join/", {"code": "nope"}, follow=True)
    assert "No class has that code" in bad.content.decode()


# Report ------------------------------------------------------------------------------------


@pytest.fixture
def taught_class(instructor):
    topic = TopicFactory(title="KPO")
    cohort = make_class(instructor, course=topic.course)
    quiz = quiz_with_questions(
        0, topic=topic, questions=[QuestionFactory(topic=topic) for _ in range(4)]
    )
    strong, weak, idle = (
        UserFactory(username="amit"),
        UserFactory(username="bela"),
        UserFactory(username="chen"),
    )
    for user in (strong, weak, idle):
        Membership.objects.create(cohort=cohort, user=user)
    practise(strong, quiz, right=True)
    practise(weak, quiz, right=False)
    outsider = UserFactory(username="zed")
    practise(outsider, quiz, right=True)
    return cohort, quiz


def test_class_report_lists_learners_against_topics(client, instructor, taught_class):
    cohort, _ = taught_class
    client.force_login(instructor)
    html = client.get(reverse("admin:quizzes_cohort_report", args=[cohort.pk])).content.decode()
    assert "3 learners" in html
    table = html[html.index("<table") :]
    assert table.index("amit") < table.index("bela") < table.index("chen")
    assert "zed" not in table
    assert "Proficient" in table or "Mastered" in table or "Familiar" in table
    assert "0% · 4/4" in table and "100% · 4/4" in table


def test_class_report_filters_by_quiz_and_date(client, instructor, taught_class):
    cohort, quiz = taught_class
    other_quiz = Quiz.objects.create(course=cohort.course, slug="other", title="Other quiz")
    client.force_login(instructor)
    url = reverse("admin:quizzes_cohort_report", args=[cohort.pk])
    assert "4/4" not in client.get(url, {"quiz": other_quiz.pk}).content.decode()
    assert "4/4" in client.get(url, {"quiz": quiz.pk}).content.decode()
    assert (
        "4/4" not in client.get(url, {"start": "2001-01-01", "end": "2001-01-02"}).content.decode()
    )
    bad = client.get(url, {"start": "2026-02-01", "end": "2026-01-01"}).content.decode()
    assert "must come before" in bad


def test_class_csv_exports(client, instructor, taught_class):
    cohort, quiz = taught_class
    client.force_login(instructor)
    attempts_csv = client.get(
        reverse("admin:quizzes_cohort_report_csv", args=[cohort.pk, "attempts"])
    )
    rows = list(csv.DictReader(io.StringIO(attempts_csv.content.decode())))
    assert [(r["learner"], r["score"], r["out_of"], r["passed"]) for r in rows] == [
        ("amit", "4.0", "4", "yes"),
        ("bela", "0.0", "4", "no"),
    ]
    topics_csv = client.get(reverse("admin:quizzes_cohort_report_csv", args=[cohort.pk, "topics"]))
    rows = list(csv.DictReader(io.StringIO(topics_csv.content.decode())))
    assert {(r["learner"], r["topic"], r["recent_accuracy_percent"]) for r in rows} == {
        ("amit", "KPO", "100.0"),
        ("bela", "KPO", "0.0"),
        ("chen", "KPO", ""),
    }
    assert (
        client.get(
            reverse("admin:quizzes_cohort_report_csv", args=[cohort.pk, "other"])
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"end": "9999-12-31"}, "Choose a date up to 31 December 2999."),
        ({"start": "0001-01-01"}, "Choose a date from 1 January 2000 on."),
        ({"start": "2026-13-45"}, "Enter a valid date."),
        ({"start": "2026-02-01", "end": "2026-01-01"}, "must come before"),
    ],
)
def test_a_date_out_of_range_is_a_400_with_a_message(
    client, instructor, taught_class, query, message
):
    cohort, _ = taught_class
    client.force_login(instructor)
    page = client.get(reverse("admin:quizzes_cohort_report", args=[cohort.pk]), query)
    assert page.status_code == 400
    assert message in page.content.decode()
    for kind in ("attempts", "topics"):
        export = client.get(
            reverse("admin:quizzes_cohort_report_csv", args=[cohort.pk, kind]), query
        )
        assert export.status_code == 400
        assert message in export.content.decode()


@pytest.mark.parametrize("learners", [1, 20, 100])
def test_class_report_query_budget_does_not_grow(
    client, instructor, django_assert_max_num_queries, learners
):
    topic = TopicFactory()
    cohort = make_class(instructor, course=topic.course)
    quiz = quiz_with_questions(2, topic=topic)
    for _ in range(learners):
        user = UserFactory()
        Membership.objects.create(cohort=cohort, user=user)
        practise(user, quiz, right=True)
    client.force_login(instructor)
    url = reverse("admin:quizzes_cohort_report", args=[cohort.pk])
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(url.replace("report/", "report/topics.csv")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(url.replace("report/", "report/attempts.csv")).status_code == 200
