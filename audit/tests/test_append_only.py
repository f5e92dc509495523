"""The access log can only grow: on PostgreSQL a trigger refuses UPDATE and DELETE, and the runtime role
has no privilege to try (tests/test_database_roles.py has TRUNCATE and the roles)."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from audit.log import record
from audit.models import AccessEvent

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
# The trigger, or, for the runtime role the suite connects as in CI, the missing privilege.
REFUSED = r"Cannot (update|delete) audit_accessevent|permission denied for table audit_accessevent"


def an_event(user):
    return record(
        actor=user, citizen_id=1, action=AccessEvent.Action.READ, section="overview", ground="care_team", detail="x"
    )


def test_record_keeps_a_readable_actor_label_and_the_citizen(coordinator):
    event = an_event(coordinator)
    assert event.actor_label == "Coordinator Test (coordinator)"
    assert (event.actor_id, event.citizen_id) == (coordinator.pk, 1)


@postgres_only
def test_access_events_cannot_be_updated(coordinator):
    event = an_event(coordinator)
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).update(detail="rewritten")
    event.refresh_from_db()
    assert event.detail == "x"


@postgres_only
def test_access_events_cannot_be_deleted(coordinator):
    event = an_event(coordinator)
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).delete()
    assert AccessEvent.objects.filter(pk=event.pk).exists()
