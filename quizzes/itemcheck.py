"""An item-writing checker: flags cues that let a learner score by test-wiseness.

Pure: no Django, no I/O. It reads questions in the interchange shape (what the GIFT and Aiken
parsers produce, and what `quizzes.importing.question_data` makes of a stored question) and
never changes them.

The rules come from Haladyna, Downing and Rodriguez (2002), "A review of multiple-choice
item-writing guidelines for classroom assessment" (Applied Measurement in Education 15(3)),
and from the 19-criterion item-writing-flaw rubric used in automated evaluation work
(ambiguous information, implausible distractors, none of the above, longest option correct,
gratuitous information, true/false, convergence cues, logical cues, all of the above, fill in
the blank, absolute terms, word repeats, unfocused stem, complex or K-type, grammatical cues,
lost sequence, vague terms, more than one correct, negative words). Only the criteria a rule
can check without understanding the subject are here, and each is conservative: a flag is a
prompt to look, never proof of a flaw.

Public API
----------
- ``check_bank(items, counts=None) -> list[Flag]``: every rule over a list of ``Item``s,
  including the bank-wide ones (duplicates) and, when ``counts`` is given, item analysis.
- ``check_question(question) -> list[Flag]``: the rules that look at one question alone (what
  the admin shows on a question's form).
- ``bank_report(items, flags) -> BankReport``: the figures for the whole bank.
- ``Flag`` prints as ``source:line: rule-id: title: evidence — why``.

Severity: ``error`` for a flaw that can make a question unfair or ambiguous (all of the
above, a duplicate stem, overlapping numeric options, an option repeated word for word);
``warning`` for a cue worth a second look.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from quizzes.formats.interchange import MULTIPLE, SINGLE, TRUE_FALSE, QuestionData

ERROR = "error"
WARNING = "warning"

# Implausible distractors (item analysis): a wrong option picked by under this share of at
# least MIN_RESPONSES graded responses does no work as a distractor.
MIN_RESPONSES = 30
IMPLAUSIBLE_BELOW = 0.05

# The key is "the longest by a clear margin" when it is at least this much longer than the
# longest distractor, both as a ratio and in characters (so "Yes" vs "No" is no cue).
LONGEST_RATIO = 1.2
LONGEST_CHARS = 10

# Near-duplicate stems: share of content words in common (Jaccard).
NEAR_DUPLICATE = 0.8
# Stems that share at least this much and have the same key ask the same thing.
NEAR_DUPLICATE_SAME_KEY = 0.5


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


ABSOLUTE_WORDS = _word_set(
    """always never only all none every everyone everything nobody nothing completely entirely
    totally wholly must impossible guaranteed certainly invariably"""
)
HEDGE_WORDS = _word_set(
    """usually often generally typically mostly mainly may might can could sometimes frequently
    probably likely tends tend partly largely some"""
)
NEGATIVE_WORDS = _word_set("not except least false incorrect untrue")
STOP_WORDS = _word_set(
    """a an the and or of to in on at by for with from as is are was were be been being it its
    this that these those which what who whom whose when where why how than then there their
    they them he she his her we our you your i me my do does did done has have had not no yes
    but if so such can could may might will would shall should must into out up down over
    about more most less least very also only each any some other one two three true false
    choose select following statement statements option options answer best describes"""
)

_TAG = re.compile(r"<!--.*?-->|</?[a-zA-Z][^>]*>", re.DOTALL)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_TOKEN = re.compile(r"[\w%]+(?:['’.,-][\w%]+)*")
_NUMBER = r"[-−]?\d[\d,]*(?:\.\d+)?"
# A whole option that is a number or a range of numbers, with an optional unit or currency.
_NUMERIC_OPTION = re.compile(
    rf"^\s*(?:about|around|over|under|less than|more than|up to)?\s*[$£€₹]?\s*(?P<low>{_NUMBER})"
    rf"\s*(?:%|[a-zA-Z]{{0,12}})?\s*(?:(?:-|–|—|to)\s*[$£€₹]?\s*(?P<high>{_NUMBER}))?"
    r"\s*%?\s*[a-zA-Z ]{0,20}$"
)
_EMPHASIS_TAG = re.compile(r"</?(b|strong|em|i|u)>")
_BLANK = re.compile(r"_{3,}")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?P<word>[^*_]+)\1|<(b|strong|em|i|u)>(?P<html>[^<]+)</")


@dataclass(frozen=True)
class Flag:
    rule: str
    severity: str
    title: str
    evidence: str
    why: str
    source: str = ""
    line: int = 0

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.rule}: {self.title}: {self.evidence} — {self.why}"


@dataclass(frozen=True)
class OptionCounts:
    """How often each answer row was chosen, from stored graded responses."""

    responses: int  # graded responses to the question
    picks: tuple[int, ...]  # per answer row, in the question's answer order


@dataclass(frozen=True)
class Item:
    """A question and where it came from: a file and line, or a stored question."""

    question: QuestionData
    source: str = ""
    line: int = 0
    counts: OptionCounts | None = None

    @property
    def title(self) -> str:
        return self.question.title or _shorten(plain(self.question.text))


# --- Text helpers -----------------------------------------------------------------------------


def plain(text: str) -> str:
    """Text without HTML tags, Markdown emphasis markers and repeated white space."""
    text = _TAG.sub(" ", text)
    text = re.sub(r"(\*\*|\*|`)", "", text)
    return re.sub(r"\s+", " ", text).strip()


def words(text: str) -> list[str]:
    """Lower-case words and numbers, in order ("40–60%" gives "40", "60%")."""
    return _TOKEN.findall(plain(text).casefold())


def content_words(text: str) -> set[str]:
    """Words that carry the meaning: no stop words, nothing under 3 letters (BPO counts)."""
    return {w for w in words(text) if len(w) >= 3 and w not in STOP_WORDS}


def _stem(word: str) -> str:
    """A crude stem, enough to see "outsourcing" in "outsourced"."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _shorten(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _quote(text: str) -> str:
    return f"“{_shorten(plain(text))}”"


