import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from people.access import log_list_read
from people.models import CareTeamMember, Citizen, Section

from . import actions
from .models import PlanComment, PlanVersion
from .views import PLAN_SCOPES


def plan_panel(request, grant):
    """Plan status, revision due and open comments on the citizen overview."""
    if not any(grant.may_see(scope) for scope in PLAN_SCOPES):
        return None
    versions = list(PlanVersion.objects.filter(citizen=grant.citizen).order_by("-number")[:2])
    active = next((v for v in versions if v.status == "active"), None)
    return "plans/includes/overview_panel.html", {
        "latest": versions[0] if versions else None,
        "active": active,
        "revision_due": active is not None and actions.revision_due(active),
        "open_comments": PlanComment.objects.filter(version__citizen=grant.citizen, resolved_at__isnull=True).count(),
        "is_coordinator": grant.is_coordinator,
        "roles": CareTeamMember.Role,
    }


def coordinator_plans_panel(request):
    """On the coordinator's start page: plan revisions due within 30 days (overdue first) and open comments.

    Only citizens the user coordinates; each one listed is logged as a read of the plan.
    """
    user = request.user
    coordinated = Citizen.objects.visible_to(user).filter(
        Exists(
            CareTeamMember.objects.active().filter(
                citizen=OuterRef("pk"), user=user, role=CareTeamMember.Role.COORDINATOR
            )
        )
    )
    today = timezone.localdate()
    due = list(
        PlanVersion.objects.filter(
            citizen__in=coordinated,
            status=PlanVersion.Status.ACTIVE,
            next_revision__lte=today + datetime.timedelta(days=actions.REVISION_WARNING_DAYS),
        )
        .select_related("citizen")
        .order_by("next_revision", "citizen__family_name")
    )
    for version in due:
        version.overdue = version.next_revision < today
    comments = list(
        Citizen.objects.filter(pk__in=coordinated.values("pk"))
        .annotate(
            open_comments=Count("plan_versions__comments", filter=Q(plan_versions__comments__resolved_at__isnull=True))
        )
        .filter(open_comments__gt=0)
        .order_by("family_name", "given_name")
    )
    if not (due or comments):
        return None
    shown = {version.citizen.pk: version.citizen for version in due} | {c.pk: c for c in comments}
    for citizen in shown.values():
        citizen.via_care_team = True
    log_list_read(request, shown.values(), Section.PLAN, "start page: plan revisions and comments")
    return "plans/includes/home_panel.html", {"due": due, "comments": comments}
