"""FHIR R4 Appointment (group meetings), Composition (signed minutes) and Task (the group's actions),
read and search.

The same door and log as the other resources: no access to the citizen is a 404 and a reader
without the group section a 403, both logged (``people.access.get_grant_or_404``). Minutes and
actions are then cut to what the reader may see: the grant narrowed by the agreement's shielding
(``groups.shielding.reader_sections``), per part of the minutes and per action. A search logs one
read per section it shows, once the Bundle is built, so a refused parameter logs nothing.

A read is a search of one row: the same queryset, the same mapping and the same log. What the
search would not show is a logged 404 behind the door: draft minutes, an action the reader is
shielded from or whose section they may not see.
"""

import operator
from functools import reduce

from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit import sections as section_registry
from groups import doors
from groups.models import GroupTask, Meeting, Minutes, Participant
from groups.sections import GROUP
from groups.shielding import Shielding
from people import access
from plans.models import PlanIntervention, PlanVersion

from . import mapping
from .edge import bearer_required, reference_id
from .search import SearchError, check_params, last_updated, respond, searchset, subject_id, token_codes

# Appointment and Task name the citizen ``patient``; ``subject`` is taken too, as on every search.
PATIENT_FIRST = ("patient", "subject")

APPOINTMENT_STATUSES = {
    "booked": (Meeting.Status.PLANNED,),
    "fulfilled": (Meeting.Status.HELD,),
    "cancelled": (Meeting.Status.CANCELLED,),
    # Valid R4 codes that no Samplan meeting has.
    **dict.fromkeys(("proposed", "pending", "arrived", "noshow", "entered-in-error", "checked-in", "waitlist"), ()),
}
NO_MINUTES = Q(pk__in=[])
COMPOSITION_STATUSES = {
    "final": Q(corrects__isnull=True),
    "amended": Q(corrects__isnull=False),
    # Valid R4 codes that no signed minutes have.
    "preliminary": NO_MINUTES,
    "entered-in-error": NO_MINUTES,
}
TASK_STATUSES = {
    **{status: (status,) for status in GroupTask.Status.values},  # Samplan's statuses are FHIR's codes
    # Valid R4 codes that no Samplan action has.
    **dict.fromkeys(
        ("draft", "received", "accepted", "rejected", "ready", "on-hold", "failed", "entered-in-error"), ()
    ),
}


def _statuses(params, known):
    """The Samplan values of the ``status`` parameter, or None when it is not given."""
    if "status" not in params:
        return None
    return [value for code in token_codes(params, "status", known) for value in known[code]]


def _group_grant(request, citizen_id, detail):
    """The door: 404 without access to the citizen, 403 without the group section, both logged.
    The read is logged by the search once it knows which sections it shows."""
    return access.get_grant_or_404(request, citizen_id, GROUP, log=False, detail=detail)


def _log_sections(request, grant, sections, detail):
    access.log_reads(request, grant, section_registry.in_order({GROUP, *sections}), detail)


def _read_grant(request, model, pk, detail):
    """The door of a read: the search's, for the citizen whose row ``pk`` is. No such row is a 404
    that is not logged (there is no citizen to log it for)."""
    citizen_id = model.objects.filter(pk=pk).values_list("citizen_id", flat=True).first()
    if citizen_id is None:
        raise Http404
    return _group_grant(request, citizen_id, detail)


def _the_row(request, grant, rows, pk, detail):
    """Row ``pk`` of the search's ``rows``; one the search would not show is a logged 404."""
    row = rows.filter(pk=pk, citizen_id=grant.citizen.pk).first()
    if row is None:
        doors.refuse(request, grant, detail, not_found=True)
    return row


def _map_one(row, to_resource, on_page=None):
    """A read maps its row as a search maps a page of one."""
    if on_page is not None:
        on_page([row])
    return to_resource(row)


# Appointment ------------------------------------------------------------------------------------


def _participants():
    participants = Participant.objects.select_related("member__care_team_member__user").order_by(
        "member__order", "member_id"
    )
    return Prefetch("participants", queryset=participants)


def meetings_with_participants():
    return Meeting.objects.select_related("agreement").prefetch_related(_participants())


