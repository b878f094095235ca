"""Conformance of ``quizzes.formats.gift`` and ``.aiken`` with Moodle's fixtures and assertions.

Sources
-------
- Moodle's fixtures and the expectations transcribed from Moodle's tests are GPL-3.0-or-later.
  They are never copied into this repository: the tests read them from the steering repo's
  ``shared/interop/gift`` folder next to the repository (``/work/shared/interop/gift`` when the
  repository is ``/work/main``). Without that folder these tests are skipped, except when the
  environment variable ``CI`` is ``true``: then a missing folder fails.
- The gift-pegjs corpus (MIT) is copied in ``tests/quizzes/gift_pegjs`` (see its README) and is
  always checked.

What is compared
----------------
Moodle's expectations are "specified fields" expectations: only the fields a JSON file lists
are checked, with PHP's loose equality (``1 == "1"``, ``0 != ""``; floats within 1e-9). A small
adapter (``_as_moodle``) turns our ``QuestionData`` back into Moodle's import-object fields
(qtype, name, questiontext(format), generalfeedback(format), single, answer/fraction/feedback,
tolerance, correctanswer/feedbacktrue/feedbackfalse, subquestions/subanswers, tags, idnumber) and
``$CATEGORY`` entries are checked on the ``category`` of the questions that follow (a sentinel
question is appended so a trailing category block is checked too). Export expectations are
compared with ``write_gift``/``write_aiken`` output where the question data maps onto our model.

Where gift-pegjs and Moodle disagree, Moodle wins (``DIFFERENCES_vs_moodle.md`` in the shared
folder): for gift-pegjs files we compare the question count, type, title, ID, tags, category,
formats, weights and numbers exactly, and texts after collapsing white space and the space
gift-pegjs puts between ``_____`` and punctuation (its line joins, kept indentation and
``_____ .`` are its own). True/false feedback is compared by position: gift-pegjs calls the
first ``#`` text ``trueFeedback`` and the second ``falseFeedback`` whatever the answer is,
while Moodle (asserted by ``test_import_truefalse``) means "shown for the wrong answer" and
"shown for the right answer". Short-answer answer formats are not compared: Moodle drops them.

Deliberately not supported or not compared
------------------------------------------
- ``corpus/moodle/ordering/*`` (both fixtures): qtype_ordering's ``{>N ...}`` extension, not core
  GIFT. Skipped.
- Description questions (gift-pegjs's description files): StudyHub has no such question kind.
  We assert that each is skipped with a warning at the block's line where Moodle imports it,
  and count them separately; their fields are not compared.
- Essays are StudyHub's long answers. Moodle's essay options that GIFT cannot set are the
  defaults our long answer always has (``responseformat`` editor, 15 lines, no attachments,
  empty grader information); the model answer is the general feedback.
- Aiken export ``test_hidden_question_not_exported``: our model has no "hidden" flag (the
  caller decides what to export). Skipped. The essay in ``test_export_questions`` is left out of
  the input: Aiken has no essays (Moodle skips it on export too).
- Indentation inside a question's lines (``test_import_pre_content``): Moodle's unit test calls
  ``readquestion()`` on the block and keeps it; a file import trims every line (SPEC
  "Per-line trim"), and StudyHub imports files, so the expected texts are compared line-trimmed.
- Fields outside our model, never compared: ``defaultmark``, ``penalty``, ``length``,
  ``shuffleanswers``, ``answernumbering`` and the combined feedback ``correctfeedback``,
  ``partiallycorrectfeedback``, ``incorrectfeedback`` (always blank on GIFT import).
- Names Moodle makes up from the text and that the expectations flag as approximate
  (``name_is_approximate``, Aiken's ``name_note``): not compared. Other names are.
- ``questions.gift.txt``'s Behat byte count for the export of the imported bank: it depends on
  Moodle's question ids and includes the essay.
- Numerical ``tolerance``: the parser leaves the ``~#`` catch-all's tolerance empty (None), as
  Moodle does (``""``).
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from pathlib import Path
from typing import Any

import pytest

from quizzes.formats.aiken import parse_aiken, write_aiken
from quizzes.formats.gift import (
    PHP_WS,
    default_title,
    extract_idnumber_and_tags,
    is_php_numeric,
    parse_gift,
    parse_gift_bytes,
    write_gift,
)
from quizzes.formats.interchange import (
    ESSAY,
    HTML,
    MARKDOWN,
    MATCHING,
    MOODLE,
    MULTIPLE,
    NUMERICAL,
    PLAIN,
    SHORT,
    SINGLE,
    TRUE_FALSE,
    AnswerData,
    NotUTF8Error,
    ParseResult,
    QuestionData,
)

HERE = Path(__file__).resolve().parent
PEGJS = HERE / "gift_pegjs"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "interop" / "gift"

FORMAT_NAMES = {
    MOODLE: "FORMAT_MOODLE",
    HTML: "FORMAT_HTML",
    PLAIN: "FORMAT_PLAIN",
    MARKDOWN: "FORMAT_MARKDOWN",
}
FORMATS_BY_NAME = {name: ours for ours, name in FORMAT_NAMES.items()} | {
    0: MOODLE,
    1: HTML,
    2: PLAIN,
    4: MARKDOWN,
}

NOT_IN_MODEL = {
    "defaultmark",
    "penalty",
    "length",
    "shuffleanswers",
    "answernumbering",
    "correctfeedback",
    "partiallycorrectfeedback",
    "incorrectfeedback",
}
SKIPPED_KINDS = ("description",)

# Moodle's essay options that GIFT cannot set: the defaults StudyHub's long answer always has.
ESSAY_DEFAULTS = {
    "responseformat": "editor",
    "responsefieldlines": 15,
    "attachments": 0,
    "graderinfo": {"text": "", "format": "FORMAT_HTML", "files": []},
}

SENTINEL_TITLE = "conformance sentinel"
SENTINEL = f"\n\n::{SENTINEL_TITLE}::Sentinel question appended by the test.{{T}}\n"

ORDERING_REASON = (
    "qtype_ordering's {>N ...} GIFT extension is a plugin, not core GIFT; StudyHub does not "
    "support it"
)


# ---------------------------------------------------------------------------------------------
# Locating the shared corpus
# ---------------------------------------------------------------------------------------------


def _shared() -> Path:
    if SHARED.is_dir():
        return SHARED
    reason = (
        f"the shared GIFT/Aiken corpus is not at {SHARED}; Moodle's GPL fixtures are kept "
        "outside this repository"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}, and CI must provide it")
    pytest.skip(reason)


MISSING = [pytest.param(None, id="shared-corpus-missing")]


def _expected(pattern: str) -> list[Any]:
    """Parameters for every expectation file matching pattern (relative to expected/)."""
    if not SHARED.is_dir():
        return MISSING
    paths = sorted((SHARED / "expected").glob(pattern))
    return [
        pytest.param(path, id=path.relative_to(SHARED / "expected").as_posix()) for path in paths
    ]


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


MOODLE_GIFT_IMPORTS = (
    [
        param
        for pattern in ("moodle/gift_unit_snippets/test_*.json", "moodle/gift/*.json")
        for param in _expected(pattern)
        if "windows-1252" not in param.values[0].name
    ]
    if SHARED.is_dir()
    else MISSING
)


def _cases(relative: str, key: str, label: str) -> list[Any]:
    if not SHARED.is_dir():
        return MISSING
    data = _load(SHARED / "expected" / relative)
    return [pytest.param(case, id=case[label]) for case in data[key]]


# ---------------------------------------------------------------------------------------------
# PHP's loose comparison, and our questions as Moodle import objects
# ---------------------------------------------------------------------------------------------


def _numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and is_php_numeric(value)


def php_equal(want: Any, got: Any) -> bool:
    """PHPUnit's assertEquals: loose scalars, arrays compared key by key."""
    if isinstance(want, dict):
        return (
            isinstance(got, dict)
            and want.keys() == got.keys()
            and all(php_equal(want[key], got[key]) for key in want)
        )
    if isinstance(want, list):
        return (
            isinstance(got, list)
            and len(want) == len(got)
            and all(php_equal(w, g) for w, g in zip(want, got, strict=True))
        )
    if _numeric(want) and _numeric(got):
        return math.isclose(float(want), float(got), rel_tol=0, abs_tol=1e-9)
    return str(want) == str(got)