def _keys(q: QuestionData) -> list[int]:
    return [i for i, a in enumerate(q.answers) if a.fraction > 0]


def _is_choice(q: QuestionData) -> bool:
    return q.kind in (SINGLE, MULTIPLE) and len(q.answers) >= 2


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("−", "-"))


# --- Rules over one question ------------------------------------------------------------------


def _key_longest(q: QuestionData) -> list[tuple[str, str, str, str]]:
    if q.kind != SINGLE or len(q.answers) < 3:
        return []
    keys = _keys(q)
    if len(keys) != 1:
        return []
    lengths = [len(plain(a.text)) for a in q.answers]
    key = lengths[keys[0]]
    longest_other = max(n for i, n in enumerate(lengths) if i != keys[0])
    if key >= longest_other * LONGEST_RATIO and key - longest_other >= LONGEST_CHARS:
        return [
            (
                "key-longest",
                WARNING,
                f"key has {key} characters, the longest distractor {longest_other}",
                "a key that stands out by length is picked without knowing the answer; "
                "make the options similar in length",
            )
        ]
    return []


def _key_only_hedged(q: QuestionData) -> list[tuple[str, str, str, str]]:
    if q.kind != SINGLE or len(q.answers) < 3:
        return []
    keys = _keys(q)
    if len(keys) != 1:
        return []
    hedged = [sorted(set(words(a.text)) & HEDGE_WORDS) for a in q.answers]
    if hedged[keys[0]] and not any(h for i, h in enumerate(hedged) if i != keys[0]):
        return [
            (
                "key-only-hedged",
                WARNING,
                f"only the key is qualified ({', '.join(hedged[keys[0]])})",
                "test-wise learners pick the one cautious option; qualify a distractor too or none",
            )
        ]
    return []


def _absolutes(text: str) -> list[str]:
    found = []
    ws = words(text)
    for i, w in enumerate(ws):
        if w not in ABSOLUTE_WORDS:
            continue
        if w == "only" and i and ws[i - 1] in ("not", "the", "if"):
            continue  # "not only", "the only one of these", "if only": not a sweeping claim
        if w in ("all", "none") and i + 1 < len(ws) and ws[i + 1] in ("that", "of"):
            continue  # "all that apply"; "all/none of the above" have their own rule
        found.append(w)
    return found


