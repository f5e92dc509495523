"""FHIR Appointment, Composition and Task for the responsibility group: each reader gets the meetings,
the signed minutes and the actions, cut to the parts their grant and the agreement's shielding allow;
every read is logged per section shown, every refusal too. Output validated with fhir.resources R4B."""

import datetime
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.composition import Composition
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.task import Task

from accounts.models import ApiToken, SystemClient
from audit.models import AccessEvent
from fhir_api import mapping
from fhir_api.groups import Shielding
from groups import actions
from groups.models import Meeting, Member
from groups.sections import GROUP
from groups.shielding import reader_sections
from groups.tests.conftest import agreement_text, member_specs
from measures import actions as measures_actions
from people import access
from people.models import CareTeamMember, Organisation, Section
from plans import actions as plan_actions
from plans.models import PlanText, PlanVersion

RESOURCES = {"Appointment": Appointment, "Composition": Composition, "Task": Task}
XHTML = "{http://www.w3.org/1999/xhtml}"

# The story: Ingrid's group is her coordinator, her GP (sees the medication plan), Nav (does not)
# and her teacher from outside the care team. Fixtures as in groups/tests/conftest.py.


@pytest.fixture
def nav(make_staff):
    return make_staff("nav", Organisation.objects.create(name="Nav Fjordby", org_type=Organisation.Type.NAV))


@pytest.fixture
def nav_member(citizen, nav):
    return CareTeamMember.objects.create(
        citizen=citizen,
        user=nav,
        role=CareTeamMember.Role.NAV,
        organisation=nav.staff_profile.organisation,
        sections=[Section.OVERVIEW, GROUP, Section.PLAN, Section.MEASURES],
    )


@pytest.fixture
def gp_member(citizen, gp, gp_office):
    return CareTeamMember.objects.create(
        citizen=citizen,
        user=gp,
        role=CareTeamMember.Role.GP,
        organisation=gp_office,
        sections=[Section.OVERVIEW, GROUP, Section.PLAN, Section.MEASURES, Section.MEDICATION],
    )


@pytest.fixture
def coordinator_member(citizen, coordinator):
    return CareTeamMember.objects.get(citizen=citizen, user=coordinator, role=CareTeamMember.Role.COORDINATOR)


@pytest.fixture
def grant(citizen, coordinator):
    return access.grant_for(coordinator, citizen)


@pytest.fixture
def active_plan(grant, coordinator, gp_member):
    """A plan in force with a tiltak and a medication plan, so the agenda evaluates both."""
    draft = plan_actions.start_draft(grant, acting_user=coordinator)
    for key, text in [("what_matters", "Egen bolig"), ("medication", "Sertralin 50 mg morgen")]:
        row = PlanText.objects.get(version=draft, key=key)
        plan_actions.save_text(grant, draft, key, text, expected_revision=row.revision, acting_user=coordinator)
    plan_actions.save_intervention(
        grant, draft, acting_user=coordinator, what="Samtale hver uke", responsible=gp_member, how="", frequency=""
    )
    PlanVersion.objects.filter(pk=draft.pk).update(status=PlanVersion.Status.ACTIVE)
    draft.refresh_from_db()
    return draft


@pytest.fixture
def goal(grant, coordinator):
    goal = measures_actions.add_goal(grant, acting_user=coordinator, text="Sove bedre")
    measures_actions.rate_goals(grant, {goal.pk: 3}, acting_user=coordinator)
    return goal


@pytest.fixture
def group(grant, citizen, coordinator, coordinator_member, gp_member, nav_member):
    group, agreement = actions.propose_group(
        grant,
        acting_user=coordinator,
        text=agreement_text(),
        members=member_specs(coordinator_member, gp_member, nav_member),
    )
    citizen_grant = access.grant_for(citizen.user, citizen)
    actions.answer_agreement(citizen_grant, agreement, acting_user=citizen.user, consent="yes")
    group.refresh_from_db()
    return group


def plan_meeting(grant, group, coordinator, *, days=7, kind="responsibility_group"):
    return actions.plan_meeting(
        grant,
        group,
        acting_user=coordinator,
        kind=kind,
        starts_at=timezone.now() + datetime.timedelta(days=days),
        duration_minutes=90,
        place="Fjordby rådhus, møterom 2",
        members=list(actions.current_agreement(group).members.all()),
    )


@pytest.fixture
def meeting(grant, group, coordinator, goal, active_plan):
    return plan_meeting(grant, group, coordinator)


def in_the_past(meeting):
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=2))
    meeting.refresh_from_db()
    return meeting


SAID = {
    Section.MEASURES: "Sover fem timer",
    Section.PLAN: "Samtalene hjelper",
    Section.MEDICATION: "Sertralin økes til 100 mg",
}


