from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit import sections as section_registry
from audit.models import AccessEvent
from web.decorators import staff_required
from web.forms import add_errors

from . import actions, panels
from .access import (
    SectionDenied,
    citizen_of,
    get_grant_or_404,
    is_staff_member,
    log_denied,
    log_read,
    visible_to,
)
from .forms import (
    ActivationForm,
    CareTeamMemberForm,
    CitizenForm,
    EmergencyLookupForm,
    EmergencyReasonForm,
    MemberSectionsForm,
    ReviewForm,
)
from .models import AccessCode, Block, CareTeamMember, Citizen, EmergencyAccess, Section
from .sections import ACCESS_LOG

LOG_PAGE_SIZE = 50
HOME_LOG_EVENTS = 5  # the last events by others on the citizen's own page
BLOCK_SEARCH_LIMIT = 10
CITIZEN_PAGE_SIZE = 50


def staff_members():
    return (
        get_user_model()
        .objects.filter(staff_profile__isnull=False, is_active=True)
        .select_related("staff_profile__organisation")
    )


@login_required
def home(request):
    citizen = citizen_of(request.user)
    if citizen is not None:
        return redirect("people:citizen_home")
    if is_staff_member(request.user):
        return redirect("worklist:worklist")  # the staff start page (the worklist app, by URL name only)
    if request.user.is_superuser:
        return redirect("admin:index")
    return redirect("relatives:home")  # a relative with a login (the page refuses anyone else)


