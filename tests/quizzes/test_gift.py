"""GIFT import and export (quizzes.formats.gift), one behaviour per test."""

from __future__ import annotations

import copy
from dataclasses import asdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizzes.formats.gift import (
    GRADE_STEPS,
    NOT_UTF8_MESSAGE,
    PHP_WS,
    default_title,
    format_number,
    parse_gift,
    parse_gift_bytes,
    write_gift,
)
from quizzes.formats.interchange import (
    ESSAY,
    FORMATS,
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
    QuestionData,
)

PEGJS = Path(__file__).resolve().parent / "gift_pegjs"


def only(text: str) -> QuestionData:
    """The single question of a GIFT text that must parse cleanly."""
    result = parse_gift(text)
    assert result.errors == [], result.errors
    assert len(result.questions) == 1, result
    return result.questions[0]


def rows(question: QuestionData) -> list[tuple[str, float]]:
    return [(answer.text, answer.fraction) for answer in question.answers]


# ---------------------------------------------------------------------------------------------
# The file and its blocks
# ---------------------------------------------------------------------------------------------


def test_blank_lines_separate_questions_and_lines_are_counted_physically() -> None:
    text = "Q1{T}\n\n\n   \nQ2{F}\n\nQ3{T}"

    result = parse_gift(text)

    assert [q.text for q in result.questions] == ["Q1", "Q2", "Q3"]
    assert [q.line for q in result.questions] == [1, 5, 7]


def test_question_line_is_the_first_line_of_its_comments() -> None:
    text = "Q1{T}\n\n// about Q2\n// more\n::Q2::Text{F}"

    assert [q.line for q in parse_gift(text).questions] == [1, 3]


def test_a_block_of_comments_only_is_ignored() -> None:
    result = parse_gift("// nothing here\n// at all\n\nQ{T}")

    assert (len(result.questions), result.errors, result.warnings) == (1, [], [])


def test_double_slash_after_text_stays_in_the_question() -> None:
    question = only("See http\\://example.org // not a comment{T}")

    assert question.text == "See http://example.org // not a comment"


def test_a_comment_line_inside_a_block_is_removed() -> None:
    question = only("Which?{\n=yes\n// a comment between answers\n~no\n}")

    assert rows(question) == [("yes", 1.0), ("no", 0.0)]


def test_crlf_and_old_mac_line_endings_are_read() -> None:
    for newline in ("\r\n", "\r"):
        result = parse_gift(newline.join(["Q1{T}", "", "// c", "Q2{F}"]))
        assert [(q.text, q.line) for q in result.questions] == [("Q1", 1), ("Q2", 3)]


def test_lines_are_trimmed_so_indentation_in_multi_line_text_is_lost() -> None:
    question = only("Line one\n    indented line{T}")

    assert question.text == "Line one\nindented line"


def test_utf8_bytes_with_bom_are_decoded() -> None:
    result = parse_gift_bytes("\ufeff::Café::Crème brûlée?{T}".encode())

    assert [(q.title, q.text) for q in result.questions] == [("Café", "Crème brûlée?")]


def test_bytes_that_are_not_utf8_are_refused_with_moodles_message() -> None:
    with pytest.raises(NotUTF8Error) as refused:
        parse_gift_bytes("Hammarskjöld{T}".encode("cp1252"))

    assert str(refused.value) == (
        "The file you selected does not use UTF-8 character encoding. "
        "GIFT format files must use UTF-8."
    )
    assert str(refused.value) == NOT_UTF8_MESSAGE


# ---------------------------------------------------------------------------------------------
# Title, comments, tags, ID number, category
# ---------------------------------------------------------------------------------------------


def test_title_between_double_colons() -> None:
    question = only("::Kanji Origins::Japanese characters came from what country? {=China}")

    assert (question.title, question.text) == (
        "Kanji Origins",
        "Japanese characters came from what country?",
    )


def test_title_keeps_escaped_colons_and_loses_html_tags() -> None:
    question = only("::Unit 1\\: <b>basics</b>::Text{T}")

    assert question.title == "Unit 1: basics"


def test_without_title_the_title_is_empty_and_default_title_uses_the_text() -> None:
    question = only("Who's buried in <b>Grant's</b> tomb?{=no one}")

    assert question.title == ""
    assert default_title(question.text) == "Who's buried in Grant's tomb?"


def test_default_title_shortens_long_texts_to_about_eighty_characters() -> None:
    name = default_title("word " * 40)

    assert len(name) == 80 and name.endswith("...")


def test_unclosed_title_marker_is_dropped() -> None:
    question = only("::No closing marker {T}")

    assert (question.title, question.text) == ("", "No closing marker")


def test_tags_and_id_number_come_from_comment_lines() -> None:
    text = "// [tag:  basic] Here is\n// a [id:   four   ] que[tag:add   ]stion.\nQ{T}"

    question = only(text)

    assert (question.idnumber, question.tags) == ("four", ["basic", "add"])


