"""Item analysis (quizzes.stats): a worked example by hand, the pure maths, the admin page."""

import math

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from quizzes import stats
from quizzes.attempts import finish_attempt, record_answer, start_attempt
from quizzes.models import Attempt
from tests.factories import LearnerFactory, QuestionFactory, UserFactory, quiz_with_questions

STATISTICS = "admin:quizzes_quiz_statistics"
SIZES = [1, 20, 100]
# Session, user, quiz, closing expired attempts, the class filter's choices, then the four
# statistics queries (see
# quizzes.stats.quiz_statistics).
STATISTICS_PAGE = 9

R, M, W, SKIP = 0, 1, 2, None  # right, the "guesses the letters" option, a plain wrong one


def finished_attempt(quiz, questions, picks) -> Attempt:
    """A learner's finished practice attempt at `questions`, in this order.

    `picks` holds, per question, the index of the chosen answer row in the order written
    (the factories' single-choice rows: right, misconception, wrong, wrong), or None to leave
    the question unanswered.
    """
    attempt = start_attempt(
        quiz=quiz, learner=LearnerFactory(), question_ids=[q.pk for q in questions]
    )
    for slot, pick in zip(attempt.slots.order_by("number"), picks, strict=True):
        if pick is not None:
            option = slot.question.answers.order_by("order", "pk")[pick]
            record_answer(attempt=attempt, slot=slot, value=option.pk, seq=0)
    finish_attempt(attempt=attempt)
    return attempt


# --- (1) A worked example, computed by hand -----------------------------------------------------
#
# Ten learners, three single-choice questions; 1 = right, 0 = wrong, "–" = left unanswered.
#
#          Q1  Q2  Q3 |  T   T %
#   L1      1   1   1 |  3  100
#   L2      1   1   1 |  3  100
#   L3      1   1   0 |  2   66.67
#   L4      1   1   0 |  2   66.67
#   L5      1   0   1 |  2   66.67
#   L6      1   1   0 |  2   66.67
#   L7      1   0   0 |  1   33.33
#   L8      1   0   0 |  1   33.33
#   L9      0   1   0 |  1   33.33
#   L10     0   0   – |  0    0
#
# Wrong answers to Q1 and Q2 pick the "guesses the letters" option, wrong answers to Q3 the
# plain "Key process outsourcing"; L10 leaves Q3 unanswered, which scores 0.
#
# Quiz: ΣT = 17, ΣT² = 37, n = 10.
#   mean = 1.7 / 3 = 56.67 %; median = (2 + 2) / 2 = 2 → 66.67 %
#   V(T) = (37 − 17²/10) / 9 = 8.1 / 9 = 0.9; SD = √0.9 = 0.94868 → 31.62 % of 3 marks
#
# Per question (x its score, X = T − x the rest of the test):
#   Q1: Σx = 8 → facility 80 %; V = (8 − 6.4)/9 = 1.6/9, SD = 42.16 %
#       ΣX = 9, ΣX² = 13, ΣxX = 8: Sxy = 8 − 7.2 = 0.8, Sxx = 1.6, SXX = 13 − 8.1 = 4.9
#       r = 0.8 / √(1.6 · 4.9) = 0.8 / 2.8 = 0.28571 → discrimination 28.57 %
#   Q2: Σx = 6 → 60 %; V = (6 − 3.6)/9 = 2.4/9, SD = 51.64 %
#       ΣX = 11, ΣX² = 17, ΣxX = 7: Sxy = 7 − 6.6 = 0.4, Sxx = 2.4, SXX = 17 − 12.1 = 4.9
#       r = 0.4 / √11.76 = 0.11664 → 11.66 %
#   Q3: Σx = 3 → 30 %; V = (3 − 0.9)/9 = 2.1/9, SD = 48.30 %
#       ΣX = 14, ΣX² = 24, ΣxX = 5: Sxy = 5 − 4.2 = 0.8, Sxx = 2.1, SXX = 24 − 19.6 = 4.4
#       r = 0.8 / √9.24 = 0.26318 → 26.32 %
#
# Cronbach's alpha: P = 3, ΣV(x_i) = 6.1/9, V(T) = 8.1/9
#   CIC = 3/2 · (1 − 6.1/8.1) = 1.5 · 2/8.1 = 0.37037 → 37.04 %
#
# Random guess score: one right option in four → 25 %.
# Histogram (bands of 10 %): 0–10: 1, 30–40: 3, 60–70: 4, 90–100: 2.
# Option picks: Q1 right 8, misconception 2; Q2 right 6, misconception 4; Q3 right 3, plain
# wrong 6. "guesses the letters" is picked 2 + 4 = 6 times over two questions. Nobody picks
# Q1's and Q2's third and fourth options, nor Q3's second and fourth.