def _absolute_words(q: QuestionData) -> list[tuple[str, str, str, str]]:
    if q.kind == TRUE_FALSE:
        found = _absolutes(q.text)
        if found:
            key = "True" if _tf_key(q) else "False"
            return [
                (
                    "absolute-word",
                    WARNING,
                    f"statement says “{'”, “'.join(sorted(set(found)))}” (keyed {key})",
                    "sweeping statements are nearly always false, so learners guess False "
                    "without knowing why",
                )
            ]
        return []
    if not _is_choice(q):
        return []
    keys = set(_keys(q))
    hits = [(i, _absolutes(a.text)) for i, a in enumerate(q.answers)]
    hits = [(i, found) for i, found in hits if found]
    if not hits:
        return []
    in_key = any(i in keys for i, _ in hits)
    evidence = "; ".join(
        f"{'key' if i in keys else 'distractor'} {_quote(q.answers[i].text)} says "
        f"“{'”, “'.join(sorted(set(found)))}”"
        for i, found in hits
    )
    why = (
        "absolute words mark an option as wrong to a test-wise learner"
        if not in_key
        else "absolute words usually signal a wrong option, so a key with one misleads the "
        "careful learner"
    )
    return [("absolute-word", WARNING, evidence, why)]


def _above(q: QuestionData) -> list[tuple[str, str, str, str]]:
    if not _is_choice(q):
        return []
    flags = []
    for a in q.answers:
        text = " ".join(words(a.text))
        if re.search(r"\ball of the (above|options|answers)\b|\bboth (a|b) and (b|c)\b", text):
            flags.append(
                (
                    "all-of-the-above",
                    ERROR,
                    _quote(a.text),
                    "spotting two right options gives the answer away without knowing the rest",
                )
            )
        elif re.search(r"\bnone of the (above|options|answers|these)\b", text):
            flags.append(
                (
                    "none-of-the-above",
                    WARNING,
                    _quote(a.text),
                    "it tests only that the learner can rule out options, never that they "
                    "know the answer",
                )
            )
    return flags


def _range(text: str) -> tuple[float, float] | None:
    m = _NUMERIC_OPTION.match(plain(text))
    if not m:
        return None
    low = _number(m["low"])
    high = _number(m["high"]) if m["high"] else low
    return (min(low, high), max(low, high))


def _overlap(q: QuestionData) -> list[tuple[str, str, str, str]]:
    if not _is_choice(q):
        return []
    flags = []
    texts = [" ".join(words(a.text)) for a in q.answers]
    ranges = [_range(a.text) for a in q.answers]
    overlapping, twice, nested = [], [], []
    for i, j in combinations(range(len(q.answers)), 2):
        ri, rj = ranges[i], ranges[j]
        if ri and rj:
            if (ri[0] < ri[1] or rj[0] < rj[1]) and ri[0] <= rj[1] and rj[0] <= ri[1]:
                overlapping.append((i, j))
            elif ri == rj:
                twice.append(i)
        elif texts[i] and texts[i] == texts[j]:
            twice.append(i)
        elif texts[i] and texts[j] and ri is None and rj is None:
            short, long_ = sorted((texts[i], texts[j]), key=len)
            if len(short.split()) >= 2 and re.search(rf"\b{re.escape(short)}\b", long_):
                nested.append((short, long_))
    if overlapping:
        pairs = "; ".join(
            f"{_quote(q.answers[i].text)} and {_quote(q.answers[j].text)}" for i, j in overlapping
        )
        flags.append(
            (
                "overlapping-options",
                ERROR,
                f"ranges overlap: {pairs}",
                "a value inside two ranges makes two options right; use ranges that do not touch",
            )
        )
    for i in twice:
        flags.append(
            (
                "overlapping-options",
                ERROR,
                f"{_quote(q.answers[i].text)} is written twice",
                "two identical options: one of them is either right twice or wrong twice",
            )
        )
    for short, long_ in nested:
        flags.append(
            (
                "nested-options",
                WARNING,
                f"“{short}” is inside “{_shorten(long_)}”",
                "when one option contains another, both are right or the longer one is the "
                "obvious pick",
            )
        )
    return flags


