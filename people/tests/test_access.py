"""The one access policy, told as stories: who sees which citizen, and what is logged."""

import datetime

import pytest
import time_machine
from django.test import RequestFactory
from django.utils import timezone

from audit.models import AccessEvent
from people import access, actions
from people.models import Section


def test_coordinator_sees_their_citizen_and_nobody_elses(coordinator, outsider, make_citizen, citizen):
    other = make_citizen(outsider, "Other")
    assert list(access.visible_to(coordinator)) == [citizen]
    assert list(access.visible_to(outsider)) == [other]


def test_outsider_sees_no_citizen(outsider, citizen):
    assert not access.visible_to(outsider).exists()


def test_citizen_sees_only_themselves(citizen, make_citizen, coordinator):
    make_citizen(coordinator, "Somebody")
    assert list(access.visible_to(citizen.user)) == [citizen]


def test_superuser_without_a_care_team_role_sees_no_citizen(citizen, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x-very-long-password")
    assert not access.visible_to(admin).exists()


def test_member_whose_period_has_ended_loses_access(care_team_member, gp, citizen):
    care_team_member.active_to = timezone.localdate() - datetime.timedelta(days=1)
    care_team_member.save()
    assert not access.visible_to(gp).exists()
    assert access.grant_for(gp, citizen) is None


def test_member_starting_in_the_future_has_no_access_yet(care_team_member, gp):
    care_team_member.active_from = timezone.localdate() + datetime.timedelta(days=3)
    care_team_member.save()
    assert not access.visible_to(gp).exists()


def test_member_sees_only_the_sections_granted(care_team_member, gp, citizen):
    grant = access.grant_for(gp, citizen)
    assert grant.may_see(Section.OVERVIEW)
    assert grant.may_see(Section.MEASURES)
    assert not grant.may_see(Section.NOTES)
    assert not grant.may_see(Section.CRISIS_PLAN)


def test_block_wins_over_care_team_role(care_team_member, gp, citizen):
    grant = access.grant_for(citizen.user, citizen)
    actions.block_user(grant, gp, acting_user=citizen.user)
    assert access.grant_for(gp, citizen) is None
    assert not access.visible_to(gp).exists()
    event = AccessEvent.objects.get(section="blocks")
    assert event.citizen_id == citizen.pk and event.action == "write" and event.ground == "self"


def test_block_also_stops_emergency_access(outsider, citizen):
    grant = access.grant_for(citizen.user, citizen)
    actions.block_user(grant, outsider, acting_user=citizen.user)
    result = actions.start_emergency_access(acting_user=outsider, citizen=citizen, reason="Ringer fra legevakten nå")
    assert result is None
    assert access.grant_for(outsider, citizen) is None
    assert AccessEvent.objects.filter(citizen_id=citizen.pk, actor_id=outsider.pk, action="denied").exists()


def test_emergency_access_lasts_four_hours_and_is_logged(outsider, citizen):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        actions.start_emergency_access(
            acting_user=outsider, citizen=citizen, reason="Innbygger er på legevakten og trenger kriseplanen"
        )
        grant = access.grant_for(outsider, citizen)
        assert grant.ground == AccessEvent.Ground.EMERGENCY
        assert list(access.visible_to(outsider)) == [citizen]
        event = AccessEvent.objects.get(section="emergency")
        assert event.ground == "emergency" and "legevakten" in event.detail
        clock.shift(datetime.timedelta(hours=3, minutes=59))
        assert access.grant_for(outsider, citizen) is not None
        clock.shift(datetime.timedelta(minutes=2))
        assert access.grant_for(outsider, citizen) is None
        assert not access.visible_to(outsider).exists()


@pytest.mark.parametrize("reason", ["", "   ", "akutt"])
def test_emergency_access_without_a_real_reason_is_refused_and_nothing_saved(outsider, citizen, reason):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        actions.start_emergency_access(acting_user=outsider, citizen=citizen, reason=reason)
    assert "reason" in error.value.error_dict
    assert not citizen.emergency_accesses.exists()
    assert access.grant_for(outsider, citizen) is None


def test_reading_through_the_policy_logs_who_what_and_on_what_ground(care_team_member, gp, citizen):
    request = RequestFactory().get(f"/citizens/{citizen.pk}/")
    request.user = gp
    access.get_grant_or_404(request, citizen.pk, Section.OVERVIEW)
    event = AccessEvent.objects.get()
    assert (event.actor_id, event.citizen_id, event.action, event.section, event.ground, event.role) == (
        gp.pk,
        citizen.pk,
        "read",
        "overview",
        "care_team",
        "gp",
    )


def test_refused_section_is_logged_as_denied(care_team_member, gp, citizen):
    request = RequestFactory().get("/")
    request.user = gp
    with pytest.raises(access.SectionDenied):
        access.get_grant_or_404(request, citizen.pk, Section.NOTES)
    assert AccessEvent.objects.get().action == "denied"
