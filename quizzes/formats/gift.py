"""GIFT import and export, as Moodle reads and writes it.

Public API
----------
- ``parse_gift(text) -> ParseResult``: parse a whole GIFT file (already decoded).
- ``parse_gift_bytes(data) -> ParseResult``: decode UTF-8 (a BOM is removed) and parse; raises
  ``NotUTF8Error`` with Moodle's own message when the bytes are not UTF-8.
- ``write_gift(questions, category=None) -> str``: write Moodle's export layout.
- ``extract_idnumber_and_tags(comment) -> (idnumber, tags)``: Moodle's reading of ``[id:…]`` and
  ``[tag:…]`` in comment lines.
- ``default_title(text) -> str``: the name Moodle would make up for a question without a
  ``::title::`` (approximately: Moodle's ``shorten_text`` is not reproduced exactly).
- Helpers also used elsewhere: ``is_php_numeric`` (PHP's ``is_numeric``), ``format_number``
  (a float as PHP prints it), ``split_lines``, ``strip_tags``, ``PHP_WS``, ``GRADE_STEPS``.

The rules follow the steering repo's ``interop/gift/SPEC.md`` (Moodle's
``question/format/gift/format.php`` and its tests): blocks are separated by blank lines, every
line is trimmed, ``//`` lines are comments, only the first ``{`` and first ``}`` of a block
count, text after ``}`` turns the block into ``_____`` (missing word), ``[format]`` prefixes,
the ``\\~ \\= \\# \\{ \\} \\: \\\\ \\n`` escapes, ``####`` general feedback, weights ``%w%``
checked against Moodle's grade steps, and the type chosen exactly as Moodle chooses it.

How GIFT maps onto ``quizzes.formats.interchange``
------------------------------------------
- ``QuestionData.title`` is the ``::title::`` (HTML tags stripped, at most 255 characters), or
  ``""`` when the block has none. Moodle would then invent a name from the text; use
  ``default_title`` for that.
- ``text``/``explanation``/answer texts and feedback are the texts after unescaping; their
  ``*_format`` is the ``[format]`` prefix or the default Moodle uses (``moodle`` for the question
  text, the question text's format for everything else). Moodle trims every text part, so
  leading and trailing white space (including escaped ``\\n``) is not kept.
- Multiple choice is ``single`` when the answer block holds any unescaped ``=``, else
  ``multiple``. Options with no text, no weight and no feedback are dropped, and so are blank
  short answers (Moodle does the same when it saves the question); an option with a weight or
  feedback but no text is an error. The "at least 2 options / 1 answer" check counts what
  remains, which is what Moodle's save step checks too.
- True/false gives two rows, "True" and "False"; the correct one has fraction 1, and each row's
  feedback is what a learner who picks that row sees. So ``{FALSE#fb1#fb2}`` gives True → fb1,
  False → fb2 (fb1 is shown for the wrong answer, fb2 for the right one).
- Short answer and numerical answers ignore a ``[format]`` prefix (as Moodle does); their
  ``text_format`` is the question text's format.
- Numerical: ``text`` is the number as written (for ``{#a..b}`` the computed midpoint),
  ``value`` its float and ``tolerance`` the error margin; ``{#a..b}`` is stored as midpoint ±
  half-width. ``~#feedback`` adds a catch-all row ``text="*"``, ``value=None``,
  ``tolerance=None`` (Moodle's empty tolerance). A non-numeric
  answer silently becomes ``*`` in Moodle; we do the same but add a warning.
- Matching: ``text`` is the left-hand item (may carry a ``[format]``), ``match`` the right-hand
  text; ``= -> distractor`` gives a row with empty ``text``.
- ``$CATEGORY: path`` blocks set ``QuestionData.category`` (the path exactly as written, for
  example ``$course$/top/Sub``) for the questions that follow; they are not questions.
- ``line`` is the first physical line (1-based) of the question's block, comments included.

- Essay (``{}``, or ``{####model answer}``): kind ``essay``, a long answer with a mark scheme.
  The general feedback is the model answer (``explanation``); the scheme's points come from
  StudyHub comment lines (below). Without them the essay has an empty scheme.

Not supported by StudyHub (skipped with a warning, the rest of the file is still read):
descriptions (no braces).

Moodle quirks kept on purpose: a line holding only ``0`` ends a block (PHP's ``empty()``); a
second ``{...}`` stays in the text; ``{#abc}`` accepts any number; ``{true}`` is a short answer.
Small departures, where Moodle's behaviour is a bug: the ``$CATEGORY:`` path is kept exactly as
written (Moodle leaves its internal escape placeholders in it); literal ``&&058;``-style text is
not turned into ``:``; a downward range ``{#5..1}`` or a negative tolerance is read with a
positive tolerance and a warning; a ``}`` before the first ``{`` is an error; a ``$CATEGORY:``
block with further lines gets a warning (Moodle reads them all as the category name).

Errors (``ParseResult.errors``) follow SPEC 1.5: a ``{`` without ``}`` (or the reverse), too few
answers for the type, a matching item without ``->``, ``{#}``, a non-numeric tolerance, and a
weight that is not one of Moodle's grade steps. Each names the line (the exact line when known)
and the question; a question with an error is not returned. All errors are collected.

StudyHub extensions in comment lines
------------------------------------
Moodle ignores comments, so these keep the file valid GIFT:

- ``// [lesson:lesson-slug#anchor]`` sets ``QuestionData.lesson = "lesson-slug#anchor"``.
- ``// [point:MARKS] DESCRIPTION :: IDEA ; IDEA`` (long answers only; each IDEA is
  ``synonym | synonym``) adds a mark-scheme point: ``text`` = DESCRIPTION, ``value`` = MARKS
  (a positive number), ``match`` = the ideas as written, ``fraction`` = its share of the
  marks. Points keep their written order. Elsewhere such a line is ignored with a warning.
- ``// [misconception:N:label text]`` sets ``answers[N-1].misconception = "label text"``. N is
  1-based and counts the answers in written order, as they appear in ``QuestionData.answers``
  (for true/false: 1 = True, 2 = False). An N outside the answers is an error for that question.

As for ``[id:…]`` and ``[tag:…]``, a value must stay on one line, cannot contain ``[``, and
``\\]`` puts a ``]`` in it; surrounding spaces are trimmed.

Export (``write_gift``)
-----------------------
Moodle's layout (SPEC 1.6): a ``// name: NAME`` comment instead of ``// question: ID  name:
NAME`` (we have no ids), then ``// [id:x] [tag:a] [tag:b]`` when present, then
``// [lesson:…] [misconception:N:…]`` when present, then ``::title::text{`` with one answer per
line indented with a TAB, ``####`` general feedback, ``}`` and a blank line. A
``$CATEGORY: path`` block is written first and whenever the category changes. Reserved
characters are escaped. ``parse_gift(write_gift(qs))`` gives back equivalent questions.

A few things GIFT cannot say; ``write_gift`` raises ``ValueError`` for them rather than write a
file that reads back differently: a tag, ID number, lesson or misconception label containing
``[`` or a line break; a matching left-hand item containing ``->``; a short-answer question with
several answers where an answer or feedback contains ``->``; a non-finite number. A question
without a category that follows one with a category inherits that category when read back (GIFT
cannot switch back to "no category").
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from quizzes.formats.interchange import (
    ESSAY,
    FORMATS,
    MATCHING,
    MOODLE,
    MULTIPLE,
    NUMERICAL,
    SHORT,
    SINGLE,
    TRUE_FALSE,
    AnswerData,
    NotUTF8Error,
    ParseIssue,
    ParseResult,
    QuestionData,
)

__all__ = [
    "GRADE_STEPS",
    "NOT_UTF8_MESSAGE",
    "PHP_WS",
    "default_title",
    "extract_idnumber_and_tags",
    "format_number",
    "is_php_numeric",
    "parse_gift",
    "parse_gift_bytes",
    "split_lines",
    "strip_tags",
    "write_gift",
]

NOT_UTF8_MESSAGE = (
    "The file you selected does not use UTF-8 character encoding. GIFT format files must use UTF-8."
)

# The characters PHP's trim() removes; Python's str.strip() would remove more (e.g. U+00A0).
PHP_WS = " \t\n\r\0\x0b"

# Moodle's grade steps (question_bank::fraction_options_full), positive half.
GRADE_STEPS: tuple[float, ...] = (
    1.0,
    0.9,
    0.8333333,
    0.8,
    0.75,
    0.7,
    0.6666667,
    0.6,
    0.5,
    0.4,
    0.3333333,
    0.3,
    0.25,
    0.2,
    0.1666667,
    0.1428571,
    0.125,
    0.1111111,
    0.1,
    0.05,
)
_ALLOWED_FRACTIONS = (0.0, *GRADE_STEPS, *(-g for g in GRADE_STEPS))
_GRADE_TOLERANCE = 0.00001

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ESCAPE = re.compile(r"\\([\\:#={}~n])")
_WEIGHT = re.compile(r"%-*[0-9]{1,2}\.?[0-9]*%")
_FORMAT_PREFIX = re.compile(r"\[(?:moodle|html|plain|markdown)\]")
_PHP_NUMERIC = re.compile(
    r"[ \t\n\r\v\f]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t\n\r\v\f]*"
)
_TAG_VALUE = r"((?:\\\]|[^\]\[\n])*)"
_ID_RE = re.compile(r"\[id:" + _TAG_VALUE + r"\]")
_TAG_RE = re.compile(r"\[tag:" + _TAG_VALUE + r"\]")
_LESSON_RE = re.compile(r"\[lesson:" + _TAG_VALUE + r"\]")
_MISCONCEPTION_RE = re.compile(r"\[misconception:([^:\]\[\n]*):" + _TAG_VALUE + r"\]")
# A mark-scheme point of a long answer: "// [point:MARKS] DESCRIPTION :: IDEA ; IDEA".
_POINT_RE = re.compile(r"//\s*\[point:([^\]\n]*)\](.*)$")
_HTML_COMMENT_OR_TAG = re.compile(r"<!--.*?(?:-->|\Z)|<(?!\s)[^>]*(?:>|\Z)", re.DOTALL)

_TRUE_FALSE_WORDS = ("T", "TRUE", "F", "FALSE")
_TITLE_MAX = 255


# ---------------------------------------------------------------------------------------------
# Small helpers shared with quizzes.formats.aiken
# ---------------------------------------------------------------------------------------------


def split_lines(text: str) -> list[str]:
    """Physical lines; CRLF, LF and old-Mac CR all end a line."""
    return _LINE_BREAK.split(text)


def strip_tags(text: str) -> str:
    """Roughly PHP's strip_tags(): drop comments and anything from ``<x`` to ``>``."""
    return _HTML_COMMENT_OR_TAG.sub("", text)