def _word_repeat(q: QuestionData) -> list[tuple[str, str, str, str]]:
    if q.kind != SINGLE or len(q.answers) < 3:
        return []
    keys = _keys(q)
    if len(keys) != 1:
        return []
    stem = {_stem(w) for w in content_words(q.text)}
    key = {_stem(w) for w in content_words(q.answers[keys[0]].text)}
    others = set()
    for i, a in enumerate(q.answers):
        if i != keys[0]:
            others |= {_stem(w) for w in content_words(a.text)}
    clang = sorted((stem & key) - others)
    if clang:
        return [
            (
                "word-repeat",
                WARNING,
                f"stem and key share “{'”, “'.join(clang)}”, no distractor does",
                "a word echoed from the stem points to the key; use it in a distractor too "
                "or in none",
            )
        ]
    return []


def _article_before_blank(text: str) -> str | None:
    """The "a" or "an" right before the blank (or ending the stem), if any."""
    t = plain(text)
    m = _BLANK.search(t)
    before = t[: m.start()] if m else t
    last = before.rstrip(" .:…").split()
    if last and last[-1].casefold() in ("a", "an"):
        return last[-1].casefold()
    return None


def _number_before_blank(text: str) -> str | None:
    """'singular' or 'plural' from the verb right before the blank or the end of the stem."""
    t = plain(text)
    m = _BLANK.search(t)
    before = t[: m.start()] if m else t
    last = before.rstrip(" .:…").split()
    if not last:
        return None
    word = last[-1].casefold()
    if word in ("is", "was", "has"):
        return "singular"
    if word in ("are", "were", "these", "two", "three", "several", "both"):
        return "plural"
    return None


def _needs_an(text: str) -> bool:
    ws = plain(text).split()
    if not ws:
        return False
    first = ws[0].casefold()
    if first[:1].isdigit():
        return first[:1] == "8" or first.startswith(("11", "18"))
    if ws[0].isupper() and len(ws[0]) > 1:  # an acronym read letter by letter: "an MBA"
        return first[0] in "aefhilmnorsx"
    if first.startswith(("uni", "use", "usu", "eu", "one", "once")):
        return False
    if first.startswith(("hour", "honest", "honour", "honor", "heir")):
        return True
    return first[:1] in "aeiou"


def _plural_option(text: str) -> bool | None:
    """True if a short option reads as plural, False if singular, None when unclear."""
    ws = [w.casefold() for w in _WORD.findall(plain(text))]
    if not ws or len(ws) > 4:
        return None
    if ws[0] in ("a", "an", "one"):
        return False
    last = ws[-1]
    if last.endswith(("ss", "us", "is", "ics", "ous")):
        return False if len(ws) == 1 else None
    if last.endswith("s"):
        return True
    return None


def _grammar(q: QuestionData) -> list[tuple[str, str, str, str]]:
    if q.kind != SINGLE or len(q.answers) < 3:
        return []
    keys = _keys(q)
    if len(keys) != 1:
        return []
    key = q.answers[keys[0]]
    others = [a for i, a in enumerate(q.answers) if i != keys[0]]
    flags = []
    article = _article_before_blank(q.text)
    if article:
        fits = [(article == "an") == _needs_an(a.text) for a in q.answers]
        misfits = [a for a, ok in zip(q.answers, fits, strict=True) if not ok and a is not key]
        if fits[keys[0]] and misfits:
            flags.append(
                (
                    "grammatical-cue",
                    WARNING,
                    f"“{article}” before the answer fits the key but not "
                    f"{', '.join(_quote(a.text) for a in misfits)}",
                    "a grammatical mismatch rules out distractors without knowledge; write "
                    "“a/an” or move the article into the options",
                )
            )
    number = _number_before_blank(q.text)
    if number:
        want_plural = number == "plural"
        key_plural = _plural_option(key.text)
        misfits = [a for a in others if _plural_option(a.text) is (not want_plural)]
        if key_plural is want_plural and misfits:
            flags.append(
                (
                    "grammatical-cue",
                    WARNING,
                    f"the stem asks for a {number} answer; the key agrees but "
                    f"{', '.join(_quote(a.text) for a in misfits)} do not",
                    "options that do not fit the stem's grammar are ruled out without knowledge",
                )
            )
    return flags


