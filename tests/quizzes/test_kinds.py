"""The per-kind registry (quizzes.kinds): every kind is complete and consistent."""

import pytest
from django.template.loader import get_template

from quizzes import grading, kinds
from quizzes.formats.interchange import KINDS as INTERCHANGE_KINDS
from quizzes.models import Question

SAMPLE_ANSWERS = {
    "single": 7,
    "truefalse": 8,
    "multiple": frozenset({3, 1}),
    "short": "Knowledge Process Outsourcing",
    "numerical": "2.5",
    "matching": {4: "routine", 2: "judgement"},
}


def test_every_model_kind_has_its_behaviour_and_back():
    assert set(Question.Kind.values) == set(kinds.KINDS)
    assert set(INTERCHANGE_KINDS) <= set(kinds.KINDS)


@pytest.mark.parametrize("kind", list(kinds.KINDS))
def test_each_kind_can_be_graded_and_drawn(kind):
    spec = kinds.get(kind)
    assert get_template(spec.template)
    assert grading.grade(grading.Gradable(kind, ()), None).fraction == 0


@pytest.mark.parametrize("kind", list(SAMPLE_ANSWERS))
def test_a_stored_answer_decodes_to_what_was_encoded(kind):
    spec = kinds.get(kind)
    value = SAMPLE_ANSWERS[kind]

    assert spec.decode(spec.encode(value)) == value


def test_an_unknown_kind_is_refused():
    with pytest.raises(KeyError):
        kinds.get("ordering")
