"""The responsibility group on the citizen overview and on the citizen's own home page."""

from django.utils import timezone

from people.access import log_read

from . import actions
from .models import Meeting
from .sections import GROUP


def _summary(grant):
    group = actions.open_group(grant.citizen)
    if group is None:
        return {"group": None}
    agreement = actions.current_agreement(group)
    next_meeting = (
        Meeting.objects.filter(group=group, status=Meeting.Status.PLANNED, starts_at__gte=timezone.now())
        .order_by("starts_at")
        .first()
    )
    return {"group": group, "agreement": agreement, "next_meeting": next_meeting}


def group_panel(request, grant):
    """Staff: the group's status and next meeting, for readers with the group section."""
    if not grant.may_see(GROUP):
        return None
    log_read(request, grant, GROUP, "overview: responsibility group")
    return "groups/includes/overview_panel.html", _summary(grant) | {"manager": actions.may_manage_group(grant)}


def citizen_home_panel(request, grant):
    """The citizen: their group, whether it waits for their answer, and the next meeting."""
    summary = _summary(grant)
    if summary["group"] is None:
        return None
    log_read(request, grant, GROUP, "home: responsibility group")
    agreement = summary["agreement"]
    return "groups/includes/home_panel.html", summary | {"needs_answer": not agreement.citizen_consent}
