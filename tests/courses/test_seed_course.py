"""The real seed course, loaded once: it must load, be complete and round-trip exactly."""

import filecmp
import io
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from courses import markdown
from courses.loader import export_course, load_course
from courses.models import Course, Lesson
from quizzes.models import Question, Quiz

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "fixtures" / "bpo-vs-kpo"
SHARED = ROOT.parent / "shared"
pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    load_course(SEED)
    return Course.objects.get(slug="bpo-vs-kpo")


def test_every_topic_has_lessons_key_points_and_a_practice_quiz(course):
    topics = list(course.topics.all())
    assert len(topics) >= 10
    for topic in topics:
        assert topic.lessons.exists(), topic
        assert 3 <= topic.key_points.count() <= 7, topic
        assert topic.quizzes.filter(mode=Quiz.Mode.PRACTICE).exists(), topic
    exam = course.quizzes.get(topic__isnull=True, mode=Quiz.Mode.EXAM)
    assert exam.time_limit and exam.draw_count


def test_every_lesson_cites_a_source_by_publisher_and_title(course):
    for lesson in Lesson.objects.filter(topic__course=course):
        sources = list(lesson.sources.all())
        assert sources, lesson
        assert all(s.publisher and s.title for s in sources)


def test_the_question_bank_is_big_varied_and_linked(course):
    questions = Question.objects.filter(topic__course=course).select_related("lesson")
    assert questions.count() >= 100
    per_topic = Counter(q.topic_id for q in questions)
    assert min(per_topic.values()) >= 8 and len(per_topic) == course.topics.count()
    kinds = Counter(q.kind for q in questions)
    assert set(kinds) == set(Question.Kind.values)
    essays = Counter(q.topic_id for q in questions if q.kind == Question.Kind.ESSAY)
    assert set(essays) == set(per_topic), "every topic has a long answer"
    assert kinds[Question.Kind.MATCHING] >= 10
    for q in questions:
        assert q.explanation.strip(), q.idnumber
        assert q.lesson and q.anchor in q.lesson.anchors, q.idnumber
        if q.kind == Question.Kind.ESSAY:  # a mark scheme of several points
            assert q.answers.count() >= 2, q.idnumber


def test_every_wrong_choice_option_is_labelled_with_a_misconception(course):
    unlabelled = [
        (q.idnumber, a.text)
        for q in Question.objects.filter(kind__in=["single", "multiple"]).prefetch_related(
            "answers"
        )
        for a in q.answers.all()
        if a.fraction <= 0 and not a.misconception
    ]
    assert unlabelled == []


def test_the_seed_course_round_trips_to_identical_files(course, tmp_path):
    export_course(course, tmp_path)
    comparison = filecmp.dircmp(SEED, tmp_path)
    differing = comparison.diff_files + comparison.left_only + comparison.right_only
    for sub in comparison.subdirs.values():
        differing += sub.diff_files + sub.left_only + sub.right_only
        _, mismatch, _ = filecmp.cmpfiles(sub.left, sub.right, sub.common_files, shallow=False)
        differing += mismatch
    _, mismatch, _ = filecmp.cmpfiles(SEED, tmp_path, comparison.common_files, shallow=False)
    assert differing + mismatch == []


def test_no_seed_sentence_is_copied():
    tool = SHARED / "tools" / "seed_overlap.py"
    if not tool.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is missing; CI must check the seed overlap")
        pytest.skip("../shared/tools/seed_overlap.py is not beside this checkout")
    result = subprocess.run(
        [sys.executable, str(tool)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip().splitlines()[-1].startswith("seed sentences copied: 0 runs")


def _lessons(course):
    return list(Lesson.objects.filter(topic__course=course))


def test_every_lesson_fits_a_phone_revision_session(course):
    for lesson in _lessons(course):
        assert markdown.render(lesson.body).words <= 600, lesson.slug
        table_rows = [line for line in lesson.body.splitlines() if line.lstrip().startswith("|")]
        widest = max((row.strip().strip("|").count("|") + 1 for row in table_rows), default=0)
        assert widest <= 3, lesson.slug


def test_every_lesson_opens_with_its_questions_and_ends_with_summary_and_self_test(course):
    for lesson in _lessons(course):
        assert lesson.body.startswith("**After this lesson you can answer:**"), lesson.slug
        sections = [h["text"] for h in lesson.headings if h["level"] == 2]
        assert sections[-2:] == ["Summary", "Self-test"], lesson.slug
        summary = lesson.body.split("## Summary", 1)[1].split("## Self-test", 1)[0]
        bullets = [line for line in summary.splitlines() if line.startswith("- ")]
        assert 3 <= len(bullets) <= 5, lesson.slug
        self_test = lesson.body_html.split('id="self-test"', 1)[1]
        assert self_test.count("<details>") >= 2, lesson.slug
        assert self_test.count("<summary>") == self_test.count("<details>"), lesson.slug


def test_the_bank_has_enough_of_every_kind_in_every_topic(course):
    questions = Question.objects.filter(topic__course=course)
    for topic in course.topics.all():
        assert questions.filter(topic=topic).count() >= 8, topic.slug
    assert set(questions.values_list("kind", flat=True)) == set(Question.Kind.values)


def test_true_false_keys_are_balanced_and_absolutes_do_not_give_them_away(course):
    statements = list(
        Question.objects.filter(topic__course=course, kind="truefalse").prefetch_related("answers")
    )
    keyed_true = {
        q.pk for q in statements for a in q.answers.all() if a.text == "True" and a.fraction == 1
    }
    assert 0.4 <= len(keyed_true) / len(statements) <= 0.6
    absolute = re.compile(r"\b(always|never|only|all|none|every|completely)\b", re.I)
    with_absolutes = {q.pk for q in statements if absolute.search(q.text)}
    keyed_false = {q.pk for q in statements} - keyed_true
    assert with_absolutes & keyed_true
    assert len(with_absolutes & keyed_false) <= len(keyed_false) // 4


def test_multiple_response_questions_vary_in_how_many_options_are_right(course):
    shapes = Counter()
    for q in Question.objects.filter(topic__course=course, kind="multiple").prefetch_related(
        "answers"
    ):
        answers = list(q.answers.all())
        right = sum(a.fraction > 0 for a in answers)
        shapes[right, len(answers) - right] += 1
    assert len(shapes) >= 4
    assert max(shapes.values()) <= sum(shapes.values()) / 2


def test_no_term_that_no_source_uses(course):
    rpo = re.compile(r"\bRPO\b")
    questions = Question.objects.filter(topic__course=course).prefetch_related("answers")
    texts = [q.text + q.explanation + " ".join(a.text for a in q.answers.all()) for q in questions]
    assert not [t for t in texts if rpo.search(t)]
    assert not [lesson.slug for lesson in _lessons(course) if rpo.search(lesson.body)]


def test_the_item_writing_checker_finds_no_errors_and_no_length_cue(course):
    out = io.StringIO()
    call_command("check_questions", "--course", "bpo-vs-kpo", stdout=out)  # raises on errors
    report = out.getvalue()
    longest, shortest, total = re.search(
        r"key strictly longest: (\d+) of (\d+) \(\d+ %\); strictly shortest: (\d+)", report
    ).group(1, 3, 2)
    assert int(longest) <= 0.3 * int(total)
    assert abs(int(longest) - int(shortest)) <= 0.1 * int(total)
    assert "duplicates: 0" in report
