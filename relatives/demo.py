"""Demo data: Ingrid's brother Odd with consent to the crisis plan only (and an earlier consent to the
plan that she took back), and the children question for the coordinator's caseload."""

import datetime

from django.utils import timezone

from people.access import grant_for
from people.models import CareTeamMember, Citizen

from . import actions
from .models import Child, ChildrenQuestion, Consent, Relative


def demo_relatives(ingrid, coordinator, caseload):
    ingrid_grant = grant_for(ingrid.user, ingrid)
    odd_row = CareTeamMember.objects.filter(citizen=ingrid, role=CareTeamMember.Role.RELATIVE, user=None).first()
    odd = actions.add_relative(
        ingrid_grant, acting_user=ingrid.user, name="Odd Innbygger", relation="sibling", phone="911 11 111"
    )
    if odd_row is not None:
        Relative.objects.filter(pk=odd.pk).update(member=odd_row)
        odd.refresh_from_db()
    now = timezone.now()
    earlier = actions.give_consent(ingrid_grant, odd, ["plan"], acting_user=ingrid.user)
    actions.revoke_consent(ingrid_grant, earlier, acting_user=ingrid.user)
    Consent.objects.filter(pk=earlier.pk).update(
        given_at=now - datetime.timedelta(days=240), revoked_at=now - datetime.timedelta(days=90)
    )
    current = actions.give_consent(ingrid_grant, odd, ["crisis_plan"], acting_user=ingrid.user)
    Consent.objects.filter(pk=current.pk).update(given_at=now - datetime.timedelta(days=90))
    coordinator_grant = grant_for(coordinator, ingrid)
    actions.record_support(
        coordinator_grant,
        odd,
        acting_user=coordinator,
        conversation_offered_on=timezone.localdate() - datetime.timedelta(days=80),
        conversation_held_on=timezone.localdate() - datetime.timedelta(days=70),
        own_needs="Odd vil vite hva han skal gjøre når Ingrid ringer om natten, og trenger selv en pause i helgene.",
        needs_shared_with_citizen=True,
    )
    actions.answer_children_question(coordinator_grant, acting_user=coordinator, has_children=False)
    _children_questions(caseload, coordinator)


def _children_questions(caseload, coordinator):
    """Most of the caseload asked; two not yet (the worklist shows them), one with a child not yet seen to."""
    citizens = list(
        Citizen.objects.filter(pk__in=[c.pk for c in caseload], children_question__isnull=True).order_by("pk")
    )
    unasked, with_child, rest = citizens[:2], citizens[2:3], citizens[3:]
    ChildrenQuestion.objects.bulk_create(
        [ChildrenQuestion(citizen=c, has_children=False, answered_by=coordinator) for c in rest]
        + [ChildrenQuestion(citizen=c, has_children=True, answered_by=coordinator) for c in with_child]
    )
    year = timezone.localdate().year
    Child.objects.bulk_create(
        [
            Child(citizen=c, name="Eldste", birth_year=year - 11, lives_with="shared", recorded_by=coordinator)
            for c in with_child
        ]
    )
    return unasked