def write_minutes(grant, meeting, coordinator, *, summary="Godt møte. Ingrid <3 & ro", sign=True):
    """Minutes with something said in every part; the goal rated 6."""
    minutes = actions.start_minutes(grant, in_the_past(meeting), acting_user=coordinator)
    typed = [
        {
            "said": SAID.get(part["section"], "Annet"),
            "status": "on_track",
            "agreed": "Fortsette",
            "rating": 6 if part.get("goal") else None,
        }
        for part in minutes.parts
    ]
    minutes = actions.save_minutes(
        grant, minutes, acting_user=coordinator, summary=summary, parts=typed, expected_revision=minutes.revision
    )
    if sign:
        minutes = actions.sign_minutes(grant, minutes, acting_user=coordinator, expected_revision=minutes.revision)
    return minutes


def member_of(meeting, care_team_member):
    return meeting.participants.get(member__care_team_member=care_team_member).member


def add_task(grant, meeting, coordinator, member, what, *, section=GROUP, days=0):
    return actions.add_task(
        grant,
        meeting,
        acting_user=coordinator,
        what=what,
        responsible=member,
        due_on=timezone.localdate() + datetime.timedelta(days=days),
        section=section,
    )


def shield_gp_from_medication(grant, group, coordinator, coordinator_member, gp_member, nav_member):
    specs = member_specs(coordinator_member, gp_member, nav_member)
    specs[1].shielded_sections = [Section.MEDICATION]
    return actions.revise_agreement(
        grant, group, acting_user=coordinator, text=agreement_text(), members=specs, change_note="Skjerming"
    )


# The client and the checks ---------------------------------------------------------------------


@pytest.fixture
def api(client):
    def as_user(user):
        token = ApiToken.issue(user)
        return lambda url, **kw: client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}", **kw)

    return as_user


def valid_resource(resource):
    """An Appointment, Composition or Task validated with R4B, every narrative well-formed XHTML."""
    for section in resource.get("section", []):
        assert ET.fromstring(section["text"]["div"]).tag == f"{XHTML}div"
    return RESOURCES[resource["resourceType"]].model_validate(resource)


