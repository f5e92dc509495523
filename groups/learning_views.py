"""Learning logs on screen, and the service leaders' summary across groups.

A citizen's page reaches the citizen through ``people.access`` (section ``group``) and logs the read
or the refusal; members with the group section read, the coordinator writes (``groups.learning``).
The summary is for leaders of units only, logged as one aggregate read that names no citizen.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from people.access import SectionDenied, aggregate_scope, log_aggregate, log_denied, log_reads
from people.models import Organisation, Section
from web.decorators import staff_required
from web.forms import add_errors

from . import doors, learning
from .actions import EditConflict, current_agreement, open_group
from .learning_forms import EDIT_FIELDS, EVALUATION_FIELDS, NEW_FIELDS, LearningLogForm, SummaryFilterForm
from .models import Group, LearningLog
from .sections import GROUP, LEARNING_SUMMARY
from .shielding import reader_sections


def _sections(request, grant, group, detail):
    """What the reader sees of the group's papers (the grant minus any shielding); refused without the group."""
    agreement = current_agreement(group) if group is not None else None
    seen = reader_sections(grant, request.user, agreement)
    if GROUP not in seen:
        log_denied(request, grant.citizen.pk, GROUP, detail)
        raise SectionDenied(GROUP)
    return seen


def _require_writer(request, grant, detail):
    if not learning.may_write_logs(grant):
        log_denied(request, grant.citizen.pk, GROUP, detail)
        raise SectionDenied(GROUP)


def _log_or_404(request, grant, log_id, detail):
    log = (
        LearningLog.objects.filter(pk=log_id, citizen=grant.citizen)
        .select_related("group", "written_by")
        .prefetch_related("factors")
        .first()
    )
    if log is None:
        log_denied(request, grant.citizen.pk, GROUP, detail)
        raise Http404
    return log


@login_required
@require_GET
def learning_list(request, citizen_id):
    detail = "learning logs"
    grant = doors.group_grant(request, citizen_id, detail)
    group = doors.group_in_focus(grant.citizen)
    _sections(request, grant, group, detail)
    log_reads(request, grant, [GROUP], detail)
    logs = list(
        LearningLog.objects.filter(citizen=grant.citizen)
        .select_related("group")
        .order_by("-group__created_at", "-group_id", "-number")
    )
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "group": group,
        "logs": [log for log in logs if group is not None and log.group_id == group.pk],
        "earlier_logs": [log for log in logs if group is None or log.group_id != group.pk],
        "may_write": learning.may_write_logs(grant) and group is not None and group.status == Group.Status.ACTIVE,
    }
    return render(request, "groups/learning_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def learning_new(request, citizen_id):
    detail = "new learning log"
    grant = doors.group_grant(request, citizen_id, detail)
    _require_writer(request, grant, detail)
    group = open_group(grant.citizen)
    _sections(request, grant, group, detail)
    log_reads(request, grant, [GROUP], detail)
    form = LearningLogForm(request.POST or None, names=NEW_FIELDS)
    if request.method == "POST" and form.is_valid():
        try:
            if group is None:
                raise ValidationError(_("The citizen has no responsibility group. Propose one first."))
            log = learning.write_log(grant, group, acting_user=request.user, **form.values())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Learning log no. %(number)d is saved.") % {"number": log.number})
            return redirect("groups:learning_log", citizen_id=grant.citizen.pk, log_id=log.pk)
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "group": group,
        "form": form,
        "log": None,
        "group_is_active": group is not None and group.status == Group.Status.ACTIVE,
    }
    return render(request, "groups/learning_form.html", context, status=400 if form.errors else 200)


def _save(request, grant, log, form):
    """Save ``form`` into ``log``; the conflict with what someone else saved meanwhile, if any."""
    try:
        learning.update_log(
            grant,
            log,
            acting_user=request.user,
            expected_updated_at=form.cleaned_data.get("version"),
            **form.values(),
        )
    except EditConflict as conflict:
        return conflict
    except ValidationError as error:
        add_errors(form, error)
    return None


