"""The incident pages. Each reaches the citizen through ``people.access`` (section ``incidents``), logs
the read or the refusal, parses input, calls one action and renders.

The citizen reads their incidents (read-only); staff with the section record them and their follow-up
and debrief; the coordinator makes the learning log and the crisis-plan proposal. The leaders' run
chart is an aggregate read that names no citizen.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from groups.learning_forms import NEW_FIELDS, LearningLogForm
from people.access import SectionDenied, aggregate_scope, get_grant_or_404, log_aggregate, log_denied, log_read
from people.models import CareTeamMember
from plans.forms import CrisisPlanForm
from plans.models import PlanVersion
from web.forms import add_errors

from . import actions, queries, report
from .forms import ConversationForm, IncidentForm, ReportForm
from .models import Conversation
from .sections import INCIDENT_REPORT, INCIDENTS


def _grant(request, citizen_id, detail, *, may=None):
    """The reader's grant with the incidents section; ``may(grant)`` false is a logged 403."""
    grant = get_grant_or_404(request, citizen_id, INCIDENTS, log=False, detail=detail)
    if may is not None and not may(grant):
        log_denied(request, grant.citizen.pk, INCIDENTS, detail)
        raise SectionDenied(INCIDENTS)
    log_read(request, grant, INCIDENTS, detail)
    return grant


def _incident(request, grant, incident_id, detail):
    incident = queries.incident_of(grant.citizen, incident_id)
    if incident is None:
        log_denied(request, grant.citizen.pk, INCIDENTS, detail)
        raise Http404
    return incident


def _may_record(request):
    return lambda grant: actions.may_record(grant, request.user)


@login_required
@require_GET
def incident_list(request, citizen_id):
    grant = _grant(request, citizen_id, "incidents")
    incidents = queries.incidents_of(grant.citizen)
    now = timezone.now()
    for incident in incidents:
        incident.debrief_late = queries.debrief_is_late(incident, now)
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "incidents": incidents,
        "may_record": actions.may_record(grant, request.user),
        "debrief_days": queries.DEBRIEF_DAYS,
    }
    return render(request, "incidents/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def incident_new(request, citizen_id):
    grant = _grant(request, citizen_id, "new incident", may=_may_record(request))
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = actions.record_incident(grant, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The incident is recorded."))
            return redirect(incident)
    context = {"grant": grant, "citizen": grant.citizen, "form": form, "unit": request.user.staff_profile.organisation}
    return render(request, "incidents/incident_form.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def incident(request, citizen_id, incident_id):
    detail = f"incident {incident_id}"
    grant = _grant(request, citizen_id, detail)
    found = _incident(request, grant, incident_id, detail)
    may_record = actions.may_record(grant, request.user)
    proposal = found.proposed_in
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "incident": found,
        "follow_up": found.by_kind.get(Conversation.Kind.FOLLOW_UP),
        "debrief": found.by_kind.get(Conversation.Kind.DEBRIEF),
        "debrief_late": queries.debrief_is_late(found),
        "debrief_days": queries.DEBRIEF_DAYS,
        "may_record": may_record,
        "may_make_learning_log": actions.may_make_learning_log(grant),
        "may_propose": actions.may_propose_for_crisis_plan(grant),
        "awaiting_approval": proposal is not None and proposal.status == PlanVersion.Status.DRAFT,
    }
    return render(request, "incidents/incident.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def conversation_new(request, citizen_id, incident_id, kind):
    detail = f"incident {incident_id}: {kind}"
    grant = _grant(request, citizen_id, detail, may=_may_record(request))
    found = _incident(request, grant, incident_id, detail)
    if kind in found.by_kind:
        messages.info(request, _("This is already recorded for the incident."))
        return redirect(found)
    form = ConversationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_conversation(grant, found, acting_user=request.user, kind=kind, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("It is recorded on the incident."))
            return redirect(found)
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "incident": found,
        "form": form,
        "kind": kind,
        "title": Conversation.Kind(kind).label,
    }
    return render(request, "incidents/conversation_form.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def learning_log_new(request, citizen_id, incident_id):
    detail = f"incident {incident_id}: learning log"
    grant = _grant(request, citizen_id, detail, may=actions.may_make_learning_log)
    found = _incident(request, grant, incident_id, detail)
    if found.learning_log_id is not None:
        return redirect(found)
    group = actions.responsibility_group(grant.citizen)
    initial = actions.learning_log_initial(found)
    form = LearningLogForm(request.POST or None, names=NEW_FIELDS, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            log = actions.make_learning_log(grant, found, acting_user=request.user, **form.values())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Learning log no. %(number)d is saved.") % {"number": log.number})
            return redirect(found)
    context = {"grant": grant, "citizen": grant.citizen, "incident": found, "form": form, "group": group}
    return render(request, "incidents/learning_log_form.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def crisis_plan_proposal(request, citizen_id, incident_id):
    detail = f"incident {incident_id}: crisis plan proposal"
    grant = _grant(request, citizen_id, detail, may=actions.may_propose_for_crisis_plan)
    found = _incident(request, grant, incident_id, detail)
    if found.proposed_in_id is not None:
        return redirect(found)
    coordinator = (
        CareTeamMember.objects.active()
        .filter(citizen=grant.citizen, role=CareTeamMember.Role.COORDINATOR)
        .order_by("pk")
        .first()
    )
    form = CrisisPlanForm(
        request.POST or None, citizen=grant.citizen, initial=actions.crisis_plan_initial(found, coordinator)
    )
    if request.method == "POST" and form.is_valid():
        try:
            fields = form.row_fields()
            contacts = fields.pop("contacts", [])
            actions.propose_for_crisis_plan(grant, found, acting_user=request.user, contacts=contacts, **fields)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, _("The crisis plan is in the plan proposal. The citizen sees it and approves the proposal.")
            )
            return redirect(found)
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "incident": found,
        "form": form,
        "open_proposal": PlanVersion.objects.open_draft(grant.citizen),
    }
    return render(request, "incidents/crisis_plan_form.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def incident_report(request):
    """Incidents per unit and month, for the leaders of the units; one aggregate read."""
    scope = aggregate_scope(request.user)
    form = ReportForm(request.GET or None)
    month_count = form.chosen_months()
    start, charts = report.incidents_per_unit(scope, month_count=month_count)
    log_aggregate(request, scope, INCIDENT_REPORT, {"months": month_count, "from": start})
    context = {"form": form, "charts": charts, "start": start, "months": month_count}
    return render(request, "incidents/report.html", context, status=400 if form.errors else 200)
