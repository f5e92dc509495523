"""Demo data: a peer worker from the peer-support service on Ingrid's team (with the default scope),
her personal development plan, and peer workers for part of the coordinator's caseload, so that the
outcome report's comparison with and without peer support has something to show."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from audit import sections as section_registry
from people.access import grant_for
from people.models import CareTeamMember, Citizen, Organisation, StaffProfile

from . import actions
from .models import PeerRequest

PEER_USERNAME = "likeperson"


def demo_recovery(ingrid, coordinator, caseload, password):
    service = Organisation.objects.filter(org_type=Organisation.Type.NGO).order_by("pk").first()
    peer = get_user_model().objects.create(
        username=PEER_USERNAME, first_name="Per", last_name="Likeperson", password=password
    )
    StaffProfile.objects.create(user=peer, organisation=service, profession="Erfaringskonsulent", phone="73 00 00 10")
    sections = section_registry.defaults_for(CareTeamMember.Role.PEER_WORKER)
    request = PeerRequest.objects.create(
        citizen=ingrid, asked_by=ingrid.user, wish="Noen som vet hvordan det er å ikke få sove."
    )
    CareTeamMember.objects.create(
        citizen=ingrid,
        user=peer,
        role=CareTeamMember.Role.PEER_WORKER,
        organisation=service,
        sections=sections,
        added_by=coordinator,
    )
    actions.answer_request(
        grant_for(coordinator, ingrid),
        request,
        acting_user=coordinator,
        answer="Per fra Likepersonstjenesten er med i teamet ditt nå. Han ringer deg for å avtale første møte.",
    )
    actions.write_plan(
        grant_for(ingrid.user, ingrid),
        acting_user=ingrid.user,
        based_on=0,
        what_matters="Hunden min, Bella. At jeg klarer å gå på jobb igjen, litt etter litt.",
        strengths="Jeg er god til å lytte til andre. Jeg har klart tøffe perioder før.",
        what_helps="Tur med Bella hver morgen. Å spise frokost. Å ringe Odd når det butter.",
        what_does_not_help="At noen snakker over hodet på meg. Å være alene hele helgen.",
        next_steps="Gå på Veiviser-samlingene på tirsdager. Prøve arbeidstrening to dager i uka fra våren.",
        support="Spør meg hvordan jeg har det, ikke bare om symptomene. Per: del gjerne hva som hjalp deg.",
    )
    # A peer worker for every fourth citizen of the coordinator's caseload.
    others = Citizen.objects.filter(pk__in=[c.pk for c in caseload]).exclude(pk=ingrid.pk).order_by("pk")
    CareTeamMember.objects.bulk_create(
        CareTeamMember(
            citizen=citizen,
            user=peer,
            role=CareTeamMember.Role.PEER_WORKER,
            organisation=service,
            sections=sections,
            added_by=coordinator,
            active_from=timezone.localdate(),
        )
        for citizen in list(others)[::4]
    )
