"""Example tests for quizzes.grading: every kind, every rule, at its boundaries."""

import math

import pytest

from quizzes.formats.interchange import MATCHING, MULTIPLE, NUMERICAL, SHORT, SINGLE, TRUE_FALSE
from quizzes.grading import (
    MAX_RESPONSE_LENGTH,
    NEAR_MISS_HINT,
    Gradable,
    Option,
    Outcome,
    correct_response,
    grade,
    misconceptions,
    normalise,
    parse_number,
)


def question(kind: str, *options: Option) -> Gradable:
    return Gradable(kind, tuple(options))


def short(*answers: str | tuple[str, float]) -> Gradable:
    """A short-answer question; a bare string is an accepted answer at full credit."""
    options = []
    for number, answer in enumerate(answers, start=1):
        text, fraction = (answer, 1.0) if isinstance(answer, str) else answer
        options.append(Option(number, text, fraction))
    return question(SHORT, *options)


def numerical(value: float, tolerance: float = 0.0) -> Gradable:
    return question(NUMERICAL, Option(1, str(value), 1.0, value=value, tolerance=tolerance))


# --- single and true/false ----------------------------------------------------------------

CAPITAL = question(
    SINGLE,
    Option(1, "Delhi", 1.0, "Yes, New Delhi."),
    Option(2, "Mumbai", 0.0, "Mumbai is the financial capital.", misconception="finance"),
    Option(3, "Delhi NCR", 0.5, "Close: the NCR is wider."),
    Option(4, "Kolkata", -0.5, "That was the capital until 1911.", misconception="history"),
)


def test_single_scores_the_chosen_option_with_its_feedback():
    outcome = grade(CAPITAL, 1)
    assert outcome == Outcome(1.0, ("Yes, New Delhi.",), matched=(1,))
    assert outcome.is_correct
    assert not outcome.is_partial


def test_single_partial_option_gives_partial_credit():
    outcome = grade(CAPITAL, 3)
    assert outcome.fraction == 0.5
    assert outcome.is_partial
    assert not outcome.is_correct


def test_single_negative_option_is_clamped_to_zero():
    outcome = grade(CAPITAL, 4)
    assert outcome.fraction == 0.0
    assert outcome.feedback == ("That was the capital until 1911.",)
    assert outcome.matched == (4,)


@pytest.mark.parametrize("response", [None, 99, -1, 0])
def test_single_unanswered_or_unknown_id_scores_zero(response):
    assert grade(CAPITAL, response) == Outcome(0.0)


def test_single_fraction_above_one_is_clamped():
    assert grade(question(SINGLE, Option(1, "x", 1.5)), 1).fraction == 1.0


def test_truefalse_scores_like_single_choice():
    truefalse = question(
        TRUE_FALSE, Option(10, "True", 0.0, "KPO needs expertise."), Option(11, "False", 1.0)
    )
    assert grade(truefalse, 11).is_correct
    assert grade(truefalse, 10) == Outcome(0.0, ("KPO needs expertise.",), matched=(10,))


def test_feedback_holds_only_non_empty_texts():
    assert grade(question(SINGLE, Option(1, "x", 1.0, feedback="")), 1).feedback == ()


# --- multiple response --------------------------------------------------------------------

SERVICES = question(
    MULTIPLE,
    Option(1, "Call centre", 0.5, "Routine: BPO."),
    Option(2, "Payroll", 0.5, "Routine: BPO."),
    Option(3, "Patent research", -0.5, "Needs expertise: KPO.", misconception="kpo-is-bpo"),
    Option(4, "Legal analysis", -1.0, "", misconception="kpo-is-bpo"),
    Option(5, "Data entry", 0.0, "Also BPO, but not listed as required."),
)


def test_multiple_sums_the_chosen_fractions():
    assert grade(SERVICES, {1}).fraction == 0.5
    assert grade(SERVICES, {1, 2}).is_correct


def test_multiple_negative_weights_subtract():
    assert grade(SERVICES, {1, 2, 3}).fraction == 0.5


def test_multiple_total_never_goes_below_zero():
    outcome = grade(SERVICES, {3, 4})
    assert outcome.fraction == 0.0
    assert outcome.matched == (3, 4)


def test_multiple_total_never_goes_above_one():
    generous = question(MULTIPLE, Option(1, "a", 0.6), Option(2, "b", 0.6))
    assert grade(generous, [1, 2]).fraction == 1.0


