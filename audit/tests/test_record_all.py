"""record_all stores every event it is given, each field as event() built it, however many there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.log import event, record_all
from audit.models import AccessEvent

FIELDS = ("actor_id", "actor_label", "client_id", "citizen_id", "action", "section", "ground", "role", "detail")


def reads(actor, citizens, **fields):
    return [
        event(actor=actor, citizen_id=citizen, action="read", section="overview", ground="care_team", **fields)
        for citizen in citizens
    ]


@pytest.mark.django_db
def test_rows_that_differ_in_several_fields_are_stored_as_built(coordinator, gp):
    built = reads(coordinator, [1, 2, None], detail="list") + reads(gp, [3], role="gp", detail="")
    before = timezone.now()
    record_all(built)
    stored = sorted(AccessEvent.objects.values_list(*FIELDS), key=repr)
    assert stored == sorted((tuple(getattr(e, f) for f in FIELDS) for e in built), key=repr)
    assert stored[0][2] is None  # no system client
    assert {None, 1, 2, 3} == set(AccessEvent.objects.values_list("citizen_id", flat=True))
    assert all(before <= at <= timezone.now() for at in AccessEvent.objects.values_list("at", flat=True))


@pytest.mark.django_db
def test_identical_rows_are_each_stored(coordinator):
    record_all(reads(coordinator, [7, 7, 7]))
    assert AccessEvent.objects.filter(citizen_id=7).count() == 3


@pytest.mark.django_db
def test_more_rows_than_one_statement_carries_are_all_stored(coordinator):
    """Two fields differ per row: 2,000 rows are 4,000 parameters, more than SQLite takes in one statement."""
    built = [e for n in range(1000) for e in reads(coordinator, [n], detail=f"export {n % 3}")]
    built += reads(coordinator, range(1000, 2000), detail="export 9")
    with CaptureQueriesContext(connection) as queries:
        record_all(built)
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == (5 if connection.vendor == "sqlite" else 1)
    assert AccessEvent.objects.count() == 2000
    assert set(AccessEvent.objects.values_list("citizen_id", flat=True)) == set(range(2000))
    assert AccessEvent.objects.filter(detail="export 9").count() == 1000


@pytest.mark.django_db
def test_nothing_to_store_is_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert record_all([]) == []
