"""The worklist logs one read per citizen it shows, each row complete, however long the list."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent


def _shown_citizens(page):
    return page.text.count('data-kind="children"')


def test_each_citizen_shown_is_one_read_with_every_field(login, coordinator, make_citizen):
    # Not yet asked about children: one item each. The last one has nothing to do and is not shown.
    shown = [make_citizen(coordinator, f"Person{n}", children_asked=False) for n in range(3)]
    make_citizen(coordinator, "Quiet")
    before = timezone.now()
    page = login(coordinator).get(reverse("worklist:worklist"))
    assert _shown_citizens(page) == 3
    events = AccessEvent.objects.filter(detail="worklist")
    fields = ("actor_id", "actor_label", "client_id", "citizen_id", "action", "section", "ground", "role", "path")
    label = "Coordinator Test (coordinator)"
    expected = [(coordinator.pk, label, None, c.pk, "read", "overview", "care_team", "", "/worklist/") for c in shown]
    assert sorted(events.values_list(*fields)) == sorted(expected)
    assert all(before <= event.at <= timezone.now() for event in events)


def test_a_long_caseload_is_logged_in_full_in_one_insert(login, coordinator, make_citizen):
    """Only the citizen differs from row to row, so 100 reads are one INSERT of 110 parameters (SQLite
    takes 999): the statements do not grow with the caseload."""
    shown = {make_citizen(coordinator, f"Person{n}", children_asked=False).pk for n in range(100)}
    with CaptureQueriesContext(connection) as queries:
        page = login(coordinator).get(reverse("worklist:worklist"))
    assert _shown_citizens(page) == 100
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "audit_accessevent"')]
    assert len(inserts) == 1
    assert set(AccessEvent.objects.filter(detail="worklist").values_list("citizen_id", flat=True)) == shown
    assert AccessEvent.objects.filter(detail="worklist").count() == 100
