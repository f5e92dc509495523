"""What a group's reader may see: the care-team grant, narrowed by the agreement's shielding rules.

The care team stays who may see what (``people.access``); the agreement may only take parts away
from a member ("skjermingsregler"), never add any. A reader who is not in the group (the coordinator
of another side, an emergency access) is shielded from nothing but still sees only their grant.
"""

import operator
from functools import reduce

from django.db.models import Q

from people.access import all_sections, is_system_client
from people.models import CareTeamMember

from .models import Agreement, Member
from .sections import GROUP


def member_scope(care_team_member):
    """The sections a care-team row allows, before any shielding (a coordinator: all of them)."""
    if care_team_member.role == CareTeamMember.Role.COORDINATOR:
        return all_sections()
    return frozenset(care_team_member.sections) & all_sections()


def shielded_by_agreement(user, agreements):
    """``{agreement id: sections}`` that ``user`` is shielded from under each of ``agreements`` (ids or objects)."""
    if not user.is_authenticated or is_system_client(user):
        return {}  # a system client is in no group
    ids = [getattr(agreement, "pk", agreement) for agreement in agreements if agreement is not None]
    found = {}
    rows = Member.objects.filter(agreement_id__in=ids, care_team_member__user=user)
    for agreement_id, sections in rows.values_list("agreement_id", "shielded_sections"):
        found.setdefault(agreement_id, set()).update(sections)
    return found


def shielded_for(user, agreements):
    """The sections ``user`` is shielded from under any of ``agreements`` (ids or objects)."""
    return frozenset(section for sections in shielded_by_agreement(user, agreements).values() for section in sections)


def reader_sections(grant, user, *agreements):
    """The sections ``user`` sees of the group's papers: the grant minus what any of ``agreements`` shields.

    The citizen sees everything that is theirs; nobody else is ever given more than their grant.
    """
    if grant.is_self:
        return grant.sections
    return narrowed(grant, shielded_for(user, agreements))


def narrowed(grant, shielded):
    """The grant's sections less ``shielded``: the one rule behind every reader's view of the group's papers."""
    return grant.sections if grant.is_self else grant.sections - frozenset(shielded)


class Shielding:
    """``groups.shielding.reader_sections`` for every agreement of some citizens' groups at once.

    A paper of a group (minutes, an action) made under one agreement is shown to a reader in the
    sections of their grant, minus what that agreement or the group's current one shields them
    from; the citizen is shielded from nothing. Two queries, whatever the number of rows mapped.
    """

    def __init__(self, user, grants):
        self.grants = grants
        self.current, self.agreements, self.citizen_of, self.shielded = {}, {}, {}, {}
        if not grants:
            return
        rows = Agreement.objects.filter(group__citizen_id__among=list(grants)).order_by("group_id", "number")
        for agreement_id, group_id, citizen_id in rows.values_list("pk", "group_id", "group__citizen_id"):
            self.current[group_id] = agreement_id  # ordered by number: the last one is current
            self.agreements.setdefault(group_id, []).append(agreement_id)
            self.citizen_of[group_id] = citizen_id
        if not is_system_client(user) and not all(grant.is_self for grant in grants.values()):
            members = Member.objects.filter(
                agreement__group__citizen_id__among=list(grants), care_team_member__user=user
            )
            for agreement_id, sections in members.values_list("agreement_id", "shielded_sections"):
                self.shielded.setdefault(agreement_id, set()).update(sections)

    def sections(self, group_id, agreement_id=None):
        """What the reader sees of a paper of ``group_id`` made under ``agreement_id``."""
        grant = self.grants[self.citizen_of[group_id]]
        shielded = self.shielded.get(self.current[group_id], set()) | self.shielded.get(agreement_id, set())
        return narrowed(grant, shielded)

    def visible_tasks(self):
        """A filter for the actions the reader may see: grant with the group section, and the action's
        section in what the shielding leaves (the meeting's agreement and the group's current one)."""
        plain, clauses = {}, []
        for group_id, citizen_id in self.citizen_of.items():
            grant = self.grants[citizen_id]
            if not grant.may_see(GROUP):
                continue
            if grant.is_self or not any(self.shielded.get(pk) for pk in self.agreements[group_id]):
                plain.setdefault(grant.sections, []).append(group_id)
                continue
            # Shielded somewhere in this group: the sections depend on the meeting's agreement.
            clauses.append(Q(group_id=group_id, meeting__isnull=True, section__in=sorted(self.sections(group_id))))
            clauses += [
                Q(group_id=group_id, meeting__agreement_id=pk, section__in=sorted(self.sections(group_id, pk)))
                for pk in self.agreements[group_id]
            ]
        clauses += [Q(group_id__among=ids, section__in=sorted(sections)) for sections, ids in plain.items()]
        return reduce(operator.or_, clauses, Q(pk__in=[]))
