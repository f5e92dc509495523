"""The one access policy: who may see which citizen, which parts, and on what ground.

Staff see a citizen only through an active care-team role or a current emergency access, and
never when the citizen has blocked them. A citizen sees their own record. A relative the citizen
invited to a login of their own sees what the citizen's consent covers, through a care-team row
of role "relative" (``relatives.actions`` keeps it equal to the open consent). A registered system
client sees the citizens its units serve, in the sections it was registered for. A leader of a
unit sees aggregates over the citizens the unit serves, never one citizen's record through that
role. Everything else — administrators included — sees nothing.

Every view, export and API reaches a citizen through ``get_grant_or_404`` (or ``visible_to`` and
``grants_for`` for many), which also writes the access log. This module imports the models;
the models never import it.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, FilteredRelation, OuterRef, Q, Value
from django.http import Http404
from django.utils import timezone

from audit import sections as section_registry
from audit.log import event, record, record_all, record_for_citizens
from audit.models import AccessEvent
from samplan.prepared import Prepared, columns, instance
from web.decorators import is_staff_member  # re-exported: the policy's callers ask it here

from .models import (
    Block,
    CareTeamMember,
    Citizen,
    EmergencyAccess,
    Organisation,
    Section,
    UnitLeadership,
    active_role,
)

Ground = AccessEvent.Ground


def all_sections():
    """Every section that can be granted: what a coordinator, the citizen and an emergency see."""
    return section_registry.grantable_keys()


def coordinator_sections():
    """What a coordinator's care-team row stores: every section, in the registry's order."""
    return section_registry.in_order(all_sections())


class SectionDenied(PermissionDenied):
    """The user is on the care team but may not see this part of the record."""

    def __init__(self, section):
        super().__init__(section)
        self.section = section


@dataclass
class Grant:
    """Why a user may see a citizen, and which sections."""

    citizen: Citizen
    ground: str
    sections: frozenset = field(default_factory=frozenset)
    roles: tuple = ()
    emergency: EmergencyAccess | None = None

    @property
    def role_label(self):
        return ",".join(self.roles)

    @property
    def is_coordinator(self):
        return CareTeamMember.Role.COORDINATOR in self.roles

    @property
    def is_self(self):
        return self.ground == Ground.SELF

    def may_see(self, section):
        return section in self.sections

    @property
    def is_relative(self):
        """A relative with a login of their own: sees what the citizen's consent covers, nothing else."""
        return self.roles == (CareTeamMember.Role.RELATIVE,)

    @property
    def may_manage_team(self):
        """Coordinators (and the emergency grant) change the team; others only look."""
        return self.is_coordinator or self.ground == Ground.EMERGENCY


def is_system_client(actor):
    return getattr(actor, "is_system_client", False)


def citizen_of(user):
    """The citizen record belonging to a logged-in citizen, or None."""
    if not user.is_authenticated or is_system_client(user):
        return None
    try:
        return user.citizen
    except Citizen.DoesNotExist:
        return None


def preferred_language_of(user):
    """The language the user chose (citizen record or staff profile), or "" for the site's default."""
    citizen = citizen_of(user)
    if citizen is not None:
        return citizen.preferred_language
    profile = getattr(user, "staff_profile", None)
    return profile.preferred_language if profile is not None else ""


# Units and the citizens they serve ----------------------------------------------------------


def unit_tree(unit_ids):
    """``unit_ids`` and every unit under them, in one query (organisation trees are small)."""
    children = {}
    for pk, parent_id in Organisation.objects.order_by().values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, todo = set(), list(unit_ids)
    while todo:
        unit = todo.pop()
        if unit not in found:
            found.add(unit)
            todo.extend(children.get(unit, ()))
    return frozenset(found)


def citizens_served_by(unit_ids, queryset=None):
    """Citizens who have (or had) someone from one of ``unit_ids`` on their care team."""
    queryset = Citizen.objects.all() if queryset is None else queryset
    served = CareTeamMember.objects.filter(citizen=OuterRef("pk"), organisation_id__among=list(unit_ids))
    return queryset.filter(Exists(served.order_by()))


def units_led_by(user):
    """The units ``user`` leads today, with the units under them; empty for anyone else."""
    if not is_staff_member(user):
        return frozenset()
    led = list(UnitLeadership.objects.active().filter(user=user).values_list("organisation_id", flat=True))
    return unit_tree(led) if led else frozenset()


