"""The coordinator's start page."""

from django.shortcuts import render

from people.access import log_list_read
from people.models import Section
from web.decorators import staff_required

from .items import worklist_for


@staff_required
def worklist(request):
    """One list of what needs attention, most urgent first; each citizen shown is logged."""
    items = worklist_for(request.user)
    citizens = {item.citizen.pk: item.citizen for item in items}
    log_list_read(request, citizens.values(), Section.OVERVIEW, "worklist")
    return render(request, "worklist/worklist.html", {"items": items})