def test_escaped_bracket_inside_tag_and_id_number() -> None:
    question = only("// [id:i\\]d] [tag:t\\]ag]\nQ{T}")

    assert (question.idnumber, question.tags) == ("i]d", ["t]ag"])


def test_a_tag_split_over_two_comment_lines_is_not_a_tag() -> None:
    question = only("// Ceci n'est pas une [tag:\n// frog].\nQ{T}")

    assert question.tags == []


def test_category_block_sets_the_category_of_the_questions_after_it() -> None:
    text = (
        "Q0{T}\n\n$CATEGORY: $course$/top/Unit 1: Topic\n\nQ1{T}\n\nQ2{F}\n\n$CATEGORY: B\n\nQ3{T}"
    )

    result = parse_gift(text)

    assert [(q.text, q.category) for q in result.questions] == [
        ("Q0", ""),
        ("Q1", "$course$/top/Unit 1: Topic"),
        ("Q2", "$course$/top/Unit 1: Topic"),
        ("Q3", "B"),
    ]
    assert (result.errors, result.warnings) == ([], [])


def test_category_block_with_a_question_glued_to_it_warns() -> None:
    result = parse_gift("// switch\n$CATEGORY: A\nQ1{T}")

    assert result.questions == []
    assert [issue.line for issue in result.warnings] == [1]
    assert "blank line" in result.warnings[0].message


def test_text_before_category_marker_makes_an_ordinary_question() -> None:
    question = only("Note $CATEGORY: A {T}")

    assert (question.text, question.category) == ("Note $CATEGORY: A", "")


# ---------------------------------------------------------------------------------------------
# Formats and escapes
# ---------------------------------------------------------------------------------------------


def test_question_text_format_defaults_to_moodle() -> None:
    question = only("Plain?{=a ~b}")

    assert question.text_format == MOODLE
    assert {a.text_format for a in question.answers} == {MOODLE}


def test_answers_and_feedback_default_to_the_question_text_format() -> None:
    question = only("[html]<p>Sun?</p>{=<p>East</p>#<b>Yes</b> ~West####[plain]Facts}")

    assert question.text_format == HTML
    assert [(a.text_format, a.feedback_format) for a in question.answers] == [
        (HTML, HTML),
        (HTML, HTML),
    ]
    assert (question.explanation, question.explanation_format) == ("Facts", PLAIN)


@pytest.mark.parametrize("name", FORMATS)
def test_each_format_prefix_is_recognised_on_every_part(name: str) -> None:
    question = only(f"[markdown]Q{{=[{name}]right#[{name}]fb ~wrong####[{name}]general}}")

    assert question.text_format == MARKDOWN
    right, wrong = question.answers
    assert (right.text, right.text_format, right.feedback_format) == ("right", name, name)
    assert wrong.text_format == MARKDOWN
    assert (question.explanation, question.explanation_format) == ("general", name)


def test_unknown_format_prefix_stays_in_the_text() -> None:
    question = only("[latex]x^2{T}")

    assert (question.text, question.text_format) == ("[latex]x^2", MOODLE)


@pytest.mark.parametrize(
    ("written", "meaning"),
    [("\\~", "~"), ("\\=", "="), ("\\#", "#"), ("\\{", "{"), ("\\}", "}"), ("\\:", ":")]
    + [("\\\\", "\\"), ("\\n", "\n")],
)
def test_every_escape_gives_the_literal_character(written: str, meaning: str) -> None:
    question = only(f"a{written}b{{=c{written}d#e{written}f ~g}}")

    assert question.text == f"a{meaning}b"
    assert (question.answers[0].text, question.answers[0].feedback) == (
        f"c{meaning}d",
        f"e{meaning}f",
    )


def test_a_backslash_before_another_character_stays() -> None:
    question = only("Path C:\\temp\\x{T}".replace(":", "\\:"))

    assert question.text == "Path C:\\temp\\x"


def test_escaped_equals_stays_in_the_answer_text() -> None:
    question = only("Which answer equals 5? {\n~ \\= 2 + 2\n= \\= 2 + 3\n~ \\= 2 + 4  }")

    assert rows(question) == [("= 2 + 2", 0.0), ("= 2 + 3", 1.0), ("= 2 + 4", 0.0)]


def test_double_backslash_before_a_separator_is_a_backslash_then_the_separator() -> None:
    question = only("Q{=a\\\\=b}")

    assert rows(question) == [("a\\", 1.0), ("b", 1.0)]


# ---------------------------------------------------------------------------------------------
# Feedback and weights
# ---------------------------------------------------------------------------------------------


def test_feedback_follows_a_hash_on_each_answer() -> None:
    question = only("Q{\n=yellow # right; good!\n~red # [html]wrong\n}")

    assert [(a.feedback, a.feedback_format) for a in question.answers] == [
        ("right; good!", MOODLE),
        ("wrong", HTML),
    ]


