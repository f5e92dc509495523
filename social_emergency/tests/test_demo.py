"""The demo's 24-hour unit: four weeks of contacts whose figures are worth looking at."""

import random

from django.contrib.auth import get_user_model

from people.access import units_led_by
from people.models import Organisation, UnitLeadership
from social_emergency import figures
from social_emergency.demo import demo_social_emergency
from social_emergency.scope import registers_for


def test_the_demo_unit_has_weeks_of_contacts_with_figures_shown(db, make_staff, municipality):
    leader = make_staff("leder")
    UnitLeadership.objects.create(user=leader, organisation=municipality)
    register = demo_social_emergency(municipality, "!", rng=random.Random(2026))
    worker = get_user_model().objects.get(username="nattevakt")
    assert [entry.register for entry in registers_for(worker) if entry.may_record] == [register]
    assert register.unit_id in units_led_by(leader)
    published = figures.build(register, "4w")
    assert published.total.value >= 100
    assert all(part.shown for part in published.channels + published.hours + published.weekdays)
    assert published.visitors.shown and published.visitors.value >= 5
    assert published.wellbeing.change is not None and published.wellbeing.change > 0
    assert any(part.shown and part.figure.value >= 5 for part in published.referrals)
    assert Organisation.objects.get(pk=register.unit_id).parent == municipality
