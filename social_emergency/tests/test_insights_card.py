"""The outcome report (insights) carries a small card per 24-hour unit the leader leads, suppressed and logged."""

import datetime

from django.urls import reverse

from audit.models import AccessEvent
from social_emergency.sections import FIGURES


def test_a_leader_of_the_unit_sees_the_card_on_the_outcome_report(login, unit_leader, register, record):
    for _ in range(6):
        record(wellbeing_before=4, wellbeing_after=6)
    response = login(unit_leader).get(reverse("insights:report"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="emergency-contacts"' in page
    assert (
        "Sosialt akuttilbud: " in page
        and ">6</span> contacts" in page
        and 'well-being change <span data-cell="shown">2</span>' in page
    )
    assert reverse("social_emergency:figures", args=[register.pk]) in page
    event = AccessEvent.objects.get(section=FIGURES)
    assert event.action == "aggregate" and event.citizen_id is None and "as=card" in event.detail


def test_small_numbers_are_under_5_on_the_card(login, unit_leader, register, record):
    record(ago=datetime.timedelta(hours=3))
    page = login(unit_leader).get(reverse("insights:report")).content.decode()
    assert "under 5" in page.split('data-testid="emergency-contacts"')[1]


def test_a_coordinators_caseload_report_has_no_card(login, coordinator, register, record):
    for _ in range(6):
        record()
    page = login(coordinator).get(reverse("insights:report")).content.decode()
    assert 'data-testid="emergency-contacts"' not in page
    assert not AccessEvent.objects.filter(section=FIGURES).exists()