def valid(response, status=200):
    """The response as a validated R4B resource (a Bundle's entries each validated too), every
    narrative well-formed XHTML."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    if body["resourceType"] == "OperationOutcome":
        return OperationOutcome.model_validate(body)
    if body["resourceType"] in RESOURCES:
        return valid_resource(body)
    assert body["resourceType"] == "Bundle"
    for entry in body.get("entry", []):
        valid_resource(entry["resource"])
    return Bundle.model_validate(body)


def resources(bundle):
    return [entry.resource for entry in bundle.entry or []]


def reads(user, citizen):
    return AccessEvent.objects.filter(actor_id=user.pk, citizen_id=citizen.pk, action="read", path__startswith="/fhir/")


def denials(user, citizen):
    return AccessEvent.objects.filter(actor_id=user.pk, citizen_id=citizen.pk, action="denied")


def read_sections(user, citizen):
    return sorted(reads(user, citizen).values_list("section", flat=True))


# Appointment ------------------------------------------------------------------------------------


def test_a_meeting_is_an_appointment_with_each_members_answer(
    api, coordinator, gp, nav, citizen, meeting, gp_member, nav_member
):
    actions.answer_invitation(access.grant_for(gp, citizen), meeting, acting_user=gp, answer="accepted")
    actions.answer_invitation(access.grant_for(nav, citizen), meeting, acting_user=nav, answer="declined")
    response = api(coordinator)("/fhir/Appointment", data={"patient": f"Patient/{citizen.pk}"})
    [appointment] = resources(valid(response))
    assert (appointment.id, appointment.status) == (str(meeting.pk), "booked")
    assert appointment.start == meeting.starts_at
    assert appointment.end - appointment.start == datetime.timedelta(minutes=90)
    assert appointment.minutesDuration == 90
    assert appointment.serviceType[0].coding[0].system == mapping.GROUP_SERVICE_SYSTEM
    assert appointment.serviceType[0].coding[0].display == "Responsibility group"
    kind = appointment.appointmentType.coding[0]
    assert (kind.system, kind.code, kind.display) == (
        mapping.MEETING_KIND_SYSTEM,
        "responsibility_group",
        "Responsibility group meeting",
    )
    assert appointment.description == "Responsibility group meeting, Fjordby rådhus, møterom 2"
    people = [(p.actor.reference, p.actor.display, p.status) for p in appointment.participant]
    assert people == [
        (f"Patient/{citizen.pk}", None, "needs-action"),
        (f"Practitioner/{coordinator.pk}", "Coordinator Test", "needs-action"),
        (f"Practitioner/{gp.pk}", "Gp Test", "accepted"),
        (f"Practitioner/{nav.pk}", "Nav Test", "declined"),
        (None, "Kari Lærer", "needs-action"),  # outside the care team: a name only
    ]
    assert appointment.participant[0].required == "required"  # the agreement: postpone without her
    assert appointment.participant[1].type[0].coding[0].code == Member.Role.MUNICIPAL_COORDINATOR
    text = response.content.decode()
    assert "kari@example.no" not in text
    assert "Sove bedre" not in text  # the agenda stays out
    assert read_sections(coordinator, citizen) == [GROUP]


def test_appointments_by_status_held_and_cancelled(api, coordinator, grant, citizen, group, meeting):
    later = plan_meeting(grant, group, coordinator, days=14, kind="network")
    actions.cancel_meeting(grant, later, acting_user=coordinator, reason="Ingrid er syk")
    held = in_the_past(meeting)
    everyone = {participant.pk: "present" for participant in held.participants.all()}
    actions.record_attendance(grant, held, acting_user=coordinator, attendance=everyone, citizen_attendance="took_part")
    call = api(coordinator)
    query = {"patient": f"Patient/{citizen.pk}"}
    fulfilled = resources(valid(call("/fhir/Appointment", data={**query, "status": "fulfilled"})))
    assert [(a.id, a.status, a.participant[0].status) for a in fulfilled] == [
        (str(meeting.pk), "fulfilled", "accepted")
    ]
    response = call("/fhir/Appointment", data={**query, "status": "cancelled"})
    [cancelled] = resources(valid(response))
    assert (cancelled.id, cancelled.appointmentType.coding[0].code) == (str(later.pk), "network")
    assert cancelled.serviceType[0].coding[0].display == "Open Dialogue"
    assert "syk" not in response.content.decode()  # why it was cancelled may say too much
    assert valid(call("/fhir/Appointment", data={**query, "status": "booked,fulfilled"})).total == 1
    assert valid(call("/fhir/Appointment", data={**query, "status": "noshow"})).total == 0
    assert valid(call("/fhir/Appointment", data={"subject": str(citizen.pk)})).total == 2


# Composition ------------------------------------------------------------------------------------


def sections_by_code(composition):
    return {section.code.coding[0].code: section for section in composition.section or []}


def test_signed_minutes_are_a_composition_and_a_draft_is_not(
    api, coordinator, grant, citizen, meeting, goal, active_plan
):
    draft = write_minutes(grant, meeting, coordinator, sign=False)
    call = api(coordinator)
    query = {"subject": f"Patient/{citizen.pk}"}
    assert valid(call("/fhir/Composition", data=query)).total == 0
    assert read_sections(coordinator, citizen) == [GROUP]
    before = reads(coordinator, citizen).count()
    minutes = actions.sign_minutes(grant, draft, acting_user=coordinator, expected_revision=draft.revision)
    response = call("/fhir/Composition", data=query)
    [composition] = resources(valid(response))
    assert (composition.id, composition.status) == (str(minutes.pk), "final")
    assert composition.type.coding[0].system == mapping.DOCUMENT_TYPE_SYSTEM
    assert composition.type.coding[0].code == mapping.GROUP_MINUTES
    assert composition.category[0].coding[0].code == "responsibility_group"
    assert composition.subject.reference == f"Patient/{citizen.pk}"
    assert composition.date == minutes.signed_at
    assert composition.author[0].reference == f"Practitioner/{coordinator.pk}"
    assert composition.attester[0].party.reference == f"Practitioner/{coordinator.pk}"
    assert composition.title.startswith("Minutes: Responsibility group meeting ")
    assert composition.relatesTo is None
    assert composition.event[0].detail[0].reference == f"Appointment/{meeting.pk}"
    parts = sections_by_code(composition)
    assert set(parts) == {"summary", "goal", "intervention", "plan_part"}
    # Typed text is escaped: the narrative stays well-formed XHTML.
    assert "Ingrid &lt;3 &amp; ro" in parts["summary"].text.div
    assert parts["goal"].title == "Sove bedre"
    assert [entry.reference for entry in parts["goal"].entry] == [f"Goal/{goal.pk}"]
    assert "6/10" in parts["goal"].text.div and "Going as planned" in parts["goal"].text.div
    assert [entry.reference for entry in parts["intervention"].entry] == [f"CarePlan/{active_plan.pk}"]
    assert SAID[Section.MEDICATION] in parts["plan_part"].text.div
    # The access log is append-only: the second search's reads are the ones after the first.
    second = reads(coordinator, citizen).order_by("pk")[before:]
    assert sorted(event.section for event in second) == sorted(
        [GROUP, Section.MEASURES, Section.PLAN, Section.MEDICATION]
    )


def test_nav_gets_neither_the_medication_part_nor_its_text(api, coordinator, grant, nav, citizen, meeting):
    write_minutes(grant, meeting, coordinator)
    response = api(nav)("/fhir/Composition", data={"patient": f"Patient/{citizen.pk}"})
    [composition] = resources(valid(response))
    assert set(sections_by_code(composition)) == {"summary", "goal", "intervention"}
    text = response.content.decode()
    assert SAID[Section.MEDICATION] not in text and "Medication plan" not in text
    assert read_sections(nav, citizen) == sorted([GROUP, Section.MEASURES, Section.PLAN])


def test_a_member_shielded_by_the_agreement_does_not_get_the_part_their_scope_allows(
    api, coordinator, grant, gp, citizen, group, meeting, coordinator_member, gp_member, nav_member
):
    write_minutes(grant, meeting, coordinator)
    call = api(gp)
    query = {"patient": f"Patient/{citizen.pk}"}
    [before] = resources(valid(call("/fhir/Composition", data=query)))
    assert "plan_part" in sections_by_code(before)
    # Shielding in the current agreement also covers minutes written under the earlier one.
    newer = shield_gp_from_medication(grant, group, coordinator, coordinator_member, gp_member, nav_member)
    response = call("/fhir/Composition", data=query)
    [after] = resources(valid(response))
    assert set(sections_by_code(after)) == {"summary", "goal", "intervention"}
    assert SAID[Section.MEDICATION] not in response.content.decode()
    assert Section.MEDICATION in access.grant_for(gp, citizen).sections  # the scope still allows it
    # The API's shielding is groups.shielding's, for many agreements at once.
    gp_grant = access.grant_for(gp, citizen)
    for agreements in ([meeting.agreement_id], [newer.pk]):
        assert Shielding(gp, {citizen.pk: gp_grant}).sections(group.pk, agreements[0]) == reader_sections(
            gp_grant, gp, *agreements, newer
        )


def test_a_system_client_is_shielded_from_nothing_and_sees_its_sections(citizen, municipality, group, meeting):
    # groups.shielding.shielded_for asks for a User and raises for a system client; the API's does not.
    client = SystemClient.objects.create(name="Register", sections=[GROUP, Section.MEDICATION])
    client.units.add(municipality)
    client_grant = access.grant_for(client, citizen)
    shielding = Shielding(client, {citizen.pk: client_grant})
    assert shielding.sections(group.pk, meeting.agreement_id) == {GROUP, Section.MEDICATION}


def test_the_citizen_reads_all_of_their_minutes(api, coordinator, grant, citizen, meeting):
    write_minutes(grant, meeting, coordinator)
    [composition] = resources(valid(api(citizen.user)("/fhir/Composition", data={"patient": str(citizen.pk)})))
    assert set(sections_by_code(composition)) == {"summary", "goal", "intervention", "plan_part"}


def test_a_correction_is_amended_and_replaces_what_it_corrects(api, coordinator, grant, citizen, meeting):
    first = write_minutes(grant, meeting, coordinator, summary="Først")
    correction = actions.start_correction(grant, first, acting_user=coordinator)
    correction = actions.save_minutes(
        grant,
        correction,
        acting_user=coordinator,
        summary="Rettet",
        parts=correction.parts,
        expected_revision=correction.revision,
    )
    correction = actions.sign_minutes(grant, correction, acting_user=coordinator, expected_revision=correction.revision)
    call = api(coordinator)
    query = {"subject": f"Patient/{citizen.pk}"}
    newest, original = resources(valid(call("/fhir/Composition", data=query)))
    assert (newest.id, newest.status, original.id, original.status) == (
        str(correction.pk),
        "amended",
        str(first.pk),
        "final",
    )
    assert [(r.code, r.targetReference.reference) for r in newest.relatesTo] == [
        ("replaces", f"Composition/{first.pk}")
    ]
    assert "Rettet" in sections_by_code(newest)["summary"].text.div
    searched = call("/fhir/Composition", data=query).json()["entry"][0]
    assert call(f"/fhir/Composition/{correction.pk}").json() == searched["resource"]
    [amended] = resources(valid(call("/fhir/Composition", data={**query, "status": "amended"})))
    assert amended.id == str(correction.pk)
    assert valid(call("/fhir/Composition", data={**query, "status": "final"})).total == 1


# Task -------------------------------------------------------------------------------------------


@pytest.fixture
def tasks(grant, coordinator, meeting, gp_member, nav_member, nav, citizen):
    """A new prescription for the GP (medication plan), work training for Nav, and one Nav cancelled."""
    gp, nav_ = member_of(meeting, gp_member), member_of(meeting, nav_member)
    prescription = add_task(grant, meeting, coordinator, gp, "Ny resept", section=Section.MEDICATION)
    training = add_task(grant, meeting, coordinator, nav_, "Søke arbeidstrening", days=7)
    course = add_task(grant, meeting, coordinator, nav_, "Finne kurs", days=14)
    actions.set_task_status(
        access.grant_for(nav, citizen), course, acting_user=nav, status="cancelled", reason="Kurset er lagt ned"
    )
    return prescription, training, course


def ids(bundle):
    return [int(resource.id) for resource in resources(bundle)]


def test_tasks_by_patient_owner_and_status(api, coordinator, gp, nav, citizen, tasks, active_plan):
    prescription, training, course = tasks
    call = api(coordinator)
    patient = {"patient": f"Patient/{citizen.pk}"}
    bundle = valid(call("/fhir/Task", data=patient))
    assert ids(bundle) == [prescription.pk, training.pk, course.pk]  # by due date
    first, _second, cancelled = resources(bundle)
    assert (first.status, first.intent, first.description) == ("requested", "order", "Ny resept")
    assert first.for_fhir.reference == f"Patient/{citizen.pk}"
    assert (first.owner.reference, first.owner.display) == (f"Practitioner/{gp.pk}", "Gp Test")
    assert first.restriction.period.end == prescription.due_on
    assert first.basedOn[0].reference == f"CarePlan/{active_plan.pk}"
    assert first.requester.reference == f"Practitioner/{coordinator.pk}"
    assert (cancelled.status, cancelled.statusReason.text) == ("cancelled", "Kurset er lagt ned")
    assert cancelled.basedOn is None  # closed: not linked to whatever plan is in force now
    assert read_sections(coordinator, citizen) == sorted([GROUP, Section.MEDICATION])

    assert ids(valid(call("/fhir/Task", data={**patient, "owner": f"Practitioner/{gp.pk}"}))) == [prescription.pk]
    assert ids(valid(call("/fhir/Task", data={"owner": f"Practitioner/{nav.pk}"}))) == [training.pk, course.pk]
    assert ids(valid(call("/fhir/Task", data={**patient, "status": "cancelled"}))) == [course.pk]
    assert ids(valid(call("/fhir/Task", data={**patient, "status": "requested,in-progress"}))) == [
        prescription.pk,
        training.pk,
    ]
    assert valid(call("/fhir/Task", data={**patient, "status": "on-hold"})).total == 0
    # A search across citizens (owner=) logs one read per citizen and section shown.
    events = reads(coordinator, citizen).filter(path="/fhir/Task")
    assert events.count() == 2 + 2 + 1 + 1 + 2 + 1
    assert valid(call("/fhir/Task", data={"subject": f"Patient/{citizen.pk}", "owner": "Practitioner/999"})).total == 0


def test_nav_gets_no_action_in_the_medication_plan(api, nav, gp, citizen, tasks):
    _prescription, training, course = tasks
    call = api(nav)
    assert ids(valid(call("/fhir/Task", data={"patient": f"Patient/{citizen.pk}"}))) == [training.pk, course.pk]
    assert valid(call("/fhir/Task", data={"owner": f"Practitioner/{gp.pk}"})).total == 0
    assert Section.MEDICATION not in read_sections(nav, citizen)


def test_a_shielded_member_loses_the_actions_in_that_part_not_the_others(
    api, coordinator, grant, gp, citizen, group, meeting, coordinator_member, gp_member, nav_member, tasks
):
    prescription, training, course = tasks
    gp_task = add_task(grant, meeting, coordinator, member_of(meeting, gp_member), "Ringe Ingrid")
    call = api(gp)
    patient = {"patient": f"Patient/{citizen.pk}"}
    assert prescription.pk in ids(valid(call("/fhir/Task", data=patient)))
    shield_gp_from_medication(grant, group, coordinator, coordinator_member, gp_member, nav_member)
    expected = [gp_task.pk, training.pk, course.pk]
    assert ids(valid(call("/fhir/Task", data=patient))) == expected
    assert ids(valid(call("/fhir/Task", data={"owner": f"Practitioner/{gp.pk}"}))) == [gp_task.pk]
    # The coordinator is shielded from nothing and still sees it.
    assert prescription.pk in ids(valid(api(coordinator)("/fhir/Task", data=patient)))


# Reads ------------------------------------------------------------------------------------------

SEARCHES = ["/fhir/Appointment", "/fhir/Composition", "/fhir/Task"]


def path_of(entry):
    return urlsplit(entry["fullUrl"]).path


def last_event():
    return AccessEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def sections_logged(user, citizen, since):
    """The sections of the reads logged after event ``since`` (the log is append-only)."""
    return sorted(reads(user, citizen).filter(pk__gt=since).values_list("section", flat=True))


@pytest.mark.parametrize("reader", ["coordinator", "gp", "nav", "citizen"])
def test_each_read_is_its_row_in_the_search_and_logs_what_a_page_of_that_row_logs(
    api, request, reader, coordinator, grant, citizen, meeting, tasks
):
    write_minutes(grant, meeting, coordinator)
    user = citizen.user if reader == "citizen" else request.getfixturevalue(reader)
    call = api(user)
    patient = {"patient": f"Patient/{citizen.pk}"}
    for url in SEARCHES:
        total = valid(call(url, data=patient)).total
        assert total
        for offset in range(total):
            since = last_event()
            [entry] = call(url, data={**patient, "_count": 1, "_offset": offset}).json()["entry"]
            searched = sections_logged(user, citizen, since)
            since = last_event()
            response = call(path_of(entry))  # the fullUrl the search gave
            valid(response)
            assert response.json() == entry["resource"]
            assert sections_logged(user, citizen, since) == searched
            resource = entry["resource"]
            detail = f"FHIR {resource['resourceType']} {resource['id']}"
            assert set(reads(user, citizen).filter(pk__gt=since).values_list("path", "detail")) == {
                (path_of(entry), detail)
            }
    assert not denials(user, citizen).exists()


def test_draft_minutes_are_a_logged_404_even_for_their_writer(api, coordinator, grant, citizen, meeting):
    draft = write_minutes(grant, meeting, coordinator, sign=False)
    for user in (coordinator, citizen.user):
        response = api(user)(f"/fhir/Composition/{draft.pk}")
        assert valid(response, status=404).issue[0].code == "not-found"
        refusal = denials(user, citizen).get()
        assert (refusal.section, refusal.detail) == (GROUP, f"FHIR Composition {draft.pk}")
        assert not reads(user, citizen).exists()
    # The same answer as for minutes that do not exist.
    assert api(coordinator)(f"/fhir/Composition/{draft.pk + 1000}").content == response.content
    minutes = actions.sign_minutes(grant, draft, acting_user=coordinator, expected_revision=draft.revision)
    signed = valid(api(coordinator)(f"/fhir/Composition/{minutes.pk}"))
    assert signed.status == "final" and signed.meta.lastUpdated == minutes.signed_at  # signed minutes never change


def test_an_action_in_a_part_the_reader_may_not_see_is_a_logged_404(api, nav, citizen, tasks):
    prescription, training, _course = tasks
    call = api(nav)
    assert valid(call(f"/fhir/Task/{prescription.pk}"), status=404).issue[0].code == "not-found"
    refusal = denials(nav, citizen).get()
    assert (refusal.section, refusal.detail) == (GROUP, f"FHIR Task {prescription.pk}")
    assert not reads(nav, citizen).exists()
    read = valid(call(f"/fhir/Task/{training.pk}"))
    assert read.description == "Søke arbeidstrening" and read.meta.lastUpdated == training.updated_at


def test_a_shielded_member_reads_neither_the_part_nor_the_action_they_are_shielded_from(
    api, coordinator, grant, gp, citizen, group, meeting, coordinator_member, gp_member, nav_member, tasks
):
    prescription, training, _course = tasks
    minutes = write_minutes(grant, meeting, coordinator)
    call = api(gp)
    assert "plan_part" in sections_by_code(valid(call(f"/fhir/Composition/{minutes.pk}")))
    assert valid(call(f"/fhir/Task/{prescription.pk}")).description == "Ny resept"
    shield_gp_from_medication(grant, group, coordinator, coordinator_member, gp_member, nav_member)
    since = last_event()
    response = call(f"/fhir/Composition/{minutes.pk}")
    assert set(sections_by_code(valid(response))) == {"summary", "goal", "intervention"}
    assert SAID[Section.MEDICATION] not in response.content.decode()
    assert sections_logged(gp, citizen, since) == sorted([GROUP, Section.MEASURES, Section.PLAN])
    since = last_event()
    assert valid(call(f"/fhir/Task/{prescription.pk}"), status=404).issue[0].code == "not-found"
    refusal = denials(gp, citizen).get()
    assert (refusal.section, refusal.detail) == (GROUP, f"FHIR Task {prescription.pk}")
    assert not reads(gp, citizen).filter(pk__gt=since).exists()
    valid(call(f"/fhir/Task/{training.pk}"))  # the actions in other parts stay
    valid(api(coordinator)(f"/fhir/Task/{prescription.pk}"))  # the coordinator is shielded from nothing


# Refusals and bad input -------------------------------------------------------------------------


@pytest.fixture
def papers(grant, coordinator, meeting, tasks):
    """The address of one of each: the meeting, its signed minutes and an action in the group's part."""
    minutes = write_minutes(grant, meeting, coordinator)
    return [f"/fhir/Appointment/{meeting.pk}", f"/fhir/Composition/{minutes.pk}", f"/fhir/Task/{tasks[1].pk}"]


