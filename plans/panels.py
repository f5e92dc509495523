from people.models import CareTeamMember

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
        "revision_due": active is not None and active.is_revision_due(),
        "open_comments": PlanComment.objects.filter(version__citizen=grant.citizen, resolved_at__isnull=True).count(),
        "is_coordinator": grant.is_coordinator,
        "roles": CareTeamMember.Role,
    }