def test_multiple_ignores_duplicate_and_unknown_ids():
    assert grade(SERVICES, [1, 1, 1]).fraction == 0.5
    assert grade(SERVICES, [1, 42, -7]).matched == (1,)


def test_multiple_feedback_and_matched_follow_option_order():
    outcome = grade(SERVICES, [5, 3, 1])
    assert outcome.matched == (1, 3, 5)
    assert outcome.feedback == (
        "Routine: BPO.",
        "Needs expertise: KPO.",
        "Also BPO, but not listed as required.",
    )


@pytest.mark.parametrize(("share", "count"), [(0.3333333, 3), (0.1428571, 7), (0.1666667, 6)])
def test_multiple_moodle_rounded_shares_add_up_to_exactly_full_credit(share, count):
    q = question(MULTIPLE, *(Option(i, str(i), share) for i in range(count)))
    assert grade(q, set(range(count))).fraction == 1.0
    assert grade(q, set(range(count - 1))).is_partial


def test_multiple_rounding_dust_above_zero_scores_zero():
    q = question(MULTIPLE, Option(1, "a", 0.5), Option(2, "b", 0.5), Option(3, "c", -0.9999999))
    assert grade(q, {1, 2, 3}).fraction == 0.0


@pytest.mark.parametrize("response", [None, set(), [], ()])
def test_multiple_empty_selection_scores_zero(response):
    assert grade(SERVICES, response) == Outcome(0.0)


# --- numerical ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["3.14", "3.15", "3.13", "3.145", " 3.14 "])
def test_numerical_accepts_within_tolerance_including_the_edges(typed):
    assert grade(numerical(3.14, 0.01), typed).is_correct


@pytest.mark.parametrize("typed", ["3.1501", "3.1299", "-3.14", "31.4"])
def test_numerical_rejects_just_outside_tolerance(typed):
    assert grade(numerical(3.14, 0.01), typed).fraction == 0.0


def test_numerical_zero_tolerance_needs_the_exact_value():
    assert grade(numerical(2.5), "2.50").is_correct
    assert grade(numerical(2.5), "2.5001").fraction == 0.0


def test_numerical_tolerance_edge_holds_for_large_values():
    assert grade(numerical(1_000_000.1, 0.1), "1,000,000.2").is_correct
    assert grade(numerical(1_000_000.1, 0.1), "1,000,000.21").fraction == 0.0


def test_numerical_best_matching_option_wins_in_any_order():
    exact = Option(1, "100", 1.0, "Exactly.", value=100.0, tolerance=0.0)
    rough = Option(2, "100", 0.5, "Roughly.", value=100.0, tolerance=10.0)
    for options in [(exact, rough), (rough, exact)]:
        q = question(NUMERICAL, *options)
        assert grade(q, "100") == Outcome(1.0, ("Exactly.",), matched=(1,))
        assert grade(q, "105") == Outcome(0.5, ("Roughly.",), matched=(2,))


def test_numerical_catch_all_matches_any_number_only():
    q = question(
        NUMERICAL,
        Option(1, "42", 1.0, value=42.0),
        Option(2, "*", 0.0, "Count again.", misconception="guessing"),
    )
    assert grade(q, "42").is_correct
    assert grade(q, "-7") == Outcome(0.0, ("Count again.",), matched=(2,))
    assert grade(q, "forty-two") == Outcome(0.0)


@pytest.mark.parametrize("typed", ["", "   ", "nan", "NaN", "inf", "-inf", "1e3", "4 2", "x"])
def test_numerical_non_number_scores_zero_even_with_a_catch_all(typed):
    q = question(NUMERICAL, Option(1, "*", 1.0))
    assert grade(q, typed) == Outcome(0.0)


def test_numerical_currency_percent_and_grouping_are_read():
    assert grade(numerical(100000), "₹1,00,000").is_correct
    assert grade(numerical(25), "25%").is_correct
    assert grade(numerical(2.5), "2,5").is_correct


def test_numerical_negative_tolerance_counts_as_its_size():
    assert grade(numerical(10, -1), "11").is_correct


def test_numerical_value_falls_back_to_the_text_as_written():
    assert grade(question(NUMERICAL, Option(1, "1,500", 1.0)), "1500").is_correct