@pytest.mark.parametrize("url", SEARCHES)
def test_outsider_gets_404_and_the_refusal_is_logged(api, outsider, coordinator, grant, citizen, tasks, url):
    outcome = valid(api(outsider)(url, data={"patient": f"Patient/{citizen.pk}"}), status=404)
    assert outcome.issue[0].code == "not-found"
    assert denials(outsider, citizen).get().section == GROUP
    assert not reads(outsider, citizen).exists()


@pytest.mark.parametrize("kind", range(3), ids=["Appointment", "Composition", "Task"])
def test_outsider_reading_gets_404_and_the_refusal_is_logged(api, outsider, citizen, papers, kind):
    outcome = valid(api(outsider)(papers[kind]), status=404)
    assert outcome.issue[0].code == "not-found"
    assert denials(outsider, citizen).get().section == GROUP
    assert not reads(outsider, citizen).exists()


def test_outsider_searching_by_owner_gets_an_empty_bundle(api, outsider, gp, citizen, tasks):
    assert valid(api(outsider)("/fhir/Task", data={"owner": f"Practitioner/{gp.pk}"})).total == 0
    assert not AccessEvent.objects.filter(actor_id=outsider.pk).exists()


@pytest.mark.parametrize("url", SEARCHES)
def test_a_member_without_the_group_section_gets_403_and_it_is_logged(api, make_staff, citizen, tasks, url):
    adviser = make_staff("adviser")
    CareTeamMember.objects.create(citizen=citizen, user=adviser, role="other", sections=[Section.OVERVIEW])
    outcome = valid(api(adviser)(url, data={"patient": f"Patient/{citizen.pk}"}), status=403)
    assert outcome.issue[0].code == "forbidden"
    assert denials(adviser, citizen).get().section == GROUP
    assert not reads(adviser, citizen).exists()