def _numeric_order(q: QuestionData) -> list[tuple[str, str, str, str]]:
    if not _is_choice(q) or len(q.answers) < 3:
        return []
    ranges = [_range(a.text) for a in q.answers]
    if any(r is None for r in ranges):
        return []
    lows = [r[0] for r in ranges]
    if lows == sorted(lows) or lows == sorted(lows, reverse=True):
        return []
    return [
        (
            "numeric-order",
            WARNING,
            "options as written: " + ", ".join(plain(a.text) for a in q.answers),
            "numbers in order let learners find their answer instead of decoding the list "
            "(files exported to other systems keep the written order)",
        )
    ]


def _negative_stem(q: QuestionData) -> list[tuple[str, str, str, str]]:
    if not _is_choice(q):
        return []
    raw = _TAG.sub(lambda m: m[0] if _EMPHASIS_TAG.match(m[0]) else " ", q.text)
    emphasised = set()
    for m in _EMPHASIS.finditer(raw):
        emphasised |= {w.casefold() for w in _WORD.findall(m["word"] or m["html"] or "")}
    found = []
    tokens = _WORD.findall(plain(q.text))
    for i, token in enumerate(tokens):
        w = token.casefold()
        if w.endswith("n't"):
            w = "not"
        if w not in NEGATIVE_WORDS:
            continue
        if w == "not" and i + 1 < len(tokens) and tokens[i + 1].casefold() == "only":
            continue
        if w == "not" and re.search(rf"\b{token}\s*[?.]", plain(q.text)):
            continue  # "…that routine work does not?": an elliptical contrast, not a negation
        if w in ("false", "incorrect", "untrue") and not re.search(
            rf"\b(is|are)\s+{w}\b", plain(q.text), re.IGNORECASE
        ):
            continue
        if token.isupper() or w in emphasised:
            continue
        found.append(token)
    if found:
        return [
            (
                "negative-stem",
                WARNING,
                f"“{'”, “'.join(found)}” is not emphasised",
                "a negative read past turns the question around; ask it positively, or "
                "write the word in capitals or bold",
            )
        ]
    return []


def _tf_key(q: QuestionData) -> bool:
    """The right answer of a true/false question."""
    for a in q.answers:
        if a.fraction > 0:
            return plain(a.text).casefold() == "true"
    return False


_RULES = (
    _key_longest,
    _key_only_hedged,
    _absolute_words,
    _above,
    _overlap,
    _word_repeat,
    _grammar,
    _numeric_order,
    _negative_stem,
)


def check_question(question: QuestionData, *, source: str = "", line: int | None = None):
    """Flags from the rules that look at one question on its own."""
    item = Item(question, source=source, line=question.line if line is None else line)
    return _check_item(item)


def _check_item(item: Item) -> list[Flag]:
    flags = []
    for rule in _RULES:
        for rule_id, severity, evidence, why in rule(item.question):
            flags.append(Flag(rule_id, severity, item.title, evidence, why, item.source, item.line))
    flags.extend(_implausible(item))
    return flags


def _implausible(item: Item) -> list[Flag]:
    q, counts = item.question, item.counts
    if counts is None or not _is_choice(q) or counts.responses < MIN_RESPONSES:
        return []
    if len(counts.picks) != len(q.answers):
        return []
    flags = []
    for answer, picks in zip(q.answers, counts.picks, strict=True):
        if answer.fraction <= 0 and picks < IMPLAUSIBLE_BELOW * counts.responses:
            flags.append(
                Flag(
                    "implausible-distractor",
                    WARNING,
                    item.title,
                    f"{_quote(answer.text)} chosen {picks} times in {counts.responses} "
                    f"({100 * picks / counts.responses:.0f} %)",
                    "a distractor nobody picks does no work and raises the guessing odds; "
                    "replace it with a common mistake",
                    item.source,
                    item.line,
                )
            )
    return flags


