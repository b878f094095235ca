"""Aiken import and export (quizzes.formats.aiken), one behaviour per test."""

from __future__ import annotations

import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.formats.aiken import NOT_UTF8_MESSAGE, parse_aiken, parse_aiken_bytes, write_aiken
from quizzes.formats.interchange import (
    HTML,
    MOODLE,
    MULTIPLE,
    NUMERICAL,
    PLAIN,
    SHORT,
    SINGLE,
    TRUE_FALSE,
    AnswerData,
    NotUTF8Error,
    QuestionData,
)


def rows(question: QuestionData) -> list[tuple[str, float]]:
    return [(answer.text, answer.fraction) for answer in question.answers]


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def test_question_choices_and_answer_letter() -> None:
    text = (
        "The Moodle project was started by:\nA) Petr Skoda\nB) Martin Dougiamas\n"
        "C) Eloy Lafuente\nD) Tim Hunt\nANSWER: B\n"
    )

    result = parse_aiken(text)

    assert (result.errors, result.warnings) == ([], [])
    (question,) = result.questions
    assert (question.kind, question.text, question.text_format, question.line) == (
        SINGLE,
        "The Moodle project was started by:",
        HTML,
        1,
    )
    assert rows(question) == [
        ("Petr Skoda", 0.0),
        ("Martin Dougiamas", 1.0),
        ("Eloy Lafuente", 0.0),
        ("Tim Hunt", 0.0),
    ]
    assert {a.text_format for a in question.answers} == {HTML}


def test_choice_labels_may_use_a_dot_and_need_no_space() -> None:
    question = parse_aiken("Q?\nA.first\nB)second\nC.\tthird\nANSWER:C").questions[0]

    assert rows(question) == [("first", 0.0), ("second", 0.0), ("third", 1.0)]


def test_blank_lines_do_not_separate_questions_and_answer_closes_one() -> None:
    result = parse_aiken("One?\n\nA) a\n\nB) b\nANSWER: A\nTwo?\nA) c\nB) d\nANSWER: B")

    assert [(q.text, q.line) for q in result.questions] == [("One?", 1), ("Two?", 7)]


def test_lines_are_trimmed_and_one_character_lines_ignored() -> None:
    question = parse_aiken("   Q?   \nx\n  A) a  \n\tB) b\nANSWER: A").questions[0]

    assert (question.text, rows(question)) == ("Q?", [("a", 1.0), ("b", 0.0)])


def test_less_than_greater_than_and_ampersand_are_escaped_once_and_quotes_kept() -> None:
    text = 'Is <b class="x"> & co?\nA) Correct (< > &)\nB) "&amp;"\nANSWER: A'

    question = parse_aiken(text).questions[0]

    assert question.text == 'Is &lt;b class="x"&gt; &amp; co?'
    assert [a.text for a in question.answers] == ["Correct (&lt; &gt; &amp;)", '"&amp;amp;"']


def test_a_lower_case_label_is_not_a_choice() -> None:
    result = parse_aiken("Q?\na) one\nA) two\nB) three\nANSWER: A")

    assert [issue.line for issue in result.errors] == [2]
    assert "not completed" in result.errors[0].message
    assert [q.text for q in result.questions] == ["a) one"]


def test_choice_line_before_any_question_is_a_question_not_started_error() -> None:
    result = parse_aiken("A) orphan\n\nANSWER: A\nQ?\nA) a\nB) b\nANSWER: B")

    assert [issue.line for issue in result.errors] == [1, 3]
    assert all("question not started" in issue.message for issue in result.errors)
    assert len(result.questions) == 1


def test_answer_for_a_question_with_one_choice_is_an_error_and_drops_it() -> None:
    result = parse_aiken("Too few?\nA) only\nANSWER: A")

    assert result.questions == []
    assert [issue.line for issue in result.errors] == [3]
    assert '"Too few?"' in result.errors[0].message
    assert "at least 2 answers" in result.errors[0].message


def test_new_question_while_one_is_open_is_an_error_for_the_open_one() -> None:
    result = parse_aiken("Unfinished?\nA) a\nB) b\n\nNext?\nA) c\nB) d\nANSWER: A")

    assert [q.text for q in result.questions] == ["Next?"]
    assert [issue.line for issue in result.errors] == [5]
    assert '"Unfinished?"' in result.errors[0].message
    assert "not completed" in result.errors[0].message


def test_answer_letter_that_names_no_choice_is_an_error() -> None:
    for letter in ("E", "b", ""):
        result = parse_aiken(f"Q?\nA) a\nB) b\nC) c\nD) d\nANSWER: {letter}")
        assert result.questions == []
        assert [issue.line for issue in result.errors] == [6]


