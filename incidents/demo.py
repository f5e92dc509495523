"""Demo data for violent episodes: a housing unit, its milieu therapist, Ingrid's incident through the
actions, and 18 months of other citizens' incidents for the leaders' run chart.

Ingrid's incident (twelve days ago, at Bofellesskapet Lia) was recorded by the milieu therapist, followed
up with her and debriefed by the staff; her coordinator proposed its warning signs and what helps for her
crisis plan. The proposal lands in her open plan proposal and is left **awaiting her approval**: log in as
``innbygger`` and approve it on the plan page. The learning log is left for the demo to make (as
``koordinator``, "Make a learning log from this incident": her group is active, and its one log stays the
one ``demo.group_story`` wrote). The other incidents are bulk-created (no actions, no access-log
events), like ``demo.bulk``'s history: between 3 and 12 a month at the housing unit, so the chart has
months shown and months withheld ("under 5"), and a few at the home-care unit, whose months are all
under 5.

Called by ``seed_demo`` after the story (Ingrid's plan proposal and group must exist), outside any
transaction: the actions open their own.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from people.access import grant_for
from people.models import CareTeamMember, Citizen, Organisation, Section, StaffProfile

from . import actions
from .models import Conversation, Incident
from .queries import incident_of
from .sections import INCIDENTS

HOUSING_UNIT = "Fjordby kommune – Bofellesskapet Lia"
MONTHS = 18

INGRID_INCIDENT = {
    "place": "Fellesstua",
    "what_happened": "Ingrid ropte til en ansatt og kastet en kopp i veggen da det ble bråk om TV-en. "
    "Hun gikk inn på rommet sitt og smelte igjen døra.",
    "warning_signs": "Gikk fram og tilbake i gangen i en halvtime.\nSvarte kort eller ikke i det hele tatt.\n"
    "Hadde ikke spist middag.",
    "what_deescalated": "At én ansatt snakket rolig med henne i døra, og at de andre beboerne gikk ut av stua.",
    "injuries": ["none"],
    "police_involved": False,
    "emergency_services_involved": False,
}
FOLLOW_UP = {
    "participants": "Ingrid og Mona Miljø",
    "said": "Ingrid sa at hun hadde sovet dårlig i flere netter og at bråket i stua ble for mye. "
    "Hun var lei seg for koppen.",
    "learned": "Å få gå en tur alene en kvarters tid.\nAt noen spør om hun har spist.",
    "next_time": "",
}
DEBRIEF = {
    "participants": "Mona Miljø og de to andre på kveldsvakt",
    "said": "Vi så at hun var urolig, men ventet til det ble bråk. Stua var full.",
    "learned": "Tidlig, rolig kontakt hjelper mer enn å vente. Ingrid trenger et sted å trekke seg tilbake.",
    "next_time": "Spørre Ingrid om hun vil gå en tur når hun går fram og tilbake i gangen. "
    "Holde det stille rommet ledig om kvelden.",
}
WHAT_HAPPENED = (
    "Beboeren ropte og truet en ansatt.",
    "Beboeren slo i en dør og kastet en stol.",
    "Krangel mellom to beboere på kjøkkenet.",
    "Beboeren dyttet en ansatt i gangen.",
)


def _housing_staff(orgs, password):
    unit = Organisation.objects.create(name=HOUSING_UNIT, org_type=Organisation.Type.MUNICIPAL, parent=orgs[0])
    user = get_user_model().objects.create(username="miljo", first_name="Mona", last_name="Miljø", password=password)
    StaffProfile.objects.create(user=user, organisation=unit, profession="Miljøterapeut", phone="73 00 00 10")
    return unit, user


def _on_team(citizens, user, unit, added_by):
    CareTeamMember.objects.bulk_create(
        CareTeamMember(
            citizen=citizen,
            user=user,
            role=CareTeamMember.Role.OTHER,
            organisation=unit,
            sections=[Section.OVERVIEW, INCIDENTS],
            added_by=added_by,
        )
        for citizen in citizens
    )


def ingrid_incident(ingrid, milieu, coordinator):
    """Through the actions: recorded, followed up, debriefed, and a crisis-plan proposal."""
    staff_grant = grant_for(milieu, ingrid)
    occurred = timezone.now() - datetime.timedelta(days=12, hours=3)
    incident = actions.record_incident(staff_grant, acting_user=milieu, occurred_at=occurred, **INGRID_INCIDENT)
    actions.record_conversation(
        staff_grant,
        incident,
        acting_user=milieu,
        kind="follow_up",
        held_at=occurred + datetime.timedelta(days=1),
        **FOLLOW_UP,
    )
    actions.record_conversation(
        staff_grant,
        incident,
        acting_user=milieu,
        kind="debrief",
        held_at=occurred + datetime.timedelta(days=2),
        **DEBRIEF,
    )
    grant = grant_for(coordinator, ingrid)
    incident = incident_of(ingrid, incident.pk)
    proposal = actions.crisis_plan_initial(incident)
    team = CareTeamMember.objects.active().filter(citizen=ingrid)
    wanted = (CareTeamMember.Role.COORDINATOR, CareTeamMember.Role.RELATIVE)
    contacts = [member for member in team if member.role in wanted]
    proposal.pop("contacts")
    proposal["title"] = "Når det blir for mye rundt meg der jeg bor"
    proposal["other_contacts"] = "Personalet på Bofellesskapet Lia"
    actions.propose_for_crisis_plan(grant, incident, acting_user=coordinator, contacts=contacts, **proposal)
    return incident


def other_incidents(rng, citizens, unit, home_care, recorder, *, today=None):
    """18 months of incidents at the housing unit (3 to 12 a month) and a few at home care, bulk-created."""
    today = today or timezone.localdate()
    now = timezone.now()
    month = today.replace(day=1)
    rows = []
    for _step in range(MONTHS):
        for where, count in ((unit, rng.choice([3, 5, 6, 7, 7, 8, 9, 10, 12])), (home_care, rng.choice([0, 1, 2]))):
            for _n in range(count):
                day = rng.randint(1, 28)
                at = datetime.time(rng.randint(7, 23), rng.choice([0, 15, 30, 45]))
                moment = timezone.make_aware(datetime.datetime.combine(month.replace(day=day), at))
                if moment > now:
                    continue
                injured = rng.random() < 0.15
                rows.append(
                    Incident(
                        citizen=rng.choice(citizens),
                        unit=where,
                        occurred_at=moment,
                        what_happened=rng.choice(WHAT_HAPPENED),
                        warning_signs="Urolig og rastløs på forhånd.",
                        what_deescalated="Rolig samtale og tid alene.",
                        injuries=["staff"] if injured else ["none"],
                        injury_description="Blåmerke på armen." if injured else "",
                        police_involved=rng.random() < 0.05,
                        recorded_by=recorder,
                    )
                )
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    incidents = Incident.objects.bulk_create(rows)
    debriefs = [
        Conversation(
            incident=incident,
            kind=Conversation.Kind.DEBRIEF,
            held_at=incident.occurred_at + datetime.timedelta(days=2),
            participants="Personalet på vakt",
            said="Vi gikk gjennom hendelsen.",
            recorded_by=recorder,
        )
        for incident in incidents
        if incident.occurred_at < now - datetime.timedelta(days=3) and rng.random() < 0.85
    ]
    Conversation.objects.bulk_create(debriefs)
    return incidents


def demo_incidents(orgs, staff, password, *, rng=None):
    """The housing unit and its staff member, Ingrid's incident, and the other citizens' incidents."""
    rng = rng or random.Random(2026)  # noqa: S311 - invented demo data, not secrets
    unit, milieu = _housing_staff(orgs, password)
    staff["miljo"] = milieu
    coordinator = staff["koordinator"]
    ingrid = Citizen.objects.get(user__username="innbygger")
    others = list(
        Citizen.objects.filter(care_team__user=coordinator, care_team__role=CareTeamMember.Role.COORDINATOR)
        .exclude(pk=ingrid.pk)
        .distinct()
        .order_by("pk")[:15]
    )
    _on_team([ingrid, *others], milieu, unit, coordinator)
    incident = ingrid_incident(ingrid, milieu, coordinator)
    other_incidents(rng, others or [ingrid], unit, orgs[1], milieu)
    return incident