def works_in_a_municipal_unit(user):
    """Staff whose own unit is municipal (not a GP office, Nav, specialist services…): those who may
    count their own caseload (insights). No query: the backend loads the profile with its unit."""
    profile = getattr(user, "staff_profile", None) if is_staff_member(user) else None
    return profile is not None and profile.organisation.org_type == Organisation.Type.MUNICIPAL


def _system_client_units(client):
    if not client.is_active:
        return frozenset()
    return unit_tree(client.units.values_list("pk", flat=True))


# Who sees which citizen -------------------------------------------------------------------


def _block_in_force(user_id):
    """A citizen's block on ``user_id`` that is not lifted (on ``Block``)."""
    return Q(blocked_user_id=user_id, lifted_at__isnull=True)


def _role_held(user_id, today, relatives_only=False, prefix=""):
    """A care-team row of ``user_id`` in force on ``today`` (through ``prefix``, e.g. "care_team__").

    ``relatives_only``: without a staff profile a person reaches a citizen only as a relative the
    citizen let in; the row's sections are what the citizen's consent covers (relatives.actions keeps
    them so)."""
    held = active_role(today, prefix) & Q(**{f"{prefix}user_id": user_id})
    if relatives_only:
        held &= Q(**{f"{prefix}role": CareTeamMember.Role.RELATIVE})
    return held


def visible_citizens(queryset, user):
    """Filter ``queryset`` to the citizens ``user`` may open right now."""
    if not user.is_authenticated:
        return queryset.none()
    if is_system_client(user):
        return citizens_served_by(_system_client_units(user), queryset)
    own = citizen_of(user)
    if own is not None:
        return queryset.filter(pk=own.pk)
    if not is_staff_member(user):
        # A relative reaches a citizen only record by record, section by section (grant_for), never in
        # a list, a search or an export.
        return queryset.none()
    return _staff_visible(queryset, user.pk)


def _staff_visible(queryset, user_id, today=None, now=None):
    """``visible_citizens`` for a staff member (by id), on ``today`` and at ``now`` (default: now)."""
    on_team = CareTeamMember.objects.active(today).filter(user_id=user_id).order_by()
    in_emergency = EmergencyAccess.objects.current(now).filter(user_id=user_id).order_by()
    # One id list (a UNION) rather than "on the team OR in an emergency": PostgreSQL cannot turn
    # an OR of subqueries into a join, and scanned every citizen in the municipality instead.
    reachable = on_team.values("citizen_id").union(in_emergency.values("citizen_id"))
    blocked = Block.objects.filter(_block_in_force(user_id), citizen=OuterRef("pk"))
    return (
        queryset.filter(pk__in=reachable)
        .annotate(via_care_team=Exists(on_team.filter(citizen=OuterRef("pk"))))
        .filter(~Exists(blocked))
    )


def coordinating(user_id, today=None):
    """An annotation or filter on citizens: whether ``user_id`` is their active coordinator."""
    return Exists(
        CareTeamMember.objects.active(today).filter(
            citizen=OuterRef("pk"), user_id=user_id, role=CareTeamMember.Role.COORDINATOR
        )
    )


CASELOAD_COLUMNS = ("pk", "given_name", "family_name", "user_id", "via_care_team", "coordinating")

# The question a staff member's worklist asks on every load, compiled once (samplan.prepared): the
# same query as ``visible_to`` with whether the user coordinates each citizen.
_CASELOAD = Prepared(
    lambda user, today, now: (
        _staff_visible(Citizen.objects.all(), user, today, now)
        .annotate(coordinating=coordinating(user, today))
        .order_by()
        .values_list(*CASELOAD_COLUMNS)
    ),
    user=int,
    today=datetime.date,
    now=datetime.datetime,
)


def caseload(user):
    """``CASELOAD_COLUMNS`` of every citizen ``user`` may open now: the citizens ``visible_to`` gives,
    with whether the user is their coordinator."""
    if is_staff_member(user) and not is_system_client(user) and citizen_of(user) is None:
        return _CASELOAD.rows(user=user.pk, today=timezone.localdate(), now=timezone.now())
    visible = visible_to(user)
    if "via_care_team" not in visible.query.annotations:  # the citizen themself, a system client: no team
        visible = visible.annotate(via_care_team=Value(False))
    return list(visible.annotate(coordinating=coordinating(user.pk)).order_by().values_list(*CASELOAD_COLUMNS))