def test_numerical_option_without_value_or_star_matches_nothing():
    assert grade(question(NUMERICAL, Option(1, "", 1.0)), "0").fraction == 0.0


def test_numerical_huge_input_scores_zero():
    assert grade(numerical(1), "1" * 500).fraction == 0.0
    assert grade(numerical(1), "1" * (MAX_RESPONSE_LENGTH + 1)).fraction == 0.0


PARSE_ACCEPTS = [
    ("42", 42.0),
    ("  42\n", 42.0),
    ("+42", 42.0),
    ("-42", -42.0),
    ("\N{MINUS SIGN}42", -42.0),
    ("0.5", 0.5),
    (".5", 0.5),
    ("5.", 5.0),
    ("007", 7.0),
    ("$5", 5.0),
    ("-$5", -5.0),
    ("$-5", -5.0),
    ("$ 5", 5.0),
    ("₹500", 500.0),
    ("₹ 1,00,000", 100000.0),
    ("Rs500", 500.0),
    ("Rs 500", 500.0),
    ("Rs. 500", 500.0),
    ("rs.500", 500.0),
    ("50%", 50.0),
    ("50 %", 50.0),
    ("-12.5%", -12.5),
    ("1,000", 1000.0),
    ("1,000,000", 1000000.0),
    ("1,234,567.89", 1234567.89),
    ("10,00,000", 1000000.0),
    ("1,00,000.50", 100000.5),
    ("12,34,56,789", 123456789.0),
    ("2,5", 2.5),
    ("0,25", 0.25),
    ("3,1416", 3.1416),
]

PARSE_REJECTS = [
    "",
    "   ",
    "+",
    "-",
    "$",
    "%",
    "abc",
    "12abc",
    "1 2",
    "1 000",
    "1.5.2",
    "1,23,4",
    "1,000,5",
    "1234,567",
    "1.000,5",
    ",5",
    "1,",
    "+-5",
    "--5",
    "- 5",
    "$5%",
    "5$",
    "%50",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e3",
    "1_000",
    "0x10",
    "\N{DEVANAGARI DIGIT FIVE}",
    "9" * 400,
]


