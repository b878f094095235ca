"""Grading: score one response to one question, the way Moodle does.

Contract:

- `grade(question, response)` is pure (no I/O, no randomness, no shared state) and returns an
  `Outcome` whose `fraction` lies in [0, 1]. The score never depends on the order of the options.
- A response of the right Python type for the kind never makes it raise, however malformed
  (unknown ids, empty or "nan" text, text over `MAX_RESPONSE_LENGTH`): such a response scores 0.
  `None` means "not answered" for every kind and scores 0.
- A response of the wrong Python type raises `TypeError`; an unknown kind raises `ValueError`.

Responses per kind (see `quizzes.formats.interchange.AnswerData` for what each option row means):

- single, truefalse: the chosen option id (`int`);
- multiple: a collection of chosen option ids (duplicates ignored);
- short, numerical: the text as typed (`str`);
- matching: a mapping from stem (left-hand option) id to the chosen right-hand text;
- essay: an `EssayAnswer` (the text written and the mark-scheme points the learner claims).

This module must not import Django: it grades frozen snapshots of questions.
"""

import math
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from quizzes.formats.interchange import (
    ESSAY,
    MATCHING,
    MULTIPLE,
    NUMERICAL,
    SHORT,
    SINGLE,
    TRUE_FALSE,
)

__all__ = [
    "MAX_ESSAY_LENGTH",
    "MAX_RESPONSE_LENGTH",
    "WHOLE_ANSWER",
    "NEAR_MISS_HINT",
    "EssayAnswer",
    "Gradable",
    "Option",
    "Outcome",
    "correct_response",
    "grade",
    "key_ideas",
    "match_points",
    "misconceptions",
    "normalise",
    "parse_number",
]

NEAR_MISS_HINT = "Almost — check your spelling"

# Text responses longer than this score 0 without being read: no genuine short or numerical
# answer comes close, and it bounds the work a hostile post can cause.
MAX_RESPONSE_LENGTH = 10_000

# The "point" a learner claims for an essay whose mark scheme has no points of its own.
WHOLE_ANSWER = 0

# A long answer may run to a few pages; the key-idea search reads no more than this.
MAX_ESSAY_LENGTH = 20_000

# An outcome this close to 1 counts as correct.
_EPSILON = 1e-9

# A raw score this close to 0 or 1 snaps to it. Moodle's grade menu has seven decimals, so
# three answers at 33.33333% add up to 0.9999999; Moodle counts within 1e-6 of 1 as right.
_SNAP = 1e-6

# Relative slack on numerical tolerances: 3.15 - 3.14 is a hair over 0.01 in binary.
_NUMERIC_SLACK = 1e-9

# A one-edit slip in a shorter word is too likely to be a different word ("KPO" vs "KPA").
_NEAR_MISS_MIN_LETTERS = 6


@dataclass(frozen=True, slots=True)
class Option:
    """One answer row, frozen into an attempt when it starts."""

    id: int
    # option text / accepted answer / matching left side ("" = distractor) /
    # numerical value as written or "*"
    text: str = ""
    fraction: float = 0.0  # -1..1
    feedback: str = ""
    value: float | None = None  # numerical
    tolerance: float = 0.0  # numerical, >= 0
    match: str = ""  # matching right-hand side
    misconception: str = ""


