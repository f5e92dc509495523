"""What an aggregate may publish: small counts suppressed, and nothing from which one can be worked out.

The rule of the house: a count from 1 to 4 is never shown ("under 5"), nor any figure computed
from fewer than ``SMALL`` citizens, nor anything from which such a count can be derived. It sits
here, beside ``people.access.aggregate_scope``, so that every report (insights, the groups'
learning summary) publishes through the same rules.

**Tables.** ``suppress_table`` takes the true counts of a rows × columns table and returns what
may be shown of it, with row, column and grand totals:

1. *Primary*: a cell from 1 to 4 is ``SMALL`` ("under 5"). Zero is shown: it reveals no person.
2. *Complementary*: the total of every row and every column that holds a suppressed cell is
   ``HIDDEN`` (otherwise total − the shown cells gives the small one back), and the grand total is
   hidden as soon as any row or column total is (otherwise the grand total − the shown totals gives
   a hidden total back, and with it the small cell).

Why that is enough: after step 2 no suppressed cell appears in any equation whose other terms are
all published — each row and column with a suppressed cell has its total hidden, and the hidden
totals sum to a hidden grand total. So a suppressed cell can be anything "under 5" (1 to 4) without
changing a single published figure; ``tests`` check exactly that for generated tables: change any
suppressed cell to another value from 1 to 4 and the published table stays the same. Suppressing
totals rather than a second cell keeps every published cell exact (a cell is never hidden for
another cell's sake), at the price of some totals.

**Means and shares.** ``mean`` and ``share`` give ``None`` when the base is under ``SMALL``; a
share is also withheld when the count it is made of, or the rest of its base, is from 1 to 4
(with the base published, 1/7 of 7 would give the count of 1 back).
"""

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SMALL = 5


@dataclass(frozen=True)
class Figure:
    """One published count: its value when shown, else why not (``SMALL`` or ``HIDDEN``)."""

    value: int | None
    withheld: str = ""

    @property
    def shown(self):
        return not self.withheld

    def as_json(self):
        """An integer (0 or at least ``SMALL``), or ``{"suppressed": true}`` (the shape reports publish)."""
        return self.value if self.shown else {"suppressed": True}


SHOWN = ""
UNDER = "small"  # 1 to 4: shown as "under 5"
HIDDEN = "hidden"  # any value: hidden so that an "under 5" cannot be worked out


def is_small(n):
    return 0 < n < SMALL


def count(n):
    """A count on its own (no total beside it): shown unless it is from 1 to 4."""
    return Figure(None, UNDER) if is_small(n) else Figure(n)


@dataclass(frozen=True)
class Table:
    """What may be shown of a rows × columns table of counts, with its totals."""

    rows: tuple
    columns: tuple
    cells: Mapping
    row_totals: Mapping
    column_totals: Mapping
    total: Figure

    def published(self):
        """Everything a reader gets, as plain data (for comparing two tables in tests, or for JSON)."""
        return (
            tuple((row, column, self.cells[row, column]) for row in self.rows for column in self.columns),
            tuple((row, self.row_totals[row]) for row in self.rows),
            tuple((column, self.column_totals[column]) for column in self.columns),
            self.total,
        )


def suppress_table(counts: Mapping[tuple[Hashable, Hashable], int], rows: Iterable, columns: Iterable) -> Table:
    """The published form of ``counts`` (``{(row, column): n}``, missing cells are 0); see the module's rules."""
    rows, columns = tuple(rows), tuple(columns)
    value = {(row, column): int(counts.get((row, column), 0)) for row in rows for column in columns}
    if any(n < 0 for n in value.values()):
        raise ValueError("counts are never negative")
    cells = {key: count(n) for key, n in value.items()}

    def line_total(keys):
        keys = list(keys)
        if any(not cells[key].shown for key in keys):
            return Figure(None, HIDDEN)
        return count(sum(value[key] for key in keys))  # all cells shown: none is small, so neither is the sum

    row_totals = {row: line_total((row, column) for column in columns) for row in rows}
    column_totals = {column: line_total((row, column) for row in rows) for column in columns}
    margins = list(row_totals.values()) + list(column_totals.values())
    hidden_margin = any(not figure.shown for figure in margins)
    total = Figure(None, HIDDEN) if hidden_margin else count(sum(value.values()))
    return Table(rows, columns, cells, row_totals, column_totals, total)


def split_of_a_shown_total(counts: Mapping[Hashable, int]) -> dict:
    """The parts of a total that is published elsewhere, or can be added up from what is (the goals
    of a report by how much they moved, its evaluations by answer).

    A table's own totals can be hidden (``suppress_table``); this total cannot, so the parts give:
    as soon as one part is from 1 to 4, every part is ``HIDDEN`` — the small ones too. Marking the
    small ones "under 5" would tell the reader that the others are not, and with two parts (1 and 5
    of a shown 6) the small one would be worked out. Without a small part every part is shown.
    """
    if any(n < 0 for n in counts.values()):
        raise ValueError("counts are never negative")
    if not any(is_small(n) for n in counts.values()):
        return {key: Figure(n) for key, n in counts.items()}
    return {key: Figure(None, HIDDEN) for key in counts}


def _rounded(number, places):
    return Decimal(number).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def mean(values, *, places=2):
    """The mean of ``values``, or None when fewer than ``SMALL`` contribute."""
    values = [Decimal(v) for v in values if v is not None]
    if len(values) < SMALL:
        return None
    return _rounded(sum(values) / len(values), places)


def share(part, base, *, places=1):
    """``part`` of ``base`` in per cent, or None when the base is under ``SMALL`` or either side of
    the split (``part`` or ``base - part``) is from 1 to 4."""
    if not 0 <= part <= base:
        raise ValueError("a share's part lies between 0 and its base")
    if base < SMALL or is_small(part) or is_small(base - part):
        return None
    return _rounded(Decimal(100) * part / base, places)