def _text(text: str, text_format: str) -> dict[str, Any]:
    return {"text": text, "format": FORMAT_NAMES[text_format], "files": []}


def _true_false_rows(question: QuestionData) -> tuple[AnswerData, AnswerData]:
    rows = {answer.text: answer for answer in question.answers}
    return rows["True"], rows["False"]


def _as_moodle(question: QuestionData, *, aiken: bool = False) -> dict[str, Any]:
    """Our question as the fields of Moodle's import object."""
    raw_text = html.unescape(question.text) if aiken else question.text
    fields: dict[str, Any] = {
        "name": question.title or default_title(raw_text),
        "questiontext": question.text,
        "questiontextformat": FORMAT_NAMES[question.text_format],
        "generalfeedback": question.explanation,
        "generalfeedbackformat": FORMAT_NAMES[question.explanation_format],
        "tags": question.tags,
        "idnumber": question.idnumber,
        "category": question.category,
    }
    answers = question.answers
    feedback = [_text(a.feedback, a.feedback_format) for a in answers]
    fraction = [a.fraction for a in answers]
    if question.kind in (SINGLE, MULTIPLE):
        fields |= {
            "qtype": "multichoice",
            "single": int(question.kind == SINGLE),
            "answer": [_text(a.text, a.text_format) for a in answers],
            "fraction": fraction,
            "feedback": feedback,
        }
    elif question.kind == TRUE_FALSE:
        true_row, false_row = _true_false_rows(question)
        fields |= {
            "qtype": "truefalse",
            "correctanswer": int(true_row.fraction == 1),
            "feedbacktrue": _text(true_row.feedback, true_row.feedback_format),
            "feedbackfalse": _text(false_row.feedback, false_row.feedback_format),
        }
    elif question.kind == SHORT:
        fields |= {
            "qtype": "shortanswer",
            "answer": [a.text for a in answers],
            "fraction": fraction,
            "feedback": feedback,
        }
    elif question.kind == NUMERICAL:
        fields |= {
            "qtype": "numerical",
            "answer": [a.text for a in answers],
            "fraction": fraction,
            "feedback": feedback,
            "tolerance": ["" if a.tolerance is None else a.tolerance for a in answers],
        }
    elif question.kind == ESSAY:
        fields |= {"qtype": "essay", **ESSAY_DEFAULTS}
    elif question.kind == MATCHING:
        fields |= {
            "qtype": "match",
            "subquestions": [_text(a.text, a.text_format) for a in answers],
            "subanswers": [a.match for a in answers],
        }
    return fields