@pytest.mark.parametrize(("text", "expected"), PARSE_ACCEPTS)
def test_parse_number_accepts(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", PARSE_REJECTS)
def test_parse_number_rejects(text):
    assert parse_number(text) is None


# --- short answer -------------------------------------------------------------------------

KPO = short("Knowledge Process Outsourcing", "KPO", ("BPO", 0.0))


@pytest.mark.parametrize(
    "typed",
    [
        "KPO",
        "kpo",
        "KPO.",
        '"KPO"',
        "(KPO)!",
        "  KPO  ",
        "knowledge process outsourcing",
        "Knowledge   Process\tOutsourcing",
        "Knowledge Process Outsourcing.",
    ],
)
def test_short_accepts_case_whitespace_and_edge_punctuation(typed):
    assert grade(KPO, typed).is_correct


def test_short_ignores_diacritics():
    assert grade(short("Café"), "cafe").is_correct
    assert grade(short("cafe"), "CAFÉ").is_correct


@pytest.mark.parametrize(
    ("accepted", "typed"), [("B2B", "B 2 B"), ("e-mail", "email"), ("K.P.O", "KPO")]
)
def test_short_keeps_internal_punctuation(accepted, typed):
    assert grade(short(accepted), accepted).is_correct
    assert grade(short(accepted), typed).fraction == 0.0


@pytest.mark.parametrize(("accepted", "typed"), [("C#", "C"), ("50%", "50"), ("-5", "5")])
def test_short_keeps_meaningful_edge_characters(accepted, typed):
    assert grade(short(accepted), accepted).is_correct
    assert grade(short(accepted), typed).fraction == 0.0


def test_short_abbreviation_and_full_form_only_when_both_listed():
    only_abbreviation = short("KPO")
    assert grade(only_abbreviation, "Knowledge Process Outsourcing").fraction == 0.0
    assert grade(KPO, "Knowledge Process Outsourcing").is_correct


def test_short_listed_wrong_answer_gives_its_feedback():
    wrong = Option(2, "BPO", 0.0, "BPO is routine work.", misconception="m")
    q = question(SHORT, Option(1, "KPO", 1.0), wrong)
    assert grade(q, "bpo") == Outcome(0.0, ("BPO is routine work.",), matched=(2,))


@pytest.mark.parametrize(
    ("typed", "accepted"), [("color", True), ("colour", True), ("colr", False), ("colors", False)]
)
def test_short_wildcard_matches_any_run_including_none(typed, accepted):
    assert grade(short("colo*r"), typed).is_correct is accepted


def test_short_wildcard_must_still_match_the_literal_ends():
    q = short("outsourc*")
    assert grade(q, "Outsourcing").is_correct
    assert grade(q, "insourcing").fraction == 0.0


@pytest.mark.parametrize("typed", ["x", "anything at all", "42"])
def test_short_lone_wildcard_matches_any_non_empty_response(typed):
    assert grade(short("*"), typed).is_correct


@pytest.mark.parametrize("typed", ["", "   ", "...", "?!"])
def test_short_empty_response_scores_zero_even_against_a_lone_wildcard(typed):
    assert grade(short("*"), typed) == Outcome(0.0)


@pytest.mark.parametrize(
    ("pattern", "typed"), [("a.c", "abc"), ("1+1", "11"), ("a|b", "a"), ("x(y)?z", "xz")]
)
def test_short_regex_metacharacters_are_literal(pattern, typed):
    assert grade(short(pattern), pattern).is_correct
    assert grade(short(pattern), typed).fraction == 0.0


def test_short_escaped_star_is_a_literal_asterisk():
    q = short(r"5\*3")
    assert grade(q, "5*3").is_correct
    assert grade(q, "5x3").fraction == 0.0


def test_short_best_fraction_wins_whatever_the_order():
    exact, loose = Option(1, "KPO", 1.0, "Exactly."), Option(2, "*", 0.25, "Something.")
    for options in [(exact, loose), (loose, exact)]:
        q = question(SHORT, *options)
        assert grade(q, "KPO") == Outcome(1.0, ("Exactly.",), matched=(1,))
        assert grade(q, "BPO") == Outcome(0.25, ("Something.",), matched=(2,))


def test_short_negative_fraction_is_clamped_to_zero():
    assert grade(short(("BPO", -0.5)), "BPO").fraction == 0.0


@pytest.mark.parametrize(
    "typed",
    [
        "Knowledge Process Outsorcing",  # substitution
        "Knowledge Process Outsourcng",  # deletion
        "Knowledge Process Outsourcingg",  # insertion
        "Knowledge Process Outsoucring",  # transposition of adjacent letters
        "Knowlegde process outsourcing",  # transposition, another word
    ],
)
def test_short_one_typo_in_a_long_word_earns_a_hint_but_no_credit(typed):
    outcome = grade(KPO, typed)
    assert outcome.fraction == 0.0
    assert outcome.hint == NEAR_MISS_HINT


def test_short_near_miss_boundary_is_six_letters():
    assert grade(short("branch"), "brench").hint == NEAR_MISS_HINT  # 6 letters
    assert grade(short("cloud"), "clowd").hint == ""  # 5 letters
    assert grade(short("KPO"), "KPA") == Outcome(0.0)


@pytest.mark.parametrize(
    "typed",
    [
        "Knowledge Process Outsorcign",  # two typos in one word
        "Knowlege Process Outsorcing",  # one typo in each of two words
        "Knowledge Process Outsourcing Ltd",  # an extra word
        "Knowledge Outsourcing",  # a missing word
        "KnowledgeProcess Outsourcing",  # words run together
        "Knowledge Process Insourcing",  # a different word
    ],
)
def test_short_more_than_one_slip_gets_no_hint(typed):
    assert grade(KPO, typed) == Outcome(0.0)


def test_short_near_miss_ignores_wildcard_and_zero_credit_answers():
    assert grade(short("outsourc*"), "outsorcing").hint == ""
    assert grade(short(("outsourcing", 0.0)), "outsorcing").hint == ""


def test_short_near_miss_hint_comes_with_a_catch_all_feedback():
    q = question(SHORT, Option(1, "outsourcing", 1.0), Option(2, "*", 0.0, "See lesson 2."))
    assert grade(q, "outsorcing") == Outcome(
        0.0, ("See lesson 2.",), hint=NEAR_MISS_HINT, matched=(2,)
    )


def test_short_no_hint_for_an_answer_listed_as_wrong():
    q = question(SHORT, Option(1, "effective", 1.0), Option(2, "affective", 0.0, "Feelings."))
    assert grade(q, "affective") == Outcome(0.0, ("Feelings.",), matched=(2,))


def test_short_near_miss_is_not_given_when_an_answer_matches():
    q = short("outsourcing", ("outsorcing", 0.5))
    assert grade(q, "outsorcing") == Outcome(0.5, matched=(2,))


def test_short_huge_response_scores_zero_without_raising():
    assert grade(short("*"), "a" * (MAX_RESPONSE_LENGTH + 1)) == Outcome(0.0)
    assert grade(KPO, "KPO " * 2000).fraction == 0.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Café  ", "cafe"),
        ("NAÏVE", "naive"),
        ("Straße", "strasse"),
        ("ﬁle", "file"),
        ("Ｋｐｏ", "kpo"),
        ("a \t\n b", "a b"),
        ("a\N{NO-BREAK SPACE}b", "a b"),
        ("KPO.", "kpo"),
        ("¿«KPO»?", "kpo"),
        ("`KPO'", "kpo"),
        ("e-mail", "e-mail"),
        ("B2B", "b2b"),
        ("KPO\N{ZERO WIDTH SPACE}", "kpo"),
        ("C#", "c#"),
        ("-5.", "-5"),
        ("...", ""),
        ("", ""),
        ("हिंदी", "हिंदी"),
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


# --- matching -----------------------------------------------------------------------------

SECTORS = question(
    MATCHING,
    Option(1, "Call centre", match="BPO", feedback="Scripted work."),
    Option(2, "Market research", match="KPO"),
    Option(3, "Software product", match="IT", misconception="stem label"),
    Option(4, "", match="LPO", misconception="lpo-is-kpo"),
    Option(5, "", match="Manufacturing"),
)


def test_matching_all_stems_right_scores_one():
    outcome = grade(SECTORS, {1: "BPO", 2: "KPO", 3: "IT"})
    assert outcome.is_correct
    assert outcome.matched == (1, 2, 3)


def test_matching_two_of_three_scores_two_thirds():
    outcome = grade(SECTORS, {1: "BPO", 2: "KPO", 3: "Manufacturing"})
    assert math.isclose(outcome.fraction, 2 / 3)
    assert outcome.is_partial


def test_matching_distractors_are_not_stems():
    assert math.isclose(grade(SECTORS, {1: "BPO"}).fraction, 1 / 3)


def test_matching_wrong_choice_records_the_row_it_belongs_to():
    outcome = grade(SECTORS, {1: "KPO", 2: "LPO", 3: "IT"})
    assert math.isclose(outcome.fraction, 1 / 3)
    assert outcome.matched == (2, 3, 4)


def test_matching_compares_right_hand_texts_after_normalising():
    assert grade(SECTORS, {1: " bpo ", 2: "KPO.", 3: "it"}).is_correct


def test_matching_missing_and_unknown_stems_count_as_wrong():
    outcome = grade(SECTORS, {1: "BPO", 2: None, 4: "LPO", 99: "KPO"})
    assert math.isclose(outcome.fraction, 1 / 3)


@pytest.mark.parametrize("response", [None, {}, {1: "", 2: "  "}, {1: "Nowhere"}])
def test_matching_empty_or_unknown_choices_score_zero(response):
    assert grade(SECTORS, response).fraction == 0.0


def test_matching_blank_choice_never_counts_even_for_a_blank_right_hand_side():
    q = question(MATCHING, Option(1, "Left", match=""), Option(2, "Other", match="x"))
    assert grade(q, {1: " ", 2: "x"}).fraction == 0.5


def test_matching_punctuation_only_choices_stay_distinct():
    q = question(MATCHING, Option(1, "Question mark", match="?"), Option(2, "Bang", match="!"))
    assert grade(q, {1: "?", 2: "!"}).is_correct
    assert grade(q, {1: "!", 2: "?"}).fraction == 0.0


def test_matching_without_stems_scores_zero():
    assert grade(question(MATCHING, Option(1, "", match="x")), {1: "x"}).fraction == 0.0


# --- types, kinds and the outcome ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "response"),
    [
        (SINGLE, "1"),
        (SINGLE, 1.0),
        (SINGLE, True),
        (SINGLE, [1]),
        (TRUE_FALSE, False),
        (MULTIPLE, 1),
        (MULTIPLE, "12"),
        (MULTIPLE, b"12"),
        (MULTIPLE, {1: True}),
        (MULTIPLE, [1, "2"]),
        (MULTIPLE, [1, True]),
        (MULTIPLE, iter([1])),
        (SHORT, 5),
        (SHORT, b"KPO"),
        (SHORT, ["KPO"]),
        (NUMERICAL, 3.14),
        (NUMERICAL, 3),
        (MATCHING, [(1, "BPO")]),
        (MATCHING, {"1": "BPO"}),
        (MATCHING, {1: 5}),
        (MATCHING, {True: "BPO"}),
    ],
)
def test_wrong_response_type_raises_type_error(kind, response):
    with pytest.raises(TypeError):
        grade(question(kind, Option(1, "x", 1.0)), response)


