"""The policy for many citizens at once, for a unit's leader (aggregates only) and for a system
client (no person), and the sections apps register: each told as the story a regulator would ask."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import SystemClient
from audit import sections as section_registry
from audit.log import record
from audit.models import AccessEvent
from people import access, actions
from people.models import CareTeamMember, EmergencyAccess, Organisation, Section, UnitLeadership

Ground = AccessEvent.Ground

REPORT = "test_waiting_times"


@pytest.fixture
def report():
    """A report as the insights app will register it: an aggregate section, never granted."""
    section_registry.register(REPORT, "Waiting times", aggregate=True)
    return REPORT


def request_as(user, path="/reports/"):
    request = RequestFactory().get(path)
    request.user = user
    return request


# Many citizens at once -------------------------------------------------------------------


def _blocked_and_in_emergency(coordinator, gp, gp_office, make_citizen, outsider):
    """A citizen who blocked the GP (on the team), and one the GP reaches in an emergency only."""
    blocked = make_citizen(coordinator, "Blocked")
    CareTeamMember.objects.create(
        citizen=blocked, user=gp, role=CareTeamMember.Role.GP, organisation=gp_office, sections=[Section.PLAN]
    )
    actions.block_user(access.grant_for(coordinator, blocked), gp, acting_user=coordinator)
    in_emergency = make_citizen(outsider, "Emergency")
    EmergencyAccess.objects.create(
        user=gp, citizen=in_emergency, reason="Akutt", expires_at=timezone.now() + datetime.timedelta(hours=1)
    )
    return blocked, in_emergency


def test_grants_for_many_agree_with_one_at_a_time(
    coordinator, gp, gp_office, make_citizen, citizen, care_team_member, outsider
):
    blocked, in_emergency = _blocked_and_in_emergency(coordinator, gp, gp_office, make_citizen, outsider)
    stranger = make_citizen(outsider, "Stranger")
    ids = [citizen.pk, blocked.pk, in_emergency.pk, stranger.pk]

    grants = access.grants_for(gp, ids)

    assert set(grants) == {citizen.pk, in_emergency.pk}
    for grant in grants.values():
        one = access.grant_for(gp, grant.citizen)
        assert (grant.ground, grant.sections, grant.roles) == (one.ground, one.sections, one.roles)
    assert grants[citizen.pk].sections == {Section.OVERVIEW, Section.MEASURES}
    assert grants[in_emergency.pk].ground == Ground.EMERGENCY
    assert access.grants_for(citizen.user, ids).keys() == {citizen.pk}
    assert access.grants_for(outsider, [citizen.pk]) == {}


@pytest.mark.parametrize("count", [1, 20])
def test_grants_for_asks_a_fixed_number_of_queries(coordinator, make_citizen, count, gp, gp_office):
    ids = []
    for n in range(count):
        citizen = make_citizen(coordinator, f"C{n}")
        CareTeamMember.objects.create(
            citizen=citizen, user=gp, role=CareTeamMember.Role.GP, organisation=gp_office, sections=[Section.PLAN]
        )
        ids.append(citizen.pk)
    gp = type(gp).objects.select_related("staff_profile").get(pk=gp.pk)
    # citizens, blocks, care-team roles (nobody is left for the emergency query)
    with CaptureQueriesContext(connection) as queries:
        grants = access.grants_for(gp, ids)
    assert len(grants) == count
    assert len(queries) == 3


# A unit's leader: aggregates, never a record ---------------------------------------------


@pytest.fixture
def unit_leader(make_staff, municipality):
    user = make_staff("unitleader")
    UnitLeadership.objects.create(user=user, organisation=municipality)
    return user


def test_leader_counts_the_citizens_their_units_serve_including_units_below(
    unit_leader, municipality, make_staff, make_citizen, coordinator, outsider
):
    team = Organisation.objects.create(name="Rusteamet", parent=municipality)
    elsewhere = Organisation.objects.create(name="Nabokommunen")
    served_here = make_citizen(coordinator, "Here")
    served_below = make_citizen(make_staff("teamworker", team), "Below")
    not_served = make_citizen(make_staff("neighbour", elsewhere), "Elsewhere")

    scope = access.aggregate_scope(unit_leader)

    assert scope.unit_ids == {municipality.pk, team.pk}
    assert set(scope.citizens().values_list("pk", flat=True)) == {served_here.pk, served_below.pk}
    assert not_served.pk not in set(scope.citizens().values_list("pk", flat=True))


def test_a_leadership_that_has_ended_gives_no_aggregates(unit_leader):
    UnitLeadership.objects.filter(user=unit_leader).update(active_to=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        access.aggregate_scope(unit_leader)


def test_staff_who_lead_no_unit_get_no_aggregates(coordinator, citizen):
    with pytest.raises(PermissionDenied):
        access.aggregate_scope(coordinator)


def test_leading_the_unit_opens_no_single_record(unit_leader, citizen, client):
    client.force_login(unit_leader, backend="accounts.backends.UserBackend")
    response = client.get(reverse("people:citizen", kwargs={"citizen_id": citizen.pk}))
    assert response.status_code == 404
    assert access.grant_for(unit_leader, citizen) is None
    assert not access.visible_to(unit_leader).exists()
    refusal = AccessEvent.objects.get(actor_id=unit_leader.pk)
    assert (refusal.action, refusal.citizen_id) == (AccessEvent.Action.DENIED, citizen.pk)


def test_an_aggregate_read_is_logged_with_report_and_filters_but_names_no_citizen(
    unit_leader, municipality, citizen, report, login
):
    scope = access.aggregate_scope(unit_leader)
    access.log_aggregate(request_as(unit_leader), scope, report, {"year": 2026, "pathway": "guided"})

    entry = AccessEvent.objects.get(action=AccessEvent.Action.AGGREGATE)
    assert (entry.actor_id, entry.section, entry.ground, entry.citizen_id) == (
        unit_leader.pk,
        report,
        Ground.UNIT,
        None,
    )
    assert entry.detail == f"pathway=guided; year=2026; units={municipality.pk}"
    # The citizen's own view of who has read their data does not show it as a read of them.
    page = login(citizen.user).get(reverse("people:access_log", kwargs={"citizen_id": citizen.pk}))
    assert page.status_code == 200
    assert "unitleader" not in page.content.decode()


def test_only_a_registered_aggregate_report_can_be_logged_as_one(unit_leader):
    scope = access.aggregate_scope(unit_leader)
    with pytest.raises(ValueError, match="not a registered aggregate"):
        access.log_aggregate(request_as(unit_leader), scope, Section.PLAN)


# A system client: what its units serve, in its sections, named in the log -----------------


@pytest.fixture
def system_client(municipality):
    client = SystemClient.objects.create(
        name="Kommunalt pasientregister", sections=[Section.OVERVIEW, Section.MEASURES]
    )
    client.units.add(municipality)
    return client


def test_system_client_sees_the_citizens_its_units_serve_in_its_sections(
    system_client, citizen, make_citizen, make_staff
):
    elsewhere = make_citizen(make_staff("neighbour", Organisation.objects.create(name="Nabokommunen")), "Else")

    assert list(access.visible_to(system_client)) == [citizen]
    grant = access.grant_for(system_client, citizen)
    assert grant.ground == Ground.SYSTEM
    assert grant.sections == {Section.OVERVIEW, Section.MEASURES}
    assert access.grant_for(system_client, elsewhere) is None
    assert set(access.grants_for(system_client, [citizen.pk, elsewhere.pk])) == {citizen.pk}


def test_a_revoked_system_client_sees_nothing(system_client, citizen):
    system_client.revoked_at = timezone.now()
    system_client.save()
    assert not access.visible_to(system_client).exists()
    assert access.grant_for(system_client, citizen) is None


def test_the_log_names_the_system_client_not_a_person(system_client, citizen):
    grant = access.grant_for(system_client, citizen)
    access.log_read(request_as(system_client, "/fhir/Patient"), grant, Section.OVERVIEW, "export")

    entry = AccessEvent.objects.get(citizen_id=citizen.pk, ground=Ground.SYSTEM)
    assert entry.actor_id is None
    assert entry.client_id == system_client.pk
    assert entry.actor_label == "Kommunalt pasientregister (system client)"


# Sections that apps register -------------------------------------------------------------


def test_the_log_refuses_a_section_no_app_registered(coordinator, citizen):
    with pytest.raises(ValueError, match="unregistered section"):
        record(
            actor=coordinator,
            citizen_id=citizen.pk,
            action=AccessEvent.Action.READ,
            section="whatever",
            ground=Ground.CARE_TEAM,
        )


def test_a_section_registered_by_a_later_app_can_be_granted_without_editing_people(
    coordinator, citizen, care_team_member, gp
):
    section_registry.register("test_minutes", "Minutes")
    try:
        grant = access.grant_for(coordinator, citizen)
        assert grant.may_see("test_minutes")  # the coordinator sees every section
        actions.set_member_sections(grant, care_team_member, ["test_minutes"], acting_user=coordinator)
        assert access.grant_for(gp, citizen).sections == {"test_minutes"}
    finally:
        section_registry._registry.pop("test_minutes")


def test_a_key_cannot_be_registered_twice_with_another_meaning():
    with pytest.raises(ValueError, match="already registered"):
        section_registry.register(Section.PLAN, "Something else")


def test_a_staff_member_with_a_citizen_record_of_their_own_keeps_their_roles_in_a_list(
    coordinator, make_citizen, citizen, outsider
):
    """Staff can be citizens too: their own record and the ones they coordinate, asked together."""
    own = make_citizen(outsider, "Koordinator")
    own.user = coordinator
    own.save()
    grants = access.grants_for(coordinator, [own.pk, citizen.pk])
    assert grants[own.pk].ground == Ground.SELF
    assert grants[citizen.pk].ground == Ground.CARE_TEAM


def test_the_caseload_is_visible_to_with_who_coordinates(
    coordinator, gp, gp_office, make_citizen, citizen, care_team_member, outsider
):
    _blocked, in_emergency = _blocked_and_in_emergency(coordinator, gp, gp_office, make_citizen, outsider)
    EmergencyAccess.objects.create(  # over: no longer seen
        user=gp, citizen=make_citizen(outsider, "Past"), reason="Akutt", expires_at=timezone.now()
    )
    make_citizen(outsider, "Stranger")

    def expected(user):
        visible = {c.pk: c for c in access.visible_to(user)}
        coordinated = set(
            CareTeamMember.objects.active()
            .filter(user=user, role=CareTeamMember.Role.COORDINATOR)
            .values_list("citizen_id", flat=True)
        )
        return {
            (pk, c.given_name, c.family_name, c.user_id, getattr(c, "via_care_team", False), pk in coordinated)
            for pk, c in visible.items()
        }

    for user in (gp, coordinator, outsider, citizen.user):
        assert set(access.caseload(user)) == expected(user), user
    assert {row[0] for row in access.caseload(gp)} == {citizen.pk, in_emergency.pk}
    assert {(row[0], row[4]) for row in access.caseload(gp)} == {(citizen.pk, True), (in_emergency.pk, False)}
    assert {row[0] for row in access.caseload(citizen.user)} == {citizen.pk}


def test_opening_one_record_grants_what_the_policy_for_many_grants(
    coordinator, gp, gp_office, make_citizen, make_staff, citizen, care_team_member, outsider, system_client
):
    """get_grant_or_404 asks for the citizen, a block and the roles in one query: every ground, and
    every way a role stops counting, answered as grants_for answers them."""
    blocked, in_emergency = _blocked_and_in_emergency(coordinator, gp, gp_office, make_citizen, outsider)
    stranger = make_citizen(outsider, "Stranger")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    two_roles = make_citizen(outsider, "Two roles")
    for role, sections in ((CareTeamMember.Role.GP, [Section.PLAN]), (CareTeamMember.Role.OTHER, [Section.MEASURES])):
        CareTeamMember.objects.create(citizen=two_roles, user=gp, role=role, organisation=gp_office, sections=sections)
    ended = make_citizen(outsider, "Ended")
    CareTeamMember.objects.create(
        citizen=ended, user=gp, role=CareTeamMember.Role.GP, organisation=gp_office, active_to=yesterday
    )
    stopped = make_citizen(outsider, "Stopped")
    CareTeamMember.objects.create(
        citizen=stopped, user=gp, role=CareTeamMember.Role.GP, organisation=gp_office, ended_at=timezone.now()
    )
    relative = get_user_model().objects.create_user(username="relative", password="x" * 12)
    CareTeamMember.objects.create(
        citizen=citizen, user=relative, role=CareTeamMember.Role.RELATIVE, sections=[Section.OVERVIEW]
    )
    CareTeamMember.objects.create(  # a relative is never more than a relative, whatever the row says
        citizen=stranger, user=relative, role=CareTeamMember.Role.GP, sections=[Section.PLAN]
    )
    own = make_citizen(outsider, "Own", with_login=True)
    ids = [c.pk for c in (citizen, blocked, in_emergency, stranger, two_roles, ended, stopped, own)] + [10**6]

    def seen(grant):
        if grant is None:
            return None
        emergency = grant.emergency.pk if grant.emergency else None
        return grant.citizen.pk, grant.ground, set(grant.sections), tuple(grant.roles), emergency

    users = (gp, coordinator, outsider, relative, own.user, system_client, AnonymousUser())
    for user in users:
        many = access.grants_for(user, ids)
        for pk in ids:
            found, grant = access._citizen_and_grant(user, pk)
            assert (found and found.pk) == (pk if pk != 10**6 else None), (user, pk)
            assert seen(grant) == seen(many.get(pk)), (user, pk)
    assert seen(access._citizen_and_grant(gp, two_roles.pk)[1])[2:4] == (
        {Section.PLAN, Section.MEASURES},
        (CareTeamMember.Role.GP, CareTeamMember.Role.OTHER),
    )
    assert access._citizen_and_grant(gp, in_emergency.pk)[1].ground == Ground.EMERGENCY
    assert access._citizen_and_grant(relative, stranger.pk)[1] is None
    assert access._citizen_and_grant(own.user, own.pk)[1].ground == Ground.SELF
    found, _grant = access._citizen_and_grant(gp, citizen.pk)
    assert found.user_id is None or found.user.pk == found.user_id
