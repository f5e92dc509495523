"""The Anhøj rules, checked against hand-counted series and the published limits."""

import pytest

from insights.runchart import crossings_limit, longest_run_limit, run_chart


@pytest.mark.parametrize(
    ("n", "run", "crossings"),
    # Counted by hand from the binomial coefficients (e.g. n = 16: P(C <= 3) = 697/32768 = 0.021,
    # P(C <= 4) = 2517/32768 = 0.077, so 4); 10, 20, 24 and 30 are also in qicharts2's table.
    [(10, 6, 2), (12, 7, 3), (16, 7, 4), (20, 7, 6), (24, 8, 8), (30, 8, 10)],
)
def test_the_limits_are_the_published_ones(n, run, crossings):
    assert longest_run_limit(n) == run
    assert crossings_limit(n) == crossings


def test_random_looking_variation_gives_no_signal():
    chart = run_chart([5, 7, 4, 8, 6, 3, 9, 5, 7, 4, 8, 6])
    assert chart.median == 6
    assert chart.useful == 10  # the two sixes sit on the median and are left out
    assert (chart.longest_run, chart.crossings) == (1, 9)  # below and above in turn
    assert not chart.signal


def test_a_shift_is_an_unusually_long_run():
    # Six months low, then a change: seven months above the median in a row.
    chart = run_chart([40, 42, 38, 41, 39, 43, 60, 62, 65, 61, 63, 64, 66])
    assert chart.median == 60
    assert chart.useful == 12 and chart.longest_run == 6 and chart.longest_run_limit == 7
    assert chart.crossings == 1 and chart.crossings_limit == 3
    assert chart.few_crossings and not chart.long_run and chart.signal


def test_a_long_run_on_its_own():
    values = [1, 9, 1, 9, 1, 9, 1, 9, 9, 9, 9, 9, 9, 9, 9, 9, 1, 9, 1, 1]
    chart = run_chart(values, median=5)
    assert chart.longest_run == 9 and chart.longest_run_limit == 7
    assert chart.long_run


def test_points_on_the_median_neither_break_nor_extend_a_run():
    chart = run_chart([1, 2, 5, 1, 5, 2, 8, 9], median=5)
    assert chart.useful == 6 and chart.longest_run == 4 and chart.crossings == 1


def test_months_without_a_figure_are_skipped_and_an_empty_series_says_nothing():
    assert run_chart([None, 3, None, 4, 5]).values == (3, 4, 5)
    empty = run_chart([None, None])
    assert empty.useful == 0 and not empty.signal
