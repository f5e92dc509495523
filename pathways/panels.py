from django.utils import timezone

from measures.models import Questionnaire
from people.models import Section

from .models import Appointment, Episode, ScheduledQuestionnaire


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


def citizen_home_panel(request, grant):
    """On the citizen's home page: questionnaires the pathway asks for now, and the next appointment."""
    today = timezone.localdate()
    pending = list(
        ScheduledQuestionnaire.objects.filter(
            citizen=grant.citizen, answered_at__isnull=True, cancelled_at__isnull=True, due_on__lte=today
        ).order_by("due_on", "pk")
    )
    current = {q.key: q for q in Questionnaire.objects.current().only("pk", "url", "title")} if pending else {}
    asked, seen = [], set()
    for item in pending:
        questionnaire = current.get(item.questionnaire_key)
        if questionnaire is not None and questionnaire.pk not in seen:
            seen.add(questionnaire.pk)
            asked.append({"questionnaire": questionnaire, "evaluation": item.reason == item.Reason.EVALUATION})
    upcoming = (
        Appointment.objects.filter(
            citizen=grant.citizen, status=Appointment.Status.PLANNED, starts_at__gte=timezone.now()
        )
        .select_related("staff")
        .first()
    )
    if not (asked or upcoming):
        return None
    return "pathways/includes/citizen_home_panel.html", {"asked": asked, "upcoming": upcoming}
