"""The item-writing checker: each rule on a small example it flags and one it leaves alone,
and the bank report on a hand-made bank."""

from collections import Counter

from quizzes import itemcheck
from quizzes.formats import gift
from quizzes.formats.interchange import MULTIPLE, SINGLE, TRUE_FALSE, AnswerData, QuestionData


def single(stem: str, key: str, *distractors: str, title: str = "Q") -> QuestionData:
    answers = [AnswerData(text=key, fraction=1.0)] + [AnswerData(text=d) for d in distractors]
    return QuestionData(kind=SINGLE, text=stem, title=title, answers=answers, line=7)


def multiple(stem: str, right: list[str], wrong: list[str]) -> QuestionData:
    answers = [AnswerData(text=t, fraction=1 / len(right)) for t in right]
    answers += [AnswerData(text=t, fraction=-0.5) for t in wrong]
    return QuestionData(kind=MULTIPLE, text=stem, title="M", answers=answers)


def true_false(statement: str, key: bool, title: str = "TF") -> QuestionData:
    answers = [AnswerData(text="True", fraction=float(key)), AnswerData("False", float(not key))]
    return QuestionData(kind=TRUE_FALSE, text=statement, title=title, answers=answers)


def rules(question: QuestionData) -> list[str]:
    return [flag.rule for flag in itemcheck.check_question(question)]


def bank_rules(*questions: QuestionData) -> list[str]:
    return [f.rule for f in itemcheck.check_bank(itemcheck.Item(q) for q in questions)]


# --- One question at a time -------------------------------------------------------------------


def test_a_key_much_longer_than_every_distractor_is_flagged():
    q = single(
        "Which describes KPO work?",
        "Complex analysis that relies on expert judgement and deep knowledge of one field",
        "Data entry",
        "Call handling",
        "Payroll runs",
    )
    assert rules(q) == ["key-longest"]


def test_options_of_similar_length_are_not_flagged_as_key_longest():
    q = single(
        "Which describes KPO work?",
        "Expert analysis of data",
        "Routine keying of data",
        "Scripted call handling",
    )
    assert "key-longest" not in rules(q)


def test_a_key_that_alone_is_hedged_is_flagged():
    q = single(
        "How do KPO savings compare with BPO savings?",
        "They are usually smaller",
        "They are larger",
        "They are the same",
    )
    assert "key-only-hedged" in rules(q)


def test_hedges_in_a_distractor_too_are_not_flagged():
    q = single(
        "How do KPO savings compare with BPO savings?",
        "They are usually smaller",
        "They are often larger",
        "They are the same",
    )
    assert "key-only-hedged" not in rules(q)


def test_absolute_words_in_distractors_are_flagged_with_the_word():
    q = single("Where is BPO work done?", "Onshore or offshore", "Always offshore", "In house")
    flags = itemcheck.check_question(q)
    assert [f.rule for f in flags] == ["absolute-word"]
    assert "always" in flags[0].evidence and "distractor" in flags[0].evidence


def test_options_without_absolute_words_are_not_flagged():
    q = single("Where is BPO work done?", "Onshore or offshore", "Offshore", "In house")
    assert "absolute-word" not in rules(q)


def test_an_absolute_word_in_a_true_false_statement_is_flagged_with_its_key():
    flags = itemcheck.check_question(true_false("BPO is always cheaper than KPO.", key=False))
    assert [f.rule for f in flags] == ["absolute-word"]
    assert "keyed False" in flags[0].evidence


def test_a_true_false_statement_without_absolutes_and_choose_all_that_apply_are_not_flagged():
    assert rules(true_false("BPO is usually cheaper than KPO.", key=True)) == []
    q = multiple("Which are KPO? Choose all that apply.", ["Equity research"], ["Data entry"])
    assert "absolute-word" not in rules(q)


def test_all_of_the_above_is_an_error_and_none_of_the_above_a_warning():
    q = single("Which is BPO?", "All of the above", "Payroll", "Data entry")
    flags = itemcheck.check_question(q)
    assert [(f.rule, f.severity) for f in flags] == [("all-of-the-above", "error")]
    q = single("Which is LPO?", "None of the above", "Payroll", "Data entry")
    assert [(f.rule, f.severity) for f in itemcheck.check_question(q)] == [
        ("none-of-the-above", "warning")
    ]


def test_options_that_merely_mention_above_are_not_flagged():
    q = single("Which is BPO?", "Payroll", "Above-market research", "Data entry")
    assert rules(q) == []


def test_overlapping_numeric_ranges_are_an_error():
    q = single("What saving does BPO give?", "10–20%", "40–60%", "50–70%")
    flags = itemcheck.check_question(q)
    assert [(f.rule, f.severity) for f in flags] == [("overlapping-options", "error")]
    assert "“40–60%” and “50–70%”" in flags[0].evidence


def test_separate_ranges_in_order_are_not_flagged():
    q = single("What saving does BPO give?", "10–20%", "30–40%", "50–60%")
    assert rules(q) == []


def test_an_option_repeated_word_for_word_is_an_error():
    q = single("Which is BPO?", "Payroll", "Data entry", "data  entry")
    assert rules(q) == ["overlapping-options"]


