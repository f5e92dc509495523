"""The interview rounds on a citizen's overview: staff of a round's unit start the citizen's interview here."""

from people.access import log_read
from people.models import Section

from . import actions
from .models import InterviewRound, RoundInterview
from .scope import units_run_by


def interview_panel(request, grant):
    """Open rounds of the units the reader runs, for a citizen they may see the measures of."""
    if grant.is_self or not grant.may_see(Section.MEASURES):
        return None
    rounds = [
        r
        for r in InterviewRound.objects.filter(unit_id__in=units_run_by(request.user)).select_related("unit")
        if actions.may_interview(request.user, grant, r)
    ]
    if not rounds:
        return None
    log_read(request, grant, Section.MEASURES, "overview: interview rounds")
    started = {
        link.round_id: link.response
        for link in RoundInterview.objects.filter(citizen=grant.citizen, round__in=rounds).select_related("response")
    }
    return "gatherings/includes/interview_panel.html", {
        "rounds": [{"round": r, "response": started.get(r.pk)} for r in rounds],
        "citizen": grant.citizen,
    }