def test_question_left_open_at_the_end_is_skipped_with_a_warning() -> None:
    result = parse_aiken("Done?\nA) a\nB) b\nANSWER: A\n\nOpen?\nA) a\nB) b\n")

    assert len(result.questions) == 1 and result.errors == []
    assert [issue.line for issue in result.warnings] == [6]


def test_line_numbers_count_physical_lines_with_crlf() -> None:
    result = parse_aiken("\r\n".join(["Q?", "A) a", "ANSWER: A"]))

    assert [issue.line for issue in result.errors] == [3]


def test_bytes_with_bom_are_decoded() -> None:
    result = parse_aiken_bytes("\ufeffCafé?\nA) oui\nB) non\nANSWER: A".encode())

    assert result.questions[0].text == "Café?"


def test_bytes_that_are_not_utf8_are_refused() -> None:
    with pytest.raises(NotUTF8Error) as refused:
        parse_aiken_bytes("Café?\nA) oui\nB) non\nANSWER: A".encode("cp1252"))

    assert str(refused.value) == NOT_UTF8_MESSAGE
    assert "Aiken format files must use UTF-8" in NOT_UTF8_MESSAGE


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def single(text: str, *choices: str, right: int = 0, text_format: str = HTML) -> QuestionData:
    return QuestionData(
        kind=SINGLE,
        text=text,
        text_format=text_format,
        answers=[
            AnswerData(text=choice, fraction=1.0 if index == right else 0.0)
            for index, choice in enumerate(choices)
        ],
    )


def test_writer_writes_single_answer_questions_without_blank_lines() -> None:
    written = write_aiken([single("One?", "a", "b", right=1), single("Two?", "c", "d")])

    assert written == "One?\nA) a\nB) b\nANSWER: B\nTwo?\nA) c\nB) d\nANSWER: A\n"


def test_writer_skips_every_other_kind() -> None:
    others = [
        QuestionData(kind=MULTIPLE, text="M", answers=[AnswerData("a", 0.5), AnswerData("b", 0.5)]),
        QuestionData(
            kind=TRUE_FALSE, text="T", answers=[AnswerData("True", 1), AnswerData("False")]
        ),
        QuestionData(kind=SHORT, text="S", answers=[AnswerData("a", 1.0)]),
        QuestionData(kind=NUMERICAL, text="N", answers=[AnswerData("1", 1.0, value=1.0)]),
    ]

    assert write_aiken([*others, single("Kept?", "x", "y")]) == "Kept?\nA) x\nB) y\nANSWER: A\n"


def test_writer_turns_html_into_one_line_of_plain_text() -> None:
    question = single("<p>Which is the</p>\n<p>oddest <b>number</b>?</p>", "&lt;One&gt;", "Two")

    assert write_aiken([question]).splitlines()[:2] == [
        "Which is the oddest number?",
        "A) <One>",
    ]


def test_writer_joins_lines_of_plain_text_with_a_space() -> None:
    question = single("Line one\nline two <b>", "a", "b", text_format=PLAIN)

    assert write_aiken([question]).splitlines()[0] == "Line one line two <b>"


def test_writer_skips_more_than_26_choices_and_questions_without_a_right_choice() -> None:
    many = single("Many?", *[f"c{number}" for number in range(27)])
    none_right = single("None?", "a", "b", right=-1)

    assert write_aiken([many, none_right]) == ""


def test_writer_marks_the_last_choice_above_99_percent() -> None:
    question = single("Q?", "a", "b", "c", text_format=MOODLE)
    question.answers[2].fraction = 1.0

    assert write_aiken([question]).endswith("ANSWER: C\n")


line_text = (
    st.lists(
        st.text(
            st.characters(codec="utf-8", exclude_categories=("Zs", "Zl", "Zp", "Cc", "Cf")),
            min_size=1,
            max_size=6,
        ),
        min_size=1,
        max_size=5,
    )
    .map(" ".join)
    .filter(lambda text: len(text.encode()) >= 2)
)
question_line = line_text.filter(
    lambda text: (
        not text.startswith("ANSWER:")
        and not (len(text) > 1 and "A" <= text[0] <= "Z" and text[1] in ").")
    )
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(question_line, st.lists(line_text, min_size=2, max_size=6), st.data()),
        min_size=1,
        max_size=4,
    )
)
def test_reading_what_was_written_gives_the_same_questions(items) -> None:
    raw = []
    for text, choices, data in items:
        right = data.draw(st.integers(0, len(choices) - 1))
        raw.append((text, choices, right))
    escaped = [
        single(
            html.escape(text, quote=False),
            *(html.escape(c, quote=False) for c in choices),
            right=right,
        )
        for text, choices, right in raw
    ]

    result = parse_aiken(write_aiken(escaped))

    assert (result.errors, result.warnings) == ([], [])
    assert [(q.text, rows(q)) for q in result.questions] == [(q.text, rows(q)) for q in escaped]