def test_general_feedback_is_everything_after_the_last_four_hashes() -> None:
    question = only("Q{=a#fb ~b####first####second}")

    assert question.explanation == "second"
    assert question.answers[0].feedback == "fb"


@pytest.mark.parametrize(
    ("weight", "fraction"),
    [("50", 0.5), ("-100", -1.0), ("100", 1.0), ("33.33333", 0.3333333), ("-12.5", -0.125)]
    + [("83.33333", 0.8333333), ("5", 0.05), ("0", 0.0)],
)
def test_weights_are_signed_percentages_with_optional_decimals(
    weight: str, fraction: float
) -> None:
    question = only(f"Q{{~%{weight}%a ~%50%b ~c}}")

    assert question.answers[0].fraction == fraction


def test_a_weight_within_moodles_tolerance_is_snapped_to_the_grade_step() -> None:
    question = only("Q{~%33.333%a ~%66.66667%b}")

    assert [a.fraction for a in question.answers] == [0.3333333, 0.6666667]


def test_a_weight_that_is_not_a_grade_step_is_an_error_on_its_own_line() -> None:
    result = parse_gift("::W::Q{\n~%50%a\n~%35%b\n}")

    assert result.questions == []
    assert [issue.line for issue in result.errors] == [3]
    assert "%35%" in result.errors[0].message and "grade steps" in result.errors[0].message
    assert '"W"' in result.errors[0].message


def test_every_listed_grade_step_is_accepted() -> None:
    for step in GRADE_STEPS:
        for sign in ("", "-"):
            percent = format_number(round(step * 100, 5))
            assert parse_gift(f"Q{{~%{sign}{percent}%a ~b}}").errors == []


# ---------------------------------------------------------------------------------------------
# Multiple choice
# ---------------------------------------------------------------------------------------------


def test_any_unescaped_equals_makes_a_single_answer_question() -> None:
    question = only("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}")

    assert question.kind == SINGLE
    assert rows(question) == [("Grant", 0.0), ("Jefferson", 0.0), ("no one", 1.0)]


def test_only_tildes_make_a_multiple_answer_question_even_with_a_100_percent_option() -> None:
    question = only("Colours?{~%100%yellow ~%-50%red ~%-50%blue}")

    assert question.kind == MULTIPLE
    assert rows(question) == [("yellow", 1.0), ("red", -0.5), ("blue", -0.5)]


def test_an_unescaped_equals_in_feedback_starts_a_new_correct_option() -> None:
    question = only("Q{~a#x=y ~b}")

    assert question.kind == SINGLE
    assert [(a.text, a.fraction, a.feedback) for a in question.answers] == [
        ("a", 0.0, "x"),
        ("y", 1.0, ""),
        ("b", 0.0, ""),
    ]


def test_multiple_choice_with_fewer_than_two_options_is_an_error() -> None:
    result = parse_gift("// c\nQ{~only}")

    assert result.questions == []
    assert [issue.line for issue in result.errors] == [1]
    assert "not enough answers" in result.errors[0].message


# ---------------------------------------------------------------------------------------------
# True/false
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "true_fraction"), [("T", 1.0), ("TRUE", 1.0), ("F", 0.0), ("FALSE", 0.0)]
)
def test_true_false_words(word: str, true_fraction: float) -> None:
    question = only(f"The sun rises in the east.{{{word}}}")

    assert question.kind == TRUE_FALSE
    assert rows(question) == [("True", true_fraction), ("False", 1.0 - true_fraction)]


def test_false_with_two_feedbacks_gives_each_row_what_a_learner_who_picks_it_sees() -> None:
    question = only("42 is the Absolute Answer.{FALSE#fb1, the wrong-answer one#fb2, the right}")

    true_row, false_row = question.answers
    assert (true_row.fraction, true_row.feedback) == (0.0, "fb1, the wrong-answer one")
    assert (false_row.fraction, false_row.feedback) == (1.0, "fb2, the right")


def test_true_with_one_feedback_shows_it_to_a_learner_who_picks_false() -> None:
    question = only("Grant is buried in Grant's tomb.{TRUE#feedback for the wrong answer}")

    true_row, false_row = question.answers
    assert (true_row.feedback, false_row.feedback) == ("", "feedback for the wrong answer")


def test_true_false_takes_general_feedback_too() -> None:
    question = only("Q{T####Because.}")

    assert (question.kind, question.explanation) == (TRUE_FALSE, "Because.")


def test_lower_case_true_is_a_short_answer() -> None:
    question = only("Is it?{true}")

    assert (question.kind, rows(question)) == (SHORT, [("true", 1.0)])


# ---------------------------------------------------------------------------------------------
# Short answer
# ---------------------------------------------------------------------------------------------


