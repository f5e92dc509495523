"""The team page costs the same number of queries with one cycle as with ten."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from improvement import actions

from .conftest import backdate, cycle_text, months_ago

# session, user, staff profile, leaderships (+ the unit tree), the team, membership, cycles, measures,
# the unit tree for the charts, two queries per measure, checklist, members, the aggregate log.
BUDGET = 20


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["member", "unit_leader"])
def test_the_team_page_costs_the_same_for_one_cycle_or_ten(
    request, client, login, team, member, django_assert_max_num_queries, who
):
    backdate(team, 400)
    actions.add_cycle(team, acting_user=member, text=cycle_text(starts_on=months_ago(9)))
    actions.answer_checklist(team, acting_user=member, answers={1: ("yes", "")})
    login(request.getfixturevalue(who))
    url = reverse("improvement:team", args=[team.pk])
    _count(client, url)  # the menu's cached answers are warmed once, as for any later page
    one = _count(client, url)
    for n in range(9):
        actions.add_cycle(team, acting_user=member, text=cycle_text(starts_on=months_ago(8 - n)))
    actions.answer_checklist(team, acting_user=member, answers=dict.fromkeys(range(1, 11), ("partly", "notat")))
    with django_assert_max_num_queries(BUDGET):
        assert _count(client, url) == one