def default_title(text: str) -> str:
    """The name Moodle gives a question that has no ``::title::`` (approximately).

    Moodle uses ``clean_param(shorten_text($questiontext, 80), PARAM_TEXT)``: HTML tags are
    removed and the text is cut to about 80 characters with "..." at the end.
    """
    plain = strip_tags(text).strip(PHP_WS)
    if len(plain) > 80:
        plain = plain[:77] + "..."
    return plain.strip(PHP_WS)


def _clean_title(name: str) -> str:
    name = strip_tags(name).strip(PHP_WS)
    if len(name) > _TITLE_MAX:
        name = name[: _TITLE_MAX - 3] + "..."
    return name


def is_php_numeric(value: str) -> bool:
    return _PHP_NUMERIC.fullmatch(value) is not None


def _php_empty(value: str) -> bool:
    return value in ("", "0")


def _match_grade(fraction: float) -> float | None:
    for allowed in _ALLOWED_FRACTIONS:
        if abs(fraction - allowed) < _GRADE_TOLERANCE:
            return allowed
    return None


def format_number(value: float) -> str:
    """A float written the way PHP prints it: ``3.0`` → ``3``, shortest exact form otherwise."""
    if not math.isfinite(value):
        raise ValueError(f"{value!r} cannot be written as a GIFT number")
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _percent(fraction: float) -> str:
    text = f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _shorten(text: str, size: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def extract_idnumber_and_tags(comment: str) -> tuple[str, list[str]]:
    """Moodle's ``qformat_gift::extract_idnumber_and_tags_from_comment``.

    The first ``[id:…]`` gives the ID number; every ``[tag:…]`` gives a tag. Values are trimmed,
    ``\\]`` stands for ``]``, and a value may not contain ``[`` or span lines.
    """
    idnumber = ""
    match = _ID_RE.search(comment)
    if match:
        idnumber = match.group(1).strip(PHP_WS).replace("\\]", "]")
    tags = [raw.strip(PHP_WS).replace("\\]", "]") for raw in _TAG_RE.findall(comment)]
    return idnumber, tags


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


class _Escapes:
    """Moodle's escapedchar_pre/post with one-character placeholders.

    The placeholders are private-use characters that do not occur in the file, so an escaped
    ``\\=`` can never be mistaken for a separator, and offsets stay per character.
    """

    def __init__(self, text: str) -> None:
        present = set(text)
        chosen: list[str] = []
        code = 0xE000
        while len(chosen) < 7:
            char = chr(code)
            if char not in present:
                chosen.append(char)
            code += 1
        originals = ":#={}~\n"
        self._pre = dict(zip(":#={}~n", chosen, strict=True))
        self._pre["\\"] = "\\"
        self._post = str.maketrans(dict(zip(chosen, originals, strict=True)))

    def pre(self, line: str) -> str:
        return _ESCAPE.sub(lambda m: self._pre[m.group(1)], line)

    def post(self, text: str) -> str:
        return text.translate(self._post)


def _trim(text: str, offset: int) -> tuple[str, int]:
    """PHP trim(), also returning the offset of the first kept character."""
    stripped = text.lstrip(PHP_WS)
    return stripped.rstrip(PHP_WS), offset + len(text) - len(stripped)


def _split(text: str, separator: str, offset: int) -> list[tuple[str, int]]:
    """explode(), keeping the offset of each piece."""
    pieces = []
    start = 0
    while True:
        found = text.find(separator, start)
        if found == -1:
            pieces.append((text[start:], offset + start))
            return pieces
        pieces.append((text[start:found], offset + start))
        start = found + len(separator)


def _equals_pieces(text: str, offset: int) -> list[tuple[str, int]]:
    """The `=`-separated answers of a short-answer or numerical block (the leading `=` optional)."""
    pieces = _split(text, "=", offset)
    if _php_empty(pieces[0][0].strip(PHP_WS)):
        pieces = pieces[1:]
    return pieces


def _split_choices(text: str, offset: int) -> list[tuple[str, int]]:
    """Moodle's ``explode('~', str_replace('=', '~=', $answertext))`` with offsets."""
    pieces = []
    start = 0
    for match in re.finditer(r"[~=]", text):
        at = match.start()
        pieces.append((text[start:at], offset + start))
        start = at + 1 if text[at] == "~" else at
    pieces.append((text[start:], offset + start))
    return pieces


@dataclass
class _Block:
    lines: list[tuple[int, str]]  # (physical line number, trimmed text)

    @property
    def start(self) -> int:
        return self.lines[0][0]


@dataclass
class _Question:
    """Everything one block needs while it is being read."""

    start: int
    line_starts: list[int]
    line_numbers: list[int]
    errors: list[ParseIssue] = field(default_factory=list)
    warnings: list[ParseIssue] = field(default_factory=list)
    label: str = "question"

    def line_at(self, offset: int) -> int:
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return self.line_numbers[max(index, 0)]

    def _message(self, line: int, problem: str) -> str:
        where = "" if line == self.start else f" (the question starts on line {self.start})"
        return f"{self.label}{where}: {problem}"

    def error(self, offset: int | None, problem: str) -> None:
        line = self.start if offset is None else self.line_at(offset)
        self.errors.append(ParseIssue(line, self._message(line, problem)))

    def error_at_line(self, line: int, problem: str) -> None:
        self.errors.append(ParseIssue(line, self._message(line, problem)))

    def warn(self, offset: int | None, problem: str) -> None:
        line = self.start if offset is None else self.line_at(offset)
        self.warnings.append(ParseIssue(line, self._message(line, problem)))


class _GiftParser:
    def __init__(self, text: str) -> None:
        self.escapes = _Escapes(text)
        self.text = text
        self.category = ""
        self.result = ParseResult()

    # -- file level ----------------------------------------------------------------------

    def parse(self) -> ParseResult:
        block: list[tuple[int, str]] = []
        for number, raw in enumerate(split_lines(self.text), start=1):
            line = raw.strip(PHP_WS)
            # PHP's empty(): a line holding only "0" also ends a block in Moodle.
            if _php_empty(line):
                if block:
                    self._read_block(_Block(block))
                    block = []
            else:
                block.append((number, line))
        if block:
            self._read_block(_Block(block))
        return self.result

    # -- one block -----------------------------------------------------------------------

    def _fmt(self, text: str, default: str) -> tuple[str, str]:
        """Moodle's parse_text_with_format: an optional ``[format]`` prefix, then unescape+trim."""
        text_format = default
        if text.startswith("["):
            end = text.find("]")
            if end != -1 and text[1:end] in FORMATS:
                text_format = text[1:end]
                text = text[end + 1 :]
        return self.escapes.post(text).strip(PHP_WS), text_format

    def _comment_parts(self, answer: str, default: str) -> tuple[str, str, str, str]:
        """Moodle's commentparser: ``text#feedback``."""
        bits = answer.split("#", 1)
        text, text_format = self._fmt(bits[0].strip(PHP_WS), default)
        if len(bits) > 1:
            feedback, feedback_format = self._fmt(bits[1].strip(PHP_WS), default)
        else:
            feedback, feedback_format = "", default
        return text, text_format, feedback, feedback_format

    def _read_block(self, block: _Block) -> None:
        comments: list[tuple[int, str]] = []
        processed: list[str] = []
        raw_lines: list[str] = []
        for number, line in block.lines:
            if line.startswith("//"):
                comments.append((number, line))
                processed.append(" ")
                raw_lines.append(" ")
            else:
                processed.append(self.escapes.pre(line))
                raw_lines.append(line)

        line_starts = []
        position = 0
        for line in processed:
            line_starts.append(position)
            position += len(line) + 1
        joined = "\n".join(processed)
        text, base = _trim(joined, 0)
        if not text:
            return  # a block of comments only

        q = _Question(block.start, line_starts, [number for number, _ in block.lines])

        if text.startswith("$CATEGORY:"):
            path = "\n".join(raw_lines).strip(PHP_WS)[len("$CATEGORY:") :].strip(PHP_WS)
            if "\n" in path:
                q.label = "category"
                q.warn(
                    None,
                    "the $CATEGORY: block has more than one line; Moodle reads all of them as the "
                    "category name (leave a blank line after the $CATEGORY: line)",
                )
                self.result.warnings.extend(q.warnings)
            self.category = path
            return

        # Question name.
        title = ""
        if text.startswith("::"):
            rest, base = text[2:], base + 2
            end = rest.find("::")
            if end == -1:
                text = rest  # Moodle drops the opening "::" and invents a name.
            else:
                title = _clean_title(self.escapes.post(rest[:end]))
                text, base = _trim(rest[end + 2 :], base + end + 2)

        # Answer block: only the first "{" and the first "}" count.
        start = text.find("{")
        finish = text.find("}")
        description = start == -1 and finish == -1
        q.label = self._label(title, text[:start] if start > 0 else text)
        if not description:
            if start == -1 or finish == -1:
                found = finish if start == -1 else start
                missing = "{" if start == -1 else "}"
                q.error(
                    base + found,
                    f'could not find {{...}} around the answers: "{text[found]}" has no '
                    f'matching "{missing}" (write \\{{ or \\}} for a literal brace)',
                )
                self.result.errors.extend(q.errors)
                return
            if finish < start:
                q.error(
                    base + finish,
                    'could not find {...} around the answers: "}" comes before "{" '
                    "(write \\{ or \\} for a literal brace)",
                )
                self.result.errors.extend(q.errors)
                return

        if description:
            questiontext = text
            answertext, answer_base = "", base
        else:
            answertext, answer_base = _trim(text[start + 1 : finish], base + start + 1)
            if text.endswith("}"):
                questiontext = text[:start] + text[finish + 1 :]
            else:
                questiontext = text[:start] + "_____" + text[finish + 1 :]

        general_feedback = ""
        separator = answertext.rfind("####")
        if separator != -1:
            general_feedback = answertext[separator + 4 :]
            answertext = answertext[:separator].strip(PHP_WS)

        qtext, qformat = self._fmt(questiontext, MOODLE)
        explanation, explanation_format = self._fmt(general_feedback, qformat)
        q.label = self._label(title, qtext)

        if description:
            q.warn(None, "descriptions (text without an answer block) are not supported; skipped")
            self.result.warnings.extend(q.warnings)
            return
        question = QuestionData(
            kind=ESSAY if answertext == "" else SHORT,
            text=qtext,
            title=title,
            text_format=qformat,
            explanation=explanation,
            explanation_format=explanation_format,
            category=self.category,
            line=block.start,
        )
        misconceptions = self._read_comments(comments, question, q)
        self._read_points(comments, question, q)

        if question.kind == ESSAY:
            pass  # the answer block is empty; the scheme came from the comments
        elif answertext.startswith("#"):
            self._numerical(answertext, answer_base, question, q)
        elif "~" in answertext:
            self._multichoice(answertext, answer_base, question, q)
        elif "=" in answertext and "->" in answertext:
            self._matching(answertext, answer_base, question, q)
        else:
            check = answertext
            if answertext.find("#") > 0:
                check = answertext[: answertext.find("#")].strip(PHP_WS)
            if check in _TRUE_FALSE_WORDS:
                self._truefalse(answertext, question)
            else:
                self._shortanswer(answertext, answer_base, question, q)

        if not q.errors:
            self._apply_misconceptions(misconceptions, question, q)
        self.result.warnings.extend(q.warnings)
        if q.errors:
            self.result.errors.extend(q.errors)
        else:
            self.result.questions.append(question)

    @staticmethod
    def _label(title: str, text: str) -> str:
        if title:
            return f'question "{_shorten(title)}"'
        shown = _shorten(strip_tags(text).strip(PHP_WS))
        return f'question "{shown}"' if shown else "question"

    # -- comments ------------------------------------------------------------------------

    def _read_comments(
        self, comments: list[tuple[int, str]], question: QuestionData, q: _Question
    ) -> list[tuple[int, int, str]]:
        """Set ID number, tags and lesson; return the misconceptions as (N, line, label)."""
        question.idnumber, tags = extract_idnumber_and_tags(
            "".join(line + "\n" for _, line in comments)
        )
        question.tags = [tag for tag in tags if tag]
        misconceptions: dict[int, tuple[int, str]] = {}
        for number, line in comments:
            for found in re.finditer(r"\[lesson:", line):
                match = _LESSON_RE.match(line, found.start())
                if match is None:
                    q.error_at_line(number, "a [lesson:...] tag has no closing ]")
                    continue
                lesson = match.group(1).strip(PHP_WS).replace("\\]", "]")
                if lesson and question.lesson and lesson != question.lesson:
                    q.warnings.append(
                        ParseIssue(
                            number,
                            f"{q.label}: more than one [lesson:...] tag; "
                            f'keeping "{question.lesson}"',
                        )
                    )
                elif lesson:
                    question.lesson = lesson
            for found in re.finditer(r"\[misconception:", line):
                match = _MISCONCEPTION_RE.match(line, found.start())
                if match is None or not match.group(1).strip(PHP_WS).isdecimal():
                    q.error_at_line(
                        number,
                        "a [misconception:...] tag must look like [misconception:N:label], "
                        "with N the answer's number (1 for the first answer)",
                    )
                    continue
                index = int(match.group(1).strip(PHP_WS))
                label = match.group(2).strip(PHP_WS).replace("\\]", "]")
                if label:
                    misconceptions[index] = (number, label)
        return [(index, line, label) for index, (line, label) in sorted(misconceptions.items())]

    @staticmethod
    def _read_points(comments: list[tuple[int, str]], question: QuestionData, q: _Question):
        """A long answer's mark scheme, from its ``// [point:MARKS] DESCRIPTION :: IDEAS``
        lines; each point's fraction is its share of the marks."""
        points = []
        for number, line in comments:
            match = _POINT_RE.match(line)
            if match is None:
                continue
            if question.kind != ESSAY:
                q.warnings.append(
                    ParseIssue(
                        number,
                        f"{q.label}: [point:...] lines belong to long-answer questions "
                        "(an empty answer block {}); ignored",
                    )
                )
                continue
            marks = match.group(1).strip(PHP_WS)
            if not is_php_numeric(marks) or not 0 < float(marks) < math.inf:
                q.error_at_line(
                    number,
                    f'the point "[point:{marks}]" needs a positive number of marks, '
                    "such as [point:2]",
                )
                continue
            description, _, ideas = match.group(2).partition("::")
            description = description.strip(PHP_WS)
            if not description:
                q.error_at_line(number, "a [point:...] line needs a description of the point")
                continue
            points.append(
                AnswerData(
                    text=description,
                    value=float(marks),
                    match=" ".join(ideas.split()),
                    text_format=question.text_format,
                    feedback_format=question.text_format,
                )
            )
        total = math.fsum(point.value for point in points)
        for point in points:
            point.fraction = point.value / total
        question.answers = points

    @staticmethod
    def _apply_misconceptions(
        pending: list[tuple[int, int, str]], question: QuestionData, q: _Question
    ) -> None:
        for index, line, label in pending:
            if 1 <= index <= len(question.answers):
                question.answers[index - 1].misconception = label
            else:
                q.error_at_line(
                    line,
                    f"[misconception:{index}:...] names answer {index}, but the question has "
                    f"{len(question.answers)} answer(s)",
                )

    # -- weights -------------------------------------------------------------------------

    def _weight(self, answer: str, offset: int, q: _Question) -> tuple[float, str] | None:
        """Moodle's answerweightparser for an answer known to start with ``%w%``."""
        end = answer.index("%", 1)
        raw = answer[1:end]
        rest = answer[end + 1 :]
        if not is_php_numeric(raw):
            q.error(offset, f'the weight "%{raw}%" is not a number')
            return None
        fraction = float(raw) / 100
        allowed = _match_grade(fraction)
        if allowed is None:
            steps = ", ".join(_percent(g) for g in GRADE_STEPS)
            q.error(
                offset,
                f'the weight "%{raw}%" is not one of Moodle\'s grade steps '
                f"(0 or plus/minus {steps})",
            )
            return None
        return allowed, rest

    # -- question types ------------------------------------------------------------------

    def _multichoice(
        self, answertext: str, offset: int, question: QuestionData, q: _Question
    ) -> None:
        question.kind = SINGLE if "=" in answertext else MULTIPLE
        pieces = _split_choices(answertext, offset)
        if _php_empty(pieces[0][0].strip(PHP_WS)):
            pieces = pieces[1:]
        for piece, piece_offset in pieces:
            answer, at = _trim(piece, piece_offset)
            if answer.startswith("="):
                fraction, answer = 1.0, answer[1:]
            elif _WEIGHT.match(answer):
                weighed = self._weight(answer, at, q)
                if weighed is None:
                    continue
                fraction, answer = weighed
            else:
                fraction = 0.0
            text, text_format, feedback, feedback_format = self._comment_parts(
                answer, question.text_format
            )
            if text == "":
                if fraction == 0 and feedback == "":
                    continue  # a blank option: Moodle ignores it when saving.
                q.error(at, "an answer has a weight or feedback but no text")
                continue
            question.answers.append(
                AnswerData(
                    text=text,
                    fraction=fraction,
                    feedback=feedback,
                    text_format=text_format,
                    feedback_format=feedback_format,
                )
            )
        if not q.errors and len(question.answers) < 2:
            q.error(
                None,
                "there are not enough answers for this question type: multiple choice needs "
                f"at least 2 options, found {len(question.answers)}",
            )

    def _weighted(self, pieces: list[tuple[str, int]], q: _Question):
        """(fraction, answer, offset) for each `=` answer, its `%w%` weight taken off (default
        100 %); an answer with an invalid weight is reported on `q` and skipped."""
        for piece, piece_offset in pieces:
            answer, at = _trim(piece, piece_offset)
            fraction = 1.0
            if _WEIGHT.match(answer):
                weighed = self._weight(answer, at, q)
                if weighed is None:
                    continue
                fraction, answer = weighed
            yield fraction, answer, at

    def _shortanswer(
        self, answertext: str, offset: int, question: QuestionData, q: _Question
    ) -> None:
        question.kind = SHORT
        for fraction, answer, _at in self._weighted(_equals_pieces(answertext, offset), q):
            text, _, feedback, feedback_format = self._comment_parts(answer, question.text_format)
            if text == "":
                continue  # Moodle skips blank answers when saving.
            question.answers.append(
                AnswerData(
                    text=text,
                    fraction=fraction,
                    feedback=feedback,
                    text_format=question.text_format,
                    feedback_format=feedback_format,
                )
            )
        if not q.errors and not question.answers:
            q.error(
                None,
                "there are not enough answers for this question type: short answer needs at "
                "least 1 answer",
            )

    def _matching(self, answertext: str, offset: int, question: QuestionData, q: _Question) -> None:
        question.kind = MATCHING
        pieces = _split(answertext, "=", offset)
        if _php_empty(pieces[0][0].strip(PHP_WS)):
            pieces = pieces[1:]
        if len(pieces) < 2:
            q.error(
                None,
                "there are not enough answers for this question type: matching needs at least "
                f"2 pairs, found {len(pieces)}",
            )
            return
        for piece, piece_offset in pieces:
            answer, at = _trim(piece, piece_offset)
            marker = answer.find("->")
            if marker == -1:
                q.error(
                    at,
                    "matching question answers are improperly formatted: "
                    f'"={_shorten(self.escapes.post(answer))}" has no "->"',
                )
                continue
            text, text_format = self._fmt(answer[:marker], question.text_format)
            match = self.escapes.post(answer[marker + 2 :]).strip(PHP_WS)
            question.answers.append(
                AnswerData(
                    text=text,
                    text_format=text_format,
                    feedback_format=question.text_format,
                    match=match,
                )
            )

    def _truefalse(self, answertext: str, question: QuestionData) -> None:
        question.kind = TRUE_FALSE
        default = question.text_format
        bits = answertext.split("#", 2)
        answer, _ = self._fmt(bits[0].strip(PHP_WS), default)
        wrong = self._fmt(bits[1].strip(PHP_WS), default) if len(bits) > 1 else ("", default)
        right = self._fmt(bits[2].strip(PHP_WS), default) if len(bits) > 2 else ("", default)
        true_is_right = answer in ("T", "TRUE")
        true_feedback, false_feedback = (right, wrong) if true_is_right else (wrong, right)
        question.answers = [
            AnswerData(
                text="True",
                fraction=1.0 if true_is_right else 0.0,
                feedback=true_feedback[0],
                text_format=default,
                feedback_format=true_feedback[1],
            ),
            AnswerData(
                text="False",
                fraction=0.0 if true_is_right else 1.0,
                feedback=false_feedback[0],
                text_format=default,
                feedback_format=false_feedback[1],
            ),
        ]

    def _numerical(
        self, answertext: str, offset: int, question: QuestionData, q: _Question
    ) -> None:
        question.kind = NUMERICAL
        answertext, offset = answertext[1:], offset + 1
        wrong_feedback = ""
        tilde = answertext.find("~")
        if tilde != -1:
            wrong_feedback = answertext[tilde:]
            answertext = answertext[:tilde]
        pieces = _equals_pieces(answertext, offset)
        if not pieces:
            q.error(None, "no answers found for the numerical question (write {#number})")
            return
        for fraction, answer, at in self._weighted(pieces, q):
            written, _, feedback, feedback_format = self._comment_parts(
                answer, question.text_format
            )
            row = self._number(written, at, q)
            if row is None:
                continue
            row.fraction = fraction
            row.feedback = feedback
            row.feedback_format = feedback_format
            row.text_format = question.text_format
            question.answers.append(row)
        if wrong_feedback:
            _, _, feedback, feedback_format = self._comment_parts(
                wrong_feedback, question.text_format
            )
            question.answers.append(
                AnswerData(
                    text="*",
                    fraction=0.0,
                    tolerance=None,  # Moodle leaves the catch-all's tolerance empty
                    feedback=feedback,
                    text_format=question.text_format,
                    feedback_format=feedback_format,
                )
            )

    def _number(self, written: str, offset: int, q: _Question) -> AnswerData | None:
        range_marker = written.find("..")
        colon = written.find(":")
        if range_marker > 0:
            high = written[range_marker + 2 :].strip(PHP_WS)
            low = written[:range_marker].strip(PHP_WS)
            if not (is_php_numeric(high) and is_php_numeric(low)):
                q.error(offset, f'answers must be numeric: "{_shorten(written)}" is not a range')
                return None
            middle = (float(high) + float(low)) / 2
            tolerance = float(high) - middle
            if tolerance < 0:
                q.warn(offset, f'the range "{written}" goes downwards; reading it as {low}..{high}')
                tolerance = -tolerance
            return AnswerData(text=format_number(middle), value=middle, tolerance=tolerance)
        if colon > 0:
            number = written[:colon].strip(PHP_WS)
            margin = written[colon + 1 :].strip(PHP_WS)
        else:
            number, margin = written.strip(PHP_WS), "0"
        if not is_php_numeric(margin):
            q.error(offset, f'answers must be numeric: the tolerance "{margin}" is not a number')
            return None
        tolerance = float(margin)
        if tolerance < 0:
            tolerance = -tolerance
            positive = format_number(tolerance)
            q.warn(offset, f'the tolerance "{margin}" is negative; using {positive}')
        if is_php_numeric(number):
            return AnswerData(text=number, value=float(number), tolerance=tolerance)
        if number != "*":
            q.warn(
                offset,
                f'the answer "{_shorten(number)}" is not a number; like Moodle, it is read as '
                '"*" (any answer)',
            )
        return AnswerData(text="*", value=None, tolerance=tolerance)


def parse_gift(text: str) -> ParseResult:
    """Parse a GIFT file. Never raises for bad content: see ``ParseResult.errors``."""
    return _GiftParser(text.removeprefix("\ufeff")).parse()


def parse_gift_bytes(data: bytes) -> ParseResult:
    """Decode a GIFT file (UTF-8, optional BOM) and parse it.

    Raises ``NotUTF8Error`` with Moodle's message when the bytes are not valid UTF-8.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotUTF8Error(NOT_UTF8_MESSAGE) from exc
    return parse_gift(text)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

_RESERVED = str.maketrans(
    {
        "\\": "\\\\",
        "#": "\\#",
        "=": "\\=",
        "~": "\\~",
        "{": "\\{",
        "}": "\\}",
        ":": "\\:",
        "\n": "\\n",
        "\r": "",
    }
)


def _escape(text: str) -> str:
    """Moodle's repchar(): escape the reserved characters; a newline becomes ``\\n``."""
    return text.replace("\r\n", "\n").translate(_RESERVED)


def _write_text(text: str, text_format: str, default: str, *, force_prefix: bool = False) -> str:
    """Moodle's write_questiontext, plus a prefix when the text itself starts like one."""
    text = text.strip(PHP_WS)  # Moodle trims every text part when it reads it back.
    prefix = ""
    if text and (text_format != default or force_prefix or _FORMAT_PREFIX.match(text)):
        prefix = f"[{text_format}]"
    return prefix + _escape(text)


def _comment_value(value: str, what: str, question: QuestionData) -> str:
    if "[" in value or "\n" in value or "\r" in value:
        raise ValueError(
            f"{_describe(question)}: the {what} {value!r} contains '[' or a line break, which a "
            "GIFT comment cannot hold"
        )
    return value.replace("]", "\\]")


def _describe(question: QuestionData) -> str:
    return f'question "{_shorten(question.title or question.text)}"'


def _comment_safe(text: str) -> str:
    """Text for an informational comment: one line, no brackets Moodle could read as tags."""
    return " ".join(text.split()).replace("[", "(").replace("]", ")")


def _is_one(fraction: float) -> bool:
    return abs(fraction - 1) < 1e-9


def _feedback(answer: AnswerData, default: str) -> str:
    if answer.feedback == "":
        return ""
    return "#" + _write_text(answer.feedback, answer.feedback_format, default)


def _choice_lines(question: QuestionData) -> list[str]:
    default = question.text_format
    single = question.kind == SINGLE
    marks = []
    for answer in question.answers:
        if single and _is_one(answer.fraction):
            mark = "="
        elif answer.fraction == 0:
            # "~%50%text" would read as a weight: then write the zero weight explicitly.
            mark = "~%0%" if _WEIGHT.match(answer.text.strip(PHP_WS)) else "~"
        else:
            mark = f"~%{_percent(answer.fraction)}%"
        marks.append(mark)
    if single and "~" not in "".join(marks) and marks:
        marks[-1] = "~%100%"  # Without a "~" Moodle would read a short-answer question.
    return [
        f"\t{mark}{_write_text(answer.text, answer.text_format, default)}"
        f"{_feedback(answer, default)}"
        for mark, answer in zip(marks, question.answers, strict=True)
    ]


def _short_lines(question: QuestionData) -> list[str]:
    default = question.text_format
    rows = []
    for answer in question.answers:
        text = _write_text(answer.text, default, default)
        feedback = _write_text(answer.feedback, answer.feedback_format, default)
        rows.append(f"=%{_percent(answer.fraction)}%{text}#{feedback}")
    if any("->" in row for row in rows):
        if len(rows) > 1:
            raise ValueError(
                f"{_describe(question)}: '->' in a short answer or its feedback would make "
                "Moodle read a matching question; GIFT can only write that with a single answer"
            )
        rows = [rows[0][1:]]  # "{%100%p->next#}": no "=", so it cannot read as matching.
    return ["\t" + row for row in rows]


def _numerical_lines(question: QuestionData) -> list[str]:
    default = question.text_format
    rows = []
    count = len(question.answers)
    for index, answer in enumerate(question.answers):
        feedback = _write_text(answer.feedback, answer.feedback_format, default)
        number = _numerical_text(answer)
        if number == "*":
            if index == count - 1 and count > 1 and answer.fraction == 0:
                rows.append(f"\t~#{feedback}")
            else:
                rows.append(f"\t=%{_percent(answer.fraction)}%*#{feedback}")
            continue
        tolerance = format_number(float(answer.tolerance or 0.0))
        rows.append(f"\t=%{_percent(answer.fraction)}%{number}:{tolerance}#{feedback}")
    return rows


def _numerical_text(answer: AnswerData) -> str:
    if answer.value is None:
        text = answer.text.strip(PHP_WS)
        if text and text != "*" and is_php_numeric(text):
            return text
        return "*"
    value = float(answer.value)
    text = answer.text.strip(PHP_WS)
    if text and is_php_numeric(text) and float(text) == value:
        return text
    return format_number(value)


def _matching_lines(question: QuestionData) -> list[str]:
    default = question.text_format
    rows = []
    for answer in question.answers:
        if "->" in answer.text:
            raise ValueError(
                f"{_describe(question)}: the matching item {answer.text!r} contains '->', "
                "which GIFT reads as the separator"
            )
        left = _write_text(answer.text, answer.text_format, default)
        rows.append(f"\t={left} -> {_escape(answer.match)}")
    return rows


def _truefalse_block(question: QuestionData) -> str:
    default = question.text_format
    rows = {answer.text.strip().lower(): answer for answer in question.answers}
    true_row = rows.get("true") or (question.answers[0] if question.answers else AnswerData())
    false_row = rows.get("false") or (
        question.answers[1] if len(question.answers) > 1 else AnswerData()
    )
    true_is_right = true_row.fraction > 0.5
    right, wrong = (true_row, false_row) if true_is_right else (false_row, true_row)
    right_text = _write_text(right.feedback, right.feedback_format, default)
    wrong_text = _write_text(wrong.feedback, wrong.feedback_format, default)
    out = "{" + ("TRUE" if true_is_right else "FALSE")
    if wrong_text:
        out += "#" + wrong_text
    elif right_text:
        out += "#"
    if right_text:
        out += "#" + right_text
    if question.explanation:
        out += "####" + _write_text(question.explanation, question.explanation_format, default)
    return out + "}"


def _header(question: QuestionData) -> list[str]:
    lines = []
    if question.title:
        lines.append(f"// name: {_comment_safe(question.title)}")
    bits = []
    if question.idnumber:
        bits.append(f"[id:{_comment_value(question.idnumber, 'ID number', question)}]")
    for tag in question.tags:
        bits.append(f"[tag:{_comment_value(tag, 'tag', question)}]")
    if bits:
        lines.append("// " + " ".join(bits))
    extensions = []
    if question.lesson:
        extensions.append(f"[lesson:{_comment_value(question.lesson, 'lesson', question)}]")
    for number, answer in enumerate(question.answers, start=1):
        if answer.misconception:
            label = _comment_value(answer.misconception, "misconception label", question)
            extensions.append(f"[misconception:{number}:{label}]")
    if extensions:
        lines.append("// " + " ".join(extensions))
    if question.kind == ESSAY:
        lines += [_point_line(point, question) for point in question.answers]
    return lines


def _point_line(point: AnswerData, question: QuestionData) -> str:
    """One mark-scheme point as its comment line (see HELPERS' long-answer contract)."""
    description = " ".join(point.text.split())
    ideas = " ".join(point.match.split())
    if "::" in description or not description or "[" in description + ideas:
        raise ValueError(
            f"{_describe(question)}: the point {point.text!r} needs a description without "
            "'::' or '[', and key ideas without '['"
        )
    marks = point.value
    if marks is None or not 0 < marks < math.inf:
        raise ValueError(f"{_describe(question)}: the point {point.text!r} has no marks")
    line = f"// [point:{format_number(marks)}] {description}"
    return f"{line} :: {ideas}" if ideas else line


def _write_question(question: QuestionData) -> str:
    lines = _header(question)
    start = ""
    if question.title:
        start = f"::{_escape(question.title)}::"
    text = question.text.strip(PHP_WS)
    # Without a title, a text starting like a comment or a category switch needs a prefix.
    guard = not question.title and (text.startswith("//") or text.startswith("$CATEGORY:"))
    start += _write_text(question.text, question.text_format, MOODLE, force_prefix=guard)

    kind = question.kind
    if kind == TRUE_FALSE:
        lines.append(start + _truefalse_block(question))
        return "\n".join(lines) + "\n\n"
    if kind == ESSAY and not question.explanation:
        lines.append(start + "{}")
        return "\n".join(lines) + "\n\n"
    if kind == ESSAY:
        rows, opening = [], "{"
    elif kind in (SINGLE, MULTIPLE):
        rows, opening = _choice_lines(question), "{"
    elif kind == SHORT:
        rows, opening = _short_lines(question), "{"
    elif kind == NUMERICAL:
        rows, opening = _numerical_lines(question), "{#"
    elif kind == MATCHING:
        rows, opening = _matching_lines(question), "{"
    else:
        raise ValueError(f"{_describe(question)}: GIFT export does not know the kind {kind!r}")
    lines.append(start + opening)
    lines.extend(rows)
    if question.explanation:
        explanation = _write_text(
            question.explanation, question.explanation_format, question.text_format
        )
        lines.append(f"\t####{explanation}")
    lines.append("}")
    return "\n".join(lines) + "\n\n"


def _category_block(path: str) -> str:
    path = " ".join(split_lines(path)).strip(PHP_WS)
    return f"// question: 0  name: switch category to {_comment_safe(path)}\n$CATEGORY: {path}\n\n"


def write_gift(questions: Iterable[QuestionData], category: str | None = None) -> str:
    """Write questions as GIFT, in Moodle's export layout.

    ``category`` is used for questions whose own ``category`` is empty; a ``$CATEGORY:`` block
    is written before the first question and whenever the category changes.
    """
    out: list[str] = []
    current: str | None = None
    for question in questions:
        wanted = question.category or category or ""
        if wanted and wanted != current:
            out.append(_category_block(wanted))
            current = wanted
        out.append(_write_question(question))
    if category and current is None:
        out.append(_category_block(category))
    return "".join(out)