def test_short_answer_with_weights_feedback_and_wildcard() -> None:
    question = only(
        "Which is the best animal?{\n=Frog#Good!\n=%50%Cat#Cats?\n=%0%*#Completely wrong\n}"
    )

    assert question.kind == SHORT
    assert [(a.text, a.fraction, a.feedback) for a in question.answers] == [
        ("Frog", 1.0, "Good!"),
        ("Cat", 0.5, "Cats?"),
        ("*", 0.0, "Completely wrong"),
    ]


def test_one_answer_without_equals_is_a_short_answer() -> None:
    question = only("How do you write the word for the number 1? {One}")

    assert (question.kind, rows(question)) == (SHORT, [("One", 1.0)])


def test_a_format_prefix_on_a_short_answer_is_dropped() -> None:
    question = only("[html]Q{=[plain]Asia}")

    assert (question.answers[0].text, question.answers[0].text_format) == ("Asia", HTML)


# ---------------------------------------------------------------------------------------------
# Numerical
# ---------------------------------------------------------------------------------------------


def numbers(question: QuestionData) -> list[tuple[str, float | None, float, float]]:
    return [(a.text, a.value, a.tolerance, a.fraction) for a in question.answers]


def test_numerical_exact_value() -> None:
    question = only("When was Ulysses S. Grant born?{#1822}")

    assert (question.kind, numbers(question)) == (NUMERICAL, [("1822", 1822.0, 0.0, 1.0)])


def test_numerical_value_and_tolerance() -> None:
    question = only("Pi?{#3.1415:0.0005}")

    assert numbers(question) == [("3.1415", 3.1415, 0.0005, 1.0)]


def test_numerical_range_is_stored_as_midpoint_and_half_width() -> None:
    question = only("A number from 1 to 5?{#1..5}")

    assert numbers(question) == [("3", 3.0, 2.0, 1.0)]


def test_numerical_negative_range() -> None:
    question = only("Minus pi?{#-3.142..-3.141}")

    ((text, value, tolerance, _),) = numbers(question)
    assert value == pytest.approx(-3.1415) and tolerance == pytest.approx(0.0005)
    assert float(text) == value


def test_several_numerical_answers_with_weights_and_feedback() -> None:
    question = only("Born?{#\n=1822:0 #Correct!\n=%50%1822:2 #Close.\n}")

    assert numbers(question) == [("1822", 1822.0, 0.0, 1.0), ("1822", 1822.0, 2.0, 0.5)]
    assert [a.feedback for a in question.answers] == ["Correct!", "Close."]


def test_numerical_wrong_answer_feedback_adds_a_catch_all_row() -> None:
    question = only("::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}")

    # Like Moodle, the catch-all's tolerance is empty.
    assert numbers(question) == [("3", 3.0, 2.0, 1.0), ("*", None, None, 0.0)]
    assert question.answers[1].feedback == "Completely wrong"


def test_a_non_numeric_numerical_answer_becomes_any_answer_with_a_warning() -> None:
    result = parse_gift("\n::N::Q{#abc}")

    assert result.errors == []
    assert numbers(result.questions[0]) == [("*", None, 0.0, 1.0)]
    assert [issue.line for issue in result.warnings] == [2]
    assert '"abc"' in result.warnings[0].message


def test_numerical_without_answers_is_an_error() -> None:
    result = parse_gift("Q{#}")

    assert result.questions == []
    assert "no answers found" in result.errors[0].message


def test_numerical_tolerance_that_is_not_a_number_is_an_error() -> None:
    result = parse_gift("Q{#3:two}")

    assert result.questions == []
    assert "must be numeric" in result.errors[0].message and '"two"' in result.errors[0].message


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------


def test_matching_pairs_and_a_distractor_row() -> None:
    question = only(
        "[html]Match.{\n=[plain]Forum thing -> Forum\n=Wiki thing->Wiki\n= -> Chat\n####fb}"
    )

    assert question.kind == MATCHING
    assert [(a.text, a.text_format, a.match) for a in question.answers] == [
        ("Forum thing", PLAIN, "Forum"),
        ("Wiki thing", HTML, "Wiki"),
        ("", HTML, "Chat"),
    ]
    assert question.explanation == "fb"


def test_a_matching_item_without_arrow_is_an_error_on_its_line() -> None:
    result = parse_gift("Match.{\n=a -> 1\n=b 2\n}")

    assert result.questions == []
    assert [issue.line for issue in result.errors] == [3]
    assert "->" in result.errors[0].message


def test_matching_with_one_pair_is_an_error() -> None:
    result = parse_gift("Match.{=a -> 1}")

    assert result.questions == []
    assert "not enough answers" in result.errors[0].message


# ---------------------------------------------------------------------------------------------
# Missing word, braces, unsupported kinds, errors
# ---------------------------------------------------------------------------------------------


def test_text_after_the_answer_block_puts_a_blank_at_its_position() -> None:
    question = only("Grant is {~buried =entombed ~living} in Grant's tomb.")

    assert question.text == "Grant is _____ in Grant's tomb."