def test_an_option_nested_inside_another_is_flagged():
    q = single("Which is KPO?", "Equity research", "Market research", "Market research and payroll")
    assert rules(q) == ["nested-options"]


def test_options_sharing_one_word_are_not_nested():
    q = single("Which is KPO?", "Equity research", "Market research", "Payroll research")
    assert "nested-options" not in rules(q)


def test_a_stem_word_repeated_only_in_the_key_is_flagged():
    q = single(
        "Which task follows fixed rules?",
        "Processing card payments by rules",
        "Valuing a whole company for a buyer",
        "Drafting a patent for an invention",
    )
    flags = itemcheck.check_question(q)
    assert [f.rule for f in flags] == ["word-repeat"]
    assert "rule" in flags[0].evidence


def test_a_stem_word_in_a_distractor_too_is_not_a_word_repeat():
    q = single(
        "Which task follows fixed rules?",
        "Processing card payments by rules",
        "Valuing a company by rules of thumb",
        "Drafting a patent for an invention",
    )
    assert "word-repeat" not in rules(q)


def test_an_article_that_fits_only_the_key_is_a_grammatical_cue():
    q = single("Payroll processing is an ____ task.", "outsourced", "core", "strategic")
    flags = itemcheck.check_question(q)
    assert [f.rule for f in flags] == ["grammatical-cue"]
    assert "“core”" in flags[0].evidence


def test_an_article_that_fits_every_option_is_not_a_cue():
    q = single("Payroll processing is an ____ task.", "outsourced", "in-house", "internal")
    assert rules(q) == []


def test_a_plural_verb_that_fits_only_the_key_is_a_grammatical_cue():
    q = single("The typical KPO experts are", "analysts", "a call centre", "an agent")
    assert rules(q) == ["grammatical-cue"]


def test_a_plural_verb_that_fits_every_option_is_not_a_cue():
    q = single("The typical KPO experts are", "analysts", "agents", "clerks")
    assert rules(q) == []


def test_numeric_options_out_of_order_are_flagged():
    q = single("How many agents can BPO add in weeks?", "500", "50", "5000")
    assert rules(q) == ["numeric-order"]


def test_numeric_options_in_descending_order_are_not_flagged():
    q = single("How many agents can BPO add in weeks?", "5000", "500", "50")
    assert rules(q) == []


def test_a_negative_stem_without_emphasis_is_flagged():
    q = single("Which is not a KPO service?", "Payroll", "Equity research", "Patent drafting")
    flags = itemcheck.check_question(q)
    assert [f.rule for f in flags] == ["negative-stem"]
    assert "“not”" in flags[0].evidence


def test_an_emphasised_negative_is_not_flagged():
    for stem in (
        "Which is NOT a KPO service?",
        "Which is **not** a KPO service?",
        "Which is <strong>not</strong> a KPO service?",
        "Which is not only cheap but also fast?",
    ):
        q = single(stem, "Payroll", "Equity research", "Patent drafting")
        assert "negative-stem" not in rules(q), stem


def test_an_identical_stem_is_a_duplicate_error():
    a = single("What does LPO stand for?", "Legal process outsourcing", "Logistics process work")
    b = single("What does  LPO stand for", "Legal process outsourcing", "Leasing process work")
    flags = itemcheck.check_bank([itemcheck.Item(a, "a.gift", 3), itemcheck.Item(b, "b.gift", 9)])
    assert [(f.rule, f.severity) for f in flags] == [("duplicate-stem", "error")]
    assert str(flags[0]).startswith("a.gift:3: duplicate-stem: Q: same question as")
    assert "b.gift:9" in flags[0].evidence


def test_a_reworded_stem_with_the_same_key_is_a_near_duplicate():
    a = single("The article says BPO can add up to how many agents within weeks?", "500", "50")
    b = single("Up to how many agents does the article say BPO can add?", "500", "5000")
    assert bank_rules(a, b) == ["near-duplicate-stem"]


def test_parallel_questions_with_different_keys_are_not_duplicates():
    a = single("What does BPO stand for?", "Business process outsourcing", "Other", "None")
    b = single("What does KPO stand for?", "Knowledge process outsourcing", "Other", "None")
    assert "duplicate-stem" not in bank_rules(a, b)
    assert "near-duplicate-stem" not in bank_rules(a, b)


def test_a_distractor_chosen_by_under_5_percent_of_30_responses_is_implausible():
    q = single("Which is KPO?", "Equity research", "Payroll", "Data entry", "Call handling")
    counts = itemcheck.OptionCounts(responses=40, picks=(20, 10, 9, 1))
    flags = itemcheck.check_bank([itemcheck.Item(q, counts=counts)])
    assert [f.rule for f in flags] == ["implausible-distractor"]
    assert "“Call handling” chosen 1 times in 40 (2 %)" in flags[0].evidence