def visible_to(user):
    """The citizens ``user`` may open right now."""
    return visible_citizens(Citizen.objects.all(), user)


# The policy's questions about a few citizens, compiled once per process (samplan.prepared): they run
# on every request that opens a record, and building their SQL was most of such a request's Python.
_BLOCKED = Prepared(
    lambda user, citizens: (
        Block.objects.filter(_block_in_force(user), citizen_id__among=citizens).order_by().values_list("citizen_id")
    ),
    user=int,
    citizens=list,
)


def _roles_query(user, citizens, today, relatives_only=False):
    return (
        CareTeamMember.objects.filter(_role_held(user, today, relatives_only), citizen_id__among=citizens)
        .order_by()
        .values_list("citizen_id", "role", "sections")
    )


_ROLES = Prepared(_roles_query, user=int, citizens=list, today=datetime.date)
_RELATIVE_ROLES = Prepared(
    lambda **values: _roles_query(**values, relatives_only=True), user=int, citizens=list, today=datetime.date
)
_EMERGENCIES = Prepared(
    lambda user, citizens, now: (
        EmergencyAccess.objects.current(now)
        .filter(citizen_id__among=citizens, user_id=user)
        .order_by("-started_at")
        .values_list(*columns(EmergencyAccess))
    ),
    user=int,
    citizens=list,
    now=datetime.datetime,
)


def _grants(user, citizens):
    """The grant on each of ``citizens`` (objects), by id; absent where there is no access.

    A fixed number of queries whatever the number of citizens: blocks, care-team roles, then
    emergency accesses for those left (none for a citizen's own record).
    """
    if not user.is_authenticated or not citizens:
        return {}
    if is_system_client(user):
        return _system_grants(user, citizens)
    grants = {c.pk: _self_grant(c) for c in citizens if c.user_id is not None and c.user_id == user.pk}
    by_id = {c.pk: c for c in citizens if c.pk not in grants}
    if not by_id:
        return grants
    staff = is_staff_member(user)
    ids = list(by_id)
    blocked = {citizen_id for (citizen_id,) in _BLOCKED.rows(user=user.pk, citizens=ids)}
    open_ids = [pk for pk in ids if pk not in blocked]
    if not open_ids:
        return grants
    roles = {}
    members = _ROLES if staff else _RELATIVE_ROLES
    for citizen_id, role, member_sections in members.rows(user=user.pk, citizens=open_ids, today=timezone.localdate()):
        roles.setdefault(citizen_id, []).append((role, member_sections))
    grantable = all_sections()
    for citizen_id, held in roles.items():
        grants[citizen_id] = _team_grant(by_id[citizen_id], held, grantable)
    rest = [pk for pk in open_ids if pk not in roles]
    if rest and staff:
        grants |= _emergency_grants(user, {pk: by_id[pk] for pk in rest}, grantable)
    return grants


def _self_grant(citizen):
    return Grant(citizen=citizen, ground=Ground.SELF, sections=all_sections())


def _team_grant(citizen, held, grantable):
    """The grant of the care-team roles ``held`` ((role, sections) pairs, at least one); ``grantable``
    is ``all_sections()``."""
    names = tuple(sorted({role for role, _sections in held}))
    if CareTeamMember.Role.COORDINATOR in names:
        sections = grantable
    else:
        sections = frozenset(s for _role, member_sections in held for s in member_sections) & grantable
    return Grant(citizen=citizen, ground=Ground.CARE_TEAM, sections=sections, roles=names)


def _emergency_grants(user, by_id, grantable):
    """The grants of the user's current emergency accesses to the citizens ``by_id`` (the newest each)."""
    grants = {}
    for row in _EMERGENCIES.rows(user=user.pk, citizens=list(by_id), now=timezone.now()):
        emergency, _end = instance(EmergencyAccess, row)
        grants.setdefault(
            emergency.citizen_id,
            Grant(
                citizen=by_id[emergency.citizen_id],
                ground=Ground.EMERGENCY,
                sections=grantable,
                emergency=emergency,
            ),
        )
    return grants


