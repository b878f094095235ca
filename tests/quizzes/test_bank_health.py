"""The item-writing checker in the admin: import preview, question form, bank health page."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import CourseFactory, QuestionFactory, TopicFactory, UserFactory
from tests.quizzes.test_admin import upload

pytestmark = pytest.mark.django_db

BANK_HEALTH = "admin:quizzes_question_bank_health"

FLAWED_GIFT = b"""\
::Cheaper::BPO is always cheaper than KPO.{FALSE####It depends on the work.}

::Clean::Which task is KPO work?{
\t=Equity research for an investor
\t~Payroll runs for a retailer
\t~Data entry for an insurer
\t####Equity research needs expert judgement.
}
"""

ABOVE = [
    {"text": "All of the above", "fraction": 1.0},
    {"text": "Payroll"},
    {"text": "Data entry"},
]


def test_the_import_preview_shows_the_checkers_remarks_without_blocking(admin_client):
    topic = TopicFactory()
    preview = upload(admin_client, FLAWED_GIFT, course=topic.course, topic=topic)
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "The item-writing checker made 1 remark" in html
    assert "Check: absolute-word</strong>: statement says “always” (keyed False)" in html
    assert "Import 2 questions" in html  # advice only: the import can still go ahead


def test_a_file_without_flaws_gets_no_remarks_in_the_preview(admin_client):
    topic = TopicFactory()
    clean = FLAWED_GIFT.split(b"\n\n", 1)[1]
    html = upload(admin_client, clean, course=topic.course, topic=topic).content.decode()
    assert "item-writing checker made" not in html


def test_the_change_form_lists_the_questions_flags(admin_client):
    question = QuestionFactory(answers=ABOVE)
    html = admin_client.get(reverse("admin:quizzes_question_change", args=[question.pk]))
    html = html.content.decode()
    assert "Item-writing checks" in html
    assert "Error: all-of-the-above</strong>: “All of the above”" in html


def test_the_change_form_of_a_clean_question_says_there_are_no_remarks(admin_client):
    question = QuestionFactory()
    html = admin_client.get(reverse("admin:quizzes_question_change", args=[question.pk]))
    assert "None: no cue the checker looks for" in html.content.decode()
    add = admin_client.get(reverse("admin:quizzes_question_add")).content.decode()
    assert "The question is checked once it is saved." in add


def test_bank_health_reports_a_course_by_topic_and_links_each_flag(admin_client):
    topic = TopicFactory(title="Outsourcing")
    other = TopicFactory(course=topic.course, title="KPO")
    flawed = QuestionFactory(topic=topic, title="Above", answers=ABOVE)
    QuestionFactory(topic=other, text="Which task is KPO work?")
    assert (
        reverse(BANK_HEALTH)
        in admin_client.get(reverse("admin:quizzes_question_changelist")).content.decode()
    )
    response = admin_client.get(reverse(BANK_HEALTH), {"course": topic.course.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<tr><th scope="row">Errors / warnings</th><td>1 / 0</td></tr>' in html
    change = reverse("admin:quizzes_question_change", args=[flawed.pk])
    assert f'<a href="{change}">Above</a>' in html
    assert f"topic={topic.pk}" in html and f"topic={other.pk}" in html

    only = admin_client.get(reverse(BANK_HEALTH), {"topic": other.pk}).content.decode()
    assert "No remarks." in only
    assert "Single choice: key position as written</th><td>1: 1</td>" in only
    assert "<li>Met: 0 errors</li>" in only
    assert '<tr><th scope="row">Questions</th><td>1</td></tr>' in only


def test_bank_health_defaults_to_the_first_course_and_refuses_bad_input(admin_client):
    CourseFactory(title="B course")
    first = TopicFactory(course=CourseFactory(title="A course"))
    QuestionFactory(topic=first)
    html = admin_client.get(reverse(BANK_HEALTH)).content.decode()
    assert '<h2 id="report-heading">A course</h2>' in html
    bad = admin_client.get(reverse(BANK_HEALTH), {"course": "nope"})
    assert bad.status_code == 400
    other = TopicFactory()
    mismatch = admin_client.get(
        reverse(BANK_HEALTH), {"course": first.course.pk, "topic": other.pk}
    )
    assert mismatch.status_code == 400
    assert "is not part of" in mismatch.content.decode()


def test_bank_health_needs_the_view_permission(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(reverse(BANK_HEALTH)).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_question"))
    assert client.get(reverse(BANK_HEALTH)).status_code == 200


@pytest.mark.parametrize("n", [1, 20, 100])
def test_bank_health_has_a_fixed_query_budget(admin_client, django_assert_max_num_queries, n):
    topics = [TopicFactory()]
    topics += [TopicFactory(course=topics[0].course) for _ in range(2)]
    for i in range(n):
        QuestionFactory(
            topic=topics[i % 3], text=f"Question {i}?", answers=ABOVE if i % 2 else None
        )
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse(BANK_HEALTH), {"course": topics[0].course.pk})
    assert response.status_code == 200
    assert f"<td>{n}</td>" in response.content.decode()