# --- Rules over the whole bank ----------------------------------------------------------------


def _duplicates(items: Sequence[Item]) -> list[Flag]:
    prepared = []
    for item in items:
        q = item.question
        stem = " ".join(words(q.text))
        keys = frozenset(" ".join(words(q.answers[i].text)) for i in _keys(q))
        if q.kind == TRUE_FALSE:
            keys = frozenset()  # "True"/"False" says nothing about what is asked
        prepared.append((item, stem, content_words(q.text), keys))
    flags = []
    for (a, stem_a, set_a, keys_a), (b, stem_b, set_b, keys_b) in combinations(prepared, 2):
        if not stem_a or not stem_b:
            continue
        where = f"{b.source}:{b.line}" if b.source else f"line {b.line}"
        if stem_a == stem_b and a.question.kind == b.question.kind:
            flags.append(
                Flag(
                    "duplicate-stem",
                    ERROR,
                    a.title,
                    f"same question as “{b.title}” ({where})",
                    "a learner meets the same item twice, and a mock exam can draw both",
                    a.source,
                    a.line,
                )
            )
            continue
        union = set_a | set_b
        if not union:
            continue
        share = len(set_a & set_b) / len(union)
        same_key = bool(keys_a) and keys_a == keys_b
        if share >= NEAR_DUPLICATE or (same_key and share >= NEAR_DUPLICATE_SAME_KEY):
            flags.append(
                Flag(
                    "near-duplicate-stem",
                    WARNING,
                    a.title,
                    f"{100 * share:.0f} % of its words shared with “{b.title}” ({where})"
                    + (", same key" if same_key else ""),
                    "two items asking the same thing can come up in one mock exam, and one "
                    "gives the other away",
                    a.source,
                    a.line,
                )
            )
    return flags


def check_bank(items: Iterable[Item]) -> list[Flag]:
    """Every rule over a bank, in bank order (per-question flags, then duplicates)."""
    items = list(items)
    flags = [flag for item in items for flag in _check_item(item)]
    return flags + _duplicates(items)


# --- The bank report --------------------------------------------------------------------------