def test_rarely_chosen_distractors_are_not_judged_on_fewer_than_30_responses():
    q = single("Which is KPO?", "Equity research", "Payroll", "Data entry", "Call handling")
    few = itemcheck.OptionCounts(responses=29, picks=(20, 5, 4, 0))
    assert bank_rules() == []
    assert itemcheck.check_bank([itemcheck.Item(q, counts=few)]) == []
    enough = itemcheck.OptionCounts(responses=40, picks=(20, 10, 8, 2))
    assert itemcheck.check_bank([itemcheck.Item(q, counts=enough)]) == []


def test_the_checker_never_changes_a_question():
    q = single("Which is not a KPO service?", "All of the above", "Always payroll", "50–60%")
    before = repr(q)
    itemcheck.check_bank([itemcheck.Item(q), itemcheck.Item(q)])
    assert repr(q) == before


def test_flags_carry_the_gift_title_and_line():
    parsed = gift.parse_gift("\n\n::Cheapest::BPO is always cheaper.{FALSE}\n")
    (flag,) = itemcheck.check_question(parsed.questions[0], source="t.gift")
    assert (flag.source, flag.line, flag.title) == ("t.gift", 3, "Cheapest")
    assert str(flag).startswith("t.gift:3: absolute-word: Cheapest: ")
    assert " — " in str(flag)


# --- The bank report --------------------------------------------------------------------------


def test_the_bank_report_on_a_small_hand_made_bank():
    bank = [
        # key longest (position 1), key shortest (position 1), neither (position 3)
        single("Q1?", "A much longer key", "short", "tiny"),
        single("Q2?", "Mid", "Longer one", "Longest option"),
        QuestionData(
            SINGLE,
            "Q3?",
            answers=[AnswerData("Equal"), AnswerData("Other"), AnswerData("Right", 1.0)],
        ),
        true_false("BPO is never done onshore.", key=False),
        true_false("KPO work needs judgement.", key=True),
        true_false("LPO always needs lawyers.", key=True),
        true_false("BPO costs less than KPO.", key=False),
        multiple("Which are KPO?", ["Equity research", "Patent search"], ["Payroll"]),
        multiple("Which are BPO?", ["Payroll", "Data entry"], ["Equity research"]),
        multiple("Which are LPO?", ["Contract review"], ["Payroll", "Data entry", "Call centres"]),
    ]
    items = [itemcheck.Item(q) for q in bank]
    flags = itemcheck.check_bank(items)
    report = itemcheck.bank_report(items, flags)
    assert report.questions == 10
    assert report.single == 3
    assert report.key_positions == Counter({1: 2, 3: 1})
    assert (report.key_longest, report.key_shortest) == (1, 1)
    assert report.true_false == 4 and report.true_keyed == 2 and report.true_rate == 0.5
    assert (report.absolute_true, report.absolute_false) == (1, 1)
    assert report.multiple_shapes == Counter({(2, 1): 2, (1, 3): 1})
    assert report.errors == 0
    assert report.warnings == len(flags) == report.by_rule.total()
    lines = report.lines()
    assert "key strictly longest: 1 of 3 (33 %); strictly shortest: 1 (33 %)" in lines
    assert "multiple response shapes: 1 right + 3 wrong: 1, 2 right + 1 wrong: 2" in lines
    assert "duplicates: 0" in lines


def test_the_report_lists_duplicates_and_counts_errors():
    a = single("What does LPO stand for?", "Legal process outsourcing", "Logistics")
    items = [itemcheck.Item(a, "a.gift", 1), itemcheck.Item(a, "b.gift", 5)]
    flags = itemcheck.check_bank(items)
    report = itemcheck.bank_report(items, flags)
    assert report.errors == 1 and len(report.duplicates) == 1
    assert report.duplicates[0].startswith("a.gift:1: Q: same question")


def test_an_empty_bank_reports_no_rates():
    report = itemcheck.bank_report([], [])
    assert report.key_longest_rate is None and report.true_rate is None
    assert "key strictly longest: 0 of 0 (n/a); strictly shortest: 0 (n/a)" in report.lines()


def test_the_report_says_which_bank_targets_are_met():
    bank = [
        single("Which is KPO work?", "A much longer key than the rest", "short", "tiny"),
        single("Which is BPO work?", "Mid", "Longer one", "Longest option"),
        true_false("BPO is never done onshore.", key=False),
        true_false("KPO always needs experts.", key=False),
        multiple("Which are KPO?", ["Equity research", "Patent search"], ["Payroll"]),
        multiple("Which are LPO?", ["Contract review"], ["Payroll", "Data entry", "Calls"]),
    ]
    items = [itemcheck.Item(q) for q in bank]
    report = itemcheck.bank_report(items, itemcheck.check_bank(items))
    met = dict(report.targets())
    assert met["0 errors"] is True
    assert met["key strictly longest in at most 30 %"] is False  # 1 of 2
    assert met["key strictly shortest about as often (within 10 points)"] is True  # 1 of 2
    assert met["true/false keyed True 40–60 %"] is False  # 0 of 2
    assert met["absolute words not tied to False"] is False  # both absolute stems are False
    assert met["multiple response varies its right and wrong counts"] is True
    assert met["0 duplicates"] is True
    assert "targets met: 4 of 7" in report.lines()
    assert "  NO  true/false keyed True 40–60 %" in report.lines()