@dataclass(frozen=True, slots=True)
class Gradable:
    """A question as grading sees it: its kind and its answer rows."""

    kind: str
    options: tuple[Option, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of grading one response.

    `feedback` holds the non-empty per-answer feedback that applies, in option order;
    `matched` the ids of the options the response selected or matched.
    """

    fraction: float
    feedback: tuple[str, ...] = ()
    hint: str = ""
    matched: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"fraction must lie in [0, 1], not {self.fraction!r}")

    @property
    def is_correct(self) -> bool:
        return self.fraction >= 1 - _EPSILON

    @property
    def is_partial(self) -> bool:
        return self.fraction > 0.0 and not self.is_correct


_NOTHING = Outcome(0.0)


@dataclass(frozen=True, slots=True)
class EssayAnswer:
    """A long answer: the text, and the ids of the mark-scheme points the learner claims.

    `claimed` is None until the learner has marked the answer; it then scores 0 (the
    workflow keeps such a response ungraded, "awaiting marking"). A question whose scheme
    has no points is marked as a whole: claiming `WHOLE_ANSWER` says the answer makes the
    model answer's points. `final` says the learner handed the text in (no longer a draft);
    grading ignores it.
    """

    text: str = ""
    claimed: frozenset[int] | None = None
    final: bool = False


@dataclass(frozen=True, slots=True)
class PointMatch:
    """What the key-idea search found for one mark-scheme point.

    `found` is True when every key idea of the point has a synonym in the text (so the
    point is offered pre-ticked); `words` are the synonyms found, one per idea found, in
    the order the ideas are written.
    """

    id: int
    found: bool
    words: tuple[str, ...] = ()


type Response = int | Collection[int] | str | Mapping[int, str | None] | EssayAnswer | None


# --- public API ---------------------------------------------------------------------------


def grade(question: Gradable, response: Response) -> Outcome:
    """Score `response` to `question`; see the module docstring for the contract."""
    grader = _GRADERS.get(question.kind)
    if grader is None:
        raise ValueError(f"unknown question kind {question.kind!r}")
    if response is None:
        return _NOTHING
    return grader(question, response)


def correct_response(question: Gradable) -> Response:
    """A response that earns the best score the question allows.

    For any well-formed question (one where full credit is reachable) it scores exactly 1.
    Types: an option id (single, truefalse), a tuple of ids in option order (multiple), text
    (short, numerical; the author's own wording where it is accepted) or a dict (matching).
    """
    builder = _CORRECT.get(question.kind)
    if builder is None:
        raise ValueError(f"unknown question kind {question.kind!r}")
    return builder(question)


def misconceptions(question: Gradable, outcome: Outcome) -> tuple[str, ...]:
    """Misconception labels of the wrong options an outcome matched, in option order, once each.

    An option is wrong when its fraction is <= 0; in a matching question, where rows carry no
    grade, the wrong options are the distractors.
    """
    matched = set(outcome.matched)
    is_wrong = _is_distractor if question.kind == MATCHING else _earns_nothing
    labels = (
        option.misconception.strip()
        for option in question.options
        if option.id in matched and is_wrong(option)
    )
    return tuple(dict.fromkeys(label for label in labels if label))


def normalise(text: str) -> str:
    """The short-answer normalisation.

    Unicode NFKD with diacritics dropped, casefolded, whitespace runs collapsed to one space,
    whitespace and punctuation stripped from both edges. Internal punctuation is kept, and so
    are edge characters that change the meaning: `#`, `%`, `&`, `@` ("C#", "50%") and a sign
    or decimal point that starts a number ("-5", ".5").
    """
    return _strip_right(_strip_left(_fold(text)))


def parse_number(text: str) -> float | None:
    """The number a student typed, or None when the text is not exactly one finite number.

    Accepts surrounding spaces, a leading sign (`+`, `-`, `−`), a leading currency sign (`$`,
    `₹`, `Rs`, `Rs.`) or a trailing `%` (not both), thousands separators in Western
    (1,000,000) or Indian (10,00,000) grouping, and a decimal comma when it is clearly one
    (one comma, no dot, not exactly three digits after it: "2,5").
    """
    rest = text.strip()
    sign, rest = _take_sign(rest)
    currency = _CURRENCY.match(rest)
    if currency:
        rest = rest[currency.end() :]
        if not sign:
            sign, rest = _take_sign(rest)
    if rest.endswith("%"):
        if currency:
            return None
        rest = rest[:-1].rstrip()
    digits = _plain_digits(rest)
    if digits is None:
        return None
    number = float(digits)
    if not math.isfinite(number):  # too many digits overflow to inf
        return None
    return -number if sign == "-" else number


# --- shared helpers -----------------------------------------------------------------------


def _score(fraction: float) -> float:
    """Clamp a raw grade into [0, 1]; NaN scores 0 and rounding dust snaps to the bounds."""
    if not fraction > _SNAP:
        return 0.0
    if fraction >= 1 - _SNAP:
        return 1.0
    return float(fraction)


def _rank(option: Option) -> float:
    """An option's fraction for picking the best one; a NaN fraction ranks last."""
    return option.fraction if option.fraction == option.fraction else -math.inf


def _outcome(fraction: float, chosen: Iterable[Option], hint: str = "") -> Outcome:
    chosen = tuple(chosen)
    return Outcome(
        fraction=_score(fraction),
        feedback=tuple(option.feedback for option in chosen if option.feedback),
        hint=hint,
        matched=tuple(option.id for option in chosen),
    )


def _best(options: Iterable[Option]) -> Option | None:
    """The highest-fraction option; the first in option order among equals."""
    return max(options, key=_rank, default=None)


def _earns_nothing(option: Option) -> bool:
    return option.fraction <= 0


def _is_distractor(option: Option) -> bool:
    return not option.text.strip()


def _is_id(value: object) -> bool:
    # bool is an int subclass, but True as an option id is a caller's bug, not a choice.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_id_collection(value: object) -> bool:
    return (
        isinstance(value, Collection)
        and not isinstance(value, str | bytes | bytearray | Mapping)
        and all(_is_id(item) for item in value)
    )


def _is_matching_response(value: object) -> bool:
    return isinstance(value, Mapping) and all(
        _is_id(stem) and (chosen is None or isinstance(chosen, str))
        for stem, chosen in value.items()
    )


def _require(ok: bool, kind: str, expected: str, response: object) -> None:
    if not ok:
        raise TypeError(f"a {kind} response must be {expected}, not {type(response).__name__}")


# --- single, truefalse, multiple ----------------------------------------------------------


def _grade_choice(question: Gradable, response: Any) -> Outcome:
    _require(_is_id(response), question.kind, "an option id (int)", response)
    chosen = next((option for option in question.options if option.id == response), None)
    return _NOTHING if chosen is None else _outcome(chosen.fraction, [chosen])


def _grade_multiple(question: Gradable, response: Any) -> Outcome:
    _require(_is_id_collection(response), question.kind, "a collection of option ids", response)
    ids = set(response)
    chosen = [option for option in question.options if option.id in ids]
    # fsum is exactly rounded, so the total cannot depend on the order of the options.
    total = math.fsum(option.fraction for option in chosen if math.isfinite(option.fraction))
    return _outcome(total, chosen)


def _correct_choice(question: Gradable) -> int | None:
    best = _best(question.options)
    return None if best is None else best.id


def _correct_multiple(question: Gradable) -> tuple[int, ...]:
    return tuple(option.id for option in question.options if option.fraction > 0)


# --- numerical ----------------------------------------------------------------------------

_SIGNS = {"+": "+", "-": "-", "\N{MINUS SIGN}": "-"}
_CURRENCY = re.compile(r"(?:\$|₹|rs\.?)\s*", re.IGNORECASE)
_GROUPED = (
    re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+"),  # 1234.5, .5
    re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?"),  # 1,234,567.5
    re.compile(r"[0-9]{1,2}(?:,[0-9]{2})*,[0-9]{3}(?:\.[0-9]*)?"),  # 12,34,567.5
)
_DECIMAL_COMMA = re.compile(r"([0-9]+),([0-9]+)")


def _take_sign(text: str) -> tuple[str, str]:
    """Split a leading sign off `text`: ("-", rest), ("+", rest) or ("", text)."""
    if text and text[0] in _SIGNS:
        return _SIGNS[text[0]], text[1:]
    return "", text


def _plain_digits(text: str) -> str | None:
    """`text` as digits and at most one dot, or None when it is not one unsigned number."""
    if any(form.fullmatch(text) for form in _GROUPED):
        return text.replace(",", "")
    decimal = _DECIMAL_COMMA.fullmatch(text)
    # Exactly three digits after a lone comma is a thousands separator, handled above.
    if decimal and len(decimal[2]) != 3:
        return f"{decimal[1]}.{decimal[2]}"
    return None


def _is_catch_all(option: Option) -> bool:
    return option.value is None and option.text.strip() == "*"


def _numeric_value(option: Option) -> float | None:
    """The option's value; the text as written stands in when the value was not stored."""
    if option.value is not None:
        return option.value
    return None if _is_catch_all(option) else parse_number(option.text)


def _accepts_number(option: Option, number: float) -> bool:
    if _is_catch_all(option):
        return True
    value = _numeric_value(option)
    if value is None:
        return False
    slack = _NUMERIC_SLACK * max(1.0, abs(value))
    return abs(number - value) <= abs(option.tolerance) + slack


def _grade_numerical(question: Gradable, response: Any) -> Outcome:
    _require(isinstance(response, str), question.kind, "text (str)", response)
    if len(response) > MAX_RESPONSE_LENGTH:
        return _NOTHING
    number = parse_number(response)
    if number is None:
        return _NOTHING
    best = _best(option for option in question.options if _accepts_number(option, number))
    return _NOTHING if best is None else _outcome(best.fraction, [best])


def _format_number(value: float) -> str:
    """`value` in plain decimal notation that `parse_number` reads back exactly."""
    return format(Decimal(repr(value)), "f")


def _correct_numerical(question: Gradable) -> str:
    def usable(option: Option) -> bool:
        value = _numeric_value(option)
        return _is_catch_all(option) or (value is not None and math.isfinite(value))

    candidates = [option for option in question.options if usable(option)]
    if not candidates:
        return ""
    best = min(candidates, key=lambda option: (-_rank(option), _is_catch_all(option)))
    if _is_catch_all(best):
        return "0"
    written = parse_number(best.text)
    if written is not None and _accepts_number(best, written):
        return best.text.strip()
    return _format_number(_numeric_value(best))


# --- short answer -------------------------------------------------------------------------

# Moodle's wildcard: a run of unescaped asterisks; `\*` is a literal asterisk.
_WILDCARDS = re.compile(r"(?<!\\)\*+")
_WHITESPACE = re.compile(r"\s+")
_DIACRITIC_BLOCKS = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF))
_INVISIBLE = "\N{SOFT HYPHEN}\N{ZERO WIDTH SPACE}\N{WORD JOINER}\N{ZERO WIDTH NO-BREAK SPACE}"
# Only the combining diacritical blocks are dropped: marks in Indic scripts (virama, nukta)
# are part of the spelling, and dropping them would merge different words.
_DROPPED = {
    **{code: None for start, end in _DIACRITIC_BLOCKS for code in range(start, end + 1)},
    **dict.fromkeys(map(ord, _INVISIBLE)),
}
# The backtick is typed as a quote but is a symbol (Sk), not punctuation. Quote-like modifier
# letters (ʻ, ʼ) stay: they are letters, like the ʻokina in "Hawaiʻi".
_QUOTE_SYMBOLS = frozenset("`")
_MEANINGFUL_EDGES = frozenset("#%&@")
_NUMBER_START = re.compile(r"-?\.?[0-9]")