WORKED = [
    (R, R, R),
    (R, R, R),
    (R, R, W),
    (R, R, W),
    (R, M, R),
    (R, R, W),
    (R, M, W),
    (R, M, W),
    (M, R, W),
    (M, M, SKIP),
]


@pytest.fixture
def worked(db):
    quiz = quiz_with_questions(3)
    questions = list(quiz.questions.order_by("quizquestion__order"))
    for picks in WORKED:
        finished_attempt(quiz, questions, picks)
    return quiz, questions


def test_the_worked_example_matches_the_hand_computed_figures(worked):
    quiz, questions = worked
    result = stats.quiz_statistics(quiz)

    assert result.attempts == 10
    assert result.mean == pytest.approx(170 / 3)
    assert result.median == pytest.approx(200 / 3)
    assert result.sd == pytest.approx(100 * math.sqrt(0.9) / 3)
    assert result.sd == pytest.approx(31.62, abs=0.01)
    assert result.cic == pytest.approx(100 / 2.7)
    assert result.cic == pytest.approx(37.04, abs=0.01)
    assert [b.count for b in result.histogram.bins] == [1, 0, 0, 3, 0, 0, 4, 0, 0, 2]

    q1, q2, q3 = result.questions
    assert [q.question_id for q in result.questions] == [q.pk for q in questions]
    assert [q.n for q in result.questions] == [10, 10, 10]
    assert [q.facility for q in result.questions] == pytest.approx([80, 60, 30])
    assert q1.sd == pytest.approx(100 * math.sqrt(1.6 / 9))
    assert [q.sd for q in result.questions] == pytest.approx([42.16, 51.64, 48.30], abs=0.01)
    assert q1.discrimination == pytest.approx(100 * 0.8 / 2.8)
    assert q2.discrimination == pytest.approx(100 * 0.4 / math.sqrt(11.76))
    assert q3.discrimination == pytest.approx(100 * 0.8 / math.sqrt(9.24))
    assert [q.discrimination for q in result.questions] == pytest.approx(
        [28.57, 11.66, 26.32], abs=0.01
    )
    assert [q.random_guess for q in result.questions] == pytest.approx([25, 25, 25])
    assert all(not q.flags for q in result.questions)

    assert [o.picks for o in q1.options] == [8, 2, 0, 0]
    assert [o.picks for o in q2.options] == [6, 4, 0, 0]
    assert [o.picks for o in q3.options] == [3, 0, 6, 0]
    assert [o.percent for o in q3.options] == pytest.approx([30, 0, 60, 0])
    assert [(q.question_id, o.answer_id) for q, o in result.unpicked] == [
        (q.pk, a.pk)
        for q, rows in zip(questions, [(2, 3), (2, 3), (1, 3)], strict=True)
        for a in [list(q.answers.order_by("order"))[i] for i in rows]
    ]
    assert result.misconceptions == (stats.Misconception("guesses the letters", 6, 2),)


