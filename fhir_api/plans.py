"""FHIR R4 CareTeam, Goal and CarePlan (the individual plan), read and search.

Same access policy and access log as the screens: no access to the citizen is a 404 (logged
by ``get_grant_or_404``); on the team without the section is a 403 (logged). A CarePlan holds
only the parts of the plan the reader's sections allow, the way the plan page does.
"""

import operator
from functools import reduce

from django.db.models import OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.views.decorators.http import require_GET

from measures.models import Goal, GoalRating
from people import access
from people.models import CareTeamMember, Citizen, Section
from plans.models import TEXT_SCOPE, CrisisPlan, PlanIntervention, PlanText, PlanVersion

from . import mapping
from .edge import bearer_required
from .responses import fhir_response, forbidden, not_found
from .search import check_params, last_updated, respond, searchset, subject_id, token_codes

# Sections that show something in a CarePlan; the order picks the section a read is logged under.
CARE_PLAN_SCOPES = (
    Section.PLAN,
    Section.CRISIS_PLAN,
    Section.FINANCE,
    Section.MEDICATION,
    Section.DAILY_PLAN,
    Section.MANDATE,
)
CARE_TEAM_SCOPES = (Section.OVERVIEW,)
# Goals are measures, and part of the plan.
GOAL_SCOPES = (Section.MEASURES, Section.PLAN)

CARE_PLAN_STATUSES = {
    "draft": [PlanVersion.Status.DRAFT, PlanVersion.Status.APPROVED],
    "active": [PlanVersion.Status.ACTIVE],
    "completed": [PlanVersion.Status.ARCHIVED],
    # Valid R4 codes that no Samplan plan has.
    "on-hold": [],
    "revoked": [],
    "entered-in-error": [],
    "unknown": [],
}
NO_GOAL = Q(pk__in=[])
GOAL_STATUSES = {
    "active": Q(closed_at__isnull=True),
    "completed": Q(closed_at__isnull=False),
    # Valid R4 codes that no Samplan goal has.
    **dict.fromkeys(
        ["proposed", "planned", "accepted", "on-hold", "cancelled", "entered-in-error", "rejected"], NO_GOAL
    ),
}


def _grant(request, citizen_id, scopes, detail, *, log=True):
    """The reader's grant if they may see any of ``scopes``; with ``log``, the read is logged.

    Like the plan page: the care team's overview first (no access at all is Http404, logged), then
    the scopes (none of them is ``SectionDenied``, logged). A search logs its read with
    ``_log_read`` once the Bundle is built, so a bad ``_count`` logs nothing.
    """
    grant = access.get_grant_or_404(request, citizen_id, Section.OVERVIEW, log=False, detail=detail)
    if not any(grant.may_see(scope) for scope in scopes):
        access.log_denied(request, citizen_id, scopes[0], detail)
        raise access.SectionDenied(scopes[0])
    if log:
        _log_read(request, grant, scopes, detail)
    return grant


def _log_read(request, grant, scopes, detail):
    """One read event, under the first of ``scopes`` the reader may see; the detail names them all."""
    seen = [scope for scope in scopes if grant.may_see(scope)]
    access.log_read(request, grant, seen[0], f"{detail} ({', '.join(seen)})" if len(seen) > 1 else detail)


def _search(request, params, resource_type, run):
    """Shared frame of a search: parameters checked, then ``run(citizen_id)`` → Bundle, errors as outcomes."""

    def search():
        check_params(params, resource_type)
        return run(subject_id(params))

    return respond(search)


# CareTeam ---------------------------------------------------------------------------------------


def with_team_members():
    """Every member row of a citizen as ``citizen.team_members``, ended ones too: they say when the
    team last changed."""
    members = CareTeamMember.objects.select_related("user", "organisation").order_by("active_from", "pk")
    return Prefetch("care_team", queryset=members, to_attr="team_members")