def test_a_single_full_stop_after_the_block_is_enough_for_a_blank() -> None:
    question = only("Pi is {#3.14:0.01}.")

    assert question.text == "Pi is _____."


def test_a_second_brace_pair_stays_in_the_text() -> None:
    question = only("Set {=a ~b} or {c}")

    assert question.text == "Set  or {c}"


def test_an_essay_is_read_as_a_long_answer_in_file_order() -> None:
    result = parse_gift("Q1{T}\n\n\n// essay\n::Q8:: How are you? {}\n\nQ2{F}")

    assert [q.text for q in result.questions] == ["Q1", "How are you?", "Q2"]
    assert [(q.kind, q.line) for q in result.questions][1] == (ESSAY, 4)
    assert result.warnings == []


def test_an_essay_with_only_general_feedback_keeps_it_as_the_model_answer() -> None:
    result = parse_gift("Write.{####Model answer}")

    (question,) = result.questions
    assert (question.kind, question.explanation) == (ESSAY, "Model answer")


def test_a_description_is_skipped_with_a_warning() -> None:
    result = parse_gift("::Intro::Use pencil and paper.\n\nQ{T}")

    assert len(result.questions) == 1
    assert [issue.line for issue in result.warnings] == [1]
    assert "descriptions" in result.warnings[0].message


def test_an_opening_brace_without_closing_is_an_error_on_the_braces_line() -> None:
    result = parse_gift("::B::Question text\nwith an answer block {=a\n=b")

    assert result.questions == []
    assert [issue.line for issue in result.errors] == [2]
    assert "could not find {...}" in result.errors[0].message
    assert "starts on line 1" in result.errors[0].message


def test_a_closing_brace_without_opening_is_an_error() -> None:
    result = parse_gift("Question } text")

    assert [issue.line for issue in result.errors] == [1]


def test_all_errors_are_collected_and_good_questions_are_kept() -> None:
    text = "Good{T}\n\nBad {=a\n\nAlso good{F}\n\nWorse{~x}\n\nBad weight{~%35%a ~b}"

    result = parse_gift(text)

    assert [q.text for q in result.questions] == ["Good", "Also good"]
    assert [issue.line for issue in result.errors] == [3, 7, 9]
    assert not result.ok


# ---------------------------------------------------------------------------------------------
# StudyHub extensions
# ---------------------------------------------------------------------------------------------


def test_lesson_comment_links_the_question_to_a_lesson_anchor() -> None:
    question = only("// [lesson:bpo-basics#what-is-bpo] [tag:bpo]\nQ{T}")

    assert (question.lesson, question.tags) == ("bpo-basics#what-is-bpo", ["bpo"])


def test_misconception_comment_labels_the_nth_answer_in_written_order() -> None:
    text = (
        "// [misconception:2:Confuses KPO with BPO] [misconception:3: thinks \\] is fine ]\n"
        "Which is knowledge work?{=KPO ~BPO ~Call centre}"
    )

    question = only(text)

    assert [a.misconception for a in question.answers] == [
        "",
        "Confuses KPO with BPO",
        "thinks ] is fine",
    ]


def test_misconception_on_true_false_rows_counts_true_then_false() -> None:
    question = only("// [misconception:1:Believes the myth]\nMyth?{F}")

    assert [a.misconception for a in question.answers] == ["Believes the myth", ""]


def test_misconception_number_outside_the_answers_is_an_error_for_that_question() -> None:
    result = parse_gift("Fine{T}\n\n::M::Q{\n=a\n~b\n}\n// [misconception:3:no such answer]")

    assert [q.text for q in result.questions] == ["Fine"]
    assert [issue.line for issue in result.errors] == [7]
    assert "answer 3" in result.errors[0].message


def test_a_malformed_misconception_comment_is_an_error() -> None:
    result = parse_gift("// [misconception:two:label]\nQ{=a ~b}")

    assert result.questions == []
    assert "[misconception:N:label]" in result.errors[0].message


def test_extension_comments_do_not_become_tags_or_id_numbers() -> None:
    question = only("// [lesson:x#y] [misconception:1:z]\nQ{=a ~b}")

    assert (question.tags, question.idnumber) == ([], "")


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def test_writer_uses_moodles_layout() -> None:
    question = QuestionData(
        kind=SINGLE,
        title="Q8",
        text="What's between orange and green in the spectrum?",
        answers=[
            AnswerData(text="yellow", fraction=1.0, feedback="right; good!"),
            AnswerData(text="red", feedback="wrong, it's yellow", feedback_format=HTML),
            AnswerData(text="blue", text_format=PLAIN, feedback="wrong, it's yellow"),
        ],
    )

    assert write_gift([question]) == (
        "// name: Q8\n"
        "::Q8::What's between orange and green in the spectrum?{\n"
        "\t=yellow#right; good!\n"
        "\t~red#[html]wrong, it's yellow\n"
        "\t~[plain]blue#wrong, it's yellow\n"
        "}\n\n"
    )