@pytest.mark.parametrize("kind", [SINGLE, TRUE_FALSE, MULTIPLE, SHORT, NUMERICAL, MATCHING])
def test_unanswered_scores_zero_for_every_kind(kind):
    assert grade(question(kind, Option(1, "x", 1.0, match="y")), None) == Outcome(0.0)


def test_unknown_kind_raises_value_error():
    with pytest.raises(ValueError, match="ordering"):
        grade(question("ordering", Option(1, "x", 1.0)), "x")
    with pytest.raises(ValueError, match="ordering"):
        correct_response(question("ordering"))


@pytest.mark.parametrize("fraction", [-0.1, 1.1, math.nan])
def test_outcome_refuses_a_fraction_outside_zero_to_one(fraction):
    with pytest.raises(ValueError):
        Outcome(fraction)


def test_outcome_within_a_hair_of_one_is_correct_not_partial():
    assert Outcome(1 - 1e-12).is_correct
    assert not Outcome(1 - 1e-12).is_partial
    assert not Outcome(0.0).is_partial


# --- correct_response ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (CAPITAL, 1),
        (SERVICES, (1, 2)),
        (KPO, "Knowledge Process Outsourcing"),
        (short(("K*", 1.0), "KPO"), "KPO"),
        (short("colo*r"), "color"),
        (short("business * outsourcing"), "business a outsourcing"),
        (short("*"), "a"),
        (numerical(3.14, 0.01), "3.14"),
        (question(NUMERICAL, Option(1, "", 1.0, value=1e16)), "10000000000000000"),
        (question(NUMERICAL, Option(1, "*", 1.0)), "0"),
        (SECTORS, {1: "BPO", 2: "KPO", 3: "IT"}),
    ],
)
def test_correct_response_earns_full_credit(q, expected):
    assert correct_response(q) == expected
    assert grade(q, correct_response(q)).fraction == 1.0


