"""The group's pages cost the same number of queries for a short agenda as for a long one."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from groups import actions
from groups.models import Meeting

# What each page asks, the same for one agenda point and action as for ten (session, user, TOTP
# device, the grant's query — the citizen with a block and the roles —, the page's own and the access
# log's inserts; the session is not written again within a minute of login).
BUDGET = {"group": 16, "meeting": 12, "minutes": 10}


def _busy(meeting, grant, coordinator, gp_member, points):
    """``points`` more agenda points and actions for the GP, then the meeting held and its minutes signed."""
    member = meeting.participants.get(member__care_team_member=gp_member).member
    for n in range(points):
        actions.add_agenda_point(grant, meeting, acting_user=coordinator, title=f"Punkt {n}")
        actions.add_task(
            grant,
            meeting,
            acting_user=coordinator,
            what=f"Oppgave {n}",
            responsible=member,
            due_on=timezone.localdate(),
        )
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=1))
    minutes = actions.start_minutes(grant, meeting, acting_user=coordinator)
    typed = [{"said": "Ok"} for _ in minutes.parts]
    minutes = actions.save_minutes(
        grant, minutes, acting_user=coordinator, summary="", parts=typed, expected_revision=0
    )
    return actions.sign_minutes(grant, minutes, acting_user=coordinator, expected_revision=minutes.revision)


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("points", [1, 10])
def test_the_pages_cost_a_fixed_number_of_queries(
    points, client, login, citizen, gp, meeting, grant, coordinator, gp_member
):
    minutes = _busy(meeting, grant, coordinator, gp_member, points)
    login(gp)
    urls = {
        "group": reverse("groups:group", args=[citizen.pk]),
        "meeting": meeting.get_absolute_url(),
        "minutes": minutes.get_absolute_url(),
    }
    assert {page: _count(client, url) for page, url in urls.items()} == BUDGET