def test_writer_escapes_reserved_characters_and_newlines() -> None:
    question = QuestionData(
        kind=TRUE_FALSE,
        text='A \\ B {x} = ~y #z: <a href="http://e.org">\nnext line',
        answers=[AnswerData(text="True", fraction=1.0), AnswerData(text="False")],
    )

    written = write_gift([question])

    assert written == (
        'A \\\\ B \\{x\\} \\= \\~y \\#z\\: <a href\\="http\\://e.org">\\nnext line{TRUE}\n\n'
    )
    assert only(written).text == question.text


def test_writer_writes_id_tags_and_extension_comment_lines() -> None:
    question = QuestionData(
        kind=MULTIPLE,
        title="Tagged [tag:not-a-tag]",
        text="Pick",
        idnumber="q]1",
        tags=["a", "b c"],
        lesson="bpo-basics#costs",
        answers=[
            AnswerData(text="x", fraction=0.5),
            AnswerData(text="y", fraction=0.5, misconception="Mixes up x"),
        ],
    )

    written = write_gift([question])

    assert written.splitlines()[:3] == [
        "// name: Tagged (tag:not-a-tag)",
        "// [id:q\\]1] [tag:a] [tag:b c]",
        "// [lesson:bpo-basics#costs] [misconception:2:Mixes up x]",
    ]
    back = only(written)
    assert (back.idnumber, back.tags, back.lesson) == ("q]1", ["a", "b c"], "bpo-basics#costs")
    assert [a.misconception for a in back.answers] == ["", "Mixes up x"]


def test_writer_writes_a_category_block_whenever_the_category_changes() -> None:
    def tf(text: str, category: str = "") -> QuestionData:
        return QuestionData(
            kind=TRUE_FALSE,
            text=text,
            category=category,
            answers=[AnswerData(text="True", fraction=1.0), AnswerData(text="False")],
        )

    written = write_gift([tf("1", "A"), tf("2", "A"), tf("3", "B"), tf("4")], category="Top")

    assert written.count("$CATEGORY:") == 3
    assert "$CATEGORY: A\n" in written and "$CATEGORY: B\n" in written
    back = parse_gift(written).questions
    assert [q.category for q in back] == ["A", "A", "B", "Top"]


def test_writer_writes_the_category_argument_even_without_questions() -> None:
    assert "$CATEGORY: $course$/top\n" in write_gift([], category="$course$/top")


def test_writer_adds_a_prefix_to_text_that_starts_like_one() -> None:
    question = QuestionData(
        kind=SHORT,
        text="[html] is how GIFT marks HTML",
        answers=[AnswerData(text="[plain]", fraction=1.0)],
    )

    written = write_gift([question])

    assert written.startswith("[moodle][html] is how")
    back = only(written)
    assert (back.text, back.answers[0].text) == (question.text, "[plain]")


def test_writer_protects_untitled_text_that_looks_like_a_comment_or_category() -> None:
    for text in ("// not a comment", "$CATEGORY: not a category"):
        question = QuestionData(
            kind=TRUE_FALSE,
            text=text,
            answers=[AnswerData(text="True"), AnswerData(text="False", fraction=1.0)],
        )
        assert only(write_gift([question])).text == text


def test_writer_keeps_a_single_answer_question_whose_options_are_all_right() -> None:
    question = QuestionData(
        kind=SINGLE,
        text="Both?",
        answers=[AnswerData(text="a", fraction=1.0), AnswerData(text="b", fraction=1.0)],
    )

    back = only(write_gift([question]))

    assert (back.kind, rows(back)) == (SINGLE, [("a", 1.0), ("b", 1.0)])


def test_writer_writes_a_zero_weight_when_the_option_text_looks_like_a_weight() -> None:
    question = QuestionData(
        kind=SINGLE,
        text="Discount?",
        answers=[AnswerData(text="%50% off", fraction=0.0), AnswerData(text="none", fraction=1)],
    )

    assert rows(only(write_gift([question]))) == [("%50% off", 0.0), ("none", 1.0)]


def test_writer_writes_a_single_short_answer_with_an_arrow_without_equals() -> None:
    question = QuestionData(
        kind=SHORT,
        text="C: next node?",
        answers=[AnswerData(text="p->next", fraction=1.0, feedback="a -> b")],
    )

    back = only(write_gift([question]))

    assert (back.kind, rows(back), back.answers[0].feedback) == (
        SHORT,
        [("p->next", 1.0)],
        "a -> b",
    )


