"""Properties of quizzes.grading over random valid questions of every kind.

Each question strategy builds what an author could write in Moodle: a full-credit answer plus
alternatives at Moodle's fractions, negative ones included.
"""

import math
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.formats.interchange import (
    ESSAY,
    KINDS,
    MATCHING,
    MULTIPLE,
    NUMERICAL,
    SHORT,
    SINGLE,
    TRUE_FALSE,
)
from quizzes.grading import (
    EssayAnswer,
    Gradable,
    Option,
    correct_response,
    grade,
    match_points,
    normalise,
    parse_number,
)

# No deadline: a slow CI machine must not turn a correct property into a flaky one.
SETTINGS = settings(max_examples=200, deadline=None)

# Moodle's grade menu for an answer row, and its negatives for penalties.
MOODLE_FRACTIONS = (
    1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2,
    0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0,
)  # fmt: skip
WEIGHTS = st.sampled_from(MOODLE_FRACTIONS + tuple(-f for f in MOODLE_FRACTIONS if f))
PENALTIES = st.sampled_from((0.0,) + tuple(-f for f in MOODLE_FRACTIONS if f))

LETTERS = "abcdefghijklmnopqrstuvwxyzKPOÉéüßñ0123456789"
WORD = st.text(st.sampled_from(LETTERS + "-'"), min_size=1).filter(
    lambda word: any(char.isalnum() for char in word)
)
PHRASE = st.lists(WORD, min_size=1, max_size=4).map(" ".join)
EDGE = st.sampled_from(["", ".", "!", '"', "(", ")", "  ", "*", r"\*", "¿"])
# Any text an author might type as an accepted answer, so long as something survives
# normalisation (a letter or digit) or it holds a wildcard (an asterisk not escaped as \*).
ANY_ANSWER = st.text(min_size=1, max_size=30).filter(
    lambda text: re.search(r"(?<!\\)\*", text) or any(char.isalnum() for char in text)
)


def ids(count: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(-(10**9), 10**9), min_size=count, max_size=count, unique=True)


def numbered(ids_: list[int], rows: list[dict]) -> tuple[Option, ...]:
    return tuple(Option(id=id_, **row) for id_, row in zip(ids_, rows, strict=True))


@st.composite
def single_questions(draw) -> Gradable:
    others = draw(st.lists(WEIGHTS, max_size=5))
    rows = [{"text": "right", "fraction": 1.0, "feedback": "yes"}]
    rows += [{"text": f"option {i}", "fraction": f} for i, f in enumerate(others)]
    return Gradable(SINGLE, numbered(draw(ids(len(rows))), rows))


@st.composite
def truefalse_questions(draw) -> Gradable:
    true_is_right = draw(st.booleans())
    rows = [
        {"text": "True", "fraction": 1.0 if true_is_right else 0.0},
        {"text": "False", "fraction": 0.0 if true_is_right else 1.0},
    ]
    return Gradable(TRUE_FALSE, numbered(draw(ids(2)), rows))


@st.composite
def multiple_questions(draw) -> Gradable:
    # Positive shares of 1, exact or rounded to Moodle's seven decimals (3 x 0.3333333), so
    # their sum may miss 1 by a little; then penalties and zeros.
    if draw(st.booleans()):
        shares = draw(st.lists(st.integers(1, 7), min_size=1, max_size=5))
        positives = [share / sum(shares) for share in shares]
    else:
        count = draw(st.integers(1, 10))
        positives = [round(1 / count, 7)] * count
    fractions = positives + draw(st.lists(PENALTIES, max_size=4))
    rows = [{"text": f"option {i}", "fraction": f} for i, f in enumerate(fractions)]
    return Gradable(MULTIPLE, numbered(draw(ids(len(rows))), rows))


NUMBERS = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**6), 10**6).map(float)
TOLERANCES = st.just(0.0) | st.floats(0, 1e6, allow_nan=False)


@st.composite
def numerical_rows(draw, fraction: st.SearchStrategy[float]) -> dict:
    value = draw(NUMBERS)
    # The value as written: often parseable, sometimes not ("1e+16"), sometimes absent.
    text = draw(st.sampled_from([repr(value), f"{value:,}", ""]))
    return {"text": text, "fraction": draw(fraction), "value": value, "tolerance": draw(TOLERANCES)}


@st.composite
def numerical_questions(draw) -> Gradable:
    rows = [draw(numerical_rows(st.just(1.0)))]
    rows += draw(st.lists(numerical_rows(WEIGHTS), max_size=3))
    if draw(st.booleans()):
        rows.append({"text": "*", "fraction": draw(PENALTIES), "feedback": "catch-all"})
    return Gradable(NUMERICAL, numbered(draw(ids(len(rows))), rows))


@st.composite
def short_patterns(draw) -> str:
    """An accepted answer: words with punctuation at the edges and maybe a wildcard inside."""
    text = draw(PHRASE)
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(text)))
        text = f"{text[:cut]}*{text[cut:]}"
    return draw(EDGE) + text + draw(EDGE)


@st.composite
def short_questions(draw) -> Gradable:
    full = draw(short_patterns() | ANY_ANSWER)
    alternatives = draw(st.lists(st.tuples(short_patterns() | st.text(), WEIGHTS), max_size=4))
    rows = [{"text": full, "fraction": 1.0}]
    rows += [{"text": text, "fraction": fraction} for text, fraction in alternatives]
    return Gradable(SHORT, numbered(draw(ids(len(rows))), rows))