def test_correct_response_without_full_credit_is_the_best_available():
    q = question(SINGLE, Option(1, "a", 0.0), Option(2, "b", 0.5))
    assert correct_response(q) == 2


# --- misconceptions -----------------------------------------------------------------------


def test_misconceptions_of_a_wrong_choice():
    assert misconceptions(CAPITAL, grade(CAPITAL, 2)) == ("finance",)
    assert misconceptions(CAPITAL, grade(CAPITAL, 4)) == ("history",)


def test_misconceptions_ignore_credited_options():
    labelled = question(SINGLE, Option(1, "x", 0.5, misconception="half"))
    assert misconceptions(labelled, grade(labelled, 1)) == ()
    assert misconceptions(CAPITAL, grade(CAPITAL, 1)) == ()


def test_misconceptions_are_listed_once_in_option_order():
    outcome = grade(SERVICES, [4, 3, 1])
    assert misconceptions(SERVICES, outcome) == ("kpo-is-bpo",)


def test_misconceptions_in_matching_come_from_chosen_distractors_only():
    assert misconceptions(SECTORS, grade(SECTORS, {1: "LPO", 2: "IT"})) == ("lpo-is-kpo",)
    assert misconceptions(SECTORS, grade(SECTORS, {3: "IT"})) == ()


def test_misconceptions_from_short_and_numerical_answers():
    q = question(SHORT, Option(1, "KPO", 1.0), Option(2, "BPO", 0.0, misconception="mixup"))
    assert misconceptions(q, grade(q, "BPO")) == ("mixup",)
    guess = question(NUMERICAL, Option(1, "1", 1.0), Option(2, "*", 0.0, misconception="guess"))
    assert misconceptions(guess, grade(guess, "7")) == ("guess",)
    assert misconceptions(guess, grade(guess, "1")) == ()
