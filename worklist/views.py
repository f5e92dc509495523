"""The coordinator's start page."""

from django.shortcuts import render

from people.access import log_list_read
from people.models import CareTeamMember, Section
from people.views import staff_required

from .items import worklist_for


@staff_required
def worklist(request):
    """One list of what needs attention, most urgent first; each citizen shown is logged."""
    items = worklist_for(request.user)
    citizens = {item.citizen.pk: item.citizen for item in items}
    on_team = set(
        CareTeamMember.objects.active()
        .filter(user=request.user, citizen_id__in=citizens)
        .values_list("citizen_id", flat=True)
    )
    for citizen in citizens.values():
        citizen.via_care_team = citizen.pk in on_team
    log_list_read(request, citizens.values(), Section.OVERVIEW, "worklist")
    return render(request, "worklist/worklist.html", {"items": items})
