"""Outcome per instrument, from each citizen's first and last score: the figures of the outcome report.

``tally`` counts one set of ``(first, last)`` pairs (for tests that compute by hand, and the
same ``Tally`` that ``insights.report`` fills from the kept summaries with sums counted in the
database); ``publish_rows`` turns the tallies of the report's rows into what a reader may see
(``people.suppression``): every count published in a table across the rows, so that a small cell
of one row cannot be worked out from the total row, and means only from five citizens or more. The
definitions, written on the report page too:

* **with two scores**: citizens with a first and a later score on the instrument; **only one
  score**: shown beside it, never silently dropped.
* **reliably improved / no reliable change / reliably deteriorated**: the change from first to
  last against the instrument's reliable-change threshold (``measures.scoring.classify_against_first``;
  NHS Talking Therapies' thresholds where they publish one, PHQ-9 6 points, GAD-7 4).
* **at caseness first**: the first score at or over the instrument's cut-off (WHO-5: under it);
  **recovered**: of those, the last score is not a case; **reliably recovered**: recovered and
  reliably improved. (NHS Talking Therapies reads recovery over PHQ-9 and GAD-7 together;
  applied per instrument here, as ``classify_against_first`` documents.)
* **mean first, mean last, mean change** (last − first) over the citizens with two scores, and the
  **pre–post effect size**: (mean first − mean last) / the standard deviation of the first scores,
  turned so that a positive value is an improvement on every instrument (WHO-5 counts up).
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from measures import scoring
from people.suppression import HIDDEN, SMALL, Figure, count, suppress_table

DIRECTIONS = (scoring.IMPROVEMENT, scoring.NO_CHANGE, scoring.DETERIORATION)
RECOVERY = ("reliably", "recovered_only", "not_recovered")
TWO = "with_two_scores"


@dataclass
class Tally:
    instrument: str
    with_two_scores: int = 0
    only_one_score: int = 0
    directions: dict = field(default_factory=dict)  # DIRECTIONS -> count (empty without a threshold)
    at_caseness_first: int = 0
    recovered: int = 0
    reliably_recovered: int = 0
    sum_first: Decimal = Decimal(0)
    sum_last: Decimal = Decimal(0)
    sum_first_squares: Decimal = Decimal(0)

    def __post_init__(self):
        if not self.directions and scoring.INSTRUMENTS[self.instrument].reliable_change is not None:
            self.directions = dict.fromkeys(DIRECTIONS, 0)

    def add(self, other):
        """This tally plus ``other`` (of the same instrument): the total row's true figures."""
        total = Tally(self.instrument)
        for name in (
            "with_two_scores",
            "only_one_score",
            "at_caseness_first",
            "recovered",
            "reliably_recovered",
            "sum_first",
            "sum_last",
            "sum_first_squares",
        ):
            setattr(total, name, getattr(self, name) + getattr(other, name))
        total.directions = {key: self.directions.get(key, 0) + other.directions.get(key, 0) for key in self.directions}
        return total


def classify(instrument_key, first, last):
    """``(direction, at_caseness_first, recovered)`` of one citizen's first and last score.

    ``direction`` is "" without a reliable-change threshold; the other two are None where the
    instrument has no single cut-off (AUDIT-C and DUDIT depend on sex).
    """
    instrument = scoring.INSTRUMENTS[instrument_key]
    result = scoring.classify_against_first(instrument_key, first, last)
    if result["recovered"] is None:
        return result["direction"] or "", None, None
    return result["direction"] or "", _is_case_first(instrument, first), bool(result["recovered"])


def _is_case_first(instrument, first):
    """At caseness: at or over the cut-off, or for an instrument where higher is better (WHO-5) under it."""
    first = Decimal(first)
    if instrument.higher_is_better:
        return first < instrument.cutoff
    return first >= instrument.cutoff


def tally(instrument_key, pairs):
    """``pairs``: ``(first, last)`` per citizen, ``last`` None for a citizen with only one score."""
    counted = Tally(instrument_key)
    for first, last in pairs:
        if last is None:
            counted.only_one_score += 1
            continue
        first, last = Decimal(first), Decimal(last)
        counted.with_two_scores += 1
        counted.sum_first += first
        counted.sum_last += last
        counted.sum_first_squares += first * first
        direction, at_caseness, recovered = classify(instrument_key, first, last)
        if direction:
            counted.directions[direction] += 1
        counted.at_caseness_first += bool(at_caseness)
        counted.recovered += bool(recovered)
        counted.reliably_recovered += bool(recovered) and direction == scoring.IMPROVEMENT
    return counted