def _system_grants(client, citizens):
    units = _system_client_units(client)
    if not units:
        return {}
    by_id = {c.pk: c for c in citizens}
    served = citizens_served_by(units, Citizen.objects.filter(pk__among=list(by_id)).order_by())
    sections = frozenset(client.sections) & all_sections()
    return {
        pk: Grant(citizen=by_id[pk], ground=Ground.SYSTEM, sections=sections)
        for pk in served.values_list("pk", flat=True)
    }


def grant_for(user, citizen):
    """The user's grant on ``citizen``, or None if they have no access at all."""
    return _grants(user, [citizen]).get(citizen.pk)


def grants_for(user, citizen_ids):
    """For a list, an export or a report: each citizen's grant by id, in a fixed number of queries.

    Citizens the user may not see are simply absent; nothing is logged here (the caller logs
    what it shows, with ``log_list_read``).
    """
    citizens = list(Citizen.objects.filter(pk__among=list(citizen_ids)).select_related("user").order_by())
    return _grants(user, citizens)


# The access log ---------------------------------------------------------------------------


def log_denied(request, citizen_id, section, detail=""):
    record(
        actor=request.user,
        citizen_id=citizen_id,
        action=AccessEvent.Action.DENIED,
        section=section,
        ground=Ground.NONE,
        detail=detail,
        request=request,
    )


def log_read(request, grant, section, detail=""):
    log_reads(request, grant, [section], detail)


def log_reads(request, grant, sections, detail=""):
    """One read per section shown, e.g. each part of the plan a page or a PDF holds."""
    record_all(
        event(
            actor=request.user,
            citizen_id=grant.citizen.pk,
            action=AccessEvent.Action.READ,
            section=section,
            ground=grant.ground,
            role=grant.role_label,
            detail=detail,
            request=request,
        )
        for section in sections
    )


def log_write(grant, *, acting_user, section, detail=""):
    """A change to ``section`` of the grant's citizen, by ``acting_user``: every action writes one."""
    record(
        actor=acting_user,
        citizen_id=grant.citizen.pk,
        action=AccessEvent.Action.WRITE,
        section=section,
        ground=grant.ground,
        role=grant.role_label,
        detail=detail,
    )


def _list_ground(user, citizen):
    if is_system_client(user):
        return Ground.SYSTEM
    if citizen.user_id == user.pk:
        return Ground.SELF
    if getattr(citizen, "via_care_team", False):
        return Ground.CARE_TEAM
    return Ground.EMERGENCY


def log_list_read(request, citizens, section, detail="", *, grants=None):
    """One read per citizen in a list taken from ``visible_to`` (or with ``grants`` from ``grants_for``)."""
    user = request.user
    record_for_citizens(
        actor=user,
        action=AccessEvent.Action.READ,
        section=section,
        detail=detail,
        request=request,
        rows=(
            (citizen.pk, grants[citizen.pk].ground, grants[citizen.pk].role_label)
            if grants
            else (citizen.pk, _list_ground(user, citizen), "")
            for citizen in citizens
        ),
    )


_CITIZEN = Prepared(
    lambda pk: (
        Citizen.objects.filter(pk=pk).order_by().values_list(*columns(Citizen), *columns(get_user_model(), "user__"))
    ),
    pk=int,
)


def _citizen_with_team(pk, user, today, relatives_only=False):
    held = _role_held(user, today, relatives_only, prefix="care_team__")
    blocked = Block.objects.filter(_block_in_force(user), citizen_id=OuterRef("pk"))
    return (
        Citizen.objects.filter(pk=pk)
        .annotate(held=FilteredRelation("care_team", condition=held), blocked=Exists(blocked))
        .order_by()
        .values_list(*columns(Citizen), *columns(get_user_model(), "user__"), "blocked", "held__role", "held__sections")
    )


# The citizen, whether they blocked the user and the user's roles on their team, in one round trip:
# a row per role in force (one with no role if there is none).
_CITIZEN_WITH_TEAM = Prepared(_citizen_with_team, pk=int, user=int, today=datetime.date)
_CITIZEN_WITH_RELATIVE_TEAM = Prepared(
    lambda **values: _citizen_with_team(**values, relatives_only=True), pk=int, user=int, today=datetime.date
)


def _citizen_of_row(row):
    """The citizen with their login, as ``select_related("user")`` would load them; the position after."""
    citizen, end = instance(Citizen, row)
    login, end = instance(get_user_model(), row, end)
    citizen._state.fields_cache["user"] = login
    return citizen, end