@pytest.mark.parametrize("kind", range(3), ids=["Appointment", "Composition", "Task"])
def test_a_member_without_the_group_section_reading_gets_403_and_it_is_logged(api, make_staff, citizen, papers, kind):
    adviser = make_staff("adviser")
    CareTeamMember.objects.create(citizen=citizen, user=adviser, role="other", sections=[Section.OVERVIEW])
    outcome = valid(api(adviser)(papers[kind]), status=403)
    assert outcome.issue[0].code == "forbidden"
    assert denials(adviser, citizen).get().section == GROUP
    assert not reads(adviser, citizen).exists()


def test_unknown_patient_is_404(api, coordinator):
    for url in SEARCHES:
        valid(api(coordinator)(url, data={"patient": "Patient/999999"}), status=404)


def test_unknown_ids_are_404_and_log_nothing(api, coordinator, tasks):
    since = last_event()
    for url in SEARCHES:
        valid(api(coordinator)(f"{url}/999999"), status=404)
    assert not AccessEvent.objects.filter(pk__gt=since).exists()


@pytest.mark.parametrize("url", [*SEARCHES, *(f"{url}/1" for url in SEARCHES)])
def test_no_token_is_401(client, url):
    valid(client.get(url), status=401)


@pytest.mark.parametrize(
    "url, kwarg", [("/fhir/Appointment", "meeting_id"), ("/fhir/Composition", "minutes_id"), ("/fhir/Task", "task_id")]
)
@pytest.mark.parametrize("raw", [str(2**63), str(2**64), "9" * 30, str(2**63 - 1), "0", "-1", "1e3", "%00"])
def test_an_id_beyond_bigint_or_not_an_id_is_an_operation_outcome_never_a_500(api, coordinator, tasks, url, kwarg, raw):
    since = last_event()
    response = api(coordinator)(f"{url}/{raw}")
    if raw.isdigit() and int(raw) > 2**63 - 1:
        assert valid(response, status=400).issue[0].expression == [kwarg]
    else:  # not found: no such row, or no such route
        assert valid(response, status=404).issue[0].code == "not-found"
    assert not AccessEvent.objects.filter(pk__gt=since).exists()


