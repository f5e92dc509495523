"""A double click on PostgreSQL, the two requests at the same moment: the second waits for the first
and gets its draft, never a second empty one."""

import pytest
from django.db import connection

from journal import actions
from journal.models import Note
from tests.concurrency import first_two_at_once

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks; SQLite writes one at a time anyway"),
    pytest.mark.django_db(transaction=True),
]


def twice_at_once(action):
    """``action`` run as two requests at the same moment; what each returned."""
    returned = []
    failures = first_two_at_once(
        lambda: returned.append(action()), lambda: returned.append(action()), hold=(actions, "_log_write")
    )
    assert failures == []
    return returned


def test_a_note_for_an_appointment_clicked_twice_at_once_is_one_draft(coordinator_grant, coordinator, appointment):
    returned = twice_at_once(
        lambda: actions.create_note(
            coordinator_grant, kind="guidance_session", acting_user=coordinator, appointment=appointment
        )
    )
    drafts = list(Note.objects.filter(appointment=appointment))
    assert len(drafts) == 1
    assert [note.pk for note in returned] == [drafts[0].pk] * 2


def test_correct_clicked_twice_at_once_is_one_correction(coordinator_grant, coordinator, write_note):
    original = write_note(signed=True)
    returned = twice_at_once(lambda: actions.start_correction(coordinator_grant, original, acting_user=coordinator))
    drafts = list(Note.objects.filter(corrects=original))
    assert len(drafts) == 1
    assert [note.pk for note in returned] == [drafts[0].pk] * 2