def test_writer_refuses_what_gift_cannot_say() -> None:
    arrows = QuestionData(
        kind=SHORT,
        text="Q",
        answers=[AnswerData(text="p->next", fraction=1.0), AnswerData(text="q", fraction=1.0)],
    )
    bracket_tag = QuestionData(
        kind=TRUE_FALSE, text="Q", tags=["a[b"], answers=[AnswerData(text="True")]
    )
    matching = QuestionData(
        kind=MATCHING,
        text="Q",
        answers=[AnswerData(text="a->b", match="1"), AnswerData(text="c", match="2")],
    )
    for question in (arrows, bracket_tag, matching):
        with pytest.raises(ValueError, match="->|\\["):
            write_gift([question])


def test_writer_writes_numerical_answers_and_the_catch_all_like_moodle() -> None:
    question = QuestionData(
        kind=NUMERICAL,
        title="Q5",
        text="What is a number from 1 to 5?",
        answers=[
            AnswerData(text="3", value=3.0, tolerance=2.0, fraction=1.0),
            AnswerData(text="*", fraction=0.0, feedback="Completely wrong"),
        ],
    )

    assert write_gift([question]) == (
        "// name: Q5\n"
        "::Q5::What is a number from 1 to 5?{#\n"
        "\t=%100%3:2#\n"
        "\t~#Completely wrong\n"
        "}\n\n"
    )


def test_writer_writes_the_value_when_the_text_does_not_match_it() -> None:
    question = QuestionData(
        kind=NUMERICAL,
        text="Q",
        answers=[AnswerData(text="", value=0.25, tolerance=0.0, fraction=1.0)],
    )

    assert numbers(only(write_gift([question]))) == [("0.25", 0.25, 0.0, 1.0)]


def test_writer_writes_true_false_feedback_by_wrong_then_right() -> None:
    question = QuestionData(
        kind=TRUE_FALSE,
        text="Q",
        explanation="Because.",
        answers=[
            AnswerData(text="True", fraction=0.0, feedback="picked true"),
            AnswerData(text="False", fraction=1.0, feedback="picked false"),
        ],
    )

    assert write_gift([question]) == "Q{FALSE#picked true#picked false####Because.}\n\n"


@pytest.mark.parametrize("gift_path", sorted(PEGJS.glob("*.gift")), ids=lambda path: path.stem)
def test_writing_what_was_read_gives_the_same_questions_back(gift_path: Path) -> None:
    first = parse_gift(gift_path.read_text(encoding="utf-8"))

    second = parse_gift(write_gift(first.questions))

    assert second.errors == []
    assert [canonical(q) for q in second.questions] == [canonical(q) for q in first.questions]


# ---------------------------------------------------------------------------------------------
# Round trip, property-based
# ---------------------------------------------------------------------------------------------


def canonical(question: QuestionData) -> dict:
    """The question without what GIFT does not keep: line, formats of empty texts, and the
    tolerance of a numerical catch-all (it matches any answer; like Moodle, ``~#`` leaves it
    empty and ``=*`` reads it as 0)."""
    question = copy.deepcopy(question)
    question.line = 0
    default = question.text_format
    for answer in question.answers:
        if question.kind == NUMERICAL and answer.text == "*":
            answer.tolerance = None
        if question.kind in (TRUE_FALSE, SHORT, NUMERICAL) or not answer.text:
            answer.text_format = default
        if not answer.feedback:
            answer.feedback_format = default
    if not question.explanation:
        question.explanation_format = default
    return asdict(question)


RESERVED = ["~", "=", "#", "{", "}", ":", "\\", "\n", "\\n", "\\=", "[", "]", "%", "->", "-"]
RESERVED += ["####", "[html]", "[plain]", "_____", "//", "::", "$CATEGORY:", "\t", " ", "*", "<"]
CHARS = st.characters(codec="utf-8", exclude_characters="\r")


