"""FHIR R4 Group: the citizens a unit serves, or a coordinator's own caseload (what a group-level
bulk export will export). Not a responsibility group: those are Appointments, Compositions and
Tasks (``fhir_api.groups``).

* ``unit-<id>``: the citizens the unit (with the units under it) serves — for staff of that unit,
  leaders of it, and system clients registered for it;
* ``caseload-<user id>``: the citizens the user coordinates — for that user only.

Either way a Group's members are only the citizens the reader may open right now (the one access
policy), and a read that lists them logs one read of each. A search lists the reader's Groups with
how many members each has and no members, so that it identifies nobody and logs nothing.
"""

import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.views.decorators.http import require_GET

from people import access
from people.models import CareTeamMember, Organisation, Section

from .edge import bearer_required
from .responses import fhir_response, not_found
from .search import check_params, respond, searchset

UNIT, CASELOAD = "unit", "caseload"
GROUP_ID = re.compile(r"(unit|caseload)-([0-9]{1,18})")


@dataclass(frozen=True)
class Cohort:
    kind: str
    pk: int
    name: str

    @property
    def id(self):
        return f"{self.kind}-{self.pk}"


def _caseload(user):
    coordinating = CareTeamMember.objects.active().filter(
        citizen=OuterRef("pk"), user=user, role=CareTeamMember.Role.COORDINATOR
    )
    return access.visible_to(user).filter(Exists(coordinating.order_by()))


def _unit_ids(user):
    """The units whose Group ``user`` may read: a system client's, a staff member's own and those they lead."""
    if access.is_system_client(user):
        return set(user.units.values_list("pk", flat=True)) if user.is_active else set()
    if not access.is_staff_member(user):
        return set()
    own = {user.staff_profile.organisation_id} if hasattr(user, "staff_profile") else set()
    return own | set(access.units_led_by(user))


def cohorts(user):
    """The Groups ``user`` may read, in a fixed order."""
    found = [
        Cohort(UNIT, pk, name)
        for pk, name in Organisation.objects.filter(pk__in=_unit_ids(user)).order_by("name").values_list("pk", "name")
    ]
    if not access.is_system_client(user) and access.is_staff_member(user):
        found.append(Cohort(CASELOAD, user.pk, f"Caseload of {user.get_full_name() or user.get_username()}"))
    return found


def members(user, cohort):
    """The citizens of ``cohort`` that ``user`` may open, by id."""
    if cohort.kind == CASELOAD:
        return _caseload(user).order_by("pk")
    return access.citizens_served_by(access.unit_tree([cohort.pk]), access.visible_to(user)).order_by("pk")


def _resource(cohort, *, quantity, member_ids=None):
    resource = {
        "resourceType": "Group",
        "id": cohort.id,
        "type": "person",
        "actual": True,
        "name": cohort.name,
        "quantity": quantity,
    }
    if member_ids:
        resource["member"] = [{"entity": {"reference": f"Patient/{pk}"}} for pk in member_ids]
    return resource


@bearer_required
@require_GET
def group_search(request):
    def run():
        check_params(request.GET, "Group")
        found = cohorts(request.user)
        sizes = {cohort.id: members(request.user, cohort).count() for cohort in found}
        return searchset(
            request,
            url_name="fhir:group_search",
            params=request.GET,
            queryset=found,
            to_resource=lambda cohort: _resource(cohort, quantity=sizes[cohort.id]),
            resource_type="Group",
        )

    return respond(run)


@bearer_required
@require_GET
def group_read(request, group_id):
    match = GROUP_ID.fullmatch(group_id)
    cohort = None
    if match:
        cohort = next((c for c in cohorts(request.user) if c.kind == match[1] and c.pk == int(match[2])), None)
    if cohort is None:
        return not_found()
    citizens = list(members(request.user, cohort))
    if citizens:
        access.log_list_read(request, citizens, Section.OVERVIEW, detail=f"FHIR Group {cohort.id}")
    return fhir_response(_resource(cohort, quantity=len(citizens), member_ids=[c.pk for c in citizens]))
