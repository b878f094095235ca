"""The mastery ladder's rules, at their boundaries (pure: no database)."""

import pytest

from courses.models import Topic
from quizzes.progress import Level, TopicStats, how_to_raise, level

TOPIC = Topic(title="KPO", slug="kpo")


def stats(seen=10, total=10, accuracy=1.0, recall=1.0, answers=None):
    return TopicStats(
        TOPIC,
        total,
        seen=seen,
        answers=seen if answers is None else answers,
        recent_accuracy=accuracy,
        recall_today=recall,
    )


def test_no_answers_is_not_started():
    assert level(stats(seen=0, answers=0, accuracy=None, recall=None)) == Level.NOT_STARTED


def test_one_answer_is_attempted_even_if_wrong():
    assert level(stats(seen=1, accuracy=0.0, recall=0.1)) == Level.ATTEMPTED


@pytest.mark.parametrize(
    "seen, accuracy, expected",
    [
        (4, 0.60, Level.FAMILIAR),  # exactly 40 % seen, exactly 60 % accurate
        (3, 0.60, Level.ATTEMPTED),  # one question short of familiar
        (4, 0.59, Level.ATTEMPTED),  # a point short of familiar
        (7, 0.80, Level.PROFICIENT),
        (7, 0.79, Level.FAMILIAR),
        (6, 0.95, Level.FAMILIAR),
        (9, 0.90, Level.MASTERED),
        (9, 0.89, Level.PROFICIENT),
        (8, 1.00, Level.PROFICIENT),
    ],
)
def test_level_boundaries(seen, accuracy, expected):
    assert level(stats(seen=seen, accuracy=accuracy, recall=0.95)) == expected


def test_mastered_needs_recall_likely_today():
    assert level(stats(recall=0.80)) == Level.MASTERED
    assert level(stats(recall=0.79)) == Level.PROFICIENT


def test_one_slip_in_twenty_does_not_wipe_out_mastery():
    # Nineteen right and one wrong among the last twenty answers: 95 % recent accuracy.
    assert level(stats(accuracy=19 / 20)) == Level.MASTERED


def test_a_long_gap_lowers_recall_not_history():
    after_gap = stats(recall=0.4)
    assert level(after_gap) == Level.PROFICIENT  # seen and accuracy still count
    steps = how_to_raise(after_gap)
    assert len(steps) == 1 and "recall likely today from 40% to 80%" in steps[0]


def test_why_this_level_lists_what_would_raise_it():
    steps = how_to_raise(stats(seen=2, accuracy=0.5, recall=0.3))
    assert steps == [
        "Answer 2 more questions you have not seen (2 of 10 so far; Familiar needs 40%).",
        "Raise recent accuracy from 50% to 60%: practise your mistakes in this topic.",
    ]
    assert how_to_raise(stats()) == [
        "You have mastered this topic. Keep reviewing when items fall due."
    ]
    assert "get started" in how_to_raise(stats(seen=0, answers=0))[0]