def _mean(total, n):
    if n < SMALL:
        return None
    return (Decimal(total) / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def effect_size(tally_):
    """(mean first − mean last) / SD(first), positive for improvement; None under five or without spread."""
    n = tally_.with_two_scores
    if n < SMALL:
        return None
    variance = (tally_.sum_first_squares - tally_.sum_first * tally_.sum_first / n) / (n - 1)
    if variance <= 0:
        return None
    size = (tally_.sum_first - tally_.sum_last) / n / variance.sqrt()
    if scoring.INSTRUMENTS[tally_.instrument].higher_is_better:
        size = -size
    return size.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _means(tally_):
    n = tally_.with_two_scores
    return {
        "mean_first": _mean(tally_.sum_first, n),
        "mean_last": _mean(tally_.sum_last, n),
        "mean_change": _mean(tally_.sum_last - tally_.sum_first, n),
        "effect_size": effect_size(tally_),
    }


def publish_rows(tallies):
    """``{row: Tally}`` of one instrument → ``({row: published}, published total)``.

    Each group of counts is one table across the rows (people.suppression.suppress_table): a small
    cell hides its row's total and its column's total, so neither the row nor the total row gives
    it back. Means come from each row's own citizens (five or more).
    """
    rows = list(tallies)
    instrument = next(iter(tallies.values())).instrument if tallies else None
    total = Tally(instrument) if instrument else None
    for tally_ in tallies.values():
        total = total.add(tally_)
    has_threshold = bool(total and total.directions)
    if has_threshold:
        directions = suppress_table(
            {(row, key): t.directions[key] for row, t in tallies.items() for key in DIRECTIONS}, rows, DIRECTIONS
        )
    else:
        directions = suppress_table({(row, TWO): t.with_two_scores for row, t in tallies.items()}, rows, [TWO])
    recovery = suppress_table(
        {
            (row, column): value
            for row, t in tallies.items()
            for column, value in zip(
                RECOVERY,
                (t.reliably_recovered, t.recovered - t.reliably_recovered, t.at_caseness_first - t.recovered),
                strict=True,
            )
        },
        rows,
        RECOVERY,
    )
    only_one = suppress_table({(row, "one"): t.only_one_score for row, t in tallies.items()}, rows, ["one"])

    def figures(two, directions_of, recovery_of, recovery_total, one, tally_):
        reliably, recovered_only = recovery_of("reliably"), recovery_of("recovered_only")
        recovered = (
            count(reliably.value + recovered_only.value)
            if reliably.shown and recovered_only.shown
            else Figure(None, HIDDEN)
        )
        return {
            "instrument": instrument,
            "with_two_scores": two,
            "only_one_score": one,
            "reliably_improved": directions_of(scoring.IMPROVEMENT) if has_threshold else None,
            "no_reliable_change": directions_of(scoring.NO_CHANGE) if has_threshold else None,
            "reliably_deteriorated": directions_of(scoring.DETERIORATION) if has_threshold else None,
            "at_caseness_first": recovery_total,
            "recovered": recovered,
            "reliably_recovered": reliably,
            **_means(tally_),
        }

    published = {
        row: figures(
            directions.row_totals[row] if has_threshold else directions.cells[row, TWO],
            lambda key, row=row: directions.cells[row, key],
            lambda key, row=row: recovery.cells[row, key],
            recovery.row_totals[row],
            only_one.cells[row, "one"],
            tallies[row],
        )
        for row in rows
    }
    total_published = (
        figures(
            directions.total if has_threshold else directions.column_totals[TWO],
            lambda key: directions.column_totals[key],
            lambda key: recovery.column_totals[key],
            recovery.total,
            only_one.column_totals["one"],
            total,
        )
        if total
        else None
    )
    return published, total_published


def publish(tally_):
    """What a reader may see of one tally on its own (a report of one row)."""
    rows, _total = publish_rows({"row": tally_})
    return rows["row"]
