"""The personal development plan and the peer-worker request pages, through ``people.access``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from people.access import get_grant_or_404, log_denied, log_read
from people.models import Section
from web.forms import add_errors

from . import actions
from .forms import AnswerForm, DevelopmentPlanForm, PeerRequestForm
from .models import PARTS, DevelopmentPlan, PeerRequest
from .sections import DEVELOPMENT_PLAN, PEER_SUPPORT


def _back(grant):
    return reverse("people:citizen_home") if grant.is_self else grant.citizen.get_absolute_url()


@login_required
def development_plan(request, citizen_id):
    grant = get_grant_or_404(request, citizen_id, DEVELOPMENT_PLAN, detail="personal development plan")
    versions = list(DevelopmentPlan.objects.filter(citizen=grant.citizen).select_related("written_by"))
    return render(
        request,
        "recovery/development_plan.html",
        {
            "grant": grant,
            "citizen": grant.citizen,
            "plan": versions[0] if versions else None,
            "earlier": versions[1:],
            "may_write": actions.may_write_plan(grant),
            "back": _back(grant),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def development_plan_edit(request, citizen_id):
    grant = get_grant_or_404(request, citizen_id, DEVELOPMENT_PLAN, log=False, detail="write development plan")
    if not actions.may_write_plan(grant):
        log_denied(request, citizen_id, DEVELOPMENT_PLAN, "write development plan")
        raise PermissionDenied
    current = actions.current_plan(grant.citizen)
    initial = {name: getattr(current, name) for name, _label, _prompt in PARTS} if current else {}
    initial["based_on"] = current.number if current else 0
    form = DevelopmentPlanForm(request.POST or None, initial=initial, by_citizen=grant.is_self)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.write_plan(
                grant,
                acting_user=request.user,
                based_on=data["based_on"],
                confirmed_with_citizen=data.get("confirmed_with_citizen", False),
                **{name: data[name] for name, _label, _prompt in PARTS},
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved. Your team reads it as you allow."))
            return redirect("recovery:development_plan", citizen_id)
    log_read(request, grant, DEVELOPMENT_PLAN, "write development plan (form)")
    return render(
        request,
        "recovery/development_plan_form.html",
        {"grant": grant, "citizen": grant.citizen, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def peer_support(request, citizen_id):
    """The citizen asks for a peer worker and reads the answer; the coordinator answers."""
    grant = get_grant_or_404(request, citizen_id, Section.OVERVIEW, log=False, detail="peer support")
    if not (grant.is_self or grant.may_manage_team):
        log_denied(request, citizen_id, PEER_SUPPORT, "peer support")
        raise PermissionDenied
    form = PeerRequestForm(request.POST if grant.is_self and request.method == "POST" else None)
    if request.method == "POST":
        if not grant.is_self:
            log_denied(request, citizen_id, PEER_SUPPORT, "ask for a peer worker on someone else's behalf")
            raise PermissionDenied
        if form.is_valid():
            actions.ask_for_peer_worker(grant, acting_user=request.user, wish=form.cleaned_data["wish"])
            messages.success(request, _("Your coordinator has been told, and will answer you here."))
            return redirect("recovery:peer_support", citizen_id)
    log_read(request, grant, PEER_SUPPORT, "peer support")
    requests = list(PeerRequest.objects.filter(citizen=grant.citizen).select_related("answered_by")[:10])
    return render(
        request,
        "recovery/peer_support.html",
        {
            "grant": grant,
            "citizen": grant.citizen,
            "form": form,
            "requests": requests,
            "open": next((r for r in requests if r.answered_at is None), None),
            "has_peer_worker": actions.has_peer_worker(grant.citizen),
            "answer_form": AnswerForm(),
            "back": _back(grant),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def peer_answer(request, citizen_id, request_id):
    grant = get_grant_or_404(request, citizen_id, Section.OVERVIEW, log=False, detail="answer peer request")
    if not grant.may_manage_team:
        log_denied(request, citizen_id, PEER_SUPPORT, "answer peer request")
        raise PermissionDenied
    peer_request = get_object_or_404(PeerRequest, pk=request_id, citizen=grant.citizen)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            actions.answer_request(grant, peer_request, acting_user=request.user, answer=form.cleaned_data["answer"])
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("Answered. The citizen reads it on their page."))
    else:
        messages.error(request, _("Write a short answer to the citizen."))
    return redirect("recovery:peer_support", citizen_id)
