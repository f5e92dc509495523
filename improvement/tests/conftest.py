"""A municipal unit with a leader, two of its staff on an improvement team, a coordinator of the unit
who is not on it, and a neighbouring unit with its own leader."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from improvement import actions
from improvement.models import Team
from pathways.models import Episode, PathwayTemplate
from people.models import Organisation, UnitLeadership


@pytest.fixture
def unit_leader(make_staff, municipality):
    user = make_staff("enhetsleder")
    UnitLeadership.objects.create(user=user, organisation=municipality)
    return user


@pytest.fixture
def member(make_staff):
    return make_staff("teammember")


@pytest.fixture
def second_member(make_staff):
    return make_staff("secondmember")


@pytest.fixture
def other_unit(db):
    return Organisation.objects.create(name="Nabo kommune", org_type=Organisation.Type.MUNICIPAL)


@pytest.fixture
def other_leader(make_staff, other_unit):
    user = make_staff("naboleder", other_unit)
    UnitLeadership.objects.create(user=user, organisation=other_unit)
    return user


def aim(**changes):
    values = {
        "text": "90 % første kontakt innen 7 dager innen juni",
        "measure": "first_contact_within_deadline",
        "target_value": Decimal("90"),
        "target_date": timezone.localdate() + datetime.timedelta(days=200),
    }
    return actions.AimText(**(values | changes))


def cycle_text(**changes):
    values = {
        "change": "Ringe samme dag som henvisningen kommer",
        "prediction": "Andelen innen fristen stiger til over 80 % innen to måneder.",
        "starts_on": timezone.localdate(),
    }
    return actions.CycleText(**(values | changes))


@pytest.fixture
def team(unit_leader, municipality, member):
    return actions.create_team(
        acting_user=unit_leader,
        unit=municipality,
        name="Raskere første kontakt",
        members=[member],
        aim=aim(),
        measures=["completed_share"],
    )


def backdate(team, days):
    """The team as if it was made ``days`` ago (cycles may not start before the team)."""
    Team.objects.filter(pk=team.pk).update(created_at=timezone.now() - datetime.timedelta(days=days))
    team.refresh_from_db()
    return team


def months_ago(n, day=10):
    month = timezone.localdate().replace(day=1)
    for _step in range(n):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month.replace(day=day)


@pytest.fixture
def episodes(citizen, municipality):
    """Make ``n`` episodes of the unit referred on ``received``, contacted after ``days`` (7-day deadline)."""
    template = PathwayTemplate.objects.create(key="veiledet", name="Veiledet selvhjelp", first_contact_days=7)

    def make(received, n, days=3, unit=municipality):
        Episode.objects.bulk_create(
            Episode(
                citizen=citizen,
                template=template,
                referral_received=received,
                referral_source="self",
                referral_reason="Test",
                unit=unit,
                first_contact_due=received + datetime.timedelta(days=7),
                first_contact_on=received + datetime.timedelta(days=days),
                status="active",
            )
            for _ in range(n)
        )

    return make
