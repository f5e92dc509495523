"""Pathways on screen: referral, the episode and its timeline, appointments and their history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from measures.models import Questionnaire
from people.access import SectionDenied, get_grant_or_404, log_denied, log_read
from people.models import AccessCode, Section
from web.forms import add_errors

from . import actions
from .forms import STATUS_CHOICES, AppointmentForm, EndForm, MoveForm, ProgrammeForm, ReferralForm, StartForm
from .models import Appointment, AppointmentChange, Episode, ScheduledQuestionnaire
from .pdf import render_user_card


def _grant(request, citizen_id, detail, *, write=False):
    """The reader's grant on the pathway section (logged); ``write`` also needs a staff member who runs it."""
    grant = get_grant_or_404(request, citizen_id, Section.PATHWAY, detail=detail)
    if write and not actions.may_run_pathways(grant):
        log_denied(request, citizen_id, Section.PATHWAY, detail)
        raise SectionDenied(Section.PATHWAY)
    return grant


def _episode(grant, episode_id):
    return get_object_or_404(Episode.objects.select_related("template", "unit"), pk=episode_id, citizen=grant.citizen)


def _appointment(grant, appointment_id):
    return get_object_or_404(
        Appointment.objects.select_related("staff", "episode", "step"), pk=appointment_id, citizen=grant.citizen
    )


def _run(request, action, success):
    """A button's action: its refusal or ``success`` becomes the message on the page it returns to."""
    try:
        action()
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, success)


def _form_view(request, grant, form, *, save, success, done, title, back):
    """A form page whose valid POST calls ``save(cleaned_data)``: a refusal lands on the form's
    fields with what was typed kept, success redirects to ``done(result)`` with ``success`` shown."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(done(result))
    return _form_page(request, grant, form, title, back)


def _form_page(request, grant, form, title, back, status=None):
    context = {"grant": grant, "citizen": grant.citizen, "form": form, "title": title, "back": back}
    return render(request, "pathways/form.html", context, status=status or (400 if form.errors else 200))


@login_required
def episodes(request, citizen_id):
    """The citizen's pathways and coming appointments."""
    grant = _grant(request, citizen_id, "pathways")
    now = timezone.now()
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "episodes": Episode.objects.filter(citizen=grant.citizen).select_related("template", "unit"),
        "upcoming": Appointment.objects.filter(
            citizen=grant.citizen, status=Appointment.Status.PLANNED, starts_at__gte=now
        ).select_related("staff")[:10],
        "may_run": actions.may_run_pathways(grant),
    }
    return render(request, "pathways/episodes.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def referral(request, citizen_id):
    grant = _grant(request, citizen_id, "register referral", write=True)
    return _form_view(
        request,
        grant,
        ReferralForm(request.POST or None, initial={"received": timezone.localdate()}),
        save=lambda data: actions.register_referral(grant, acting_user=request.user, **data),
        success=_("The referral is registered."),
        done=_episode_url,
        title=_("Register a referral"),
        back=_list_url(citizen_id),
    )


def _list_url(citizen_id):
    return reverse("pathways:episodes", args=[citizen_id])


@login_required
def episode(request, citizen_id, episode_id):
    grant = _grant(request, citizen_id, f"pathway {episode_id}")
    episode = _episode(grant, episode_id)
    appointments = list(
        episode.appointments.select_related("staff").prefetch_related(
            Prefetch("changes", queryset=AppointmentChange.objects.order_by("changed_at"))
        )
    )
    today = timezone.localdate()
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "episode": episode,
        "appointments": appointments,
        "scheduled": _with_titles(ScheduledQuestionnaire.objects.filter(episode=episode)),
        "steps": episode.template.steps.all(),
        "may_run": actions.may_run_pathways(grant) and episode.is_open,
        "deadline_overdue": episode.first_contact_on is None
        and episode.first_contact_due is not None
        and episode.first_contact_due < today,
        "now": timezone.now(),
        "status_choices": STATUS_CHOICES,
    }
    return render(request, "pathways/episode.html", context)


def _with_titles(scheduled):
    """Scheduled questionnaires with the title of the questionnaire they name."""
    scheduled = list(scheduled)
    titles = {q.key: q.title for q in Questionnaire.objects.current().only("url", "title")}
    for item in scheduled:
        item.title = titles.get(item.questionnaire_key, item.questionnaire_key)
    return scheduled


@login_required
@require_POST
def first_contact(request, citizen_id, episode_id):
    grant = _grant(request, citizen_id, f"first contact, pathway {episode_id}", write=True)
    episode = _episode(grant, episode_id)
    _run(
        request,
        lambda: actions.record_first_contact(grant, episode, acting_user=request.user),
        _("The first contact is recorded."),
    )
    return redirect("pathways:episode", citizen_id, episode.pk)


@login_required
@require_http_methods(["GET", "POST"])
def start(request, citizen_id, episode_id):
    grant = _grant(request, citizen_id, f"start pathway {episode_id}", write=True)
    episode = _episode(grant, episode_id)
    return _form_view(
        request,
        grant,
        StartForm(request.POST or None, citizen=grant.citizen, initial={"staff": request.user.pk}),
        save=lambda data: actions.start_episode(grant, episode, acting_user=request.user, **data),
        success=_("The pathway is started and its contacts are planned."),
        done=_episode_url,
        title=_("Start %(name)s") % {"name": episode.template.name},
        back=_episode_url(episode),
    )


def _episode_url(episode):
    return reverse("pathways:episode", args=[episode.citizen_id, episode.pk])


def _appointment_url(appointment):
    return reverse("pathways:appointment", args=[appointment.citizen_id, appointment.pk])


