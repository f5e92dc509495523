"""The leaders' run chart of incidents per unit and month: suppression, scope and the access log."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from incidents import report
from incidents.models import Incident
from incidents.sections import INCIDENT_REPORT
from people.access import aggregate_scope
from people.models import Organisation, UnitLeadership
from people.suppression import HIDDEN, UNDER

TODAY = datetime.date(2026, 11, 15)


def _at(month_start, day=10):
    return timezone.make_aware(datetime.datetime.combine(month_start.replace(day=day), datetime.time(18, 0)))


def _month(offset):
    """The first of the month ``offset`` months before TODAY's."""
    month = TODAY.replace(day=1)
    for _step in range(offset):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


@pytest.fixture
def leads(leader, municipality):
    UnitLeadership.objects.create(
        user=leader, organisation=municipality, active_from=TODAY - datetime.timedelta(days=400)
    )
    return leader


def _incidents(citizen, unit, per_month):
    """``per_month``: {months back: how many}."""
    rows = []
    for offset, n in per_month.items():
        for index in range(n):
            rows.append(
                Incident(
                    citizen=citizen,
                    unit=unit,
                    occurred_at=_at(_month(offset), day=1 + index % 27),
                    what_happened="Hendelse",
                    injuries=["none"],
                )
            )
    Incident.objects.bulk_create(rows)


def test_months_with_one_to_four_incidents_are_withheld_and_the_units_total_with_them(leads, citizen, housing_unit):
    _incidents(citizen, housing_unit, {0: 6, 1: 3, 2: 0, 3: 7, 14: 9})
    start, charts = report.incidents_per_unit(aggregate_scope(leads), month_count=12, today=TODAY)
    assert start == _month(11)
    [chart] = charts
    by_month = {point.month: point for point in chart.drawing.points}
    assert by_month[_month(0)].value == 6
    assert by_month[_month(1)].value is None and by_month[_month(1)].withheld == UNDER
    assert by_month[_month(2)].value == 0
    assert by_month[_month(3)].value == 7
    # The chart starts at the unit's first month with an incident in the window (the 14-months-old
    # incidents are outside it).
    assert [point.month for point in chart.drawing.points] == [_month(3), _month(2), _month(1), _month(0)]
    assert chart.total.withheld == HIDDEN  # 6 + 3 + 7 would give the 3 back


def test_a_suppressed_month_can_be_any_of_one_to_four_without_changing_what_is_published(
    leads, citizen, housing_unit, municipality
):
    def published(small):
        Incident.objects.all().delete()
        _incidents(citizen, housing_unit, {0: 6, 1: small, 3: 7})
        _incidents(citizen, municipality, {0: 5, 1: 8})
        _start, charts = report.incidents_per_unit(aggregate_scope(leads), month_count=12, today=TODAY)
        return [
            (chart.unit.pk, [(p.month, p.value, p.withheld) for p in chart.drawing.points], chart.total)
            for chart in charts
        ]

    first = published(1)
    for small in (2, 3, 4):
        assert published(small) == first


def test_a_unit_without_small_months_shows_its_total(leads, citizen, housing_unit):
    _incidents(citizen, housing_unit, {0: 6, 1: 5, 4: 12})
    _start, [chart] = report.incidents_per_unit(aggregate_scope(leads), month_count=12, today=TODAY)
    assert chart.total.value == 23


def test_the_leader_sees_the_chart_and_the_read_is_logged_without_a_citizen(login, leads, citizen, housing_unit):
    _incidents(citizen, housing_unit, {0: 6, 1: 5, 2: 7, 3: 5, 4: 9, 5: 6})
    response = login(leads).get(reverse("incidents:report"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bofellesskapet Lia" in page and f'data-testid="run-chart-incidents-{housing_unit.pk}"' in page
    event = AccessEvent.objects.get(section=INCIDENT_REPORT)
    assert event.action == "aggregate" and event.citizen_id is None and "months=24" in event.detail


def test_other_units_incidents_are_not_counted(leads, citizen, make_staff):
    elsewhere = Organisation.objects.create(name="Annen kommune")
    _incidents(citizen, elsewhere, {0: 9})
    _start, charts = report.incidents_per_unit(aggregate_scope(leads), month_count=12, today=TODAY)
    assert charts == []


def test_staff_who_lead_no_unit_are_refused(login, coordinator, citizen):
    assert login(coordinator).get(reverse("incidents:report")).status_code == 403
    assert login(citizen.user).get(reverse("incidents:report")).status_code == 403
    assert not AccessEvent.objects.filter(section=INCIDENT_REPORT).exists()


def test_a_bad_months_value_is_a_form_error_not_a_crash(login, leads):
    response = login(leads).get(reverse("incidents:report"), {"months": "999"})
    assert response.status_code == 400 and "Choose 12, 24 or 36 months." in response.content.decode()


def test_the_report_keeps_its_query_count(login, leads, citizen, housing_unit, django_assert_max_num_queries):
    client = login(leads)
    _incidents(citizen, housing_unit, {0: 5})
    client.get(reverse("incidents:report"))
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("incidents:report"))
    _incidents(citizen, housing_unit, dict.fromkeys(range(1, 20), 7))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("incidents:report"))


def test_the_outcome_report_links_to_the_incidents_chart(login, leads):
    page = login(leads).get(reverse("insights:report")).content.decode()
    assert reverse("incidents:report") in page