def test_open_attempts_are_left_out(worked):
    quiz, questions = worked
    start_attempt(quiz=quiz, learner=LearnerFactory(), question_ids=[q.pk for q in questions])
    assert stats.quiz_statistics(quiz).attempts == 10


@pytest.mark.django_db
def test_an_unanswered_question_scores_zero():
    quiz = quiz_with_questions(2)
    questions = list(quiz.questions.order_by("quizquestion__order"))
    finished_attempt(quiz, questions, [R, SKIP])
    result = stats.quiz_statistics(quiz)
    assert result.attempts == 1
    assert result.mean == 50
    assert [q.n for q in result.questions] == [1, 1]
    assert [q.facility for q in result.questions] == [100, 0]
    assert result.questions[1].sd is None  # one value has no spread
    assert result.sd is None


@pytest.mark.django_db
def test_a_quiz_without_finished_attempts_has_no_figures():
    quiz = quiz_with_questions(2)
    result = stats.quiz_statistics(quiz)
    assert result.attempts == 0
    assert result.mean is result.median is result.sd is result.cic is None
    assert result.questions == ()
    assert "too few attempts" in result.cic_reason


@pytest.mark.django_db
def test_alpha_is_not_available_when_random_questions_differ_between_attempts():
    quiz = quiz_with_questions(3)
    a, b, c = quiz.questions.order_by("quizquestion__order")
    for index in range(10):
        drawn = [a, b] if index % 2 else [a, c]
        finished_attempt(quiz, drawn, [R, M] if index % 3 else [M, R])
    result = stats.quiz_statistics(quiz)
    assert result.cic is None
    assert result.cic_reason == "questions drawn at random differ between attempts"
    assert [q.n for q in result.questions] == [10, 5, 5]


# --- (2) The pure maths -------------------------------------------------------------------------


def test_mean_variance_and_sd_from_sums():
    values = [2, 4, 4, 4, 5, 5, 7, 9]  # sample variance 32/7
    n, total, squares = len(values), sum(values), sum(v * v for v in values)
    assert stats.mean(n, total) == 5
    assert stats.variance(n, total, squares) == pytest.approx(32 / 7)
    assert stats.std_dev(n, total, squares) == pytest.approx(math.sqrt(32 / 7))
    assert stats.mean(0, 0) is None
    assert stats.variance(1, 3, 9) is None
    assert stats.std_dev(1, 3, 9) is None


def test_rounding_dust_is_no_variance():
    assert stats.variance(10, 10 * 0.1, 10 * 0.1 * 0.1) == 0
    assert stats.correlation(10, 1.0, 0.1, 5.0, 3.0, 0.5) is None


def test_correlation_from_sums():
    # x̄ = 2.5, ȳ = 5: Sxy = 4.5 + 0.5 + 0 + 6 = 11, Sxx = 5, Syy = 9 + 1 + 0 + 16 = 26
    xs, ys = [1, 2, 3, 4], [2, 4, 5, 9]  # r = 11 / √130 = 0.96476
    r = stats.correlation(
        4, sum(xs), sum(x * x for x in xs), sum(ys), sum(y * y for y in ys), 1 * 2 + 8 + 15 + 36
    )
    assert r == pytest.approx(11 / math.sqrt(130))
    assert stats.correlation(1, 1, 1, 1, 1, 1) is None


def sums_of(xs, ts) -> stats.Sums:
    return stats.Sums(
        n=len(xs),
        x=sum(xs),
        xx=sum(x * x for x in xs),
        t=sum(ts),
        tt=sum(t * t for t in ts),
        xt=sum(x * t for x, t in zip(xs, ts, strict=True)),
    )


def test_a_question_everyone_gets_right_has_no_discrimination():
    sums = sums_of([1, 1, 1, 1, 1], [1, 2, 3, 2, 1])
    assert stats.facility_index(sums) == 100
    assert stats.item_sd(sums) == 0
    assert stats.discrimination_index(sums) is None  # x never varies: "n/a"


