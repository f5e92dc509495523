"""The responsibility group on screen: the group and its agreement, meetings, minutes and actions.

Every page reaches the citizen through ``people.access`` with the group's section and logs what it
shows: the group section, and each part of the record a minutes part or an agenda point belongs
to. What a reader sees is their grant narrowed by the agreement's shielding
(``groups.shielding.reader_sections``). Every change goes through ``groups.actions``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit import sections as section_registry
from measures.models import GoalRating
from people.access import log_read, log_reads
from people.models import CareTeamMember
from web.forms import add_errors
from web.pdf import html_to_pdf

from . import actions, doors, forms, invitations
from .models import AgendaItem, Consent, GroupTask, Meeting, Minutes, PlanChange
from .sections import GROUP
from .shielding import narrowed, reader_sections, shielded_by_agreement


def _group_or_404(request, grant, detail):
    group = actions.open_group(grant.citizen)
    if group is None:
        doors.refuse(request, grant, detail, not_found=True)
    return group


def _minutes(request, grant, minutes_id, detail):
    """Signed minutes for every reader; a draft only for those who write the minutes."""
    minutes = (
        Minutes.objects.filter(pk=minutes_id, citizen=grant.citizen)
        .select_related("meeting__group", "meeting__agreement", "signed_by", "author", "corrects")
        .first()
    )
    if minutes is None or (not minutes.is_signed and not actions.may_manage_group(grant)):
        doors.refuse(request, grant, detail, not_found=True)
    return minutes


def _sections_seen(sections):
    """The sections a page showed, in the registry's order, the group first."""
    return [GROUP] + [section for section in section_registry.in_order(set(sections)) if section != GROUP]


def _error_status(form):
    return 400 if form.errors else 200


# The group ------------------------------------------------------------------------------------


@login_required
def group(request, citizen_id):
    """The group as the reader may see it: status, the agreement in force, members, meetings, actions."""
    grant = doors.group_grant(request, citizen_id, "responsibility group")
    group = doors.group_in_focus(grant.citizen)
    context = {"grant": grant, "citizen": grant.citizen, "group": group, "manager": actions.may_manage_group(grant)}
    if group is None:
        log_read(request, grant, GROUP, "responsibility group (none)")
        return render(request, "groups/group.html", context)
    agreements = list(group.agreements.order_by("-number"))
    agreement = agreements[0]
    members = list(
        agreement.members.select_related("care_team_member__user__staff_profile", "care_team_member__organisation")
    )
    manager = actions.may_manage_group(grant)
    for member in members:
        member.shown_contact = _shown_contact(member, manager)
    # An action is read as its meeting's agreement and the current one allow, as its minutes are.
    shielded = shielded_by_agreement(request.user, agreements)
    current_shield = shielded.get(agreement.pk, set())
    now = timezone.now()
    meetings = list(group.meetings.order_by("-starts_at").prefetch_related("minutes"))
    for meeting in meetings:
        meeting.signed = [minutes for minutes in meeting.minutes.all() if minutes.is_signed]
    tasks = [
        task
        for task in GroupTask.objects.filter(group=group).select_related(
            "responsible__care_team_member__user", "meeting"
        )
        if task.section in narrowed(grant, current_shield | shielded.get(_meeting_agreement(task), set()))
    ]
    is_guardian = actions.is_guardian(grant, request.user)
    may_answer = group.is_open and (grant.is_self or is_guardian)
    own_answer = None
    if may_answer:
        own_answer = agreement.citizen_consent if grant.is_self else agreement.guardian_consent
    log_reads(request, grant, _sections_seen({task.section for task in tasks}), f"responsibility group {group.pk}")
    context |= {
        "agreement": agreement,
        "earlier_agreements": agreements[1:],
        "members": members,
        "upcoming": [m for m in reversed(meetings) if m.starts_at >= now and m.status == Meeting.Status.PLANNED],
        "past": [m for m in meetings if not (m.starts_at >= now and m.status == Meeting.Status.PLANNED)],
        "open_tasks": [task for task in tasks if task.is_open],
        "closed_tasks": [task for task in tasks if not task.is_open],
        "may_answer": may_answer,
        "own_answer": own_answer,
        "answer_form": forms.AnswerAgreementForm(),
        "has_guardian": actions.has_guardian(grant.citizen),
        "Consent": Consent,
    }
    return render(request, "groups/group.html", context)