@login_required
@require_http_methods(["GET", "POST"])
def end(request, citizen_id, episode_id):
    grant = _grant(request, citizen_id, f"end pathway {episode_id}", write=True)
    episode = _episode(grant, episode_id)
    return _form_view(
        request,
        grant,
        EndForm(request.POST or None, initial={"on": timezone.localdate()}),
        save=lambda data: actions.end_episode(grant, episode, acting_user=request.user, **data),
        success=_("The pathway is ended. The user evaluation is sent to the citizen."),
        done=_episode_url,
        title=_("End the pathway"),
        back=_episode_url(episode),
    )


@login_required
@require_http_methods(["GET", "POST"])
def appointment_new(request, citizen_id):
    grant = _grant(request, citizen_id, "new appointment", write=True)
    open_episode = Episode.objects.filter(citizen=grant.citizen, status__in=Episode.OPEN).first()
    return _form_view(
        request,
        grant,
        AppointmentForm(request.POST or None, citizen=grant.citizen, initial={"staff": request.user.pk}),
        save=lambda data: actions.add_appointment(grant, acting_user=request.user, episode=open_episode, **data),
        success=_("The appointment is planned."),
        done=_appointment_url,
        title=_("Plan an appointment"),
        back=_list_url(citizen_id),
    )


@login_required
def appointment(request, citizen_id, appointment_id):
    grant = _grant(request, citizen_id, f"appointment {appointment_id}")
    appointment = _appointment(grant, appointment_id)
    notes = _notes_written_for(request, grant, appointment)
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "appointment": appointment,
        "notes": notes,
        "changes": appointment.changes.select_related("changed_by"),
        "may_run": actions.may_run_pathways(grant),
        "now": timezone.now(),
        "status_choices": STATUS_CHOICES,
    }
    return render(request, "pathways/appointment.html", context)


def _notes_written_for(request, grant, appointment):
    """The journal notes written for the appointment, oldest first, for a reader with the notes section.

    Read through the reverse relation (``appointment.notes``): pathways does not import journal.
    Signed notes for everyone who may see notes; drafts for staff only, their author may open
    them, others see that a colleague's draft exists but not its text. Showing any is a logged
    read of the notes section.
    """
    if not grant.may_see(Section.NOTES):
        return []
    # Only what the list shows: the text of a note never reaches this page.
    shown = appointment.notes.select_related("author").only(
        "appointment",
        "citizen",
        "kind",
        "status",
        "created_at",
        "signed_at",
        "corrects",
        "author",
        "author__username",
        "author__first_name",
        "author__last_name",
    )
    notes = [note for note in shown.order_by("created_at", "pk") if note.is_signed or not grant.is_self]
    for note in notes:
        note.may_open = note.is_signed or note.author_id == request.user.pk
    if notes:
        log_read(request, grant, Section.NOTES, f"journal notes for appointment {appointment.pk}")
    return notes


@login_required
@require_POST
def appointment_status(request, citizen_id, appointment_id):
    grant = _grant(request, citizen_id, f"appointment {appointment_id} status", write=True)
    appointment = _appointment(grant, appointment_id)
    status = request.POST.get("status", "")
    _run(request, lambda: actions.set_status(grant, appointment, status, acting_user=request.user), _("Saved."))
    target = request.POST.get("next", "")
    # Back to the episode's timeline, where the button was: a path on this site, never a view name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return redirect("pathways:appointment", citizen_id, appointment.pk)


@login_required
@require_http_methods(["GET", "POST"])
def appointment_move(request, citizen_id, appointment_id):
    grant = _grant(request, citizen_id, f"move appointment {appointment_id}", write=True)
    appointment = _appointment(grant, appointment_id)
    return _form_view(
        request,
        grant,
        MoveForm(request.POST or None),
        save=lambda data: actions.reschedule(grant, appointment, acting_user=request.user, **data),
        success=_("The appointment is moved. The old time is kept in its history."),
        done=_appointment_url,
        title=_("Move the appointment"),
        back=_appointment_url(appointment),
    )


@login_required
@require_POST
def appointment_follow_up(request, citizen_id, appointment_id):
    grant = _grant(request, citizen_id, f"follow up appointment {appointment_id}", write=True)
    appointment = _appointment(grant, appointment_id)
    _run(
        request,
        lambda: actions.follow_up_missed(grant, appointment, acting_user=request.user),
        _("The missed appointment is marked as followed up."),
    )
    return redirect("pathways:appointment", citizen_id, appointment.pk)


@login_required
@require_http_methods(["GET", "POST"])
def user_card(request, citizen_id, episode_id):
    """Give the citizen a code for a named self-help programme: the user card PDF shows it once."""
    grant = _grant(request, citizen_id, f"programme access, pathway {episode_id}", write=True)
    episode = _episode(grant, episode_id)
    form = ProgrammeForm(request.POST or None, initial={"programme": episode.template.programme})
    if request.method == "POST" and form.is_valid():
        try:
            code, access = actions.give_programme_access(
                grant, episode, acting_user=request.user, programme=form.cleaned_data["programme"]
            )
        except ValidationError as error:
            add_errors(form, error)
        except PermissionDenied:
            log_denied(request, citizen_id, Section.PATHWAY, "programme access")
            raise
        else:
            pdf = render_user_card(
                citizen=grant.citizen,
                programme=access.programme,
                code=AccessCode.formatted(code),
                expires_at=access.access_code.expires_at,
                login_url=request.build_absolute_uri(reverse("people:activate")),
                language=get_language(),
            )
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = 'attachment; filename="brukerkort.pdf"'
            response["Cache-Control"] = "no-store"
            return response
    return _form_page(request, grant, form, _("Give access to a self-help programme"), _episode_url(episode))
