"""Outcomes with and without peer support (seeds 001, 004): the report's episodes split by whether the
citizen has or had a peer worker on the care team, each side tallied as the outcome report tallies
(``insights.outcomes``) and published through the same suppression, as one table of two rows.

It compares; it does not say peer support caused the difference: who is offered a peer worker is not
random. The page says so.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from people.models import CareTeamMember
from people.suppression import suppress_table

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
    table = suppress_table({(side, "n"): counted[side] for side in SIDES}, list(SIDES), ["n"])
    instruments = []
    for instrument in sorted(pairs):
        published, _total = outcomes.publish_rows(
            {side: outcomes.tally(instrument, pairs[instrument][side]) for side in SIDES}
        )
        instruments.append((instrument, published))
    return Comparison(citizens={side: table.cells[side, "n"] for side in SIDES}, instruments=instruments)