def _fold(text: str) -> str:
    """Case, compatibility forms and diacritics folded away; whitespace runs made one space."""
    # NFKD both sides of casefold: each can produce what the other must then fold (ℌ, İ).
    text = unicodedata.normalize("NFKD", text).casefold()
    text = unicodedata.normalize("NFKD", text).translate(_DROPPED)
    return _WHITESPACE.sub(" ", text)


def _is_edge(char: str) -> bool:
    """Whether `char` is stripped when it sits at either edge of an answer."""
    if char.isspace() or char in _QUOTE_SYMBOLS:
        return True
    return unicodedata.category(char).startswith("P") and char not in _MEANINGFUL_EDGES


def _strip_left(text: str) -> str:
    start = 0
    while start < len(text) and _is_edge(text[start]) and not _NUMBER_START.match(text, start):
        start += 1
    return text[start:]


def _strip_right(text: str) -> str:
    end = len(text)
    while end and _is_edge(text[end - 1]):
        end -= 1
    return text[:end]


def _pattern(text: str) -> tuple[str, ...]:
    """An accepted answer as normalised literal pieces, split at its wildcards.

    One piece means no wildcard. Pieces are normalised like a response, but only the outer
    edges of the whole pattern are stripped.
    """
    pieces = [_fold(piece.replace("\\*", "*")) for piece in _WILDCARDS.split(text)]
    pieces[0] = _strip_left(pieces[0])
    pieces[-1] = _strip_right(pieces[-1])
    return tuple(pieces)


