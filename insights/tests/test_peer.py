"""Outcomes with and without peer support: the same episodes, split by a peer worker on the team, with
the report's own tallies and suppression."""

from decimal import Decimal

from django.http import QueryDict
from django.urls import reverse

from insights import peer, report
from insights.forms import ReportFilterForm, data_from_query
from insights.scope import report_scope
from insights.tests.test_report import scored, world  # noqa: F401 (fixtures)
from people.models import CareTeamMember


def _peer_workers(episodes, make_staff):
    worker = make_staff("likeperson")
    for made in episodes:
        CareTeamMember.objects.create(citizen=made.citizen, user=worker, role=CareTeamMember.Role.PEER_WORKER)


def test_the_improved_five_had_a_peer_worker_the_rest_did_not(leader, scored, make_staff):  # noqa: F811
    _peer_workers(scored["episodes"][:5], make_staff)
    scope = report_scope(leader)
    filters = _filters(scope)
    compared = peer.compare(scope, filters, report.report_episodes(scope, filters))
    assert compared.citizens["with"].value == 5 and compared.citizens["without"].value == 15
    [(instrument, sides)] = compared.instruments
    assert instrument == "phq9"
    assert sides["with"]["with_two_scores"].value == 5 and sides["with"]["mean_change"] == Decimal("-11.40")
    assert sides["without"]["with_two_scores"].value == 0
    assert not sides["without"]["only_one_score"].shown  # two citizens with one score: from 1 to 4


def test_a_small_side_is_hidden_and_so_is_the_other_when_it_would_give_it_back(leader, scored, make_staff):  # noqa: F811
    _peer_workers(scored["episodes"][:2], make_staff)
    scope = report_scope(leader)
    filters = _filters(scope)
    compared = peer.compare(scope, filters, report.report_episodes(scope, filters))
    assert not compared.citizens["with"].shown  # two
    [(_instrument, sides)] = compared.instruments
    assert not sides["with"]["with_two_scores"].shown and sides["with"]["mean_change"] is None


def test_the_report_page_shows_the_comparison(login, leader, scored, make_staff):  # noqa: F811
    _peer_workers(scored["episodes"][:5], make_staff)
    page = login(leader).get(reverse("insights:report")).content.decode()
    assert 'data-testid="peer-comparison"' in page and "With a peer worker" in page


def _filters(scope):
    """The report's default filters (its period and all units), as the page makes them."""
    form = ReportFilterForm(data_from_query(QueryDict()), scope=scope)
    assert form.is_valid(), form.errors
    return form.filters()
