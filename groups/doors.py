"""How the group's pages reach a citizen: the grant with the group's section, and every refusal logged.

``people.access.get_grant_or_404`` decides; these only say which section (the group's) and who may
run the group (``actions.may_manage_group``). The page logs what it then shows.
"""

from django.http import Http404

from people.access import SectionDenied, get_grant_or_404, log_denied

from . import actions
from .models import Group, Meeting
from .sections import GROUP


def group_grant(request, citizen_id, detail):
    """The reader's grant with sight of the group; a refusal is logged here, the read by the caller."""
    return get_grant_or_404(request, citizen_id, GROUP, log=False, detail=detail)


def refuse(request, grant, detail, *, not_found=False):
    """Log the refusal and raise: 404 for something that is not there for this reader, else 403."""
    log_denied(request, grant.citizen.pk, GROUP, detail)
    raise Http404 if not_found else SectionDenied(GROUP)


def managed_grant(request, citizen_id, detail):
    """The grant of someone who runs the group (the coordinator, or an emergency access)."""
    grant = group_grant(request, citizen_id, detail)
    if not actions.may_manage_group(grant):
        refuse(request, grant, detail)
    return grant


def group_in_focus(citizen):
    """The open group, else the latest one (an ended group's papers stay readable)."""
    return actions.open_group(citizen) or Group.objects.filter(citizen=citizen).first()


def meeting_of(request, grant, meeting_id, detail):
    """One of the citizen's meetings, or a logged 404."""
    meeting = Meeting.objects.filter(pk=meeting_id, citizen=grant.citizen).select_related("group", "agreement").first()
    if meeting is None:
        refuse(request, grant, detail, not_found=True)
    return meeting


def managed_meeting(request, citizen_id, meeting_id, detail):
    """``(grant, meeting)`` for the one who runs the group."""
    grant = managed_grant(request, citizen_id, detail)
    return grant, meeting_of(request, grant, meeting_id, detail)