def _glob_match(pieces: tuple[str, ...], text: str) -> bool:
    """Whether `text` matches the pattern, without the backtracking a regex of `.*`s risks."""
    if len(pieces) == 1:
        return text == pieces[0]
    first, *middle, last = pieces
    if len(text) < len(first) + len(last) or not text.startswith(first):
        return False
    if not text.endswith(last):
        return False
    # Taking each middle piece at its leftmost place never rules out a match.
    position, end = len(first), len(text) - len(last)
    for piece in middle:
        found = text.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def _letters(word: str) -> int:
    return sum(char.isalpha() for char in word)


def _one_edit_apart(typed: str, correct: str) -> bool:
    """Whether the Damerau–Levenshtein distance is exactly 1."""
    if typed == correct:
        return False
    if len(typed) == len(correct):
        diffs = [i for i, (a, b) in enumerate(zip(typed, correct, strict=True)) if a != b]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and typed[diffs[0]] == correct[diffs[1]]
            and typed[diffs[1]] == correct[diffs[0]]
        )
    if abs(len(typed) - len(correct)) != 1:
        return False
    shorter, longer = sorted((typed, correct), key=len)
    split = next(
        (i for i, (a, b) in enumerate(zip(shorter, longer, strict=False)) if a != b),
        len(shorter),
    )
    return shorter[split:] == longer[split + 1 :]


