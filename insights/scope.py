"""Whose episodes a report counts: a leader's units, or a coordinator's own caseload. Never a record.

* a **leader** (``people.access.units_led_by``) counts the episodes of the units they lead, with the
  units under them; they may narrow the report to one of those units;
* a **coordinator** in a municipal unit counts their own caseload: the episodes they are responsible
  for and the episodes of citizens whose care team has them as coordinator;
* everyone else — administrators without a unit, care-team members from other organisations (GP,
  Nav, specialist services), relatives, citizens — gets ``PermissionDenied``.

Every report view writes one aggregate read (``people.access.log_aggregate``): who, which report,
which filters, which units. The figures themselves go through ``people.suppression``.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q

from pathways.models import Episode
from people.access import AggregateScope, units_led_by, works_in_a_municipal_unit
from people.models import CareTeamMember, Organisation

UNITS, CASELOAD = "units", "caseload"


@dataclass(frozen=True)
class ReportScope:
    user: object
    kind: str
    unit_ids: frozenset

    @property
    def is_caseload(self):
        return self.kind == CASELOAD

    def episodes(self, unit=None):
        """The episodes this scope counts, narrowed to ``unit`` (one of ``unit_ids``) when given."""
        episodes = Episode.objects.all()
        if self.kind == UNITS:
            episodes = episodes.filter(unit_id__in=list(self.unit_ids))
        else:
            coordinates = CareTeamMember.objects.active().filter(
                citizen=OuterRef("citizen_id"), user=self.user, role=CareTeamMember.Role.COORDINATOR
            )
            episodes = episodes.filter(Q(responsible=self.user) | Exists(coordinates.order_by()))
        if unit is not None:
            episodes = episodes.filter(unit_id=unit.pk)
        return episodes

    def units(self):
        """The units a reader may choose between (for a caseload: the units of its episodes)."""
        if self.kind == UNITS:
            return Organisation.objects.filter(pk__in=list(self.unit_ids)).order_by("name")
        return Organisation.objects.filter(pk__in=self.episodes().values("unit_id")).order_by("name")

    def for_log(self):
        """What ``people.access.log_aggregate`` records as the units counted."""
        return AggregateScope(user=self.user, unit_ids=self.unit_ids)


def report_scope(user):
    """The reader's scope for the outcome report, or PermissionDenied."""
    led = units_led_by(user)
    if led:
        return ReportScope(user=user, kind=UNITS, unit_ids=led)
    if not works_in_a_municipal_unit(user):
        raise PermissionDenied
    return ReportScope(user=user, kind=CASELOAD, unit_ids=frozenset({user.staff_profile.organisation_id}))


def may_see_reports(user):
    try:
        report_scope(user)
    except PermissionDenied:
        return False
    return True
