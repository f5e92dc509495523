"""Outcomes with and without peer support (seeds 001, 004): the report's episodes split by whether the
citizen has or had a peer worker on the care team, each side tallied as the outcome report tallies
(``insights.outcomes``) and published through the same suppression, as one table of two rows.

It compares; it does not say peer support caused the difference: who is offered a peer worker is not
random. The page says so.

The two sides add up to what the outcome report publishes beside them (its citizens, each
instrument's totals), so one side's small count could be worked out from the other side and the
report: the comparison is shown only when every count on both sides is shown, all or nothing —
for the citizens, then per instrument.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from people.models import CareTeamMember
from people.suppression import Figure, count

from . import outcomes
from .models import EpisodeScore
from .report import kept_rows

WITH, WITHOUT = "with", "without"
SIDES = (WITH, WITHOUT)


@dataclass
class Comparison:
    citizens: dict  # side -> Figure
    instruments: list  # [(instrument key, {side: published figures})]


def compare(scope, filters, episodes):
    """One query for the scores (first and latest per episode and instrument) and one for the citizens."""
    had_peer = CareTeamMember.objects.filter(
        citizen_id=OuterRef("citizen_id"), role=CareTeamMember.Role.PEER_WORKER
    ).order_by()
    rows = (
        EpisodeScore.objects.filter(kept_rows(scope, filters, episodes))
        .annotate(with_peer=Exists(had_peer))
        .order_by()
        .values_list("instrument", "scores", "first_total", "last_total", "with_peer")
    )
    pairs = {}
    for instrument, scores, first, last, with_peer in rows:
        side = WITH if with_peer else WITHOUT
        pairs.setdefault(instrument, {WITH: [], WITHOUT: []})[side].append((first, last if scores > 1 else None))
    citizens = (
        episodes.order_by()
        .values("citizen_id")
        .distinct()
        .annotate(with_peer=Exists(had_peer))
        .values_list("citizen_id", "with_peer")
    )
    counted = {WITH: 0, WITHOUT: 0}
    for _citizen, with_peer in citizens:
        counted[WITH if with_peer else WITHOUT] += 1
    sides = {side: count(counted[side]) for side in SIDES}
    if not all(figure.shown for figure in sides.values()):
        return None
    instruments = []
    for instrument in sorted(pairs):
        published, _total = outcomes.publish_rows(
            {side: outcomes.tally(instrument, pairs[instrument][side]) for side in SIDES}
        )
        if all(_all_shown(published[side]) for side in SIDES):
            instruments.append((instrument, published))
        else:
            instruments.append((instrument, None))  # too few on one side to compare
    return Comparison(citizens=sides, instruments=instruments)


def _all_shown(figures):
    return all(value.shown for value in figures.values() if isinstance(value, Figure))