@bearer_required
@require_GET
def appointment_search(request):
    """The citizen's group meetings, newest first."""
    params = request.GET
    detail = "FHIR Appointment search"

    def run():
        check_params(params, "Appointment")
        citizen_id = subject_id(params, PATIENT_FIRST)
        statuses = _statuses(params, APPOINTMENT_STATUSES)
        grant = _group_grant(request, citizen_id, detail)
        meetings = meetings_with_participants().filter(citizen_id=citizen_id).order_by("-starts_at", "-pk")
        if statuses is not None:
            meetings = meetings.filter(status__in=statuses)
        bundle = searchset(
            request,
            url_name="fhir:appointment_search",
            params=params,
            queryset=meetings,
            to_resource=mapping.appointment,
            resource_type="Appointment",
        )
        _log_sections(request, grant, (), detail)
        return bundle

    return respond(run)


@bearer_required
@require_GET
def appointment_read(request, meeting_id):
    detail = f"FHIR Appointment {meeting_id}"

    def run():
        grant = _read_grant(request, Meeting, meeting_id, detail)
        appointment = _map_one(
            _the_row(request, grant, meetings_with_participants(), meeting_id, detail), mapping.appointment
        )
        _log_sections(request, grant, (), detail)
        return appointment

    return respond(run)


# Composition ------------------------------------------------------------------------------------


class VisibleMinutes:
    """Maps one citizen's signed minutes to Compositions holding only the parts the reader may see,
    and remembers which sections it showed. Interventions are looked up once per page."""

    def __init__(self, grant, shielding):
        self.grant, self.shielding = grant, shielding
        self.shown, self.plans = set(), {}

    def _parts(self, minutes):
        meeting = minutes.meeting
        sections = self.shielding.sections(meeting.group_id, meeting.agreement_id)
        return sections, [part for part in minutes.parts if part.get("section") in sections]

    def load(self, page):
        """The CarePlan (plan version) of every intervention a part on the page evaluates."""
        ids = {part["intervention"] for minutes in page for part in self._parts(minutes)[1] if part.get("intervention")}
        if ids:
            interventions = PlanIntervention.objects.filter(pk__in=ids, version__citizen=self.grant.citizen)
            self.plans = dict(interventions.values_list("pk", "version_id"))

    def _entries(self, part):
        entries = []
        if part.get("goal"):
            entries.append(f"Goal/{part['goal']}")
        if part.get("intervention") in self.plans:
            entries.append(f"CarePlan/{self.plans[part['intervention']]}")
        if part.get("task"):
            entries.append(f"Task/{part['task']}")
        return entries

    def composition(self, minutes):
        sections, parts = self._parts(minutes)
        shown = []
        if GROUP in sections and minutes.summary.strip():
            shown.append(mapping.minutes_summary(minutes.summary))
        shown += [mapping.minutes_part(part, self._entries(part)) for part in parts]
        self.shown.update(part["section"] for part in parts)
        return mapping.composition(minutes, shown)


def signed_minutes():
    return Minutes.objects.filter(status=Minutes.Status.SIGNED).select_related("meeting", "signed_by")


def _visible_minutes(request, grant):
    return VisibleMinutes(grant, Shielding(request.user, {grant.citizen.pk: grant}))


@bearer_required
@require_GET
def composition_search(request):
    """The citizen's signed minutes (drafts are nobody's business but the writer's), newest first."""
    params = request.GET
    detail = "FHIR Composition search"

    def run():
        check_params(params, "Composition")
        citizen_id = subject_id(params)
        codes = token_codes(params, "status", COMPOSITION_STATUSES)
        grant = _group_grant(request, citizen_id, detail)
        minutes = signed_minutes().filter(citizen_id=citizen_id).order_by("-signed_at", "-pk")
        if codes:
            minutes = minutes.filter(reduce(operator.or_, (COMPOSITION_STATUSES[code] for code in codes)))
        minutes = last_updated(minutes, params, "signed_at")
        visible = _visible_minutes(request, grant)
        bundle = searchset(
            request,
            url_name="fhir:composition_search",
            params=params,
            queryset=minutes,
            to_resource=visible.composition,
            resource_type="Composition",
            on_page=visible.load,
        )
        _log_sections(request, grant, visible.shown, detail)
        return bundle

    return respond(run)


@bearer_required
@require_GET
def composition_read(request, minutes_id):
    """Signed minutes; a draft is not there (a logged 404), as in the search."""
    detail = f"FHIR Composition {minutes_id}"

    def run():
        grant = _read_grant(request, Minutes, minutes_id, detail)
        minutes = _the_row(request, grant, signed_minutes(), minutes_id, detail)
        visible = _visible_minutes(request, grant)
        composition = _map_one(minutes, visible.composition, visible.load)
        _log_sections(request, grant, visible.shown, detail)
        return composition

    return respond(run)


# Task -------------------------------------------------------------------------------------------