def _is_near_miss(text: str, pattern: tuple[str, ...]) -> bool:
    """Whether `text` is one slip away from a wildcard-free pattern: same words but one, and
    that one a single edit away from a correct word of at least six letters."""
    if len(pattern) != 1:
        return False
    typed, correct = text.split(" "), pattern[0].split(" ")
    if len(typed) != len(correct):
        return False
    slips = [(a, b) for a, b in zip(typed, correct, strict=True) if a != b]
    if len(slips) != 1:
        return False
    typed_word, correct_word = slips[0]
    return _letters(correct_word) >= _NEAR_MISS_MIN_LETTERS and _one_edit_apart(
        typed_word, correct_word
    )


def _grade_short(question: Gradable, response: Any) -> Outcome:
    _require(isinstance(response, str), question.kind, "text (str)", response)
    if len(response) > MAX_RESPONSE_LENGTH:
        return _NOTHING
    text = normalise(response)
    if not text:
        return _NOTHING
    patterns = [(option, _pattern(option.text)) for option in question.options]
    hits = [(option, pattern) for option, pattern in patterns if _glob_match(pattern, text)]
    best = _best(option for option, _ in hits)
    if best is not None and best.fraction > 0:
        return _outcome(best.fraction, [best])
    # An answer the author listed word for word as wrong is a deliberate choice, not a slip.
    listed_as_wrong = any(len(pattern) == 1 for _, pattern in hits)
    near_miss = not listed_as_wrong and any(
        option.fraction > 0 and _is_near_miss(text, pattern) for option, pattern in patterns
    )
    return _outcome(0.0, [best] if best else [], NEAR_MISS_HINT if near_miss else "")


def _correct_short(question: Gradable) -> str:
    ranked = sorted(
        question.options,
        key=lambda option: (-_rank(option), len(_pattern(option.text)) > 1),
    )
    if not ranked:
        return ""
    target = _score(_rank(ranked[0]))
    best_text, best_score = "", 0.0
    for option in ranked:
        pieces = [piece.replace("\\*", "*") for piece in _WILDCARDS.split(option.text)]
        # Filling each wildcard with nothing keeps the author's wording; when that collapses
        # the text (spaces on both sides, a lone "*"), one letter per wildcard always fits.
        for filler in ("", "a"):
            candidate = filler.join(pieces).strip()
            score = grade(question, candidate).fraction
            if score >= target:
                return candidate
            if score > best_score:
                best_text, best_score = candidate, score
    return best_text


# --- matching -----------------------------------------------------------------------------


def _choice_key(text: str) -> str:
    """How a right-hand text is compared; punctuation-only texts compare as written."""
    return normalise(text) or text.strip()


def _grade_matching(question: Gradable, response: Any) -> Outcome:
    _require(
        _is_matching_response(response),
        question.kind,
        "a mapping of stem ids (int) to chosen texts (str)",
        response,
    )
    stems = [option for option in question.options if not _is_distractor(option)]
    if not stems:
        return _NOTHING
    keys = [(option, _choice_key(option.match)) for option in question.options]
    right, selected = 0, set()
    for stem in stems:
        chosen = response.get(stem.id)
        if chosen is None or len(chosen) > MAX_RESPONSE_LENGTH:
            continue
        key = _choice_key(chosen)
        if not key:
            continue
        if key == _choice_key(stem.match):
            right += 1
            selected.add(stem.id)
        else:
            # Record which row the wrong choice belongs to (a distractor, or another stem).
            selected.update(option.id for option, option_key in keys if option_key == key)
    chosen_options = [option for option in question.options if option.id in selected]
    return _outcome(right / len(stems), chosen_options)


