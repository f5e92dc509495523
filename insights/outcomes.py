"""Outcome per instrument, from each citizen's first and last score: the figures of the outcome report.

``tally`` counts (nothing suppressed; for the report's arithmetic and for tests that compute by
hand), ``publish`` turns a tally into what a reader may see (``people.suppression``). The
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

import statistics
from dataclasses import dataclass
from decimal import Decimal

from measures import scoring
from people.suppression import HIDDEN, Figure, count, mean, suppress_table

DIRECTIONS = (scoring.IMPROVEMENT, scoring.NO_CHANGE, scoring.DETERIORATION)


@dataclass(frozen=True)
class Tally:
    instrument: str
    with_two_scores: int
    only_one_score: int
    directions: dict  # IMPROVEMENT / NO_CHANGE / DETERIORATION -> count (empty without a threshold)
    at_caseness_first: int
    recovered: int
    reliably_recovered: int
    firsts: tuple
    lasts: tuple

    @property
    def changes(self):
        return tuple(last - first for first, last in zip(self.firsts, self.lasts, strict=True))


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


def tally(instrument_key, pairs):
    """``pairs``: ``(first, last)`` per citizen, ``last`` None for a citizen with only one score."""
    instrument = scoring.INSTRUMENTS[instrument_key]
    firsts, lasts, only_one = [], [], 0
    directions = dict.fromkeys(DIRECTIONS, 0) if instrument.reliable_change is not None else {}
    at_caseness = recovered = reliably_recovered = 0
    for first, last in pairs:
        if last is None:
            only_one += 1
            continue
        firsts.append(Decimal(first))
        lasts.append(Decimal(last))
        result = scoring.classify_against_first(instrument_key, first, last)
        if result["direction"] is not None:
            directions[result["direction"]] += 1
        if result["recovered"] is None:
            continue
        # "Recovered" is only ever true for a first score at caseness: count that base from the cut-off.
        if _is_case_first(instrument, first):
            at_caseness += 1
        if result["recovered"]:
            recovered += 1
            if result["direction"] == scoring.IMPROVEMENT:
                reliably_recovered += 1
    return Tally(
        instrument=instrument_key,
        with_two_scores=len(firsts),
        only_one_score=only_one,
        directions=directions,
        at_caseness_first=at_caseness,
        recovered=recovered,
        reliably_recovered=reliably_recovered,
        firsts=tuple(firsts),
        lasts=tuple(lasts),
    )


def _is_case_first(instrument, first):
    """At caseness: at or over the cut-off, or for an instrument where higher is better (WHO-5) under it."""
    first = Decimal(first)
    if instrument.higher_is_better:
        return first < instrument.cutoff
    return first >= instrument.cutoff


def effect_size(tally_):
    """(mean first − mean last) / SD(first), positive for improvement; None under five or without spread."""
    if tally_.with_two_scores < 5:
        return None
    spread = statistics.stdev(tally_.firsts)
    if spread == 0:
        return None
    size = (statistics.fmean(tally_.firsts) - statistics.fmean(tally_.lasts)) / float(spread)
    if scoring.INSTRUMENTS[tally_.instrument].higher_is_better:
        size = -size
    return Decimal(size).quantize(Decimal("0.01"))


def publish(tally_):
    """What a reader may see of ``tally_``: counts 1–4 suppressed and no total that gives one back."""
    directions = suppress_table({("row", key): n for key, n in tally_.directions.items()}, ["row"], DIRECTIONS)
    # The citizens at caseness first split three ways; "recovered" is the first two together.
    recovery = suppress_table(
        {
            ("row", "reliably"): tally_.reliably_recovered,
            ("row", "recovered_only"): tally_.recovered - tally_.reliably_recovered,
            ("row", "not_recovered"): tally_.at_caseness_first - tally_.recovered,
        },
        ["row"],
        ["reliably", "recovered_only", "not_recovered"],
    )
    parts = [recovery.cells["row", "reliably"], recovery.cells["row", "recovered_only"]]
    recovered = count(tally_.recovered) if all(part.shown for part in parts) else Figure(None, HIDDEN)
    published = {
        "instrument": tally_.instrument,
        # With a threshold, the three directions add up to it: it is hidden with them when one is small.
        "with_two_scores": directions.row_totals["row"] if tally_.directions else count(tally_.with_two_scores),
        "only_one_score": count(tally_.only_one_score),
        "reliably_improved": directions.cells["row", scoring.IMPROVEMENT] if tally_.directions else None,
        "no_reliable_change": directions.cells["row", scoring.NO_CHANGE] if tally_.directions else None,
        "reliably_deteriorated": directions.cells["row", scoring.DETERIORATION] if tally_.directions else None,
        "at_caseness_first": recovery.row_totals["row"],
        "recovered": recovered,
        "reliably_recovered": recovery.cells["row", "reliably"],
        "mean_first": mean(tally_.firsts),
        "mean_last": mean(tally_.lasts),
        "mean_change": mean(tally_.changes),
        "effect_size": effect_size(tally_),
    }
    return published
