"""The one access policy: who may see which citizen, which parts, and on what ground.

Staff see a citizen only through an active care-team role or a current emergency
access, and never when the citizen has blocked them. A citizen sees their own record.
Everything else — administrators included — sees nothing. Every view, export and API
reaches a citizen through ``get_citizen_or_404`` (or ``visible_to`` for lists), which
also writes the access log.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone

from audit.log import record, record_many, record_sections
from audit.models import AccessEvent

from .models import Block, CareTeamMember, Citizen, EmergencyAccess, Section

ALL_SECTIONS = frozenset(Section.values)


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
        return self.ground == AccessEvent.Ground.SELF

    def may_see(self, section):
        return section in self.sections

    @property
    def may_manage_team(self):
        """Coordinators (and the emergency grant) change the team; others only look."""
        return self.is_coordinator or self.ground == AccessEvent.Ground.EMERGENCY


def is_staff_member(user):
    return user.is_authenticated and hasattr(user, "staff_profile")


def citizen_of(user):
    """The citizen record belonging to a logged-in citizen, or None."""
    if not user.is_authenticated:
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


def _not_blocked(user):
    return ~Exists(Block.objects.filter(citizen=OuterRef("pk"), blocked_user=user, lifted_at__isnull=True))


def visible_citizens(queryset, user):
    """Filter ``queryset`` to the citizens ``user`` may open right now."""
    if not user.is_authenticated:
        return queryset.none()
    own = citizen_of(user)
    if own is not None:
        return queryset.filter(pk=own.pk)
    if not is_staff_member(user):
        return queryset.none()
    on_team = CareTeamMember.objects.active().filter(user=user).order_by()
    in_emergency = EmergencyAccess.objects.current().filter(user=user).order_by()
    # One id list (a UNION) rather than "on the team OR in an emergency": PostgreSQL cannot turn
    # an OR of subqueries into a join, and scanned every citizen in the municipality instead.
    reachable = on_team.values("citizen_id").union(in_emergency.values("citizen_id"))
    return (
        queryset.filter(pk__in=reachable)
        .annotate(via_care_team=Exists(on_team.filter(citizen=OuterRef("pk"))))
        .filter(_not_blocked(user))
    )


def grant_for(user, citizen):
    """The user's grant on ``citizen``, or None if they have no access at all."""
    if not user.is_authenticated:
        return None
    if citizen.user_id is not None and citizen.user_id == user.pk:
        return Grant(citizen=citizen, ground=AccessEvent.Ground.SELF, sections=ALL_SECTIONS)
    if not is_staff_member(user):
        return None
    if Block.objects.filter(citizen=citizen, blocked_user=user, lifted_at__isnull=True).exists():
        return None
    roles = list(CareTeamMember.objects.active().filter(citizen=citizen, user=user).only("role", "sections"))
    if roles:
        sections = frozenset(s for member in roles for s in member.sections) & ALL_SECTIONS
        if any(member.role == CareTeamMember.Role.COORDINATOR for member in roles):
            sections = ALL_SECTIONS
        return Grant(
            citizen=citizen,
            ground=AccessEvent.Ground.CARE_TEAM,
            sections=sections,
            roles=tuple(sorted({member.role for member in roles})),
        )
    emergency = EmergencyAccess.objects.current().filter(citizen=citizen, user=user).first()
    if emergency is not None:
        return Grant(citizen=citizen, ground=AccessEvent.Ground.EMERGENCY, sections=ALL_SECTIONS, emergency=emergency)
    return None


def log_denied(request, citizen_id, section, detail=""):
    record(
        actor=request.user,
        citizen_id=citizen_id,
        action=AccessEvent.Action.DENIED,
        section=section,
        ground=AccessEvent.Ground.NONE,
        detail=detail,
        request=request,
    )


def log_read(request, grant, section, detail=""):
    record(
        actor=request.user,
        citizen_id=grant.citizen.pk,
        action=AccessEvent.Action.READ,
        section=section,
        ground=grant.ground,
        role=grant.role_label,
        detail=detail,
        request=request,
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


def log_reads(request, grant, sections, detail=""):
    """One read per section shown, e.g. each part of the plan a page or a PDF holds."""
    record_sections(
        actor=request.user,
        citizen_id=grant.citizen.pk,
        sections=sections,
        action=AccessEvent.Action.READ,
        ground=grant.ground,
        role=grant.role_label,
        detail=detail,
        request=request,
    )


def log_list_read(request, citizens, section, detail=""):
    """Log one read per citizen in a list taken from ``visible_to`` (used where full records are returned)."""
    user = request.user
    events = []
    for citizen in citizens:
        if citizen.user_id == user.pk:
            ground = AccessEvent.Ground.SELF
        elif getattr(citizen, "via_care_team", False):
            ground = AccessEvent.Ground.CARE_TEAM
        else:
            ground = AccessEvent.Ground.EMERGENCY
        events.append((citizen.pk, ground))
    record_many(
        actor=user, events=events, action=AccessEvent.Action.READ, section=section, detail=detail, request=request
    )


def get_grant_or_404(request, citizen_id, section=Section.OVERVIEW, *, log=True, detail=""):
    """Load a citizen for ``request.user`` and check ``section``; log the read or the refusal.

    No access at all is a 404, as if the citizen did not exist. Access to the citizen but
    not to ``section`` raises ``SectionDenied`` (a 403 page that says so).
    """
    citizen = Citizen.objects.filter(pk=citizen_id).select_related("user").first()
    grant = grant_for(request.user, citizen) if citizen is not None else None
    if grant is None:
        if citizen is not None:
            log_denied(request, citizen.pk, section, detail)
        raise Http404
    if not grant.may_see(section):
        log_denied(request, citizen.pk, section, detail)
        raise SectionDenied(section)
    if log:
        log_read(request, grant, section, detail)
    return grant


def get_citizen_or_404(request, citizen_id, section=Section.OVERVIEW, **kwargs):
    return get_grant_or_404(request, citizen_id, section, **kwargs).citizen


def current_emergency_accesses(user):
    return EmergencyAccess.objects.current().filter(user=user, expires_at__gt=timezone.now())
