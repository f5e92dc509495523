"""The incidents on the citizen overview (staff with the section) and on the citizen's own home page."""

from people.access import log_read

from .queries import summary
from .sections import INCIDENTS


def incident_panel(request, grant):
    """Staff: how many incidents, the latest, and how many still lack a debrief."""
    if not grant.may_see(INCIDENTS):
        return None
    log_read(request, grant, INCIDENTS, "overview: incidents")
    return "incidents/includes/overview_panel.html", summary(grant.citizen)


def citizen_home_panel(request, grant):
    """The citizen: a link to the incidents recorded about them, shown only when there are any."""
    found = summary(grant.citizen)
    if not found["count"]:
        return None
    log_read(request, grant, INCIDENTS, "home: incidents")
    return "incidents/includes/home_panel.html", found
