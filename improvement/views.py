"""The improvement team's pages. Each parses input, asks ``improvement.actions`` and renders.

Outsiders get 404 for a team whether or not it exists (``actions.team_for``); citizens get 403 from
``staff_required``. The run charts count the unit's episodes, so every page that shows one logs an
aggregate read (``sections.TEAM_CHARTS``) naming the team, the months and the units counted.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from insights.series import MEASURES
from people.access import log_aggregate, units_led_by
from people.models import Organisation
from web.decorators import staff_required
from web.forms import add_errors

from . import actions, runcharts
from .checklist import QUESTIONS
from .forms import MAX_ID, ChecklistForm, CycleForm, TeamForm, team_initial
from .models import Cycle
from .sections import TEAM_CHARTS


def _team(request, team_id):
    if team_id > MAX_ID:
        raise Http404
    return actions.team_for(request.user, team_id)


def _cycle(team, cycle_id):
    cycle = Cycle.objects.filter(pk=cycle_id, team=team).first() if cycle_id <= MAX_ID else None
    if cycle is None:
        raise Http404
    return cycle


def _log_charts(request, scope, team, start, end, **more):
    log_aggregate(request, scope, TEAM_CHARTS, {"team": team.pk, "from": start, "to": end, **more})


def _require_open(team):
    if not team.is_open:
        raise PermissionDenied


@staff_required
@require_GET
def team_list(request):
    """The teams the reader leads or is a member of."""
    led = units_led_by(request.user)
    teams = list(actions.teams_for(request.user))
    if not led and not teams:
        raise PermissionDenied
    context = {"teams": teams, "may_create": bool(led), "measures": MEASURES}
    return render(request, "improvement/team_list.html", context)


def _team_form(request, *, team=None):
    unit_ids = units_led_by(request.user) if team is None else {team.unit_id}
    units = actions.units_to_choose(request.user) if team is None else Organisation.objects.filter(pk=team.unit_id)
    return TeamForm(
        request.POST or None,
        units=units,
        members=actions.eligible_members(unit_ids),
        initial=team_initial(team) if team is not None else None,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def team_new(request):
    """A leader makes a team in one of the units they lead."""
    if not units_led_by(request.user):
        raise PermissionDenied
    form = _team_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            team = actions.create_team(acting_user=request.user, unit=form.cleaned_data["unit"], **form.values())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The team is made. Plan its first PDSA cycle when you are ready."))
            return redirect(team)
    return render(
        request, "improvement/team_form.html", {"form": form, "team": None}, status=400 if form.errors else 200
    )


@staff_required
@require_http_methods(["GET", "POST"])
def team_edit(request, team_id):
    """A leader of the unit changes the team's name, members, aim and measures."""
    team = _team(request, team_id)
    if not actions.leads_unit(request.user, team.unit_id):
        raise PermissionDenied
    _require_open(team)
    form = _team_form(request, team=team)
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_team(team, acting_user=request.user, **form.values())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The team is saved."))
            return redirect(team)
    return render(
        request, "improvement/team_form.html", {"form": form, "team": team}, status=400 if form.errors else 200
    )


@staff_required
@require_GET
def team(request, team_id):
    """The aim and how far the latest month is from it, the run charts with every cycle's start, the
    cycles and the checklist."""
    team = _team(request, team_id)
    aim = getattr(team, "aim", None)
    cycles = list(team.cycles.order_by("number"))
    keys = list(team.measures.values_list("measure", flat=True))
    scope = runcharts.scope_of(team, request.user)
    start, end = runcharts.window()
    charts = runcharts.team_charts(scope, keys, cycles, today=end)
    _log_charts(request, scope, team, start, end, measures=",".join(keys))
    aim_chart = next((chart for chart in charts if aim is not None and chart.measure.key == aim.measure), None)
    answers = {row.question: row for row in team.checklist.select_related("answered_by")}
    context = {
        "team": team,
        "aim": aim,
        "aim_measure": MEASURES.get(aim.measure) if aim else None,
        "progress": runcharts.progress(aim, aim_chart) if aim_chart else None,
        "charts": charts,
        "cycles": cycles,
        "members": list(team.members.select_related("staff_profile__organisation").order_by("first_name", "last_name")),
        "checklist": [(number, question, answers.get(number)) for number, question in QUESTIONS.items()],
        "answered": len(answers),
        "is_leader": actions.leads_unit(request.user, team.unit_id),
    }
    return render(request, "improvement/team.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def cycle_new(request, team_id):
    team = _team(request, team_id)
    _require_open(team)
    form = CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = actions.add_cycle(team, acting_user=request.user, text=form.text())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(label)s is saved and marked on the run charts.") % {"label": cycle.label})
            return redirect(team)
    context = {"team": team, "form": form, "cycle": None, "chart": None}
    return render(request, "improvement/cycle_form.html", context, status=400 if form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def cycle(request, team_id, cycle_id):
    """One cycle on one form: plan, do, study (with the aim's run chart and this cycle's start) and act."""
    team = _team(request, team_id)
    cycle = _cycle(team, cycle_id)
    conflict = None
    form = CycleForm(request.POST or None, cycle=cycle)
    if request.method == "POST":
        _require_open(team)
        if form.is_valid():
            try:
                cycle = actions.update_cycle(
                    cycle,
                    acting_user=request.user,
                    text=form.text(),
                    expected_updated_at=form.cleaned_data.get("version"),
                )
            except actions.EditConflict as error:
                conflict = error.theirs
                data = request.POST.copy()
                data["version"] = conflict.updated_at.isoformat()
                form = CycleForm(data, cycle=conflict)
                form.is_valid()
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("%(label)s is saved.") % {"label": cycle.label})
                return redirect(team)
    chart = None
    aim = getattr(team, "aim", None)
    if aim is not None and aim.measure in MEASURES:
        scope = runcharts.scope_of(team, request.user)
        start, end = runcharts.window()
        chart = runcharts.chart_for(scope, aim.measure, [cycle], start=start, end=end, chart_id=f"cycle-{cycle.number}")
        _log_charts(request, scope, team, start, end, measures=aim.measure, cycle=cycle.number)
    context = {"team": team, "form": form, "cycle": cycle, "chart": chart, "conflict": conflict}
    status = 409 if conflict else 400 if form.errors else 200
    return render(request, "improvement/cycle_form.html", context, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def checklist(request, team_id):
    """The seed's ten questions for improvement teams: yes, partly or no, and a note."""
    team = _team(request, team_id)
    saved = list(team.checklist.select_related("answered_by"))
    form = ChecklistForm(request.POST or None, saved=saved)
    if request.method == "POST":
        _require_open(team)
        if form.is_valid():
            try:
                actions.answer_checklist(team, acting_user=request.user, answers=form.answers())
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The checklist is saved."))
                return redirect(f"{team.get_absolute_url()}#checklist-heading")
    context = {"team": team, "form": form}
    return render(request, "improvement/checklist.html", context, status=400 if form.errors else 200)
