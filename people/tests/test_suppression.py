"""Small-cell and complementary suppression: no count from 1 to 4 is published, and none can be worked out.

The property that matters is indistinguishability: for every suppressed cell, a table that differs
only in that cell (any other value from 1 to 4) publishes exactly the same thing, so nothing a
reader sees — cells, totals, their differences — tells the two apart.
"""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from people.suppression import (
    HIDDEN,
    SMALL,
    UNDER,
    Figure,
    count,
    is_small,
    mean,
    share,
    split_of_a_shown_total,
    suppress_table,
)

ROWS = st.integers(min_value=1, max_value=5)
# Mostly small numbers, where suppression happens, and some large ones.
VALUE = st.one_of(st.integers(min_value=0, max_value=6), st.integers(min_value=0, max_value=200))


@st.composite
def tables(draw):
    rows = [f"r{i}" for i in range(draw(ROWS))]
    columns = [f"c{j}" for j in range(draw(ROWS))]
    counts = {(row, column): draw(VALUE) for row in rows for column in columns}
    return counts, rows, columns


def published_numbers(table):
    cells, row_totals, column_totals, total = table.published()
    return [figure for *_, figure in cells] + [f for _, f in row_totals] + [f for _, f in column_totals] + [total]


@settings(max_examples=400, deadline=None, derandomize=True)
@given(tables())
def test_no_published_figure_is_from_1_to_4(table):
    counts, rows, columns = table
    for figure in published_numbers(suppress_table(counts, rows, columns)):
        assert figure.withheld or not 0 < figure.value < SMALL


@settings(max_examples=400, deadline=None, derandomize=True)
@given(tables(), st.data())
def test_a_suppressed_cell_cannot_be_worked_out(table, data):
    """Any other value from 1 to 4 in a suppressed cell publishes the very same table."""
    counts, rows, columns = table
    published = suppress_table(counts, rows, columns).published()
    small = [key for key, n in counts.items() if 0 < n < SMALL]
    for key in small:
        other = data.draw(st.sampled_from([n for n in range(1, SMALL) if n != counts[key]]), label=str(key))
        assert suppress_table(counts | {key: other}, rows, columns).published() == published


@settings(max_examples=300, deadline=None, derandomize=True)
@given(tables())
def test_what_is_shown_is_exact_and_nothing_is_hidden_without_a_small_cell(table):
    counts, rows, columns = table
    shown = suppress_table(counts, rows, columns)
    for (row, column), figure in shown.cells.items():
        if figure.shown:
            assert figure.value == counts[row, column]
    for row, figure in shown.row_totals.items():
        if figure.shown:
            assert figure.value == sum(counts[row, column] for column in columns)
    for column, figure in shown.column_totals.items():
        if figure.shown:
            assert figure.value == sum(counts[row, column] for row in rows)
    if not any(0 < n < SMALL for n in counts.values()):
        assert all(figure.shown for figure in published_numbers(shown))


def test_a_worked_example():
    """Two units, three outcomes: the 3 is "under 5", its row and column totals and the grand total are hidden."""
    counts = {("A", "done"): 12, ("A", "dropped"): 3, ("A", "ongoing"): 0, ("B", "done"): 7, ("B", "dropped"): 9}
    table = suppress_table(counts, ["A", "B"], ["done", "dropped", "ongoing"])
    assert table.cells["A", "dropped"].withheld == UNDER
    assert table.cells["A", "ongoing"].value == 0  # zero reveals no one
    assert table.row_totals["A"].withheld == HIDDEN and table.row_totals["B"].value == 16
    assert table.column_totals["dropped"].withheld == HIDDEN and table.column_totals["done"].value == 19
    assert table.total.withheld == HIDDEN
    assert table.cells["A", "dropped"].as_json() == {"suppressed": True}
    assert table.cells["A", "done"].as_json() == 12


def test_a_single_count():
    assert count(0).value == 0 and count(5).value == 5
    assert count(4).withheld == UNDER and count(1).withheld == UNDER


def test_means_need_five_values():
    assert mean([1, 2, 3, 4]) is None
    assert mean([1, 2, 3, 4, None]) is None  # a missing value does not count
    assert mean([1, 2, 3, 4, 5]) == Decimal("3.00")
    assert mean([2, 2, 3, 3, 3], places=1) == Decimal("2.6")


@pytest.mark.parametrize(
    ("part", "base", "expected"),
    [
        (0, 4, None),  # base under five
        (7, 10, None),  # the other 3 are from 1 to 4
        (7, 12, Decimal("58.3")),
        (1, 7, None),  # 1 of 7 published with the base gives the one back
        (6, 7, None),  # and so does 6 of 7 (7 - 6 = 1)
        (0, 9, Decimal("0.0")),
        (9, 9, Decimal("100.0")),
        (5, 15, Decimal("33.3")),
    ],
)
def test_shares_withhold_what_gives_a_small_count_back(part, base, expected):
    assert share(part, base) == expected


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        suppress_table({("a", "b"): -1}, ["a"], ["b"])
    with pytest.raises(ValueError):
        share(6, 5)


@given(st.lists(st.integers(0, 12), min_size=2, max_size=6).filter(lambda parts: sum(parts) >= SMALL))
def test_a_small_part_of_a_shown_total_cannot_be_worked_out(parts):
    """The reader knows the total (at least 5: a smaller one is never shown). For every small part and
    every other value from 1 to 4 there is a world with that value, the same total, and exactly the
    same publication: the small part cannot be worked out."""
    counts = dict(enumerate(parts))
    published = split_of_a_shown_total(counts)
    assert all(not is_small(figure.value) for figure in published.values() if figure.shown)
    for key, n in counts.items():
        if not is_small(n):
            continue
        for other in range(1, SMALL):
            # The same total with this part at ``other``: the difference taken from (or given to) the
            # other parts, as far as each has (the total is at least 5, so there is always room).
            world, rest = {**counts, key: other}, n - other
            for absorber in counts:
                if absorber != key and rest:
                    moved = max(rest, -world[absorber])
                    world[absorber] += moved
                    rest -= moved
            assert rest == 0 and split_of_a_shown_total(world) == published, (counts, key, other)


def test_a_split_without_a_small_part_is_shown_whole():
    assert split_of_a_shown_total({"a": 0, "b": 7, "c": 5}) == {"a": Figure(0), "b": Figure(7), "c": Figure(5)}
    shown = split_of_a_shown_total({"a": 0, "b": 7, "c": 2})
    # "under 5" on c alone would say a and b are not small: with the total known, c could be worked out.
    assert {figure.withheld for figure in shown.values()} == {HIDDEN}