@staff_required
def citizen_list(request):
    citizens = visible_to(request.user).prefetch_related(
        Prefetch(
            "care_team",
            queryset=CareTeamMember.objects.active().filter(user=request.user),
            to_attr="my_roles",
        )
    )
    query = request.GET.get("q", "").strip()
    if query:
        for word in query.split():
            citizens = citizens.filter(Q(given_name__icontains=word) | Q(family_name__icontains=word))
    page = Paginator(citizens.order_by("family_name", "given_name", "pk"), CITIZEN_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    emergencies = EmergencyAccess.objects.current().filter(user=request.user).select_related("citizen")
    if request.htmx:
        return render(request, "people/citizen_list.html#results", {"page": page, "query": query})
    return render(request, "people/citizen_list.html", {"page": page, "query": query, "emergencies": emergencies})


@staff_required
@require_http_methods(["GET", "POST"])
def citizen_create(request):
    form = CitizenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            citizen = actions.register_citizen(
                acting_user=request.user,
                coordinator_organisation=request.user.staff_profile.organisation,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(name)s is registered, with you as coordinator.") % {"name": citizen})
            return redirect(citizen)
    return render(request, "people/citizen_form.html", {"form": form})


def _overview_context(request, grant, *, log_events=10):
    citizen = grant.citizen
    team = (
        CareTeamMember.objects.filter(citizen=citizen)
        .select_related("user__staff_profile", "organisation")
        .order_by("ended_at", "active_from", "pk")
    )
    blocks = Block.objects.filter(citizen=citizen, lifted_at__isnull=True).select_related("blocked_user")
    blocked_ids = {b.blocked_user_id for b in blocks}
    active_team, past_team = [], []
    for member in team:
        member.is_blocked = member.user_id in blocked_ids
        (active_team if member.is_active else past_team).append(member)
    context = {
        "grant": grant,
        "citizen": citizen,
        "active_team": active_team,
        "past_team": past_team,
        "blocks": blocks,
    }
    if grant.is_self or grant.is_coordinator:
        events = AccessEvent.objects.for_citizen(citizen.pk).by_others_than_citizen()
        context["recent_events"] = events[:log_events]
    return context


@login_required
def citizen_overview(request, citizen_id):
    grant = get_grant_or_404(request, citizen_id, Section.OVERVIEW)
    if grant.is_self:
        return redirect("people:citizen_home")
    context = _overview_context(request, grant)
    context["panels"] = panels.render_panels(request, grant)
    context["open_code"] = (
        AccessCode.objects.filter(citizen=grant.citizen, used_at__isnull=True, revoked_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    return render(request, "people/citizen_overview.html", context)


@login_required
def citizen_home(request):
    """The citizen's own start page: my team, what each may see, who has looked."""
    citizen = citizen_of(request.user)
    if citizen is None:
        raise PermissionDenied
    grant = get_grant_or_404(request, citizen.pk, Section.OVERVIEW)
    # A few lines of the access log, so that the crisis plan and today's appointment stay near the
    # top on a phone; the whole log is a page of its own (access_log), which logs its read.
    context = _overview_context(request, grant, log_events=HOME_LOG_EVENTS)
    context["home_panels"] = panels.render_citizen_home_panels(request, grant)
    return render(request, "people/citizen_home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request, citizen_id):
    grant = get_grant_or_404(request, citizen_id, Section.OVERVIEW, log=False)
    if not grant.may_manage_team:
        log_denied(request, citizen_id, "care_team", "add member")
        raise PermissionDenied
    form = CareTeamMemberForm(request.POST or None, citizen=grant.citizen)
    if request.method == "POST" and form.is_valid():
        try:
            member = actions.add_care_team_member(
                grant, acting_user=request.user, hand_over=form.cleaned_data["hand_over"], **form.action_fields()
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(member)s was added to the care team.") % {"member": member})
            return redirect(grant.citizen)
    else:
        log_read(request, grant, "care_team", "add member form")
    # Each role's default sections (a peer worker's differ), for the page to tick when the role is chosen.
    role_defaults = {role: section_registry.defaults_for(role) for role in CareTeamMember.Role.values}
    return render(
        request,
        "people/member_form.html",
        {"form": form, "citizen": grant.citizen, "grant": grant, "role_defaults": role_defaults},
    )


def _member_for(grant, member_id):
    return get_object_or_404(
        CareTeamMember.objects.select_related("user", "organisation"), pk=member_id, citizen=grant.citizen
    )


def _back_to(grant):
    return reverse("people:citizen_home") if grant.is_self else grant.citizen.get_absolute_url()


@login_required
@require_http_methods(["GET", "POST"])
def member_end(request, citizen_id, member_id):
    grant = get_grant_or_404(request, citizen_id, Section.OVERVIEW, log=False)
    if not grant.may_manage_team:
        log_denied(request, citizen_id, "care_team", "end member")
        raise PermissionDenied
    member = _member_for(grant, member_id)
    error = None
    if request.method == "POST":
        try:
            actions.end_care_team_member(grant, member, acting_user=request.user)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(request, _("%(member)s no longer has a role on the care team.") % {"member": member})
            return redirect(grant.citizen)
    else:
        log_read(request, grant, "care_team", f"end member {member.pk} form")
    return render(
        request,
        "people/member_end.html",
        {"member": member, "citizen": grant.citizen, "grant": grant, "error": error},
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_sections(request, citizen_id, member_id):
    grant = get_grant_or_404(request, citizen_id, Section.OVERVIEW, log=False)
    if not (grant.is_self or grant.may_manage_team):
        log_denied(request, citizen_id, "care_team", "change what a member may see")
        raise PermissionDenied
    member = _member_for(grant, member_id)
    form = MemberSectionsForm(request.POST or None, initial={"sections": member.sections})
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_member_sections(grant, member, form.cleaned_data["sections"], acting_user=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved what %(name)s may see.") % {"name": member.display_name})
            return redirect(_back_to(grant))
    else:
        log_read(request, grant, "care_team", f"sections of member {member.pk}")
    return render(
        request,
        "people/member_sections.html",
        {"form": form, "member": member, "citizen": grant.citizen, "grant": grant, "back": _back_to(grant)},
    )


@login_required
@require_POST
def member_block(request, citizen_id, member_id):
    grant = get_grant_or_404(request, citizen_id, Section.OVERVIEW, log=False)
    if not (grant.is_self or grant.is_coordinator):
        log_denied(request, citizen_id, "blocks", "block member")
        raise PermissionDenied
    member = _member_for(grant, member_id)
    if member.user_id is None:
        messages.error(request, _("Only people with a login can be blocked."))
        return redirect(_back_to(grant))
    try:
        actions.block_user(grant, member.user, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, _("%(name)s is blocked and can no longer see your information.") % {"name": member.display_name}
        )
    return redirect(_back_to(grant))


@login_required
@require_http_methods(["GET", "POST"])
def block_someone(request, citizen_id):
    """Block a named staff member who is not (or not yet) on the team, found by name."""
    grant = get_grant_or_404(request, citizen_id, Section.OVERVIEW, log=False)
    if not (grant.is_self or grant.is_coordinator):
        log_denied(request, citizen_id, "blocks", "block someone")
        raise PermissionDenied
    if request.method == "POST":
        blocked = get_object_or_404(staff_members(), pk=request.POST.get("user"))
        try:
            actions.block_user(grant, blocked, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(
                request,
                _("%(name)s is blocked and can no longer see your information.")
                % {"name": blocked.get_full_name() or blocked.username},
            )
        return redirect(_back_to(grant))
    log_read(request, grant, "blocks", "search for someone to block")
    query = request.GET.get("q", "").strip()
    found = []
    if len(query) >= 2:
        found = staff_members()
        for word in query.split():
            found = found.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
        found = found.order_by("last_name", "first_name")[:BLOCK_SEARCH_LIMIT]
    return render(
        request,
        "people/block_someone.html",
        {"grant": grant, "citizen": grant.citizen, "query": query, "found": found, "back": _back_to(grant)},
    )


@login_required
@require_POST
def block_lift(request, citizen_id, block_id):
    grant = get_grant_or_404(request, citizen_id, Section.OVERVIEW, log=False)
    if not (grant.is_self or grant.is_coordinator):
        log_denied(request, citizen_id, "blocks", "lift block")
        raise PermissionDenied
    block = get_object_or_404(Block.objects.select_related("blocked_user"), pk=block_id, citizen=grant.citizen)
    actions.lift_block(grant, block, acting_user=request.user)
    messages.success(
        request,
        _("The block on %(name)s is lifted.")
        % {"name": block.blocked_user.get_full_name() or block.blocked_user.username},
    )
    return redirect(_back_to(grant))


@login_required
def access_log(request, citizen_id):
    """Who has looked at the citizen's data. The citizen and the coordinator see it."""
    grant = get_grant_or_404(request, citizen_id, Section.OVERVIEW, log=False)
    if not (grant.is_self or grant.is_coordinator):
        log_denied(request, citizen_id, ACCESS_LOG)
        raise SectionDenied(ACCESS_LOG)
    log_read(request, grant, ACCESS_LOG, f"page {request.GET.get('page', 1)}")
    events = AccessEvent.objects.for_citizen(grant.citizen.pk).by_others_than_citizen()
    page = Paginator(events, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/access_log.html", {"grant": grant, "citizen": grant.citizen, "page": page})


@login_required
@require_POST
def access_code(request, citizen_id):
    grant = get_grant_or_404(request, citizen_id, Section.OVERVIEW, log=False)
    if not grant.may_manage_team:
        log_denied(request, citizen_id, "access_code", "issue access code")
        raise PermissionDenied
    code, issued = actions.issue_access_code(grant, acting_user=request.user)
    return render(
        request,
        "people/user_card.html",
        {
            "citizen": grant.citizen,
            "code": AccessCode.formatted(code),
            "issued": issued,
            "grant": grant,
            "activate_url": request.build_absolute_uri(reverse("people:activate")),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def emergency_start(request):
    """Break the glass: find the citizen by national id, give a reason, get time-limited access."""
    lookup = EmergencyLookupForm(request.POST if "lookup" in request.POST else None)
    reason_form = None
    citizen = None
    if request.method == "POST" and "lookup" in request.POST and lookup.is_valid():
        citizen = Citizen.objects.filter(national_id=lookup.cleaned_data["national_id"]).first()
        if citizen is None:
            lookup.add_error("national_id", _("No citizen in Samplan has this national identity number."))
        else:
            reason_form = EmergencyReasonForm(initial={"national_id": citizen.national_id})
    elif request.method == "POST" and "confirm" in request.POST:
        reason_form = EmergencyReasonForm(request.POST)
        if reason_form.is_valid():
            citizen = Citizen.objects.filter(national_id=reason_form.cleaned_data["national_id"]).first()
            if citizen is None:
                raise PermissionDenied
            try:
                granted = actions.start_emergency_access(
                    acting_user=request.user, citizen=citizen, reason=reason_form.cleaned_data["reason"]
                )
            except ValidationError as error:
                add_errors(reason_form, error)
            else:
                if granted is None:
                    messages.error(request, _("The citizen has blocked you. You cannot open their record."))
                    return redirect("people:citizen_list")
                messages.warning(
                    request,
                    _("Emergency access until %(time)s. It is logged and will be reviewed.")
                    % {"time": date_format(timezone.localtime(granted.expires_at), "d.m.Y H:i")},
                )
                return redirect(citizen)
    return render(
        request,
        "people/emergency_start.html",
        {"lookup": lookup, "reason_form": reason_form, "citizen": citizen},
    )


@login_required
@permission_required("people.review_emergencyaccess", raise_exception=True)
def emergency_review_list(request):
    accesses = EmergencyAccess.objects.select_related("user", "citizen", "reviewed_by").order_by(
        "reviewed_at", "-started_at"
    )
    show = request.GET.get("show", "open")
    if show != "all":
        accesses = accesses.unreviewed()
    page = Paginator(accesses, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/emergency_review.html", {"page": page, "show": show, "form": ReviewForm()})


@login_required
@require_POST
def emergency_review(request, access_id):
    access = get_object_or_404(EmergencyAccess.objects.select_related("citizen"), pk=access_id)
    if not request.user.has_perm("people.review_emergencyaccess"):
        log_denied(request, access.citizen_id, "emergency", "review emergency access")
        raise PermissionDenied
    form = ReviewForm(request.POST)
    form.is_valid()
    try:
        actions.review_emergency_access(access, acting_user=request.user, comment=form.cleaned_data.get("comment", ""))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Marked as reviewed."))
    return redirect("people:emergency_review_list")


def code_activation(request, form, *, template, activate, credentials, locked_message, then):
    """A one-time code turned into a login (a citizen's user card, a relative's invitation): the form,
    the lockout after too many wrong codes (django-axes, counted per device under ``credentials``),
    ``activate(raw_code=, username=, password=)`` → the user, then logged in and sent to ``then``."""
    from axes.handlers.proxy import AxesProxyHandler
    from django.contrib.auth import login
    from django.contrib.auth.signals import user_login_failed

    locked = request.method == "POST" and not AxesProxyHandler.is_allowed(request, credentials)
    if locked:
        form.is_valid()
        form.add_error(None, locked_message)
    elif request.method == "POST" and form.is_valid():
        try:
            user = activate(
                raw_code=form.cleaned_data["code"],
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
            )
        except actions.AccessCodeError as error:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            form.add_error("code", error)
        except ValidationError as error:
            add_errors(form, error)
        else:
            login(request, user, backend="accounts.backends.UserBackend")
            messages.success(request, _("Welcome! Your login is ready."))
            return redirect(then)
    return render(request, template, {"form": form}, status=429 if locked else 200)


@require_http_methods(["GET", "POST"])
def activate(request):
    """A citizen turns the code on their user card into a login."""
    return code_activation(
        request,
        ActivationForm(request.POST or None),
        template="people/activate.html",
        activate=actions.activate_citizen,
        credentials={"username": "access-code"},
        locked_message=_("Too many wrong codes from this device. Wait 15 minutes, or ask your coordinator for help."),
        then="people:citizen_home",
    )