@dataclass
class BankReport:
    questions: int = 0
    kinds: Counter = field(default_factory=Counter)
    single: int = 0  # single-choice questions with exactly one key
    key_positions: Counter = field(default_factory=Counter)  # 1-based position as written
    key_longest: int = 0  # key strictly the longest option
    key_shortest: int = 0  # key strictly the shortest option
    true_false: int = 0
    true_keyed: int = 0
    absolute_true: int = 0  # true/false statements with an absolute word, keyed True
    absolute_false: int = 0
    multiple_shapes: Counter = field(default_factory=Counter)  # (right, wrong) -> questions
    errors: int = 0
    warnings: int = 0
    by_rule: Counter = field(default_factory=Counter)
    duplicates: list[str] = field(default_factory=list)

    @property
    def key_longest_rate(self) -> float | None:
        return self.key_longest / self.single if self.single else None

    @property
    def key_shortest_rate(self) -> float | None:
        return self.key_shortest / self.single if self.single else None

    @property
    def true_rate(self) -> float | None:
        return self.true_keyed / self.true_false if self.true_false else None

    @property
    def positions(self) -> list[tuple[int, int]]:
        """(position, questions) for single choice, in position order."""
        return sorted(self.key_positions.items())

    @property
    def shapes(self) -> list[tuple[int, int, int]]:
        """(right, wrong, questions) for multiple response, fewest right options first."""
        return [(r, w, n) for (r, w), n in sorted(self.multiple_shapes.items())]

    def targets(self) -> list[tuple[str, bool]]:
        """The bank-level targets of issue 11, each with whether this bank meets it.

        0 error flags; the key strictly longest in at most 30 % of single choice, and strictly
        shortest within 10 points of that; true/false keyed True 40–60 %; absolute words in
        true/false statements not all keyed False (when there are two or more); multiple
        response with at least two different numbers of right and of wrong options; 0
        duplicates.
        """
        longest, shortest = self.key_longest_rate, self.key_shortest_rate
        true = self.true_rate
        absolute = self.absolute_true + self.absolute_false
        rights = {r for r, _ in self.multiple_shapes}
        wrongs = {w for _, w in self.multiple_shapes}
        return [
            ("0 errors", self.errors == 0),
            ("key strictly longest in at most 30 %", longest is None or longest <= 0.30),
            (
                "key strictly shortest about as often (within 10 points)",
                longest is None or abs(longest - (shortest or 0)) <= 0.10,
            ),
            ("true/false keyed True 40–60 %", true is None or 0.40 <= true <= 0.60),
            ("absolute words not tied to False", absolute < 2 or self.absolute_true > 0),
            (
                "multiple response varies its right and wrong counts",
                len(self.multiple_shapes) < 2 or (len(rights) > 1 and len(wrongs) > 1),
            ),
            ("0 duplicates", not self.duplicates),
        ]

    def lines(self) -> list[str]:
        """The report as plain text lines."""

        def pct(value: float | None) -> str:
            return "n/a" if value is None else f"{100 * value:.0f} %"

        positions = ", ".join(f"{p}: {n}" for p, n in self.positions) or "none"
        shapes = ", ".join(f"{r} right + {w} wrong: {n}" for r, w, n in self.shapes) or "none"
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.kinds.items())) or "none"
        rules = ", ".join(f"{r} {n}" for r, n in sorted(self.by_rule.items())) or "none"
        out = [
            f"questions: {self.questions} ({kinds})",
            f"flags: {self.errors} errors, {self.warnings} warnings ({rules})",
            f"single choice: {self.single}; key position as written: {positions}",
            f"key strictly longest: {self.key_longest} of {self.single} "
            f"({pct(self.key_longest_rate)}); strictly shortest: {self.key_shortest} "
            f"({pct(self.key_shortest_rate)})",
            f"true/false: {self.true_false}, keyed True {self.true_keyed} "
            f"({pct(self.true_rate)}); with an absolute word: {self.absolute_true} True, "
            f"{self.absolute_false} False",
            f"multiple response shapes: {shapes}",
            f"duplicates: {len(self.duplicates)}",
        ]
        out += [f"  {pair}" for pair in self.duplicates]
        targets = self.targets()
        met = sum(ok for _, ok in targets)
        out.append(f"targets met: {met} of {len(targets)}")
        out += [f"  {'yes' if ok else 'NO '} {name}" for name, ok in targets]
        return out


def bank_report(items: Iterable[Item], flags: Iterable[Flag]) -> BankReport:
    report = BankReport()
    for item in items:
        q = item.question
        report.questions += 1
        report.kinds[q.kind] += 1
        keys = _keys(q)
        if q.kind == SINGLE and len(keys) == 1 and len(q.answers) >= 2:
            report.single += 1
            report.key_positions[keys[0] + 1] += 1
            lengths = [len(plain(a.text)) for a in q.answers]
            others = [n for i, n in enumerate(lengths) if i != keys[0]]
            report.key_longest += lengths[keys[0]] > max(others)
            report.key_shortest += lengths[keys[0]] < min(others)
        elif q.kind == TRUE_FALSE:
            report.true_false += 1
            is_true = _tf_key(q)
            report.true_keyed += is_true
            if _absolutes(q.text):
                report.absolute_true += is_true
                report.absolute_false += not is_true
        elif q.kind == MULTIPLE:
            right = len(keys)
            report.multiple_shapes[(right, len(q.answers) - right)] += 1
    for flag in flags:
        report.by_rule[flag.rule] += 1
        if flag.severity == ERROR:
            report.errors += 1
        else:
            report.warnings += 1
        if flag.rule in ("duplicate-stem", "near-duplicate-stem"):
            report.duplicates.append(f"{flag.source}:{flag.line}: {flag.title}: {flag.evidence}")
    return report
