"""Outcomes with and without peer support: the same episodes, split by a peer worker on the team, with
the report's own tallies and suppression."""

import datetime
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from insights import peer, report
from insights.forms import ReportFilterForm, data_from_query
from insights.scope import report_scope
from insights.tests.test_report import _score_at, scored, world  # noqa: F401 (fixtures)
from people.models import CareTeamMember


def _peer_workers(episodes, make_staff):
    worker = make_staff("likeperson")
    for made in episodes:
        CareTeamMember.objects.create(citizen=made.citizen, user=worker, role=CareTeamMember.Role.PEER_WORKER)


@pytest.fixture
def compared_world(world, phq9, make_staff):  # noqa: F811
    """Five citizens with a peer worker who recovered (PHQ-9 20 → 4), five without who stayed (14 → 13)."""
    when = timezone.now() - datetime.timedelta(days=40)
    later = timezone.now() - datetime.timedelta(days=10)
    for made in world["episodes"][:5]:
        _score_at(made.citizen, phq9, when, 20)
        _score_at(made.citizen, phq9, later, 4)
    for made in world["episodes"][5:10]:
        _score_at(made.citizen, phq9, when, 14)
        _score_at(made.citizen, phq9, later, 13)
    _peer_workers(world["episodes"][:5], make_staff)
    return world


def test_five_with_a_peer_worker_beside_fifteen_without(leader, compared_world, login):
    scope = report_scope(leader)
    filters = _filters(scope)
    compared = peer.compare(scope, filters, report.report_episodes(scope, filters))
    assert compared.citizens["with"].value == 5 and compared.citizens["without"].value == 15
    [(instrument, sides)] = compared.instruments
    assert instrument == "phq9"
    assert sides["with"]["with_two_scores"].value == 5 and sides["with"]["mean_change"] == Decimal("-16.00")
    assert sides["with"]["reliably_recovered"].value == 5
    assert sides["without"]["with_two_scores"].value == 5 and sides["without"]["no_reliable_change"].value == 5
    page = login(leader).get(reverse("insights:report")).content.decode()
    assert 'data-testid="peer-phq9"' in page and "With a peer worker" in page


def test_a_small_side_hides_the_whole_comparison_as_the_report_beside_it_would_give_it_back(
    leader,
    scored,  # noqa: F811
    make_staff,
    login,
):
    """20 citizens in the report; 2 with a peer worker, 18 without: "under 5" beside 18 and the report's
    20 would say 2, so nothing of the comparison is shown."""
    _peer_workers(scored["episodes"][:2], make_staff)
    scope = report_scope(leader)
    filters = _filters(scope)
    assert peer.compare(scope, filters, report.report_episodes(scope, filters)) is None
    page = login(leader).get(reverse("insights:report")).content.decode()
    assert 'data-testid="peer-too-few"' in page and 'data-testid="peer-with"' not in page


def test_an_instrument_with_a_small_cell_on_one_side_is_not_compared(leader, scored, make_staff):  # noqa: F811
    """Five citizens with a peer worker, but only three of them with PHQ-9 scores: PHQ-9 is withheld."""
    _peer_workers([*scored["episodes"][:3], *scored["episodes"][10:12]], make_staff)
    scope = report_scope(leader)
    filters = _filters(scope)
    compared = peer.compare(scope, filters, report.report_episodes(scope, filters))
    assert compared.citizens["with"].value == 5
    assert compared.instruments == [("phq9", None)]


def _filters(scope):
    """The report's default filters (its period and all units), as the page makes them."""
    form = ReportFilterForm(data_from_query(QueryDict()), scope=scope)
    assert form.is_valid(), form.errors
    return form.filters()
