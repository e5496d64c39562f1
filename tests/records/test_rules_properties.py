"""Property tests (hypothesis) of the assessment rules: averages stay within 0-10 and agree
with an integer-tenths oracle; every outcome is monotonic in the marks and levels."""

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edudx.records.rules import (
    Comment,
    CompetencyRating,
    Level,
    MarkError,
    SubjectRating,
    YearEndStatus,
    conduct_year_result,
    learning_result,
    parse_mark,
    term_average,
    year_average,
    year_end_status,
    year_result,
    year_title,
)

# The autouse fixtures of tests/conftest.py (language, hashers) are the same for every
# example, so sharing them across examples is safe.
PROPERTY = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

TENTHS = st.integers(min_value=0, max_value=100)
# The thresholds of Art. 9(2) and Art. 15 and their neighbours come up often.
EDGE_TENTHS = st.sampled_from([0, 34, 35, 49, 50, 64, 65, 79, 80, 89, 90, 100])
ANY_TENTHS = st.one_of(EDGE_TENTHS, TENTHS)
LEVELS = st.sampled_from(list(Level))
COMMENTS = st.sampled_from(list(Comment))


def mark(tenths: int) -> Decimal:
    return Decimal(tenths).scaleb(-1)


def half_up_tenths(numerator: int, denominator: int) -> int:
    """round(numerator / denominator) with halves up, in integers (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


# --- parse_mark -------------------------------------------------------------------------


@PROPERTY
@given(t=TENTHS, sep=st.sampled_from([".", ","]), pad=st.sampled_from(["", " ", "  "]))
def test_parse_mark_reads_every_one_decimal_mark(t, sep, pad):
    text = f"{pad}{t // 10}{sep}{t % 10}{pad}"
    assert parse_mark(text) == mark(t)


@PROPERTY
@given(hundredths=st.integers(min_value=0, max_value=1000).filter(lambda h: h % 10))
def test_parse_mark_refuses_two_decimals(hundredths):
    text = f"{hundredths // 100},{hundredths % 100:02d}"
    try:
        parse_mark(text)
    except MarkError as exc:
        assert exc.code == "records.mark.decimals"
    else:
        raise AssertionError(f"{text} accepted")


# --- Averages -----------------------------------------------------------------------------


@PROPERTY
@given(regular=st.lists(ANY_TENTHS, min_size=2, max_size=4), mid=ANY_TENTHS, fin=ANY_TENTHS)
def test_term_average_in_range_and_exact(regular, mid, fin):
    avg = term_average([mark(t) for t in regular], mark(mid), mark(fin))
    assert Decimal(0) <= avg <= Decimal(10)
    assert mark(min(*regular, mid, fin)) <= avg <= mark(max(*regular, mid, fin))
    assert avg.as_tuple().exponent == -1
    expected = half_up_tenths(sum(regular) + 2 * mid + 3 * fin, len(regular) + 5)
    assert avg == mark(expected)


PERIODS_FOR = {2: 35, 3: 70, 4: 105}


@PROPERTY
@given(regular=st.lists(ANY_TENTHS, min_size=2, max_size=4), mid=ANY_TENTHS, fin=ANY_TENTHS)
def test_term_average_integer_path_equals_the_checked_decimal_path(regular, mid, fin):
    """Valid marks are averaged in whole tenths; with `periods_per_year` the same average
    goes through the checked Decimal path (`round_half_up` of the exact quotient)."""
    marks = [mark(t) for t in regular]
    fast = term_average(marks, mark(mid), mark(fin))
    checked = term_average(marks, mark(mid), mark(fin), periods_per_year=PERIODS_FOR[len(regular)])
    exact = (sum(marks, Decimal(0)) + 2 * mark(mid) + 3 * mark(fin)) / (len(marks) + 5)
    assert fast == checked == exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert str(fast) == str(checked)


@PROPERTY
@given(first=ANY_TENTHS, second=ANY_TENTHS)
def test_year_average_in_range_and_exact(first, second):
    avg = year_average(mark(first), mark(second))
    assert mark(min(first, second)) <= avg <= mark(max(first, second))
    assert avg == mark(half_up_tenths(first + 2 * second, 3))


@PROPERTY
@given(first=TENTHS, second=TENTHS)
def test_year_average_never_meets_an_exact_half(first, second):
    """(a + 2b)/3 on tenths never ends in 5 hundredths: half-up and half-even agree."""
    exact = (mark(first) + 2 * mark(second)) / 3
    assert year_average(mark(first), mark(second)) == exact.quantize(
        Decimal("0.1"), rounding=ROUND_HALF_EVEN
    )


@PROPERTY
@given(
    regular=st.lists(TENTHS, min_size=2, max_size=4),
    mid=TENTHS,
    fin=TENTHS,
    which=st.integers(min_value=0),
    bump=st.integers(min_value=1, max_value=100),
)
def test_term_average_is_monotonic(regular, mid, fin, which, bump):
    marks = [*regular, mid, fin]
    i = which % len(marks)
    raised = list(marks)
    raised[i] = min(100, raised[i] + bump)

    def avg(ms):
        return term_average([mark(t) for t in ms[:-2]], mark(ms[-2]), mark(ms[-1]))

    assert avg(raised) >= avg(marks)


@PROPERTY
@given(first=TENTHS, second=TENTHS, bump=st.integers(min_value=1, max_value=100))
def test_year_average_is_monotonic(first, second, bump):
    base = year_average(mark(first), mark(second))
    assert year_average(mark(min(100, first + bump)), mark(second)) >= base
    assert year_average(mark(first), mark(min(100, second + bump))) >= base


# --- Learning result (Art. 9) ----------------------------------------------------------------

AVERAGES = st.lists(ANY_TENTHS, min_size=6, max_size=11)
COMMENT_LISTS = st.lists(st.sampled_from([Comment.PASS] * 3 + [Comment.FAIL]), max_size=5)


def _learning(avgs, comments):
    return learning_result(
        {f"s{i}": mark(t) for i, t in enumerate(avgs)},
        {f"c{i}": c for i, c in enumerate(comments)},
    )


@PROPERTY
@given(
    avgs=AVERAGES,
    comments=COMMENT_LISTS,
    which=st.integers(min_value=0),
    bump=st.integers(min_value=1, max_value=100),
)
def test_learning_result_is_monotonic_in_each_average(avgs, comments, which, bump):
    i = which % len(avgs)
    raised = list(avgs)
    raised[i] = min(100, raised[i] + bump)
    assert _learning(raised, comments).level >= _learning(avgs, comments).level


@PROPERTY
@given(avgs=AVERAGES, comments=COMMENT_LISTS, which=st.integers(min_value=0))
def test_learning_result_is_monotonic_in_each_comment(avgs, comments, which):
    if not comments:
        comments = [Comment.FAIL]
    i = which % len(comments)
    better = list(comments)
    better[i] = Comment.PASS
    assert _learning(avgs, better).level >= _learning(avgs, comments).level


@PROPERTY
@given(avgs=AVERAGES, comments=COMMENT_LISTS)
def test_adjustment_is_at_most_one_level_and_never_to_tot(avgs, comments):
    result = _learning(avgs, comments)
    assert result.level - result.unadjusted in (0, 1)
    assert result.adjusted is (result.level != result.unadjusted)
    if result.adjusted:
        assert result.unadjusted <= Level.PASS
        assert result.level <= Level.FAIR
        assert result.adjusted_for is not None
    if result.level is Level.GOOD:
        assert all(c is Comment.PASS for c in comments)
        assert all(t >= 65 for t in avgs)
        assert sum(t >= 80 for t in avgs) >= 6


@PROPERTY
@given(avgs=AVERAGES, comments=COMMENT_LISTS)
def test_learning_result_ignores_subject_order(avgs, comments):
    forward = _learning(avgs, comments)
    backward = _learning(avgs[::-1], comments[::-1])
    assert (forward.level, forward.unadjusted) == (backward.level, backward.unadjusted)


# --- Conduct, promotion, titles ----------------------------------------------------------------


@PROPERTY
@given(first=LEVELS, second=LEVELS, better=LEVELS)
def test_conduct_year_is_monotonic(first, second, better):
    base = conduct_year_result(first, second)
    assert conduct_year_result(max(first, better), second) >= base
    assert conduct_year_result(first, max(second, better)) >= base
    # Term II decides: the year is at most one level above it and never above both terms.
    assert base - second <= 1
    assert base <= max(first, second)


@PROPERTY
@given(
    conduct=LEVELS,
    learning=LEVELS,
    better=LEVELS,
    absent=st.integers(min_value=0, max_value=90),
    fewer=st.integers(min_value=0, max_value=90),
)
def test_year_end_status_is_monotonic(conduct, learning, better, absent, fewer):
    def status(c, lv, a):
        return year_end_status(conduct=c, learning=lv, absent_sessions=a)

    base = status(conduct, learning, absent)
    assert status(max(conduct, better), learning, absent) >= base
    assert status(conduct, max(learning, better), absent) >= base
    assert status(conduct, learning, max(0, absent - fewer)) >= base
    assert (base is YearEndStatus.PROMOTED) is (
        conduct >= Level.PASS and learning >= Level.PASS and absent <= 45
    )


@PROPERTY
@given(
    avgs=st.lists(ANY_TENTHS, min_size=6, max_size=11),
    which=st.integers(min_value=0),
    bump=st.integers(min_value=1, max_value=100),
)
def test_year_title_is_monotonic(avgs, which, bump):
    i = which % len(avgs)
    raised = list(avgs)
    raised[i] = min(100, raised[i] + bump)

    def title(ts):
        t = year_title(conduct=Level.GOOD, learning=Level.GOOD, year_averages=[mark(x) for x in ts])
        return 0 if t is None else int(t)

    assert title(raised) >= title(avgs)


# --- Primary year-end result (Circular 27/2020, Art. 9(2)) --------------------------------------

RATINGS = st.lists(st.sampled_from(list(SubjectRating)), min_size=1, max_size=10)
QUALITY_RATINGS = st.lists(st.sampled_from(list(CompetencyRating)), max_size=15)
SCORES = st.lists(st.integers(min_value=1, max_value=10), max_size=6)


def _primary(ratings, qualities, scores):
    return year_result(
        subjects={f"m{i}": r for i, r in enumerate(ratings)},
        competencies={f"q{i}": q for i, q in enumerate(qualities)},
        end_of_year_tests={f"t{i}": s for i, s in enumerate(scores)},
    )


@PROPERTY
@given(
    ratings=RATINGS,
    qualities=QUALITY_RATINGS,
    scores=SCORES,
    which=st.integers(min_value=0),
    bump=st.integers(min_value=1, max_value=9),
)
def test_primary_year_result_is_monotonic(ratings, qualities, scores, which, bump):
    base = _primary(ratings, qualities, scores)
    r = list(ratings)
    r[which % len(r)] = SubjectRating(min(2, r[which % len(r)] + 1))
    assert _primary(r, qualities, scores) >= base
    if qualities:
        q = list(qualities)
        q[which % len(q)] = CompetencyRating(min(2, q[which % len(q)] + 1))
        assert _primary(ratings, q, scores) >= base
    if scores:
        s = list(scores)
        s[which % len(s)] = min(10, s[which % len(s)] + bump)
        assert _primary(ratings, qualities, s) >= base