def _correct_matching(question: Gradable) -> dict[int, str]:
    return {option.id: option.match for option in question.options if not _is_distractor(option)}


# --- essay (long answer with a mark scheme) -----------------------------------------------

_IDEA_SEPARATOR = ";"
_SYNONYM_SEPARATOR = "|"


def key_ideas(written: str) -> tuple[tuple[str, ...], ...]:
    """A point's key ideas as written ("routine | rule-based ; volume"): the ideas, each a
    tuple of its synonyms, blanks dropped."""
    ideas = (
        tuple(word.strip() for word in idea.split(_SYNONYM_SEPARATOR) if word.strip())
        for idea in written.split(_IDEA_SEPARATOR)
    )
    return tuple(idea for idea in ideas if idea)


def _occurs(synonym: str, folded_text: str) -> bool:
    """Whether a synonym occurs in folded text as whole words, ignoring case and accents."""
    words = _fold(synonym).strip()
    if not words:
        return False
    pattern = r"\s+".join(map(re.escape, words.split(" ")))
    return re.search(rf"(?<!\w){pattern}(?!\w)", folded_text) is not None


def _find_idea(idea: tuple[str, ...], folded_text: str) -> str | None:
    """The first synonym of an idea (in written order) that occurs in the text."""
    return next((word for word in idea if _occurs(word, folded_text)), None)


def match_points(question: Gradable, text: str) -> tuple[PointMatch, ...]:
    """For each mark-scheme point of an essay, whether the text holds its key ideas.

    A point is found when every one of its ideas has at least one synonym in the text, as
    whole words, ignoring case and accents ("Judgement" finds "judgement", not
    "judgements"; "high volume" finds "high  Volume"). A point without key ideas is never
    found: there is nothing to look for. Only the first `MAX_ESSAY_LENGTH` characters are
    read. Pure, like the rest of this module.
    """
    folded = _fold(text[:MAX_ESSAY_LENGTH])
    matches = []
    for option in question.options:
        ideas = key_ideas(option.match)
        words = [_find_idea(idea, folded) for idea in ideas]
        found = [word for word in words if word is not None]
        matches.append(
            PointMatch(option.id, bool(ideas) and len(found) == len(ideas), tuple(found))
        )
    return tuple(matches)


def _marks(option: Option) -> float:
    """A point's marks; anything but a positive finite number is worth nothing."""
    value = option.value
    return value if value is not None and math.isfinite(value) and value > 0 else 0.0


def _grade_essay(question: Gradable, response: Any) -> Outcome:
    _require(isinstance(response, EssayAnswer), question.kind, "an EssayAnswer", response)
    if response.claimed is None:
        return _NOTHING
    total = math.fsum(_marks(option) for option in question.options)
    if total <= 0:
        return Outcome(1.0 if WHOLE_ANSWER in response.claimed else 0.0)
    claimed = [option for option in question.options if option.id in response.claimed]
    return _outcome(math.fsum(_marks(option) for option in claimed) / total, claimed)


def _correct_essay(question: Gradable) -> EssayAnswer:
    points = frozenset(option.id for option in question.options if _marks(option))
    return EssayAnswer("", points or frozenset({WHOLE_ANSWER}), final=True)


_GRADERS: dict[str, Callable[[Gradable, Any], Outcome]] = {
    SINGLE: _grade_choice,
    TRUE_FALSE: _grade_choice,
    MULTIPLE: _grade_multiple,
    SHORT: _grade_short,
    NUMERICAL: _grade_numerical,
    MATCHING: _grade_matching,
    ESSAY: _grade_essay,
}

_CORRECT: dict[str, Callable[[Gradable], Response]] = {
    SINGLE: _correct_choice,
    TRUE_FALSE: _correct_choice,
    MULTIPLE: _correct_multiple,
    SHORT: _correct_short,
    NUMERICAL: _correct_numerical,
    MATCHING: _correct_matching,
    ESSAY: _correct_essay,
}