def _citizen(citizen_id):
    """The citizen with their login (None if there is no such citizen)."""
    row = _CITIZEN.first(pk=citizen_id)
    return None if row is None else _citizen_of_row(row)[0]


def _citizen_and_grant(user, citizen_id):
    """The citizen (None if there is none) and ``grant_for(user, citizen)``: for a person, the
    citizen, a block and the care-team roles in one query (emergency accesses in a second when no
    role holds)."""
    if not user.is_authenticated or is_system_client(user):
        citizen = _citizen(citizen_id)
        return citizen, None if citizen is None else grant_for(user, citizen)
    staff = is_staff_member(user)
    query = _CITIZEN_WITH_TEAM if staff else _CITIZEN_WITH_RELATIVE_TEAM
    rows = query.rows(pk=citizen_id, user=user.pk, today=timezone.localdate())
    if not rows:
        return None, None
    citizen, end = _citizen_of_row(rows[0])
    if citizen.user_id is not None and citizen.user_id == user.pk:
        return citizen, _self_grant(citizen)
    if rows[0][end]:  # blocked
        return citizen, None
    held = [(row[end + 1], row[end + 2]) for row in rows if row[end + 1] is not None]
    if held:
        return citizen, _team_grant(citizen, held, all_sections())
    if staff:
        return citizen, _emergency_grants(user, {citizen.pk: citizen}, all_sections()).get(citizen.pk)
    return citizen, None


def get_grant_or_404(request, citizen_id, section=Section.OVERVIEW, *, log=True, detail=""):
    """Load a citizen for ``request.user`` and check ``section``; log the read or the refusal.

    No access at all is a 404, as if the citizen did not exist. Access to the citizen but
    not to ``section`` raises ``SectionDenied`` (a 403 page that says so). ``section`` may be a
    tuple: any one of them will do (a page that shows what the reader may see of several parts);
    a refusal is logged under the first, a read under the first the reader may see.
    """
    sections = (section,) if isinstance(section, str) else tuple(section)
    citizen, grant = _citizen_and_grant(request.user, citizen_id)
    if grant is None:
        if citizen is not None:
            log_denied(request, citizen.pk, sections[0], detail)
        raise Http404
    seen = [key for key in sections if grant.may_see(key)]
    if not seen:
        log_denied(request, citizen.pk, sections[0], detail)
        raise SectionDenied(sections[0])
    if log:
        log_read(request, grant, seen[0], detail)
    return grant


def get_citizen_or_404(request, citizen_id, section=Section.OVERVIEW, **kwargs):
    return get_grant_or_404(request, citizen_id, section, **kwargs).citizen


def current_emergency_accesses(user):
    return EmergencyAccess.objects.current().filter(user=user, expires_at__gt=timezone.now())


# Aggregates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AggregateScope:
    """What a leader may count: the citizens the units they lead serve. Never a record."""

    user: object
    unit_ids: frozenset

    def citizens(self):
        return citizens_served_by(self.unit_ids)


def aggregate_scope(user):
    """The leader's scope for reports, or PermissionDenied for anyone who leads no unit."""
    units = units_led_by(user)
    if not units:
        raise PermissionDenied
    return AggregateScope(user=user, unit_ids=units)


def log_aggregate(request, scope, report, filters=None):
    """An aggregate read: who, which report (a registered aggregate section), which filters and units.

    It names no citizen, so a citizen's view of their own log never shows it as a read of them.
    """
    spec = section_registry.get(report)
    if not spec.aggregate:
        raise ValueError(f"{report!r} is not a registered aggregate report")
    shown = dict(sorted((filters or {}).items()))
    shown["units"] = ",".join(str(pk) for pk in sorted(scope.unit_ids))
    # Leaders read as leaders; others (a coordinator's caseload, an improvement team's member, the
    # staff of a gathering's unit) as people who work there. ``leads_units`` comes with the user
    # (accounts.backends), so this costs no query.
    leads = getattr(request.user, "leads_units", None)
    if leads is None:
        leads = bool(units_led_by(request.user))
    record(
        actor=request.user,
        action=AccessEvent.Action.AGGREGATE,
        section=report,
        ground=Ground.UNIT if leads else Ground.STAFF,
        detail="; ".join(f"{key}={value}" for key, value in shown.items()),
        request=request,
    )
