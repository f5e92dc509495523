"""A 24-hour unit with a contact register under the municipality, a night-shift worker there, its leader, and
staff of another unit. The root conftest's ``coordinator`` and ``citizen`` are in the municipality itself."""

import datetime

import pytest
from django.utils import timezone

from people.models import Organisation, UnitLeadership
from social_emergency import actions
from social_emergency.defaults import ensure_lists
from social_emergency.models import Contact, ContactRegister, Topic


@pytest.fixture
def crisis_unit(municipality):
    return Organisation.objects.create(name="Sosialt akuttilbud", parent=municipality)


@pytest.fixture
def register(crisis_unit):
    return ContactRegister.objects.create(unit=crisis_unit)


@pytest.fixture
def night_worker(make_staff, crisis_unit):
    return make_staff("nattevakt", crisis_unit)


@pytest.fixture
def unit_leader(make_staff, municipality, crisis_unit):
    user = make_staff("akuttleder", municipality)
    UnitLeadership.objects.create(user=user, organisation=crisis_unit, active_from=datetime.date(2020, 1, 1))
    return user


@pytest.fixture
def other_unit_staff(make_staff):
    other = Organisation.objects.create(name="Hjemmetjenesten")
    return make_staff("hjemme", other)


@pytest.fixture
def topics(db):
    ensure_lists()  # in case a live-server test flushed what migration 0002 made
    return {topic.name: topic for topic in Topic.objects.all()}


@pytest.fixture
def record(register, night_worker):
    """Record a contact as the night worker, ``ago`` before now, with sensible defaults for the rest."""

    def make(ago=datetime.timedelta(hours=1), **fields):
        values = {"channel": Contact.Channel.PHONE, "duration_minutes": 15, **fields}
        return actions.record_contact(register, acting_user=night_worker, occurred_at=timezone.now() - ago, **values)

    return make