@pytest.mark.parametrize(
    "url, query, code, expression",
    [
        ("/fhir/Appointment", {}, "required", "patient"),
        ("/fhir/Appointment", {"patient": "Patient/abc"}, "invalid", "patient"),
        ("/fhir/Appointment", {"patient": "Practitioner/{citizen}"}, "invalid", "patient"),
        ("/fhir/Appointment", {"patient": "Patient/{citizen}", "status": "bogus"}, "invalid", "status"),
        ("/fhir/Appointment", {"patient": "Patient/{citizen}", "date": "2026"}, "not-supported", "date"),
        ("/fhir/Composition", {}, "required", "subject"),
        ("/fhir/Composition", {"patient": "Patient/abc"}, "invalid", "patient"),
        ("/fhir/Composition", {"subject": "Patient/{citizen}", "status": "bogus"}, "invalid", "status"),
        ("/fhir/Composition", {"subject": "Patient/{citizen}", "_count": "many"}, "invalid", "_count"),
        ("/fhir/Task", {}, "required", "patient"),
        ("/fhir/Task", {"patient": "Patient/abc"}, "invalid", "patient"),
        ("/fhir/Task", {"patient": "Patient/{citizen}", "status": "bogus"}, "invalid", "status"),
        ("/fhir/Task", {"owner": "Organization/1"}, "invalid", "owner"),
        ("/fhir/Task", {"owner": f"Practitioner/{2**64}"}, "invalid", "owner"),
        ("/fhir/Task", {"owner": "Practitioner/1", "_offset": "-1"}, "invalid", "_offset"),
    ],
)
def test_bad_parameters_get_a_400_and_log_nothing(api, coordinator, citizen, tasks, url, query, code, expression):
    events = AccessEvent.objects.filter(actor_id=coordinator.pk).count()
    query = {name: value.format(citizen=citizen.pk) for name, value in query.items()}
    outcome = valid(api(coordinator)(url, data=query), status=400)
    assert (outcome.issue[0].code, outcome.issue[0].expression) == (code, [expression])
    assert AccessEvent.objects.filter(actor_id=coordinator.pk).count() == events


