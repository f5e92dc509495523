"""What a group's reader may see: the care-team grant, narrowed by the agreement's shielding rules.

The care team stays who may see what (``people.access``); the agreement may only take parts away
from a member ("skjermingsregler"), never add any. A reader who is not in the group (the coordinator
of another side, an emergency access) is shielded from nothing but still sees only their grant.
"""

from people.access import all_sections
from people.models import CareTeamMember

from .models import Member


def member_scope(care_team_member):
    """The sections a care-team row allows, before any shielding (a coordinator: all of them)."""
    if care_team_member.role == CareTeamMember.Role.COORDINATOR:
        return all_sections()
    return frozenset(care_team_member.sections) & all_sections()


def shielded_for(user, agreements):
    """The sections ``user`` is shielded from under any of ``agreements`` (ids or objects)."""
    if not user.is_authenticated or getattr(user, "is_system_client", False):
        return frozenset()  # a system client is in no group
    ids = [getattr(agreement, "pk", agreement) for agreement in agreements if agreement is not None]
    rows = Member.objects.filter(agreement_id__in=ids, care_team_member__user=user).values_list(
        "shielded_sections", flat=True
    )
    return frozenset(section for shielded in rows for section in shielded)


def reader_sections(grant, user, *agreements):
    """The sections ``user`` sees of the group's papers: the grant minus what any of ``agreements`` shields.

    The citizen sees everything that is theirs; nobody else is ever given more than their grant.
    """
    if grant.is_self:
        return grant.sections
    return grant.sections - shielded_for(user, agreements)