def care_team(citizen):
    """The citizen's CareTeam (``with_team_members`` prefetched): the active members are the
    participants; lastUpdated is when a member was last added or ended."""
    members = citizen.team_members
    changed = max((moment for m in members for moment in (m.added_at, m.ended_at) if moment), default=None)
    active = [member for member in members if member.is_active]
    return mapping.care_team(citizen, active, last_updated=changed or citizen.created_at)


@bearer_required
@require_GET
def care_team_read(request, citizen_id):
    try:
        grant = _grant(request, citizen_id, CARE_TEAM_SCOPES, "FHIR CareTeam read")
    except Http404:
        return not_found()
    except access.SectionDenied:
        return forbidden()
    prefetch_related_objects([grant.citizen], with_team_members())
    return fhir_response(care_team(grant.citizen))


@bearer_required
@require_GET
def care_team_search(request):
    def run(citizen_id):
        grant = _grant(request, citizen_id, CARE_TEAM_SCOPES, "FHIR CareTeam search", log=False)
        bundle = searchset(
            request,
            url_name="fhir:care_team_search",
            params=request.GET,
            queryset=Citizen.objects.filter(pk=citizen_id).prefetch_related(with_team_members()),
            to_resource=care_team,
            resource_type="CareTeam",
        )
        _log_read(request, grant, CARE_TEAM_SCOPES, "FHIR CareTeam search")
        return bundle

    return _search(request, request.GET, "CareTeam", run)


# Goal -------------------------------------------------------------------------------------------


def goals_with_ratings():
    """Goals with their latest rating and when a rating was last written down, in one query."""
    latest = GoalRating.objects.filter(goal=OuterRef("pk")).order_by("-rated_at", "-pk")
    recorded = GoalRating.objects.filter(goal=OuterRef("pk")).order_by("-recorded_at")
    return Goal.objects.annotate(
        latest_rating=Subquery(latest.values("rating")[:1]),
        latest_rated_at=Subquery(latest.values("rated_at")[:1]),
        last_recorded_at=Subquery(recorded.values("recorded_at")[:1]),
    ).order_by("created_at", "pk")


def _goals_changed_as_searched(goals, params):
    """``_lastUpdated`` on a goal: the later of its own change and its last rating written down."""
    if "_lastUpdated" not in params:
        return goals
    changed = Greatest("updated_at", Coalesce("last_recorded_at", "updated_at"))
    return last_updated(goals.annotate(changed_at=changed), params, "changed_at")


@bearer_required
@require_GET
def goal_read(request, goal_id):
    goal = goals_with_ratings().filter(pk=goal_id).first()
    if goal is None:
        return not_found()
    try:
        _grant(request, goal.citizen_id, GOAL_SCOPES, f"FHIR Goal {goal.pk}")
    except Http404:
        return not_found()
    except access.SectionDenied:
        return forbidden()
    return fhir_response(mapping.goal(goal))


@bearer_required
@require_GET
def goal_search(request):
    params = request.GET

    def run(citizen_id):
        codes = token_codes(params, "lifecycle-status", GOAL_STATUSES)
        grant = _grant(request, citizen_id, GOAL_SCOPES, "FHIR Goal search", log=False)
        goals = goals_with_ratings().filter(citizen_id=citizen_id)
        if "lifecycle-status" in params:
            goals = goals.filter(reduce(operator.or_, (GOAL_STATUSES[code] for code in codes)))
        goals = _goals_changed_as_searched(goals, params)
        bundle = searchset(
            request,
            url_name="fhir:goal_search",
            params=params,
            queryset=goals,
            to_resource=mapping.goal,
            resource_type="Goal",
        )
        _log_read(request, grant, GOAL_SCOPES, "FHIR Goal search")
        return bundle

    return _search(request, params, "Goal", run)


# CarePlan ---------------------------------------------------------------------------------------


