"""Asking for a peer worker twice at the same moment on PostgreSQL (a double tap on the phone): the
second request waits for the first and gets its request, never a second open one."""

import pytest
from django.db import connection

from people import access
from recovery import actions
from recovery.models import PeerRequest
from tests.concurrency import first_two_at_once


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks; SQLite writes one at a time anyway")
@pytest.mark.django_db(transaction=True)
def test_asking_twice_at_once_is_one_open_request(citizen):
    grant = access.grant_for(citizen.user, citizen)
    returned = []

    def ask():
        returned.append(actions.ask_for_peer_worker(grant, acting_user=citizen.user, wish="Noen som har vært der"))

    failures = first_two_at_once(ask, ask, hold=(actions, "log_write"))
    assert failures == []
    requests = list(PeerRequest.objects.filter(citizen=citizen, answered_at__isnull=True))
    assert len(requests) == 1
    assert [request.pk for request in returned] == [requests[0].pk] * 2