# Query budgets ----------------------------------------------------------------------------------


def queries(call, url, query):
    call(url, data=query)  # the token's first use is written once
    with CaptureQueriesContext(connection) as context:
        valid(call(url, data=query))
    return len(context.captured_queries)


def test_query_counts_do_not_grow_with_meetings_minutes_or_tasks(
    api, coordinator, grant, citizen, group, meeting, gp_member, nav_member, nav
):
    minutes = write_minutes(grant, meeting, coordinator)
    task = add_task(grant, meeting, coordinator, member_of(meeting, gp_member), "Ny resept", section=Section.MEDICATION)
    coordinator_call, nav_call = api(coordinator), api(nav)
    patient = {"patient": f"Patient/{citizen.pk}"}
    searches = [
        (coordinator_call, "/fhir/Appointment", patient),
        (coordinator_call, "/fhir/Composition", patient),
        (coordinator_call, "/fhir/Task", patient),
        (nav_call, "/fhir/Composition", patient),  # a reader with shielding to look up
        (coordinator_call, "/fhir/Task", {"owner": f"Practitioner/{gp_member.user_id}"}),
    ]
    # The reads of the first meeting's papers, which the later meetings do not change.
    papers = [
        (coordinator_call, f"/fhir/Appointment/{meeting.pk}", {}),
        (coordinator_call, f"/fhir/Composition/{minutes.pk}", {}),
        (coordinator_call, f"/fhir/Task/{task.pk}", {}),
        (nav_call, f"/fhir/Composition/{minutes.pk}", {}),
    ]
    one = [queries(*search) for search in searches]
    read = [queries(*paper) for paper in papers]
    for days in (2, 3, 4):
        more = plan_meeting(grant, group, coordinator, days=days)
        add_task(grant, more, coordinator, member_of(more, gp_member), f"Oppgave {days}", section=Section.MEDICATION)
        add_task(grant, more, coordinator, member_of(more, nav_member), f"Nav {days}")
        write_minutes(grant, more, coordinator)
    assert [queries(*search) for search in searches] == one
    assert [queries(*paper) for paper in papers] == read
    # Appointment: token (with the staff profile), the citizen with block and roles, meetings, their
    # participants, access events. Composition: the door, the group's agreements, the reader's
    # shielding, minutes, the page's interventions, access events. Task: the door, agreements,
    # shielding, tasks, the page's active plans, access events. By owner: the owner's citizens, then
    # grants_for (citizens, blocks, roles), agreements, shielding, tasks, active plans, one insert
    # per section.
    assert one == [5, 7, 7, 7, 11]
    # A read: whose row it is (the citizen, for the door), then the queries of a search's page of one.
    assert read == [6, 8, 8, 8]