def test_a_question_whose_rest_of_test_never_varies_has_no_discrimination():
    sums = sums_of([1, 0, 1, 0], [2, 1, 2, 1])  # rest of test: 1, 1, 1, 1
    assert stats.discrimination_index(sums) is None


def test_discrimination_uses_the_rest_of_the_test_not_the_total():
    # x = 1, 1, 0, 0 with T = 1, 1, 1, 1: T correlates with nothing, but the rest of the test
    # (0, 0, 1, 1) falls exactly as x rises, so D = −100.
    sums = sums_of([1, 1, 0, 0], [1, 1, 1, 1])
    assert stats.discrimination_index(sums) == pytest.approx(-100)


def test_a_single_attempt_gives_a_mean_but_no_spread():
    sums = sums_of([0.5], [1.5])
    assert stats.facility_index(sums) == 50
    assert stats.item_sd(sums) is None
    assert stats.discrimination_index(sums) is None
    result = stats.summarise([(1.5, 3)], [stats.question_stats(1, "Q", "single", sums, [])])
    assert (result.attempts, result.mean, result.median, result.sd) == (1, 50, 50, None)
    assert [b.count for b in result.histogram.bins] == [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    assert result.cic is None
    assert result.cic_reason == "too few attempts: 1 finished, at least 10 needed"


def test_median():
    assert stats.median([]) is None
    assert stats.median([3]) == 3
    assert stats.median([5, 1, 3]) == 3
    assert stats.median([4, 1, 3, 2]) == 2.5


def test_histogram_bands_hold_their_lower_edge_and_100_is_in_the_last():
    counts = stats.histogram([0, 9.99, 10, 55, 89.9, 90, 100, (0.1 + 0.2 + 0.4) * 100])
    assert counts == [2, 1, 0, 0, 0, 1, 0, 1, 1, 2]
    assert stats.histogram([]) == [0] * 10


def test_the_chart_scales_the_tallest_bar_to_the_plot():
    chart = stats.chart([0, 2, 4, 0, 0, 0, 0, 0, 0, 1])
    bars = {b.low: b for b in chart.bins}
    assert bars[20].height == chart.baseline - chart.top
    assert bars[10].height == (chart.baseline - chart.top) // 2
    assert bars[0].height == 0 and bars[0].y == chart.baseline
    assert bars[90].label == "90–100 %"
    assert chart.max_count == 4
    assert all(b.x + b.width <= chart.right for b in chart.bins)


def test_cronbach_alpha():
    assert stats.cronbach_alpha([1.6 / 9, 2.4 / 9, 2.1 / 9], 0.9) == pytest.approx(100 / 2.7)
    assert stats.cronbach_alpha([0.25], 0.25) is None  # one question
    assert stats.cronbach_alpha([0.0, 0.0], 0.0) is None  # no spread in the total


def test_alpha_needs_ten_attempts_and_the_same_questions_in_each():
    same = [stats.Sums(10, 5, 5, 10, 12, 6), stats.Sums(10, 5, 5, 10, 12, 6)]
    assert stats.internal_consistency(9, same, 1.0)[0] is None
    assert stats.internal_consistency(10, same[:1], 1.0) == (
        None,
        "the quiz has fewer than two questions",
    )
    drawn = [stats.Sums(10, 5, 5, 10, 12, 6), stats.Sums(6, 3, 3, 6, 7, 4)]
    assert stats.internal_consistency(10, drawn, 1.0) == (
        None,
        "questions drawn at random differ between attempts",
    )
    assert stats.internal_consistency(10, same, 0.0) == (None, "every attempt has the same score")
    alpha, reason = stats.internal_consistency(10, same, 1.0)
    # V(x) = (5 − 2.5)/9 each; CIC = 2 · (1 − 2 · 2.5/9) = 8/9
    assert alpha == pytest.approx(800 / 9)
    assert reason == ""


def test_flags_use_the_documented_thresholds():
    few = stats.MIN_ATTEMPTS_FOR_FLAGS - 1
    enough = stats.MIN_ATTEMPTS_FOR_FLAGS
    assert stats.flags(few, 100, -50) == ()
    assert stats.flags(enough, 90, 0) == ()
    assert stats.flags(enough, 90.1, 10) == ("too easy",)
    assert stats.flags(enough, 20, None) == ()
    assert stats.flags(enough, 19.9, -0.1) == ("too hard", "negative discrimination")
    assert stats.flags(enough, 50, None) == ()


def option(text="a", fraction=0.0, match="", misconception="", picks=0) -> stats.OptionStats:
    return stats.OptionStats(
        answer_id=picks,
        text=text,
        fraction=fraction,
        match=match,
        misconception=misconception,
        picks=picks,
    )


def test_random_guess_score_by_kind():
    four = [option(fraction=1), option(), option(), option(fraction=-0.5)]
    assert stats.random_guess_score("single", four) == 25
    assert stats.random_guess_score("truefalse", [option(fraction=1), option()]) == 50
    assert stats.random_guess_score("multiple", four) is None
    pairs = [option("a", match="X"), option("b", match="Y"), option("", match="Z")]
    assert stats.random_guess_score("matching", pairs) == pytest.approx(100 / 3)
    assert stats.random_guess_score("short", [option("KPO", 1)]) == 0
    assert stats.random_guess_score("short", [option("KPO", 1), option("*", 0.5)]) == 50


def test_misconceptions_are_summed_over_wrong_options_across_questions():
    sums = stats.Sums(5, 3, 3, 6, 9, 4)
    first = stats.question_stats(
        1,
        "First",
        "single",
        sums,
        [
            option(fraction=1, misconception="mislabelled right", picks=3),
            option("b", 0, "", "A", 2),
        ],
    )
    second = stats.question_stats(
        2, "Second", "multiple", sums, [option("c", -0.5, "", " A ", 4), option("d", 0, "", "B", 1)]
    )
    third = stats.question_stats(
        3, "Third", "matching", sums, [option("", 0, "Z", "B", 5), option("x", 0, "Y", "C", 2)]
    )
    assert stats.misconceptions([first, second, third]) == (
        stats.Misconception("A", 6, 2),
        stats.Misconception("B", 6, 2),
    )


# --- (3) The page -------------------------------------------------------------------------------


def test_the_page_shows_the_figures_options_unpicked_and_misconceptions(admin_client, worked):
    quiz, questions = worked
    response = admin_client.get(reverse(STATISTICS, args=[quiz.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Statistics: " + quiz.title in html
    assert '<svg id="histogram"' in html and 'role="img"' in html
    assert "60–70 %: 4" in html  # the chart's text alternative
    assert "style=" not in html.split('<div id="content-main">')[1]  # the CSP forbids them
    assert "37.0&nbsp;%" in html  # Cronbach's alpha
    assert "28.6&nbsp;%" in html  # Q1's discrimination
    assert 'id="misconceptions"' in html and "guesses the letters</td><td>6</td>" in html
    unpicked = html.split('id="unpicked"')[1].split("</ul>")[0]
    assert unpicked.count("<li>") == 6
    assert "Key process outsourcing" in unpicked
    for question in questions:
        assert reverse("admin:quizzes_question_change", args=[question.pk]) in html
    assert "No question is flagged." in html


def test_the_page_flags_questions_and_links_them_to_the_question_admin(admin_client):
    quiz = quiz_with_questions(5)
    easy, hard, q3, q4, rare = quiz.questions.order_by("quizquestion__order")
    # easy: always right; hard: always wrong; q3 and q4: right for different learners, so
    # each falls as the rest of the test (mostly the other one) rises; rare: in 3 attempts,
    # always wrong, so it leaves the others' rest of the test alone.
    rows = [(R, M, R, W), (R, M, R, W), (R, M, W, R), (R, M, W, R), (R, M, W, W)]
    for index, picks in enumerate(rows):
        drawn = [easy, hard, q3, q4] + ([rare] if index < 3 else [])
        finished_attempt(quiz, drawn, [*picks, M][: len(drawn)])
    result = stats.quiz_statistics(quiz)
    by_id = {q.question_id: q for q in result.questions}
    assert by_id[easy.pk].flags == ("too easy",)
    assert by_id[hard.pk].flags == ("too hard",)
    assert by_id[q3.pk].flags == ("negative discrimination",)
    assert by_id[q3.pk].discrimination == pytest.approx(-200 / 3)  # −0.8 / 1.2
    assert by_id[rare.pk].too_few_attempts and by_id[rare.pk].flags == ()

    html = admin_client.get(reverse(STATISTICS, args=[quiz.pk])).content.decode()
    flagged = html.split('<ul id="flags">')[1].split("</ul>")[0]
    for question, label in [
        (easy, "too easy"),
        (hard, "too hard"),
        (q3, "negative discrimination"),
        (q4, "negative discrimination"),
    ]:
        link = reverse("admin:quizzes_question_change", args=[question.pk])
        assert f'<a href="{link}">{question.title}</a>: {label}' in flagged
    assert rare.title not in flagged
    assert "too few attempts" in html
    assert "n/a" in html  # the discrimination of the question everyone gets right


def test_the_quiz_list_and_change_page_link_to_the_statistics(admin_client):
    quiz = quiz_with_questions(1)
    url = reverse(STATISTICS, args=[quiz.pk])
    assert url in admin_client.get(reverse("admin:quizzes_quiz_changelist")).content.decode()
    change = admin_client.get(reverse("admin:quizzes_quiz_change", args=[quiz.pk]))
    assert url in change.content.decode()
    assert admin_client.get(reverse("admin:quizzes_quiz_add")).status_code == 200


def test_a_missing_quiz_is_a_404(admin_client):
    assert admin_client.get(reverse(STATISTICS, args=[999_999])).status_code == 404


# --- (4) Query budget ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", SIZES)
def test_the_statistics_page_has_a_fixed_query_budget(
    admin_client, django_assert_max_num_queries, n
):
    quiz = quiz_with_questions(2)
    questions = list(quiz.questions.order_by("quizquestion__order"))
    for index in range(n):
        finished_attempt(quiz, questions, [R if index % 2 else M, W if index % 3 else R])
    with django_assert_max_num_queries(STATISTICS_PAGE):
        response = admin_client.get(reverse(STATISTICS, args=[quiz.pk]))
    assert response.status_code == 200
    assert response.context["stats"].attempts == n


# --- (5) Permissions ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_without_the_quiz_view_permission_are_refused(client):
    quiz = quiz_with_questions(1)
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse(STATISTICS, args=[quiz.pk])).status_code == 403


@pytest.mark.django_db
def test_staff_with_the_quiz_view_permission_and_superusers_see_the_page(client, admin_client):
    quiz = quiz_with_questions(1)
    url = reverse(STATISTICS, args=[quiz.pk])
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_quiz"))
    client.force_login(staff)
    assert client.get(url).status_code == 200
    assert admin_client.get(url).status_code == 200


@pytest.mark.django_db
def test_the_page_only_answers_get(admin_client):
    quiz = quiz_with_questions(1)
    assert admin_client.post(reverse(STATISTICS, args=[quiz.pk])).status_code == 405


@pytest.mark.django_db
def test_a_question_bank_question_appears_once_however_often_it_was_shown():
    question = QuestionFactory()
    quiz = quiz_with_questions(0, topic=question.topic, questions=[question])
    for picks in ([R], [M], [W]):
        finished_attempt(quiz, [question], picks)
    (only,) = stats.quiz_statistics(quiz).questions
    assert only.n == 3
    assert only.facility == pytest.approx(100 / 3)
