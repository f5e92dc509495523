from django.utils import timezone

from people.models import Section

from .models import Appointment, Episode


def pathway_panel(request, grant):
    """Open pathways and the next appointment on the citizen overview."""
    if not grant.may_see(Section.PATHWAY):
        return None
    episodes = list(
        Episode.objects.filter(citizen=grant.citizen, status__in=["waiting", "active"]).select_related("template")
    )
    upcoming = (
        Appointment.objects.filter(
            citizen=grant.citizen, status=Appointment.Status.PLANNED, starts_at__gte=timezone.now()
        )
        .select_related("staff")
        .first()
    )
    return "pathways/includes/overview_panel.html", {"episodes": episodes, "upcoming": upcoming}