class _VisiblePlan:
    """Maps plan versions to CarePlans holding only what ``may_see`` (one grant's sections) allows.

    A read and a search map one citizen's versions; an export maps the versions of many citizens
    whose grants allow the same sections. The rows of the versions (tiltak, crisis plans) and the
    open goals are loaded once, on the first version mapped, for all of ``versions``: a fixed
    number of queries per page or batch.
    """

    def __init__(self, may_see, versions, citizen_ids):
        self.may_see, self.versions, self.citizen_ids = may_see, versions, citizen_ids
        self.loaded = False

    def _load(self):
        may_see = self.may_see
        self.interventions = self.crisis_plans = None
        self.goals = {}
        if may_see(Section.PLAN):
            self.interventions = self._by_version(
                PlanIntervention.objects.filter(version__in=self.versions).select_related("responsible__user")
            )
            goals = Goal.objects.filter(citizen_id__in=self.citizen_ids, closed_at__isnull=True).order_by(
                "created_at", "pk"
            )
            for citizen_id, pk, updated_at in goals.values_list("citizen_id", "pk", "updated_at"):
                self.goals.setdefault(citizen_id, []).append((pk, updated_at))
        if may_see(Section.CRISIS_PLAN):
            crisis_plans = CrisisPlan.objects.filter(version__in=self.versions).prefetch_related(
                Prefetch("contacts", queryset=CareTeamMember.objects.select_related("user").order_by("pk"))
            )
            self.crisis_plans = self._by_version(crisis_plans)
        self.loaded = True

    @staticmethod
    def _by_version(rows):
        grouped = {}
        for row in rows:
            grouped.setdefault(row.version_id, []).append(row)
        return grouped

    def care_plan(self, version):
        if not self.loaded:
            self._load()
        # Goals belong to the citizen, not to a version: the current ones go with a current plan,
        # and a change to one of them changes that plan.
        goals = self.goals.get(version.citizen_id, ()) if version.status != PlanVersion.Status.ARCHIVED else ()
        return mapping.care_plan(
            version,
            texts=version.visible_texts,
            interventions=None if self.interventions is None else self.interventions.get(version.pk, []),
            crisis_plans=None if self.crisis_plans is None else self.crisis_plans.get(version.pk, []),
            goal_ids=[pk for pk, _updated in goals],
            last_updated=max([version.updated_at, *(updated for _pk, updated in goals)]),
        )


def visible_plans(may_see, citizen_ids):
    """The plan versions of ``citizen_ids`` (newest first) with the texts ``may_see`` allows, and
    their mapper to CarePlans."""
    keys = [key for key, scope in TEXT_SCOPE.items() if may_see(scope)]
    versions = (
        PlanVersion.objects.filter(citizen_id__in=citizen_ids)
        .prefetch_related(Prefetch("texts", queryset=PlanText.objects.filter(key__in=keys), to_attr="visible_texts"))
        .order_by("citizen_id", "-number")
    )
    return versions, _VisiblePlan(may_see, versions, citizen_ids)


@bearer_required
@require_GET
def care_plan_read(request, version_id):
    citizen_id = PlanVersion.objects.filter(pk=version_id).values_list("citizen_id", flat=True).first()
    if citizen_id is None:
        return not_found()
    try:
        grant = _grant(request, citizen_id, CARE_PLAN_SCOPES, f"FHIR CarePlan {version_id}")
    except Http404:
        return not_found()
    except access.SectionDenied:
        return forbidden()
    versions, plans = visible_plans(grant.may_see, [citizen_id])
    return fhir_response(plans.care_plan(versions.get(pk=version_id)))


@bearer_required
@require_GET
def care_plan_search(request):
    params = request.GET

    def run(citizen_id):
        statuses = [s for code in token_codes(params, "status", CARE_PLAN_STATUSES) for s in CARE_PLAN_STATUSES[code]]
        grant = _grant(request, citizen_id, CARE_PLAN_SCOPES, "FHIR CarePlan search", log=False)
        versions, plans = visible_plans(grant.may_see, [citizen_id])
        if "status" in params:
            versions = versions.filter(status__in=statuses)
        bundle = searchset(
            request,
            url_name="fhir:care_plan_search",
            params=params,
            queryset=versions,
            to_resource=plans.care_plan,
            resource_type="CarePlan",
        )
        _log_read(request, grant, CARE_PLAN_SCOPES, "FHIR CarePlan search")
        return bundle

    return _search(request, params, "CarePlan", run)
