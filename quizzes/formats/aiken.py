"""Aiken import and export, as Moodle reads and writes it.

Public API
----------
- ``parse_aiken(text) -> ParseResult``
- ``parse_aiken_bytes(data) -> ParseResult``: decodes UTF-8 (a BOM is removed); raises
  ``NotUTF8Error`` otherwise.
- ``write_aiken(questions) -> str``: writes the single-answer multiple-choice questions and
  skips every other question.

The format (steering repo ``interop/gift/SPEC.md`` section 2, Moodle's
``question/format/aiken/format.php``)::

    Question text on ONE line
    A) first choice
    B. second choice
    ANSWER: B

Every line is trimmed; lines shorter than 2 characters (blank lines included) are ignored. A
choice line is an upper-case letter, ``)`` or ``.``, and an optional space (``A)Text`` works).
``ANSWER: X`` closes the question and marks choice X as correct. Any other line starts a new
question. Line numbers count every physical line.

How Aiken maps onto ``quizzes.formats.interchange``
-------------------------------------------
Like Moodle, the question and choice texts are stored as HTML with ``< > &`` escaped once
(``Correct (< > &)`` becomes ``Correct (&lt; &gt; &amp;)``, quotes are kept), so
``text_format`` is ``html`` everywhere. Every question is ``single`` with fraction 1 on the
correct choice; there is no feedback, no title (``QuestionData.title`` is ``""``; Moodle makes
the name from the raw question line, see ``quizzes.formats.gift.default_title``) and no category.

Errors, as Moodle reports them (the question concerned is dropped, reading goes on):

- a choice or ``ANSWER:`` line while no question is open: "question not started";
- ``ANSWER:`` for a question with fewer than 2 choices: "must have at least 2 answers";
- a new question line while a question is still open: "not completed" (the old one is dropped).

Two differences from Moodle, both stricter and both for questions Moodle would import broken:
an ``ANSWER:`` letter that names no choice (``ANSWER: E`` with four choices, or lower-case
``ANSWER: b``) is an error here, where Moodle silently imports a question with no correct
answer; and a question still open at the end of the file gets a warning, where Moodle drops it
silently. ``parse_aiken_bytes`` refuses non-UTF-8 files (Moodle has no check and would store
mis-decoded text).

Export follows Moodle's writer: a single-answer question with at most 26 choices is written as
its text on one line (HTML turned into plain text, paragraphs and line breaks joined with a
space), ``A) …`` lines and ``ANSWER: X`` with the last choice whose fraction is above 0.99;
one newline ends each question, so no blank line separates questions. A question with no
choice above 0.99 cannot be written and is skipped too. Markdown is written as it is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from quizzes.formats.gift import PHP_WS, default_title, split_lines
from quizzes.formats.interchange import (
    HTML,
    MOODLE,
    SINGLE,
    AnswerData,
    NotUTF8Error,
    ParseIssue,
    ParseResult,
    QuestionData,
)

__all__ = ["NOT_UTF8_MESSAGE", "parse_aiken", "parse_aiken_bytes", "write_aiken"]

NOT_UTF8_MESSAGE = (
    "The file you selected does not use UTF-8 character encoding. "
    "Aiken format files must use UTF-8."
)

_CHOICE = re.compile(r"[A-Z][).]")
_MAX_CHOICES = 26


def _escape(text: str) -> str:
    """PHP's htmlspecialchars($text, ENT_NOQUOTES)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _name(line: str) -> str:
    return default_title(line) or line


class _Open:
    """The question being read."""

    def __init__(self, line: int, text: str) -> None:
        self.line = line
        self.name = _name(text)
        self.question = QuestionData(
            kind=SINGLE,
            text=_escape(text),
            text_format=HTML,
            explanation_format=HTML,
            line=line,
        )


def parse_aiken(text: str) -> ParseResult:
    """Parse an Aiken file. Never raises for bad content: see ``ParseResult.errors``."""
    result = ParseResult()
    current: _Open | None = None

    for number, raw in enumerate(split_lines(text.removeprefix("\ufeff")), start=1):
        line = raw.strip(PHP_WS)
        # Moodle's strlen() counts bytes.
        if len(line.encode("utf-8", "surrogatepass")) < 2:
            continue

        if _CHOICE.match(line):
            if current is None:
                result.errors.append(
                    ParseIssue(
                        number,
                        "question not started: this choice line has no question line before it",
                    )
                )
                continue
            current.question.answers.append(
                AnswerData(
                    text=_escape(line[2:].strip(PHP_WS)),
                    text_format=HTML,
                    feedback_format=HTML,
                )
            )
            continue

        if line.startswith("ANSWER:"):
            if current is None:
                result.errors.append(
                    ParseIssue(
                        number,
                        "question not started: this ANSWER: line has no question line before it",
                    )
                )
                continue
            answers = current.question.answers
            letter = line[line.index(":") + 1 :].strip(PHP_WS)[:1]
            index = ord(letter) - ord("A") if letter else -1
            if len(answers) < 2:
                result.errors.append(
                    ParseIssue(
                        number,
                        f'error importing question "{current.name}": the question must have at '
                        f"least 2 answers, found {len(answers)} (question starts on line "
                        f"{current.line}); skipped",
                    )
                )
            elif not 0 <= index < len(answers):
                last = chr(ord("A") + len(answers) - 1)
                result.errors.append(
                    ParseIssue(
                        number,
                        f'error importing question "{current.name}": "ANSWER: {letter}" does '
                        f"not name one of its choices A to {last} (use the upper-case letter); "
                        "skipped",
                    )
                )
            else:
                answers[index].fraction = 1.0
                result.questions.append(current.question)
            current = None
            continue

        if current is not None:
            result.errors.append(
                ParseIssue(
                    number,
                    f'error importing question "{current.name}": question not completed before '
                    f"the next question starts on line {number} (no ANSWER: line after the "
                    f"question on line {current.line}); skipped",
                )
            )
        current = _Open(number, line)

    if current is not None:
        result.warnings.append(
            ParseIssue(
                current.line,
                f'question "{current.name}" has no ANSWER: line before the end of the file; '
                "skipped",
            )
        )
    return result


def parse_aiken_bytes(data: bytes) -> ParseResult:
    """Decode an Aiken file (UTF-8, optional BOM) and parse it."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotUTF8Error(NOT_UTF8_MESSAGE) from exc
    return parse_aiken(text)


_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|pre|hr|section|article)\b[^>]*>",
    re.IGNORECASE,
)
_ANY_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)


def _plain_line(text: str, text_format: str) -> str:
    """The text as plain text on one line (Moodle's to_plain_text, then newlines removed)."""
    if text_format in (HTML, MOODLE):
        text = _BLOCK_TAG.sub(" ", text)
        text = _ANY_TAG.sub("", text)
        text = html.unescape(text)
    return " ".join(text.split())


def write_aiken(questions: Iterable[QuestionData]) -> str:
    """Write the single-answer multiple-choice questions as Aiken; skip all others."""
    out = []
    for question in questions:
        if question.kind != SINGLE or len(question.answers) > _MAX_CHOICES:
            continue
        lines = [_plain_line(question.text, question.text_format)]
        correct = ""
        for index, answer in enumerate(question.answers):
            letter = chr(ord("A") + index)
            lines.append(f"{letter}) {_plain_line(answer.text, answer.text_format)}")
            if answer.fraction > 0.99:
                correct = letter
        if not correct:
            continue
        lines.append(f"ANSWER: {correct}")
        out.append("\n".join(lines) + "\n")
    return "".join(out)
