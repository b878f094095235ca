import pytest
from django.urls import reverse

from quizzes.models import Attempt


@pytest.fixture
def start(client):
    """Start (or resume) a quiz as the test client; return the open attempt."""

    def start(quiz, as_client=None):
        c = as_client or client
        response = c.post(reverse("quizzes:start", args=[quiz.course.slug, quiz.slug]))
        assert response.status_code == 302, response.content
        return Attempt.objects.filter(quiz=quiz).order_by("-pk").first()

    return start


def slot_url(attempt, number=1, action=""):
    name = {"": "quizzes:slot", "answer": "quizzes:answer", "flag": "quizzes:flag"}[action]
    return reverse(name, args=[attempt.pk, number])


def right_choice(slot):
    """The id of a right option (what grading and storage use)."""
    return next(o["id"] for o in slot.snapshot["options"] if o["fraction"] >= 1)


def wrong_choice(slot):
    return next(o["id"] for o in slot.snapshot["options"] if o["fraction"] <= 0)


def right_post(slot):
    """A right option as a form posts it (its opaque value)."""
    return slot.option_value(right_choice(slot))


def wrong_post(slot):
    return slot.option_value(wrong_choice(slot))


HX = {"HX-Request": "true"}

# A small, valid GIFT file used by the import tests.
GOOD_GIFT = """\
// [id:kpo-meaning] [tag:basics]
::KPO meaning::What does KPO stand for?{
\t=Knowledge process outsourcing#Yes.
\t~Key process outsourcing#No.
\t####KPO means knowledge process outsourcing.
}

::BPO came first::BPO came before KPO.{TRUE####It did.}
"""