# Bulk export --------------------------------------------------------------------------------------


def test_a_bulk_export_holds_the_groups_papers_as_the_searches_show_them_shielding_and_all(
    client,
    api,
    coordinator,
    grant,
    gp,
    citizen,
    group,
    meeting,
    coordinator_member,
    gp_member,
    nav_member,
    tasks,
    django_capture_on_commit_callbacks,
):
    import json

    write_minutes(grant, meeting, coordinator)
    shield_gp_from_medication(grant, group, coordinator, coordinator_member, gp_member, nav_member)
    token = ApiToken.issue(gp)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_PREFER": "respond-async"}
    with django_capture_on_commit_callbacks(execute=True):
        kicked = client.get("/fhir/Patient/$export", {"_type": "Appointment,Composition,Task"}, **headers)
    manifest = client.get(kicked["Content-Location"], **headers).json()
    exported = {}
    for output in manifest["output"]:
        lines = b"".join(client.get(output["url"], **headers).streaming_content).decode().splitlines()
        exported[output["type"]] = [json.loads(line) for line in lines]
    call = api(gp)
    for kind in ("Appointment", "Composition", "Task"):
        bundle = call(f"/fhir/{kind}", data={"patient": f"Patient/{citizen.pk}", "_count": 100}).json()
        searched = [entry["resource"] for entry in bundle.get("entry", [])]
        assert searched, kind
        assert sorted(exported[kind], key=lambda r: r["id"]) == sorted(searched, key=lambda r: r["id"]), kind
    assert SAID[Section.MEDICATION] not in json.dumps(exported)  # the GP is shielded from the medication part
