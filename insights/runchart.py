"""Run charts and the Anhøj rules: is a change in a monthly series more than random variation?

A run chart plots a measure over time around its median. Points on the median are left out of the
two tests (they are not "useful observations"); with ``n`` useful observations, each either above
or below the median:

* **unusually long run**: a run (consecutive points on the same side) longer than
  ``round(log2(n) + 3)`` points;
* **too few crossings**: the line crosses the median fewer times than the lower 5 % limit of a
  binomial distribution with ``n - 1`` trials and probability ½ (the smallest ``c`` with
  P(C ≤ c) ≥ 0.05).

Either is a signal of non-random variation (Anhøj & Olesen 2014; the limits as in the R package
qicharts2). Pure functions: the insights pages and the improvement teams' charts draw from them.
"""

import math
import statistics
from dataclasses import dataclass

BELOW, ON, ABOVE = -1, 0, 1


def longest_run_limit(n):
    """Runs longer than this are a signal (n useful observations)."""
    return round(math.log2(n) + 3) if n > 0 else 0


def crossings_limit(n):
    """Fewer crossings than this are a signal: the lower 5 % point of Binomial(n - 1, ½)."""
    trials = n - 1
    if trials < 1:
        return 0
    cumulative = 0
    for c in range(trials + 1):
        cumulative += math.comb(trials, c)
        if cumulative / 2**trials >= 0.05:
            return c
    return trials


@dataclass(frozen=True)
class RunChart:
    values: tuple
    median: float | None
    useful: int
    longest_run: int
    crossings: int
    longest_run_limit: int
    crossings_limit: int
    sides: tuple  # per point: BELOW, ON or ABOVE the median

    @property
    def long_run(self):
        return self.useful > 0 and self.longest_run > self.longest_run_limit

    @property
    def few_crossings(self):
        return self.useful > 1 and self.crossings < self.crossings_limit

    @property
    def signal(self):
        return self.long_run or self.few_crossings


def run_chart(values, *, median=None):
    """The run chart of ``values`` (None for a month without a figure is skipped), around ``median``
    (by default the median of the values, as qicharts2 does without a baseline)."""
    points = tuple(v for v in values if v is not None)
    if not points:
        return RunChart((), None, 0, 0, 0, 0, 0, ())
    centre = statistics.median(points) if median is None else median
    sides = tuple(ABOVE if v > centre else BELOW if v < centre else ON for v in points)
    useful = [side for side in sides if side != ON]
    longest, current, crossings = 0, 0, 0
    for index, side in enumerate(useful):
        if index and side != useful[index - 1]:
            crossings += 1
            current = 0
        current += 1
        longest = max(longest, current)
    n = len(useful)
    return RunChart(points, centre, n, longest, crossings, longest_run_limit(n), crossings_limit(n), sides)