def _conflict_form(request, form, conflict, names):
    """The form as typed, now against the newer save, and what that save holds where it differs."""
    data = request.POST.copy()
    data["version"] = conflict.theirs.updated_at.isoformat()
    again = LearningLogForm(data, names=names, log=conflict.theirs)
    again.is_valid()
    typed = form.cleaned_data
    theirs = []
    for name, label, text in again.describe(conflict.theirs):
        saved = getattr(conflict.theirs, name)
        saved = set(saved.values_list("pk", flat=True)) if name == "factors" else saved
        mine = {factor.pk for factor in typed.get(name) or ()} if name == "factors" else typed.get(name)
        if (mine or None) != (saved or None):
            theirs.append((label, text))
    return again, theirs


@login_required
@require_http_methods(["GET", "POST"])
def learning_log(request, citizen_id, log_id):
    """One log in full, the before and after for readers with the measures section, and the
    coordinator's form for the later evaluation and what was learned."""
    detail = f"learning log {log_id}"
    grant = doors.group_grant(request, citizen_id, detail)
    log = _log_or_404(request, grant, log_id, detail)
    seen = _sections(request, grant, log.group, detail)
    may_write = learning.may_write_logs(grant)
    form, conflict, theirs = None, None, None
    if request.method == "POST":
        _require_writer(request, grant, detail)
        form = LearningLogForm(request.POST, names=EVALUATION_FIELDS, log=log)
        if form.is_valid():
            conflict = _save(request, grant, log, form)
            if conflict is not None:
                form, theirs = _conflict_form(request, form, conflict, EVALUATION_FIELDS)
            elif not form.errors:
                messages.success(request, _("The evaluation is saved."))
                return redirect("groups:learning_log", citizen_id=grant.citizen.pk, log_id=log.pk)
    elif may_write:
        form = LearningLogForm(names=EVALUATION_FIELDS, log=log)
    evidence = learning.evaluation_evidence(log) if Section.MEASURES in seen else None
    log_reads(request, grant, [GROUP] if evidence is None else [GROUP, Section.MEASURES], detail)
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "log": log,
        "factors": [factor.label(get_language()) for factor in log.factors.all()],
        "evidence": evidence,
        "shared_lesson": learning.shared_lesson(log),
        "writer": log.written_by.get_full_name() or log.written_by.username if log.written_by else "",
        "may_write": may_write,
        "form": form,
        "conflict": conflict,
        "theirs": theirs,
    }
    status = 409 if conflict else 400 if form is not None and form.errors else 200
    return render(request, "groups/learning_log.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def learning_edit(request, citizen_id, log_id):
    detail = f"edit learning log {log_id}"
    grant = doors.group_grant(request, citizen_id, detail)
    _require_writer(request, grant, detail)
    log = _log_or_404(request, grant, log_id, detail)
    _sections(request, grant, log.group, detail)
    conflict, theirs = None, None
    form = LearningLogForm(request.POST or None, names=EDIT_FIELDS, log=log)
    if request.method == "POST" and form.is_valid():
        conflict = _save(request, grant, log, form)
        if conflict is not None:
            form, theirs = _conflict_form(request, form, conflict, EDIT_FIELDS)
        elif not form.errors:
            messages.success(request, _("Learning log no. %(number)d is saved.") % {"number": log.number})
            return redirect("groups:learning_log", citizen_id=grant.citizen.pk, log_id=log.pk)
    log_reads(request, grant, [GROUP], detail)
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "group": log.group,
        "form": form,
        "log": log,
        "group_is_active": True,
        "conflict": conflict,
        "theirs": theirs,
    }
    status = 409 if conflict else 400 if form.errors else 200
    return render(request, "groups/learning_form.html", context, status=status)


@staff_required
@require_GET
def learning_summary(request):
    """For leaders of units: the learning logs of every group their units serve, counted, small counts suppressed."""
    scope = aggregate_scope(request.user)
    form = SummaryFilterForm(request.GET if "period" in request.GET else None)
    units = list(Organisation.objects.filter(pk__in=scope.unit_ids).order_by("name").values_list("name", flat=True))
    context = {"form": form, "units": units, "years": None, "small": learning.SMALL}
    if form.is_bound and not form.is_valid():
        return render(request, "groups/learning_summary.html", context, status=400)
    period = form.chosen_period()
    context["period"] = period
    context["years"] = learning.learning_summary(scope, period=period)
    log_aggregate(request, scope, LEARNING_SUMMARY, {"period": period})
    return render(request, "groups/learning_summary.html", context)