def texts(min_size: int = 1, forbid: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    pieces = st.lists(st.one_of(st.sampled_from(RESERVED), st.text(CHARS, max_size=4)), max_size=6)
    return (
        pieces.map(lambda parts: "".join(parts).strip(PHP_WS))
        .filter(lambda text: len(text) >= min_size)
        .filter(lambda text: not any(bad in text for bad in forbid))
    )


def labels() -> st.SearchStrategy[str]:
    """Tag, ID, lesson and misconception values: one line, no "[" (trimmed by the reader)."""
    return texts(forbid=("[", "\n"))


ALLOWED = [0.0, *GRADE_STEPS, *(-step for step in GRADE_STEPS)]
formats = st.sampled_from(FORMATS)


@st.composite
def answers_for(draw: st.DrawFn, kind: str) -> list[AnswerData]:
    if kind == TRUE_FALSE:
        true_right = draw(st.booleans())
        return [
            AnswerData(
                text=word,
                fraction=1.0 if right else 0.0,
                feedback=draw(texts(min_size=0)),
                feedback_format=draw(formats),
            )
            for word, right in (("True", true_right), ("False", not true_right))
        ]
    if kind == MATCHING:
        count = draw(st.integers(2, 4))
        return [
            AnswerData(
                text=draw(texts(min_size=0, forbid=("->",))),
                text_format=draw(formats),
                match=draw(texts()),
            )
            for _ in range(count)
        ]
    if kind == NUMERICAL:
        count = draw(st.integers(1, 3))
        rows_: list[AnswerData] = []
        for _ in range(count):
            value = draw(st.floats(-1e12, 1e12, allow_nan=False))
            rows_.append(
                AnswerData(
                    text=format_number(value),
                    value=value,
                    tolerance=draw(st.floats(0, 1e6)),
                    fraction=draw(st.sampled_from(ALLOWED)),
                )
            )
        if draw(st.booleans()):
            rows_.insert(
                draw(st.integers(0, count)),
                AnswerData(text="*", fraction=draw(st.sampled_from(ALLOWED))),
            )
        for row in rows_:
            row.feedback = draw(texts(min_size=0))
            row.feedback_format = draw(formats)
        return rows_
    count = draw(st.integers(1 if kind == SHORT else 2, 4))
    forbid = ("->",) if kind == SHORT else ()
    result = [
        AnswerData(
            text=draw(texts(forbid=forbid)),
            fraction=draw(st.sampled_from(ALLOWED)),
            feedback=draw(texts(min_size=0, forbid=forbid)),
            text_format=draw(formats),
            feedback_format=draw(formats),
        )
        for _ in range(count)
    ]
    if kind == SINGLE:
        result[draw(st.integers(0, count - 1))].fraction = 1.0
    return result


@st.composite
def questions(draw: st.DrawFn) -> QuestionData:
    kind = draw(st.sampled_from([SINGLE, MULTIPLE, TRUE_FALSE, SHORT, NUMERICAL, MATCHING]))
    answers = draw(answers_for(kind))
    for answer in answers:
        if draw(st.integers(0, 3)) == 0:
            answer.misconception = draw(labels())
    return QuestionData(
        kind=kind,
        title=draw(st.one_of(st.just(""), texts(forbid=("<",)))),
        text=draw(texts()),
        text_format=draw(formats),
        explanation=draw(texts(min_size=0)),
        explanation_format=draw(formats),
        answers=answers,
        tags=draw(st.lists(labels(), max_size=3)),
        idnumber=draw(st.one_of(st.just(""), labels())),
        lesson=draw(st.one_of(st.just(""), labels())),
    )


@st.composite
def question_lists(draw: st.DrawFn) -> list[QuestionData]:
    result = draw(st.lists(questions(), min_size=1, max_size=4))
    categories = draw(
        st.lists(
            st.sampled_from(["", "$course$/top/Unit 1", "A//B: \\{x}", "Ünïcode"]),
            min_size=len(result),
            max_size=len(result),
        )
    )
    current = ""
    for question, category in zip(result, categories, strict=True):
        # GIFT cannot switch back to "no category": once set, a category stays in force.
        current = category or current
        question.category = current
    return result


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question_lists())
def test_parse_gives_back_what_write_wrote(generated: list[QuestionData]) -> None:
    written = write_gift(generated)

    result = parse_gift(written)

    assert result.errors == [], written
    assert result.warnings == [], written
    assert [canonical(q) for q in result.questions] == [canonical(q) for q in generated], written


def test_round_trip_of_text_holding_every_reserved_character_and_newlines() -> None:
    nasty = "a~b=c#d{e}f:g\\h\ni\\nj [html] -> %50% #### //k $CATEGORY: l"
    question = QuestionData(
        kind=SINGLE,
        title=nasty.replace("<", ""),
        text=nasty,
        explanation=nasty,
        answers=[
            AnswerData(text=nasty, fraction=1.0, feedback=nasty),
            AnswerData(text="%50%" + nasty, fraction=0.0, feedback=nasty),
        ],
        tags=["t]x\\", "x\\y"],
        idnumber="]",
    )

    back = only(write_gift([question]))

    assert canonical(back) == canonical(question)


# ---------------------------------------------------------------------------------------------
# Speed
# ---------------------------------------------------------------------------------------------


def test_a_thousand_questions_parse_without_errors() -> None:
    # Parse speed is measured by tests/bench/import_speed.py, never timed in a unit test.
    blocks = []
    for number in range(250):
        blocks += [
            f"// [tag:t{number}] [id:q{number}]\n::Q{number}::[html]<p>Which one?</p>{{\n"
            "\t=right#Yes!\n\t~%-50%wrong#No\n\t~%50%half\n\t####General\n}",
            f"::N{number}::Pi to {number} places?{{#\n\t=3.14:0.01#ok\n\t=%50%3..3.3\n\t~#no\n}}",
            f"Match {number}.{{\n\t=a -> 1\n\t=b -> 2\n\t= -> 3\n}}",
            f"Grant {number} is {{~buried =entombed ~living}} in Grant's tomb.",
        ]
    text = "\n\n".join(blocks)

    result = parse_gift(text)

    assert len(result.questions) == 1000 and result.errors == []