_SKIPPED = re.compile(r": descriptions .*not supported; skipped$")


def _skipped_kind(message: str) -> str | None:
    return "description" if _SKIPPED.search(message) else None


def _in_file_order(result: ParseResult) -> list[tuple[str, QuestionData | None]]:
    """Our questions and the questions we skipped, in file order, as (kind, question)."""
    items: list[tuple[int, str, QuestionData | None]] = [
        (q.line, q.kind, q) for q in result.questions
    ]
    for warning in result.warnings:
        kind = _skipped_kind(warning.message)
        if kind:
            items.append((warning.line, kind, None))
    items.sort(key=lambda item: item[0])
    return [(kind, question) for _, kind, question in items]


def _pop_sentinel(items: list[tuple[str, QuestionData | None]]) -> QuestionData:
    kind, sentinel = items.pop()
    assert kind == TRUE_FALSE and sentinel is not None and sentinel.title == SENTINEL_TITLE
    return sentinel


def _split_entry(entry: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """(fields, name is approximate) for the different shapes of expected question entries."""
    if "fields" in entry:
        return entry["fields"], bool(entry.get("name_is_approximate"))
    meta = {"status", "name_note", "questiontext_note", "questiontext_status"}
    fields = {key: value for key, value in entry.items() if key not in meta}
    return fields, "approximate" in entry.get("name_note", "")


def _mismatches(fields: dict[str, Any], ours: dict[str, Any], approximate_name: bool) -> list[str]:
    problems = []
    for key, want in fields.items():
        if key in NOT_IN_MODEL or (key == "name" and approximate_name):
            continue
        if key not in ours:
            problems.append(f"{key}: not mapped by the adapter (expected {want!r})")
        elif not php_equal(want, ours[key]):
            problems.append(f"{key}: expected {want!r}, got {ours[key]!r}")
    return problems


def _check_against_moodle(
    expected_entries: list[dict[str, Any]], result: ParseResult, *, aiken: bool = False
) -> tuple[int, int]:
    """Compare questions in file order; returns (questions compared, questions skipped)."""
    items = _in_file_order(result)
    sentinel = None if aiken else _pop_sentinel(items)
    category = ""
    entries = []
    for entry in expected_entries:
        fields, approximate = _split_entry(entry)
        if fields.get("qtype") == "category":
            category = fields["category"]
        else:
            entries.append((fields, approximate, category))
    assert [kind for kind, _ in items if kind in SKIPPED_KINDS] == [
        fields["qtype"] for fields, _, _ in entries if fields["qtype"] in SKIPPED_KINDS
    ]
    assert len(items) == len(entries)
    if sentinel is not None:
        assert sentinel.category == category

    compared = skipped = 0
    for number, ((kind, question), (fields, approximate, in_category)) in enumerate(
        zip(items, entries, strict=True), start=1
    ):
        if fields["qtype"] in SKIPPED_KINDS:
            assert kind == fields["qtype"], f"question {number}"
            skipped += 1
            continue
        assert question is not None, f"question {number}: expected {fields['qtype']}, we skipped it"
        ours = _as_moodle(question, aiken=aiken)
        assert _mismatches(fields, ours, approximate) == [], f"question {number}"
        if not aiken:
            assert question.category == in_category, f"question {number}"
        compared += 1
    return compared, skipped


# ---------------------------------------------------------------------------------------------
# Moodle: GIFT import
# ---------------------------------------------------------------------------------------------


def _as_file_import(entry: dict[str, Any]) -> dict[str, Any]:
    """A unit-test expectation as a file import gives it: every line trimmed.

    Moodle's unit tests call ``readquestion()`` on one block, which keeps each line's
    indentation; importing a file trims every line first (SPEC "Per-line trim"). StudyHub only
    imports files. This matters for ``test_import_pre_content`` alone.
    """
    return {
        key: "\n".join(line.strip(PHP_WS) for line in value.split("\n"))
        if key in ("questiontext", "generalfeedback") and isinstance(value, str)
        else value
        for key, value in entry.items()
    }


@pytest.mark.parametrize("expected_path", MOODLE_GIFT_IMPORTS)
def test_gift_import_matches_moodle(expected_path: Path | None) -> None:
    shared = _shared()
    assert expected_path is not None
    data = _load(expected_path)
    text = (shared / data["fixture"]).read_text(encoding="utf-8")

    result = parse_gift(text + SENTINEL)

    assert result.errors == []
    expected = data["questions"]
    if "readquestion(" in data.get("call", ""):
        expected = [_as_file_import(entry) for entry in expected]
    compared, skipped = _check_against_moodle(expected, result)
    assert compared + skipped == data["question_count"]
    asserted = data.get("asserted") or {}
    for shown in asserted.get("text_shown_during_import", []):
        assert any(shown in question.text for question in result.questions)
    for name in asserted.get("shown_in_question_bank_after_import", []):
        assert any(question.title == name for question in result.questions)


@pytest.mark.parametrize("expected_path", _expected("moodle/gift/*windows-1252*.json"))
def test_gift_file_not_in_utf8_is_refused_with_moodles_message(
    expected_path: Path | None,
) -> None:
    shared = _shared()
    assert expected_path is not None
    data = _load(expected_path)
    raw = (shared / data["fixture"]).read_bytes()

    with pytest.raises(NotUTF8Error) as refused:
        parse_gift_bytes(raw)

    assert str(refused.value) == data["asserted"]["message_shown"]


@pytest.mark.parametrize(
    "case",
    _cases("moodle/gift_unit_snippets/extract_idnumber_and_tags_cases.json", "cases", "label"),
)
def test_idnumber_and_tags_are_read_from_comments_like_moodle(case: dict | None) -> None:
    _shared()
    assert case is not None

    idnumber, tags = extract_idnumber_and_tags(case["comment"])

    assert idnumber == case["expected_idnumber"]
    assert tags == case["expected_tags"]


@pytest.mark.parametrize("expected_path", _expected("moodle/ordering/*.json"))
def test_ordering_extension_is_not_core_gift(expected_path: Path | None) -> None:
    _shared()
    pytest.skip(ORDERING_REASON)


# ---------------------------------------------------------------------------------------------
# Moodle: GIFT export
# ---------------------------------------------------------------------------------------------


def _from_moodle_question(question: dict[str, Any]) -> QuestionData:
    """Moodle's internal question data (as in giftformat_test.php) as our QuestionData."""
    options = question["options"]
    data = QuestionData(
        kind=SHORT,
        text=question["questiontext"],
        title=question["name"],
        text_format=FORMATS_BY_NAME[question["questiontextformat"]],
        explanation=question["generalfeedback"],
        explanation_format=FORMATS_BY_NAME[question["generalfeedbackformat"]],
    )
    qtype = question["qtype"]
    if qtype == "essay":
        data.kind = ESSAY
        return data
    if qtype == "match":
        data.kind = MATCHING
        data.answers = [
            AnswerData(
                text=sub["questiontext"],
                text_format=FORMATS_BY_NAME[sub["questiontextformat"]],
                match=sub["answertext"],
            )
            for sub in options["subquestions"].values()
        ]
        return data
    if qtype == "truefalse":
        data.kind = TRUE_FALSE
        answers = options["answers"]
        for text, key in (("True", "trueanswer"), ("False", "falseanswer")):
            answer = answers[str(options[key])]
            data.answers.append(
                AnswerData(
                    text=text,
                    fraction=answer["fraction"],
                    feedback=answer["feedback"],
                    feedback_format=FORMATS_BY_NAME[answer["feedbackformat"]],
                )
            )
        return data
    data.kind = {"multichoice": SINGLE, "shortanswer": SHORT, "numerical": NUMERICAL}[qtype]
    if qtype == "multichoice" and not options["single"]:
        data.kind = MULTIPLE
    for answer in options["answers"].values():
        row = AnswerData(
            text=answer["answer"],
            fraction=answer["fraction"],
            feedback=answer["feedback"],
            text_format=FORMATS_BY_NAME[answer["answerformat"]],
            feedback_format=FORMATS_BY_NAME[answer["feedbackformat"]],
        )
        if qtype == "numerical":
            row.value = None if answer["answer"] == "*" else float(answer["answer"])
            row.tolerance = None if answer["tolerance"] == "" else float(answer["tolerance"])
        data.answers.append(row)
    return data


def _generator_truefalse_with_tags() -> QuestionData:
    """core_question's generator default true/false question, with idnumber and tags.

    The case in the expectations describes it in words; these are the generator's values.
    """
    return QuestionData(
        kind=TRUE_FALSE,
        title="True/false question",
        text="The answer is true.",
        text_format=HTML,
        explanation="You should have selected true.",
        explanation_format=HTML,
        idnumber="myid",
        tags=["tag1", "tag2"],
        answers=[
            AnswerData(
                text="True",
                fraction=1,
                feedback="This is the right answer.",
                feedback_format=HTML,
            ),
            AnswerData(
                text="False",
                fraction=0,
                feedback="This is the wrong answer.",
                feedback_format=HTML,
            ),
        ],
    )


def _our_header(expected_gift: str) -> str:
    """Moodle's ``// question: ID  name: NAME`` line in our id-less form ``// name: NAME``."""
    return re.sub(r"^// question: [^\n]*?  name: ", "// name: ", expected_gift, flags=re.M)


@pytest.mark.parametrize(
    "case",
    _cases("moodle/gift_export/giftformat_test_export_cases.json", "cases", "test_method"),
)
def test_gift_export_matches_moodle(case: dict | None) -> None:
    _shared()
    assert case is not None
    question = case["question"]
    if isinstance(question, str):
        data = _generator_truefalse_with_tags()
    else:
        data = _from_moodle_question(question)

    written = write_gift([data])

    assert written == _our_header(case["expected_gift"])
    reread = parse_gift(written)
    assert reread.errors == [] and len(reread.questions) == 1


# ---------------------------------------------------------------------------------------------
# Moodle: Aiken
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("expected_path", _expected("moodle/aiken/*.txt.json"))
def test_aiken_import_matches_moodle(expected_path: Path | None) -> None:
    shared = _shared()
    assert expected_path is not None
    data = _load(expected_path)
    text = (shared / data["fixture"]).read_text(encoding="utf-8")

    result = parse_aiken(text)

    compared, skipped = _check_against_moodle(data["questions"], result, aiken=True)
    assert (compared, skipped) == (data["question_count"], 0)
    asserted = data["asserted"]
    errors = asserted.get("error_output_contains", [])
    assert len(result.errors) == len([e for e in errors if " on line " in e])
    for moodle_error in errors:
        on_line = re.search(r"(.*) on line (\d+)$", moodle_error)
        if on_line:
            phrase = {
                "Question must have at least 2 answers": "must have at least 2 answers",
                "Question not started": "question not started",
                "Question not completed before next question start": "not completed",
            }[on_line.group(1)]
            line = int(on_line.group(2))
            assert any(issue.line == line and phrase in issue.message for issue in result.errors), (
                moodle_error
            )
        else:
            name = moodle_error.removeprefix("Error importing question ")
            assert any(f'"{name}"' in issue.message for issue in result.errors), moodle_error
    by_name = {default_title(html.unescape(q.text)): q for q in result.questions}
    for name, facts in asserted.get("questions_found_by_name", {}).items():
        question = by_name[name]
        assert len(question.answers) == facts["answer_count"]
        for key, want in facts.items():
            indexed = re.fullmatch(r"(fraction|answer)\[(\d+)\](\.text)?", key)
            if indexed:
                answer = question.answers[int(indexed.group(2))]
                got = answer.fraction if indexed.group(1) == "fraction" else answer.text
                assert php_equal(want, got), key
    for shown in asserted.get("text_shown_during_import_and_in_bank", []):
        assert any(shown in question.text for question in result.questions)


def _one_of_four(text: str = "Which is the oddest number?") -> QuestionData:
    numbers = ("One", "Two", "Three", "Four")
    return QuestionData(
        kind=SINGLE,
        text=text,
        text_format=HTML,
        answers=[
            AnswerData(text=number, fraction=1.0 if number == "One" else 0.0, text_format=PLAIN)
            for number in numbers
        ],
    )


def _aiken_export_input(item: str) -> QuestionData | None:
    """The question a Moodle test puts in the exported category, described in words."""
    if item == "multichoice 'one_of_four'":
        return _one_of_four()
    if item == "multichoice 'two_of_four' (several correct answers)":
        question = _one_of_four()
        question.kind = MULTIPLE
        for answer, fraction in zip(question.answers, (0.5, 0.0, 0.5, 0.0), strict=True):
            answer.fraction = fraction
        return question
    if item.startswith("multichoice 'one_of_four' whose questiontext is set to '"):
        text = item.split("set to '", 1)[1].removesuffix("'").replace("\\n", "\n")
        return _one_of_four(text)
    if item == "shortanswer (generator default)":
        return QuestionData(
            kind=SHORT,
            text="Name an amphibian: __________",
            answers=[AnswerData(text="frog", fraction=1.0), AnswerData(text="*", fraction=0.0)],
        )
    if item == "numerical (generator default)":
        return QuestionData(
            kind=NUMERICAL,
            text="What is pi to two d.p.?",
            answers=[AnswerData(text="3.14", value=3.14, tolerance=0.005, fraction=1.0)],
        )
    if item == "essay (generator default)":
        return None  # Aiken has no essays; Moodle skips it on export too
    raise AssertionError(f"unknown category content {item!r}")


@pytest.mark.parametrize(
    "case", _cases("moodle/aiken/aiken_export_cases.json", "cases", "test_method")
)
def test_aiken_export_matches_moodle(case: dict | None) -> None:
    _shared()
    assert case is not None
    if case["test_method"] == "test_hidden_question_not_exported":
        pytest.skip("our question model has no 'hidden' flag; the caller chooses what to export")
    questions = [_aiken_export_input(item) for item in case["category_contents"]]

    written = write_aiken(q for q in questions if q is not None)

    assert written == case["expected_output"]


# ---------------------------------------------------------------------------------------------
# Every shared expectation is used
# ---------------------------------------------------------------------------------------------


def test_every_shared_expectation_file_is_checked() -> None:
    shared = _shared()
    used = {
        "moodle/gift_unit_snippets/extract_idnumber_and_tags_cases.json",
        "moodle/gift_export/giftformat_test_export_cases.json",
        "moodle/aiken/aiken_export_cases.json",
    }
    for params in (
        MOODLE_GIFT_IMPORTS,
        _expected("moodle/gift/*windows-1252*.json"),
        _expected("moodle/aiken/*.txt.json"),
        _expected("moodle/ordering/*.json"),
    ):
        used |= {param.id for param in params}
    moodle = {
        path.relative_to(shared / "expected").as_posix()
        for path in (shared / "expected" / "moodle").rglob("*.json")
    }
    assert moodle - used == set()
    pegjs_expected = {path.name for path in (shared / "expected" / "gift-pegjs").glob("*.json")}
    assert pegjs_expected == {path.name for path in PEGJS.glob("*.json")}


def test_gift_pegjs_copy_is_identical_to_the_shared_corpus() -> None:
    shared = _shared()
    for ours in sorted(PEGJS.glob("*.gift")):
        assert ours.read_bytes() == (shared / "corpus" / "gift-pegjs" / ours.name).read_bytes()
        expected = shared / "expected" / "gift-pegjs" / ours.with_suffix(".json").name
        assert ours.with_suffix(".json").read_bytes() == expected.read_bytes()
    licence = shared / "corpus" / "gift-pegjs" / "LICENSE.txt"
    assert (PEGJS / "LICENSE.txt").read_bytes() == licence.read_bytes()


# ---------------------------------------------------------------------------------------------
# gift-pegjs (MIT, copied here): only what Moodle agrees with
# ---------------------------------------------------------------------------------------------

PEGJS_KINDS = {
    "MC": (SINGLE, MULTIPLE),
    "Short": (SHORT,),
    "Numerical": (NUMERICAL,),
    "TF": (TRUE_FALSE,),
    "Matching": (MATCHING,),
    "Essay": (ESSAY,),
    "Description": ("description",),
}


def _loose(text: str) -> str:
    """Text with the documented gift-pegjs/Moodle differences (white space, "_____ .") removed."""
    text = " ".join(text.split())
    return re.sub(r"_____ (?=[.,;:!?])", "_____", text)


def _pegjs_text(value: dict | None) -> tuple[str, str | None]:
    return ("", None) if value is None else (_loose(value["text"]), value["format"])


def _pegjs_fraction(choice: dict) -> float:
    if choice["weight"] is not None:
        return choice["weight"] / 100
    return 1.0 if choice["isCorrect"] else 0.0


def _pegjs_number(number: dict) -> tuple[float, float]:
    if number["type"] == "simple":
        return number["number"], 0.0
    if number["type"] == "range":
        return number["number"], number["range"]
    middle = (number["numberHigh"] + number["numberLow"]) / 2
    return middle, number["numberHigh"] - middle


def _feedback_matches(expected: dict | None, text: str, text_format: str) -> bool:
    want, want_format = _pegjs_text(expected)
    return want == _loose(text) and (expected is None or want_format == text_format)


def _check_pegjs_question(item: dict, question: QuestionData) -> None:
    assert question.title == (item["title"] or "")
    assert question.idnumber == (item.get("id") or "")
    assert question.tags == (item.get("tags") or [])
    assert _loose(question.text) == _loose(item["stem"]["text"])
    assert question.text_format == item["stem"]["format"]
    assert _feedback_matches(
        item.get("globalFeedback"), question.explanation, question.explanation_format
    )
    kind = item["type"]
    if kind == "MC":
        single = any(choice["isCorrect"] for choice in item["choices"])
        assert question.kind == (SINGLE if single else MULTIPLE)
    if kind in ("MC", "Short"):
        assert len(question.answers) == len(item["choices"])
        for answer, choice in zip(question.answers, item["choices"], strict=True):
            assert _loose(answer.text) == _loose(choice["text"]["text"])
            if kind == "MC":  # Moodle drops short-answer answer formats
                assert answer.text_format == choice["text"]["format"]
            assert math.isclose(answer.fraction, _pegjs_fraction(choice), abs_tol=1e-7)
            assert _feedback_matches(choice["feedback"], answer.feedback, answer.feedback_format)
    elif kind == "Numerical":
        choices = item["choices"]
        if isinstance(choices, dict):
            choices = [{"isCorrect": True, "weight": None, "text": choices, "feedback": None}]
        assert len(question.answers) == len(choices)
        for answer, choice in zip(question.answers, choices, strict=True):
            if "type" in choice["text"]:
                value, tolerance = _pegjs_number(choice["text"])
                assert answer.value is not None
                assert math.isclose(answer.value, value, abs_tol=1e-9)
                assert math.isclose(answer.tolerance, tolerance, abs_tol=1e-9)
            else:
                assert (answer.text, answer.value) == (choice["text"]["text"], None)
            assert math.isclose(answer.fraction, _pegjs_fraction(choice), abs_tol=1e-7)
            assert _feedback_matches(choice["feedback"], answer.feedback, answer.feedback_format)
    elif kind == "TF":
        true_row, false_row = _true_false_rows(question)
        assert (true_row.fraction, false_row.fraction) == ((1, 0) if item["isTrue"] else (0, 1))
        right, wrong = (true_row, false_row) if item["isTrue"] else (false_row, true_row)
        # gift-pegjs names the feedback by position: first "#" text, then second.
        assert _feedback_matches(item["trueFeedback"], wrong.feedback, wrong.feedback_format)
        assert _feedback_matches(item["falseFeedback"], right.feedback, right.feedback_format)
    elif kind == "Matching":
        assert len(question.answers) == len(item["matchPairs"])
        for answer, pair in zip(question.answers, item["matchPairs"], strict=True):
            assert _loose(answer.text) == _loose(pair["subquestion"]["text"])
            assert answer.text_format == pair["subquestion"]["format"]
            assert _loose(answer.match) == _loose(pair["subanswer"])


@pytest.mark.parametrize("gift_path", sorted(PEGJS.glob("*.gift")), ids=lambda path: path.stem)
def test_gift_pegjs_fixture_agrees_where_moodle_agrees(gift_path: Path) -> None:
    expected = _load(gift_path.with_suffix(".json"))

    result = parse_gift(gift_path.read_text(encoding="utf-8") + SENTINEL)

    assert result.errors == []
    items = _in_file_order(result)
    sentinel = _pop_sentinel(items)
    category = ""
    entries = []
    for item in expected:
        if item["type"] == "Category":
            category = item["title"]
        else:
            entries.append((item, category))
    assert len(items) == len(entries), [kind for kind, _ in items]
    assert sentinel.category == category
    for number, ((kind, question), (item, in_category)) in enumerate(
        zip(items, entries, strict=True), start=1
    ):
        assert kind in PEGJS_KINDS[item["type"]], f"question {number}"
        if question is None:
            continue  # a description, skipped with a warning
        assert question.category == in_category, f"question {number}"
        _check_pegjs_question(item, question)