def _shown_contact(member, manager):
    """How to reach a member, as the group may see it: the work phone of staff, what was noted for a
    person without a login; an outsider's e-mail and a member's withheld details only for the coordinator."""
    if member.hide_contact and not manager:
        return ""
    if member.is_external:
        return member.email if manager else ""
    care_team_member = member.care_team_member
    if care_team_member.user_id:
        profile = getattr(care_team_member.user, "staff_profile", None)
        return profile.phone if profile is not None else ""
    return care_team_member.person_contact


def _meeting_agreement(task):
    """The agreement an action was decided under (its meeting's), or None for one given outside a meeting."""
    return task.meeting.agreement_id if task.meeting_id else None


def _team(grant):
    return list(
        CareTeamMember.objects.active()
        .filter(citizen=grant.citizen)
        .select_related("user__staff_profile__organisation", "organisation")
        .order_by("role", "id")
    )


@login_required
@require_http_methods(["GET", "POST"])
def propose(request, citizen_id):
    """The coordinator proposes a group: purpose, rules and members (from the care team, and outsiders)."""
    detail = "propose responsibility group"
    grant = doors.managed_grant(request, citizen_id, detail)
    existing = actions.open_group(grant.citizen)
    if existing is not None:
        return redirect(existing)
    team = _team(grant)
    coordinator_rows = {f"m{member.pk}_include": True for member in team if member.user_id == request.user.pk}
    coordinator_rows |= {
        f"m{member.pk}_role": "municipal_coordinator"
        for member in team
        if member.user_id == request.user.pk and member.role == CareTeamMember.Role.COORDINATOR
    }
    form = forms.AgreementForm(request.POST or None, team=team, initial=coordinator_rows)
    if request.method == "POST" and form.is_valid():
        try:
            group, _agreement = actions.propose_group(
                grant, acting_user=request.user, text=form.text(), members=form.members()
            )
        except ValidationError as error:
            form.add_member_errors(error.message_dict)
        else:
            messages.success(request, _("The group is proposed. The citizen is asked to consent to the agreement."))
            return redirect(group)
    log_read(request, grant, GROUP, detail)
    context = {"grant": grant, "citizen": grant.citizen, "form": form, "revising": False}
    return render(request, "groups/agreement_form.html", context, status=_error_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def revise(request, citizen_id):
    """A new version of the agreement, started from the one in force."""
    detail = "change responsibility group agreement"
    grant = doors.managed_grant(request, citizen_id, detail)
    group = _group_or_404(request, grant, detail)
    current = actions.current_agreement(group)
    form = forms.AgreementForm(
        request.POST or None, team=_team(grant), revising=True, initial=forms.AgreementForm.initial_from(current)
    )
    if request.method == "POST" and form.is_valid():
        try:
            agreement = actions.revise_agreement(
                grant,
                group,
                acting_user=request.user,
                text=form.text(),
                members=form.members(),
                change_note=form.cleaned_data["change_note"],
            )
        except ValidationError as error:
            form.add_member_errors(error.message_dict)
        else:
            messages.success(
                request,
                _("Version %(number)s of the agreement is saved. The citizen is asked to answer it.")
                % {"number": agreement.number},
            )
            return redirect(group)
    log_read(request, grant, GROUP, detail)
    context = {"grant": grant, "citizen": grant.citizen, "form": form, "revising": True, "current": current}
    return render(request, "groups/agreement_form.html", context, status=_error_status(form))


@login_required
@require_POST
def answer(request, citizen_id):
    """The citizen (or guardian) consents to the agreement in force, or not."""
    detail = "answer responsibility group agreement"
    grant = doors.group_grant(request, citizen_id, detail)
    group = _group_or_404(request, grant, detail)
    agreement = actions.current_agreement(group)
    if str(agreement.pk) != request.POST.get("agreement"):
        messages.error(request, _("The agreement has been changed since you opened it. Read the new version first."))
        return redirect(group)
    form = forms.AnswerAgreementForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose yes or no."))
        return redirect(group)
    try:
        actions.answer_agreement(
            grant,
            agreement,
            acting_user=request.user,
            consent=form.cleaned_data["consent"],
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if form.cleaned_data["consent"] == Consent.YES:
            messages.success(request, _("Thank you. You have consented to the agreement."))
        else:
            messages.success(
                request, _("Your answer is saved: you do not consent. Your coordinator will talk with you.")
            )
    return redirect(group)


@login_required
@require_http_methods(["GET", "POST"])
def end(request, citizen_id):
    detail = "end responsibility group"
    grant = doors.managed_grant(request, citizen_id, detail)
    group = _group_or_404(request, grant, detail)
    form = forms.EndGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.end_group(grant, group, acting_user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The group has ended. Its meetings and minutes are kept."))
            return redirect("groups:group", citizen_id=grant.citizen.pk)
    log_read(request, grant, GROUP, detail)
    context = {"grant": grant, "citizen": grant.citizen, "group": group, "form": form}
    return render(request, "groups/end.html", context, status=_error_status(form))


# Meetings ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request, citizen_id):
    detail = "plan a group meeting"
    grant = doors.managed_grant(request, citizen_id, detail)
    group = _group_or_404(request, grant, detail)
    agreement = actions.current_agreement(group)
    form = forms.MeetingForm(request.POST or None, agreement=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = actions.plan_meeting(
                grant,
                group,
                acting_user=request.user,
                kind=form.cleaned_data["kind"],
                starts_at=form.cleaned_data["starts_at"],
                duration_minutes=form.cleaned_data["duration_minutes"],
                place=form.cleaned_data["place"],
                video_link=form.cleaned_data["video_link"],
                members=form.chosen_members(),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The meeting is planned with an agenda. Check it, then send the invitations."))
            return redirect(meeting)
    log_read(request, grant, GROUP, detail)
    context = {"grant": grant, "citizen": grant.citizen, "group": group, "form": form}
    return render(request, "groups/meeting_form.html", context, status=_error_status(form))


def _meeting_context(request, grant, meeting, **extra):
    """The meeting page's content as the reader may see it, and the sections it shows."""
    group = meeting.group
    current = actions.current_agreement(group)
    seen = reader_sections(grant, request.user, meeting.agreement, current)
    agenda = [item for item in meeting.agenda.select_related("added_by") if item.section in seen]
    participants = list(
        meeting.participants.select_related("member__care_team_member__user", "member__care_team_member__organisation")
    )
    tasks = [
        task for task in meeting.tasks.select_related("responsible__care_team_member__user") if task.section in seen
    ]
    minutes = list(meeting.minutes.order_by("created_at", "id"))
    manager = actions.may_manage_group(grant)
    own = next((p for p in participants if p.member.user_id == request.user.pk), None)
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "group": group,
        "meeting": meeting,
        "agenda": agenda,
        "participants": participants,
        "own_participant": own,
        "tasks": tasks,
        "signed_minutes": [m for m in minutes if m.is_signed],
        "draft_minutes": next((m for m in minutes if not m.is_signed), None) if manager else None,
        "plan_changes": list(meeting.plan_changes.select_related("plan_version")) if manager else [],
        "manager": manager,
        "is_planned": meeting.status == Meeting.Status.PLANNED,
        "point_form": forms.AgendaPointForm(staff=manager and not grant.is_self),
        "answer_form": forms.AnswerInvitationForm(meeting=meeting),
        "answer_errors": [],
        "task_form": forms.TaskForm(agreement=current) if manager else None,
        "plan_change_form": forms.PlanChangeForm() if manager else None,
    }
    context.update(extra)
    if manager and not grant.is_self and context["is_planned"]:
        failed = extra.get("edit_form")
        for item in agenda:
            if failed is not None and failed.prefix == f"point{item.pk}":
                item.edit_form = failed
            else:
                initial = {"title": item.title, "section": item.section}
                item.edit_form = forms.AgendaPointForm(
                    staff=True, editing=True, prefix=f"point{item.pk}", initial=initial
                )
    return context, _sections_seen([item.section for item in agenda] + [task.section for task in tasks])


@login_required
def meeting(request, citizen_id, meeting_id):
    grant = doors.group_grant(request, citizen_id, f"group meeting {meeting_id}")
    meeting = doors.meeting_of(request, grant, meeting_id, f"group meeting {meeting_id}")
    context, sections = _meeting_context(request, grant, meeting)
    log_reads(request, grant, sections, f"group meeting {meeting.pk}")
    return render(request, "groups/meeting.html", context)


def _meeting_with_errors(request, grant, meeting, **forms_with_errors):
    """The meeting page again with a form that has errors: what was typed is kept, status 400."""
    context, sections = _meeting_context(request, grant, meeting, **forms_with_errors)
    log_reads(request, grant, sections, f"group meeting {meeting.pk}")
    return render(request, "groups/meeting.html", context, status=400)


@login_required
@require_POST
def meeting_answer(request, citizen_id, meeting_id):
    detail = f"answer invitation to group meeting {meeting_id}"
    grant = doors.group_grant(request, citizen_id, detail)
    meeting = doors.meeting_of(request, grant, meeting_id, detail)
    if actions.participant_of(meeting, request.user) is None:
        doors.refuse(request, grant, detail, not_found=True)
    form = forms.AnswerInvitationForm(request.POST)
    if not form.is_valid():
        return _meeting_answer_refused(request, grant, meeting, form.error_list(), status=400)
    try:
        actions.answer_invitation(
            grant,
            meeting,
            acting_user=request.user,
            answer=form.cleaned_data["answer"],
            shown_sequence=form.cleaned_data["shown_sequence"],
        )
    except ValidationError as error:
        # The meeting was moved (or cancelled) since the page was opened: say so, with the page as it is now.
        return _meeting_answer_refused(request, grant, meeting, error.messages, status=409)
    messages.success(request, _("Your answer is saved."))
    return redirect(meeting)


def _meeting_answer_refused(request, grant, meeting, errors, *, status):
    """The meeting page as it is now (its new time, and an answer form for that time), saying why the
    answer was not saved."""
    meeting.refresh_from_db()
    context, sections = _meeting_context(request, grant, meeting, answer_errors=errors)
    log_reads(request, grant, sections, f"group meeting {meeting.pk}")
    return render(request, "groups/meeting.html", context, status=status)


@login_required
@require_POST
def agenda_add(request, citizen_id, meeting_id):
    """The citizen adds their own point from the phone; the coordinator adds any point."""
    detail = f"add agenda point to group meeting {meeting_id}"
    grant = doors.group_grant(request, citizen_id, detail)
    meeting = doors.meeting_of(request, grant, meeting_id, detail)
    staff = actions.may_manage_group(grant) and not grant.is_self
    if not (grant.is_self or staff):
        doors.refuse(request, grant, detail)
    form = forms.AgendaPointForm(request.POST, staff=staff)
    if form.is_valid():
        try:
            actions.add_agenda_point(
                grant,
                meeting,
                acting_user=request.user,
                title=form.cleaned_data["title"],
                section=form.cleaned_data.get("section") or GROUP,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Your point is on the agenda.") if grant.is_self else _("The point is added."))
            return redirect(meeting)
    return _meeting_with_errors(request, grant, meeting, point_form=form)


@login_required
@require_POST
def agenda_edit(request, citizen_id, meeting_id, item_id):
    """The coordinator rewords a point, or puts it in a narrower part of the record."""
    detail = f"change agenda point of group meeting {meeting_id}"
    grant, meeting = doors.managed_meeting(request, citizen_id, meeting_id, detail)
    item = AgendaItem.objects.filter(pk=item_id, meeting=meeting).select_related("meeting").first()
    if item is None:
        doors.refuse(request, grant, detail, not_found=True)
    form = forms.AgendaPointForm(request.POST, staff=True, editing=True, prefix=f"point{item.pk}")
    if form.is_valid():
        try:
            actions.edit_agenda_point(
                grant,
                item,
                acting_user=request.user,
                title=form.cleaned_data["title"],
                section=form.cleaned_data["section"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The point is changed."))
            return redirect(meeting)
    return _meeting_with_errors(request, grant, meeting, edit_form=form)


@login_required
@require_POST
def agenda_remove(request, citizen_id, meeting_id, item_id):
    detail = f"remove agenda point from group meeting {meeting_id}"
    grant, meeting = doors.managed_meeting(request, citizen_id, meeting_id, detail)
    item = AgendaItem.objects.filter(pk=item_id, meeting=meeting).first()
    if item is None:
        doors.refuse(request, grant, detail, not_found=True)
    try:
        actions.remove_agenda_point(grant, item, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The point is removed from the agenda."))
    return redirect(meeting)


@login_required
@require_POST
def invite(request, citizen_id, meeting_id):
    """Send the invitations (e-mail with a calendar file; no health details)."""
    detail = f"send invitations to group meeting {meeting_id}"
    grant, meeting = doors.managed_meeting(request, citizen_id, meeting_id, detail)
    try:
        result = invitations.send_invitations(
            grant, meeting, acting_user=request.user, absolute_url=request.build_absolute_uri
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, invitations.describe(result))
    return redirect(meeting)


@login_required
@require_http_methods(["GET", "POST"])
def move(request, citizen_id, meeting_id):
    """A new time or place; those already invited get the change with the same calendar event."""
    detail = f"move group meeting {meeting_id}"
    grant, meeting = doors.managed_meeting(request, citizen_id, meeting_id, detail)
    initial = {name: getattr(meeting, name) for name in ("starts_at", "duration_minutes", "place", "video_link")}
    form = forms.MoveMeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.move_meeting(grant, meeting, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            if meeting.invitations_sent_at:
                invitations.send_updates(
                    grant, meeting, acting_user=request.user, absolute_url=request.build_absolute_uri
                )
                messages.success(request, _("The meeting is moved, and those invited are told."))
            else:
                messages.success(request, _("The meeting is moved."))
            return redirect(meeting)
    log_read(request, grant, GROUP, detail)
    context = {"grant": grant, "citizen": grant.citizen, "meeting": meeting, "form": form}
    return render(request, "groups/move.html", context, status=_error_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request, citizen_id, meeting_id):
    detail = f"cancel group meeting {meeting_id}"
    grant, meeting = doors.managed_meeting(request, citizen_id, meeting_id, detail)
    form = forms.CancelMeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.cancel_meeting(grant, meeting, acting_user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            invitations.send_cancellations(
                grant, meeting, acting_user=request.user, absolute_url=request.build_absolute_uri
            )
            messages.success(request, _("The meeting is cancelled, and those invited are told."))
            return redirect(meeting)
    log_read(request, grant, GROUP, detail)
    context = {"grant": grant, "citizen": grant.citizen, "meeting": meeting, "form": form}
    return render(request, "groups/cancel.html", context, status=_error_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request, citizen_id, meeting_id):
    detail = f"attendance at group meeting {meeting_id}"
    grant, meeting = doors.managed_meeting(request, citizen_id, meeting_id, detail)
    participants = meeting.participants.select_related("member__care_team_member__user")
    form = forms.AttendanceForm(
        request.POST or None,
        participants=participants,
        initial={"citizen_attendance": meeting.citizen_attendance or None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_attendance(
                grant,
                meeting,
                acting_user=request.user,
                attendance=form.attendance(),
                citizen_attendance=form.cleaned_data["citizen_attendance"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Attendance is saved."))
            return redirect(meeting)
    log_read(request, grant, GROUP, detail)
    context = {"grant": grant, "citizen": grant.citizen, "meeting": meeting, "form": form}
    return render(request, "groups/attendance.html", context, status=_error_status(form))


@login_required
@require_POST
def task_add(request, citizen_id, meeting_id):
    detail = f"add action at group meeting {meeting_id}"
    grant, meeting = doors.managed_meeting(request, citizen_id, meeting_id, detail)
    form = forms.TaskForm(request.POST, agreement=actions.current_agreement(meeting.group))
    if form.is_valid():
        try:
            actions.add_task(
                grant,
                meeting,
                acting_user=request.user,
                what=form.cleaned_data["what"],
                responsible=form.chosen_responsible(),
                due_on=form.cleaned_data["due_on"],
                section=form.cleaned_data["section"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The action is given; it shows on the responsible member's worklist."))
            return redirect(f"{meeting.get_absolute_url()}#actions")
    return _meeting_with_errors(request, grant, meeting, task_form=form)


@login_required
@require_POST
def plan_change(request, citizen_id, meeting_id):
    detail = f"plan change from group meeting {meeting_id}"
    grant, meeting = doors.managed_meeting(request, citizen_id, meeting_id, detail)
    form = forms.PlanChangeForm(request.POST)
    if form.is_valid():
        try:
            change = actions.request_plan_change(
                grant, meeting, acting_user=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("Proposal %(number)s of the plan is open, with the agreed change noted on it.")
                % {"number": change.plan_version.number},
            )
            return redirect(meeting)
    return _meeting_with_errors(request, grant, meeting, plan_change_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def task(request, citizen_id, task_id):
    """One action: the responsible member (or the coordinator) starts, completes or cancels it."""
    detail = f"group action {task_id}"
    grant = doors.group_grant(request, citizen_id, detail)
    task = (
        GroupTask.objects.filter(pk=task_id, citizen=grant.citizen)
        .select_related("responsible__care_team_member__user", "meeting", "group")
        .first()
    )
    seen = frozenset()
    if task is not None:
        current = actions.current_agreement(task.group)
        seen = reader_sections(grant, request.user, _meeting_agreement(task), current)
    if task is None or task.section not in seen:
        doors.refuse(request, grant, detail, not_found=True)
    may_change = task.is_open and actions.may_close_task(grant, task, request.user)
    form = forms.TaskStatusForm(request.POST or None)
    if request.method == "POST":
        if not may_change:
            doors.refuse(request, grant, detail)
        if form.is_valid():
            try:
                actions.set_task_status(
                    grant,
                    task,
                    acting_user=request.user,
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The action is updated."))
                return redirect("groups:task", citizen_id=grant.citizen.pk, task_id=task.pk)
    log_reads(request, grant, _sections_seen([task.section]), detail)
    context = {"grant": grant, "citizen": grant.citizen, "task": task, "form": form, "may_change": may_change}
    return render(request, "groups/task.html", context, status=_error_status(form))


# Minutes ----------------------------------------------------------------------------------------


@login_required
@require_POST
def minutes_start(request, citizen_id, meeting_id):
    detail = f"write minutes of group meeting {meeting_id}"
    grant, meeting = doors.managed_meeting(request, citizen_id, meeting_id, detail)
    try:
        minutes = actions.start_minutes(grant, meeting, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(meeting)
    return redirect("groups:minutes_edit", citizen_id=grant.citizen.pk, minutes_id=minutes.pk)


def visible_parts(grant, user, minutes):
    """The parts of ``minutes`` the reader may see (grant narrowed by the shielding), with labels."""
    seen = reader_sections(grant, user, minutes.meeting.agreement, actions.current_agreement(minutes.meeting.group))
    parts = []
    for part in minutes.parts:
        if part["section"] in seen:
            parts.append(part | {"status_label": actions.PartStatus.label(part.get("status"))})
    return parts


def _minutes_page(request, grant, minutes, *, error=None, status=200, comment_form=None):
    parts = visible_parts(grant, request.user, minutes)
    log_reads(request, grant, _sections_seen(part["section"] for part in parts), f"minutes {minutes.pk}")
    corrected_by = (
        Minutes.objects.filter(corrects=minutes, status=Minutes.Status.SIGNED).select_related("signed_by").first()
    )
    manager = actions.may_manage_group(grant)
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "minutes": minutes,
        "meeting": minutes.meeting,
        "parts": parts,
        "corrected_by": corrected_by,
        "comments": list(minutes.comments.select_related("author")) if minutes.is_signed else [],
        "comment_form": comment_form or forms.CommentForm(),
        "manager": manager,
        "may_comment": minutes.is_signed and (grant.is_self or actions.may_see_group(grant)),
        "error": error,
        "plan_changes": list(PlanChange.objects.filter(meeting=minutes.meeting).select_related("plan_version"))
        if manager
        else [],
    }
    return render(request, "groups/minutes.html", context, status=status)


@login_required
def minutes(request, citizen_id, minutes_id):
    detail = f"minutes {minutes_id}"
    grant = doors.group_grant(request, citizen_id, detail)
    return _minutes_page(request, grant, _minutes(request, grant, minutes_id, detail))


@login_required
@require_http_methods(["GET", "POST"])
def minutes_edit(request, citizen_id, minutes_id):
    """The draft minutes, part by part from the agenda; saved as typed. Signed minutes are refused (409)."""
    detail = f"edit minutes {minutes_id}"
    grant = doors.managed_grant(request, citizen_id, detail)
    minutes = _minutes(request, grant, minutes_id, detail)
    if minutes.is_signed:
        return _minutes_page(request, grant, minutes, error=actions.MinutesLocked(minutes).message, status=409)
    conflict = None
    initial = {"revision": minutes.revision, "summary": minutes.summary}
    form = forms.MinutesForm(request.POST or None, minutes=minutes, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_minutes(
                grant,
                minutes,
                acting_user=request.user,
                summary=form.cleaned_data["summary"],
                parts=form.typed_parts(),
                expected_revision=form.cleaned_data["revision"],
            )
        except actions.MinutesLocked as locked:
            return _minutes_page(request, grant, locked.minutes, error=locked.message, status=409)
        except actions.EditConflict as error:
            conflict = error
            data = request.POST.copy()
            data["revision"] = error.theirs.revision
            form = forms.MinutesForm(data, minutes=error.theirs)
            form.is_valid()
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The minutes are saved."))
            if "sign" in request.POST:
                return redirect("groups:minutes", citizen_id=grant.citizen.pk, minutes_id=minutes.pk)
            return redirect("groups:minutes_edit", citizen_id=grant.citizen.pk, minutes_id=minutes.pk)
    goal_ids = [part["goal"] for part in minutes.parts if part.get("goal")]
    latest = {}
    for rating in GoalRating.objects.filter(goal_id__in=goal_ids).order_by("rated_at", "id"):
        latest[rating.goal_id] = rating
    sections = _sections_seen(part["section"] for part in minutes.parts)
    log_reads(request, grant, sections, detail)
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "minutes": minutes,
        "meeting": minutes.meeting,
        "form": form,
        "rows": [(part, fields, latest.get(part.get("goal"))) for part, fields in form.rows()],
        "conflict": conflict,
    }
    status = 409 if conflict else _error_status(form)
    return render(request, "groups/minutes_edit.html", context, status=status)


@login_required
@require_POST
def minutes_autosave(request, citizen_id, minutes_id):
    """Save the draft as the coordinator types (htmx); a conflict, a bad value or signed minutes is
    reported, never forced.

    htmx does not swap 4xx answers into the page, so an htmx request gets the refusal in a 200 and
    the status line says it; any other client gets 409.
    """
    detail = f"autosave minutes {minutes_id}"
    grant = doors.managed_grant(request, citizen_id, detail)
    minutes = _minutes(request, grant, minutes_id, detail)
    form = forms.MinutesForm(request.POST, minutes=minutes)
    context = {"saved_at": None, "refused": None, "revision": None}
    if minutes.is_signed:
        context["refused"] = "signed"
    elif not form.is_valid():
        context["refused"] = "invalid"
    else:
        try:
            saved = actions.save_minutes(
                grant,
                minutes,
                acting_user=request.user,
                summary=form.cleaned_data["summary"],
                parts=form.typed_parts(),
                expected_revision=form.cleaned_data["revision"],
            )
        except actions.MinutesLocked:
            context["refused"] = "signed"
        except actions.EditConflict:
            context["refused"] = "conflict"
        except ValidationError:
            context["refused"] = "invalid"
        else:
            context.update(saved_at=timezone.localtime(saved.updated_at), revision=saved.revision)
    status = 409 if context["refused"] and not request.htmx else 200
    return render(request, "groups/minutes_edit.html#autosave", context, status=status)


@login_required
@require_POST
def minutes_sign(request, citizen_id, minutes_id):
    detail = f"sign minutes {minutes_id}"
    grant = doors.managed_grant(request, citizen_id, detail)
    minutes = _minutes(request, grant, minutes_id, detail)
    try:
        revision = int(request.POST.get("revision", ""))
    except ValueError:
        revision = -1
    try:
        signed = actions.sign_minutes(grant, minutes, acting_user=request.user, expected_revision=revision)
    except actions.MinutesLocked as locked:
        return _minutes_page(request, grant, locked.minutes, error=locked.message, status=409)
    except ValidationError as error:
        return _minutes_page(request, grant, minutes, error=" ".join(error.messages), status=400)
    invitations.notify_minutes_signed(signed, absolute_url=request.build_absolute_uri)
    messages.success(request, _("The minutes are signed. The members are told they are ready."))
    return redirect("groups:minutes", citizen_id=grant.citizen.pk, minutes_id=signed.pk)


@login_required
@require_POST
def minutes_correct(request, citizen_id, minutes_id):
    detail = f"correct minutes {minutes_id}"
    grant = doors.managed_grant(request, citizen_id, detail)
    minutes = _minutes(request, grant, minutes_id, detail)
    try:
        correction = actions.start_correction(grant, minutes, acting_user=request.user)
    except ValidationError as error:
        return _minutes_page(request, grant, minutes, error=" ".join(error.messages), status=400)
    return redirect("groups:minutes_edit", citizen_id=grant.citizen.pk, minutes_id=correction.pk)


@login_required
@require_POST
def minutes_comment(request, citizen_id, minutes_id):
    detail = f"comment on minutes {minutes_id}"
    grant = doors.group_grant(request, citizen_id, detail)
    minutes = _minutes(request, grant, minutes_id, detail)
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        try:
            actions.comment_on_minutes(grant, minutes, acting_user=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Your comment is saved with the minutes."))
            return redirect(minutes)
    return _minutes_page(request, grant, minutes, status=400, comment_form=form)


@login_required
def minutes_pdf(request, citizen_id, minutes_id):
    """The signed minutes as PDF, with only the parts the reader may see (as on screen)."""
    detail = f"minutes PDF {minutes_id}"
    grant = doors.group_grant(request, citizen_id, detail)
    minutes = _minutes(request, grant, minutes_id, detail)
    if not minutes.is_signed:
        doors.refuse(request, grant, detail, not_found=True)
    parts = visible_parts(grant, request.user, minutes)
    log_reads(request, grant, _sections_seen(part["section"] for part in parts), detail)
    with translation.override(get_language()):
        html = render_to_string(
            "groups/pdf/minutes.html",
            {
                "citizen": grant.citizen,
                "minutes": minutes,
                "meeting": minutes.meeting,
                "parts": parts,
                "participants": minutes.meeting.participants.select_related("member__care_team_member__user"),
                "printed": timezone.localtime(),
            },
        )
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="referat-{minutes.meeting.starts_at:%Y-%m-%d}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