class TaskMapper:
    """Maps actions to Tasks; the CarePlan an open action without a plan version is based on is the
    citizen's active plan, looked up once per page. A closed action is not linked to a plan made later."""

    def __init__(self):
        self.active_plans = {}

    def load(self, page):
        citizens = {task.citizen_id for task in page if task.plan_version_id is None and task.is_open}
        if citizens:
            active = PlanVersion.objects.filter(citizen_id__among=list(citizens), status=PlanVersion.Status.ACTIVE)
            self.active_plans = dict(active.values_list("citizen_id", "pk"))

    def task(self, task):
        plan = task.plan_version_id or (self.active_plans.get(task.citizen_id) if task.is_open else None)
        return mapping.task(task, plan_version_id=plan)


def _visible_tasks(request, grants):
    """The actions the reader may see of the citizens of ``grants`` (``Shielding.visible_tasks``)."""
    return GroupTask.objects.filter(Shielding(request.user, grants).visible_tasks()).select_related(
        "responsible__care_team_member__user"
    )


def _owner_id(params):
    if "owner" not in params:
        return None
    owner_id = reference_id(params["owner"], "Practitioner")
    if owner_id is None:
        raise SearchError(_("owner must be Practitioner/<id>."), "owner")
    return owner_id


def _owners_citizens(request, owner_id, statuses):
    """For ``owner=`` without a patient: the grants (with the group section) on the citizens the
    owner has actions for, in the fixed number of queries of ``grants_for``."""
    tasks = GroupTask.objects.filter(responsible_user_id=owner_id)
    if statuses is not None:
        tasks = tasks.filter(status__in=statuses)
    citizen_ids = list(tasks.order_by().values_list("citizen_id", flat=True).distinct())
    grants = access.grants_for(request.user, citizen_ids) if citizen_ids else {}
    return {pk: grant for pk, grant in grants.items() if grant.may_see(GROUP)}


def _log_task_reads(request, grants, page, detail, *, one_citizen):
    """One read per section shown: of the one citizen, or of each citizen on the page (one insert
    per section, as a list logs)."""
    if one_citizen:
        [grant] = grants.values()
        _log_sections(request, grant, {task.section for task in page}, detail)
        return
    by_section = {}
    for task in page:
        for section in (GROUP, task.section):
            by_section.setdefault(section, {})[task.citizen_id] = grants[task.citizen_id].citizen
    for section in section_registry.in_order(by_section):
        access.log_list_read(request, list(by_section[section].values()), section, detail, grants=grants)


@bearer_required
@require_GET
def task_search(request):
    """The group's actions for a citizen (``patient=``), for a member (``owner=``), or both; due first."""
    params = request.GET
    detail = "FHIR Task search"

    def run():
        check_params(params, "Task")
        statuses = _statuses(params, TASK_STATUSES)
        owner_id = _owner_id(params)
        one_citizen = owner_id is None or any(name in params for name in PATIENT_FIRST)
        if one_citizen:
            citizen_id = subject_id(params, PATIENT_FIRST)
            grants = {citizen_id: _group_grant(request, citizen_id, detail)}
        else:
            grants = _owners_citizens(request, owner_id, statuses)
        tasks = _visible_tasks(request, grants).order_by("due_on", "pk")
        if owner_id is not None:
            tasks = tasks.filter(responsible_user_id=owner_id)
        if statuses is not None:
            tasks = tasks.filter(status__in=statuses)
        tasks = last_updated(tasks, params, "updated_at")
        page, mapper = [], TaskMapper()

        def load(rows):
            page.extend(rows)
            mapper.load(rows)

        bundle = searchset(
            request,
            url_name="fhir:task_search",
            params=params,
            queryset=tasks,
            to_resource=mapper.task,
            resource_type="Task",
            on_page=load,
        )
        if grants:
            _log_task_reads(request, grants, page, detail, one_citizen=one_citizen)
        return bundle

    return respond(run)


@bearer_required
@require_GET
def task_read(request, task_id):
    """An action the reader may see; one they are shielded from, or in a section they may not see,
    is not there (a logged 404), as in the search."""
    detail = f"FHIR Task {task_id}"

    def run():
        grant = _read_grant(request, GroupTask, task_id, detail)
        task = _the_row(request, grant, _visible_tasks(request, {grant.citizen.pk: grant}), task_id, detail)
        mapper = TaskMapper()
        resource = _map_one(task, mapper.task, mapper.load)
        _log_sections(request, grant, {task.section}, detail)
        return resource

    return respond(run)