STEM_TEXT = st.text(min_size=1, max_size=20).filter(str.strip)


@st.composite
def matching_questions(draw) -> Gradable:
    stems = draw(st.lists(st.tuples(STEM_TEXT, PHRASE | STEM_TEXT), min_size=2, max_size=5))
    distractors = draw(st.lists(PHRASE | st.text(max_size=20), max_size=3))
    rows = [{"text": text, "match": match} for text, match in stems]
    rows += [{"text": "", "match": match} for match in distractors]
    return Gradable(MATCHING, numbered(draw(ids(len(rows))), rows))


IDEAS = st.lists(st.lists(PHRASE, min_size=1, max_size=3).map(" | ".join), max_size=3).map(
    " ; ".join
)


@st.composite
def essay_questions(draw) -> Gradable:
    """A mark scheme: points with marks (some worthless) and key ideas, or none at all."""
    marks = draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0, 0.0]), max_size=5))
    rows = [{"text": f"point {i}", "value": m, "match": draw(IDEAS)} for i, m in enumerate(marks)]
    return Gradable(ESSAY, numbered(draw(ids(len(rows))), rows))


QUESTIONS = {
    SINGLE: single_questions(),
    TRUE_FALSE: truefalse_questions(),
    MULTIPLE: multiple_questions(),
    NUMERICAL: numerical_questions(),
    SHORT: short_questions(),
    MATCHING: matching_questions(),
    ESSAY: essay_questions(),
}
ANY_QUESTION = st.one_of(*QUESTIONS.values())


def option_ids(question: Gradable) -> st.SearchStrategy[int]:
    return st.sampled_from([option.id for option in question.options]) | st.integers()


def option_texts(question: Gradable) -> st.SearchStrategy[str]:
    return st.sampled_from([option.text for option in question.options])


def responses(question: Gradable) -> st.SearchStrategy:
    """Random responses of the right type for the question's kind, valid or malformed."""
    if question.kind in (SINGLE, TRUE_FALSE):
        return st.none() | option_ids(question)
    if question.kind == MULTIPLE:
        chosen = option_ids(question)
        return st.sets(chosen) | st.lists(chosen) | st.frozensets(chosen).map(tuple)
    if question.kind == SHORT:
        typo = option_texts(question).map(lambda text: text[1:] + text[:1])
        return st.text() | option_texts(question) | typo | PHRASE
    if question.kind == NUMERICAL:
        near = st.tuples(NUMBERS, st.sampled_from(["", "%", " "])).map(lambda p: f"{p[0]!r}{p[1]}")
        return st.text() | option_texts(question) | near | st.sampled_from(["nan", "inf", ""])
    if question.kind == ESSAY:
        claimed = st.none() | st.frozensets(
            option_ids(question) if question.options else st.integers()
        )
        return st.builds(EssayAnswer, st.text() | PHRASE, claimed)
    matches = st.sampled_from([option.match for option in question.options])
    return st.dictionaries(option_ids(question), st.none() | matches | st.text())


def with_response(question: Gradable) -> st.SearchStrategy:
    return st.tuples(st.just(question), responses(question))


EMPTY = {
    SINGLE: None,
    TRUE_FALSE: None,
    MULTIPLE: set(),
    SHORT: "",
    NUMERICAL: "",
    MATCHING: {},
    ESSAY: EssayAnswer("", frozenset()),
}


@SETTINGS
@given(ANY_QUESTION.flatmap(with_response))
def test_score_always_lies_between_zero_and_one(case):
    question, response = case
    assert 0.0 <= grade(question, response).fraction <= 1.0


@SETTINGS
@given(
    ANY_QUESTION.flatmap(lambda q: st.tuples(st.just(q), responses(q), st.permutations(q.options)))
)
def test_permuting_the_options_never_changes_the_score(case):
    question, response, shuffled = case
    permuted = Gradable(question.kind, tuple(shuffled))
    assert grade(permuted, response).fraction == grade(question, response).fraction


@SETTINGS
@given(ANY_QUESTION)
def test_empty_response_scores_zero(question):
    assert grade(question, EMPTY[question.kind]).fraction == 0.0
    assert grade(question, None).fraction == 0.0


@SETTINGS
@given(ANY_QUESTION)
def test_correct_response_scores_exactly_one(question):
    assert grade(question, correct_response(question)).fraction == 1.0


def test_every_kind_has_a_question_strategy():
    assert set(QUESTIONS) == set(KINDS)


@SETTINGS
@given(st.text())
def test_normalise_is_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once
    assert once == once.strip()


@SETTINGS
@given(st.text() | st.from_regex(r"[+-]?[$₹]?[0-9,.]{1,12}%?", fullmatch=True))
def test_parse_number_returns_a_finite_number_or_none(text):
    number = parse_number(text)
    assert number is None or math.isfinite(number)


@SETTINGS
@given(st.integers(-(10**15), 10**15))
def test_parse_number_reads_western_grouping_back(number):
    assert parse_number(f"{number:,}") == number


@SETTINGS
@given(essay_questions(), st.text() | PHRASE)
def test_key_ideas_are_found_whatever_the_order_of_the_points(question, text):
    found = {m.id: m for m in match_points(question, text)}
    shuffled = Gradable(ESSAY, tuple(reversed(question.options)))
    assert {m.id: m for m in match_points(shuffled, text)} == found
    for option in question.options:
        assert found[option.id].found <= bool(option.match.strip())
