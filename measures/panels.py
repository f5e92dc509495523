from people.models import Section

from .progress import citizen_progress


def measures_panel(request, grant):
    """Flags and latest scores on the citizen overview, for those who may see measures."""
    if not grant.may_see(Section.MEASURES):
        return None
    progress = citizen_progress(grant.citizen)
    return "measures/includes/overview_panel.html", {"progress": progress}
