"""Every change to episodes, appointments and scheduled questionnaires; each writes the access log.

A pathway is run by care-team staff whose grant includes the pathway section (the coordinator
always does). The citizen reads their appointments but changes nothing here.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from people.access import Grant, log_write
from people.actions import new_access_code
from people.models import CareTeamMember, Section
from samplan.locks import lock_row

from .models import (
    Appointment,
    AppointmentChange,
    Episode,
    ProgrammeAccess,
    ScheduledQuestionnaire,
    TemplateStep,
)
from .signals import appointments_changed


def _log_write(grant, *, acting_user, detail):
    log_write(grant, acting_user=acting_user, section=Section.PATHWAY, detail=detail)


def may_run_pathways(grant):
    """Staff on the care team with the pathway section (or on emergency access) run the pathway; the
    citizen and a relative read it."""
    return grant.may_see(Section.PATHWAY) and not grant.is_self and not grant.is_relative


def _require(grant, episode=None):
    if not may_run_pathways(grant):
        raise PermissionDenied
    if episode is not None and episode.citizen_id != grant.citizen.pk:
        raise PermissionDenied


def _check_staff(grant, staff, field="staff"):
    """Appointments are held by someone on the citizen's care team now."""
    on_team = CareTeamMember.objects.active().filter(citizen=grant.citizen, user=staff).exists()
    if staff is None or not on_team:
        raise ValidationError({field: _("Choose someone who is on the care team now.")})


def _open(episode):
    if not episode.is_open:
        raise ValidationError(_("This pathway has ended. Register a new referral to start again."))


# Referral and episode ---------------------------------------------------------------------------


@transaction.atomic(durable=True)
def register_referral(grant: Grant, *, acting_user, template, received, source, reason, unit):
    """Open an episode (waiting) with the first-contact deadline of the template."""
    _require(grant)
    errors = {}
    today = timezone.localdate()
    if received is None:
        errors["received"] = _("Enter the date the referral was received.")
    elif received > today:
        errors["received"] = _("The referral cannot be received in the future.")
    if not (reason or "").strip():
        errors["reason"] = _("Write the reason for the referral.")
    if template is None or not template.is_active:
        errors["template"] = _("Choose a pathway.")
    if errors:
        raise ValidationError(errors)
    due = received + datetime.timedelta(days=template.first_contact_days) if template.first_contact_days else None
    # The new episode's kept outcome rows are made from the scores and ratings it can see, and their
    # writers look for the episodes they can see. Those writers hold the citizen's row FOR KEY SHARE (a
    # score by its foreign key, checked at its INSERT: measures/0004; a rating in insights.kept), so FOR
    # UPDATE here waits for one under way and holds back one to come until this has committed: each
    # side sees the other's row.
    lock_row(grant.citizen, no_key=False)
    episode = Episode.objects.create(
        citizen=grant.citizen,
        template=template,
        referral_received=received,
        referral_source=source,
        referral_reason=reason.strip(),
        unit=unit,
        responsible=acting_user,
        first_contact_due=due,
        created_by=acting_user,
    )
    _log_write(grant, acting_user=acting_user, detail=f"registered referral, {template.key} (episode {episode.pk})")
    return episode


@transaction.atomic(durable=True)
def record_first_contact(grant: Grant, episode, *, acting_user, on=None):
    """The first contact with the citizen (usually a phone call to agree the first session)."""
    _require(grant, episode)
    _open(episode)
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"on": _("The first contact cannot be in the future.")})
    if on < episode.referral_received:
        raise ValidationError({"on": _("The first contact cannot be before the referral was received.")})
    if episode.first_contact_on is None:
        episode.first_contact_on = on
        episode.save(update_fields=["first_contact_on"])
        _log_write(grant, acting_user=acting_user, detail=f"first contact on {on:%d.%m.%Y} (episode {episode.pk})")
    return episode


@transaction.atomic(durable=True)
def start_episode(grant: Grant, episode, *, acting_user, first_session_at, staff):
    """Start the pathway: plan its contacts and questionnaires from the template, from the first session."""
    _require(grant, episode)
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if episode.status != Episode.Status.WAITING:
        raise ValidationError(_("This pathway has already started or ended."))
    if first_session_at is None or first_session_at < timezone.now():
        raise ValidationError({"first_session_at": _("The first session must be in the future.")})
    _check_staff(grant, staff)
    steps = list(episode.template.steps.all())
    appointments, scheduled = [], []
    last_session = first_session_at
    for step in steps:
        for index in range(step.repeat_count):
            when = first_session_at + datetime.timedelta(days=step.offset_days + index * step.repeat_every_days)
            if step.makes_appointments:
                title = step.title if step.repeat_count == 1 else f"{step.title} ({index + 1}/{step.repeat_count})"
                appointment = Appointment(
                    citizen=episode.citizen,
                    episode=episode,
                    step=step,
                    staff=staff,
                    kind=step.contact_kind or "office",
                    title=title,
                    starts_at=when,
                    duration_minutes=step.duration_minutes or 45,
                    created_by=acting_user,
                )
                appointments.append(appointment)
                last_session = max(last_session, when)
            elif step.kind == TemplateStep.Kind.QUESTIONNAIRE and step.questionnaire:
                scheduled.append((step, None, when))
    Appointment.objects.bulk_create(appointments)
    appointments_changed.send(sender=Appointment, appointments=appointments)
    for appointment in appointments:
        if appointment.step.questionnaire:
            scheduled.append((appointment.step, appointment, appointment.starts_at))
    ScheduledQuestionnaire.objects.bulk_create(
        ScheduledQuestionnaire(
            citizen=episode.citizen,
            episode=episode,
            appointment=appointment,
            questionnaire_key=step.questionnaire,
            reason=_reason(step, appointment, when, first_session_at, last_session),
            due_on=timezone.localdate(when),
        )
        for step, appointment, when in scheduled
    )
    episode.status, episode.started_at = Episode.Status.ACTIVE, first_session_at
    episode.save(update_fields=["status", "started_at"])
    _log_write(
        grant,
        acting_user=acting_user,
        detail=f"started pathway (episode {episode.pk}): {len(appointments)} contacts, {len(scheduled)} questionnaires",
    )
    return episode


def _reason(step, appointment, when, first, last):
    if when <= first:
        return ScheduledQuestionnaire.Reason.START
    if when >= last:
        return ScheduledQuestionnaire.Reason.END
    return ScheduledQuestionnaire.Reason.SESSION


@transaction.atomic(durable=True)
def end_episode(grant: Grant, episode, *, acting_user, status, reason, on=None):
    """End the pathway with a reason. Every ending, a drop-out too, schedules the user evaluation."""
    _require(grant, episode)
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    _open(episode)
    errors = {}
    if status not in Episode.ENDED:
        errors["status"] = _("Choose how the pathway ended.")
    if not (reason or "").strip():
        errors["reason"] = _("Write why the pathway ends.")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        errors["on"] = _("The pathway cannot end in the future.")
    elif on < episode.referral_received:
        errors["on"] = _("The pathway cannot end before the referral was received.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    cancelled = Appointment.objects.filter(
        episode=episode, status=Appointment.Status.PLANNED, starts_at__gte=now
    ).update(status=Appointment.Status.CANCELLED, status_changed_at=now, status_changed_by=acting_user)
    ScheduledQuestionnaire.objects.filter(episode=episode, answered_at__isnull=True, cancelled_at__isnull=True).exclude(
        reason=ScheduledQuestionnaire.Reason.EVALUATION
    ).filter(due_on__gt=on).update(cancelled_at=now)
    ScheduledQuestionnaire.objects.create(
        citizen=episode.citizen,
        episode=episode,
        questionnaire_key=episode.template.evaluation_questionnaire,
        reason=ScheduledQuestionnaire.Reason.EVALUATION,
        due_on=on,
    )
    episode.status, episode.ended_on, episode.end_reason, episode.ended_by = status, on, reason.strip(), acting_user
    episode.save(update_fields=["status", "ended_on", "end_reason", "ended_by"])
    _log_write(
        grant,
        acting_user=acting_user,
        detail=f"ended pathway (episode {episode.pk}): {status}; {cancelled} planned contacts cancelled",
    )
    return episode


# Appointments -----------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def add_appointment(grant: Grant, *, acting_user, staff, kind, title, starts_at, duration_minutes, episode=None):
    _require(grant, episode)
    errors = {}
    if starts_at is None:
        errors["starts_at"] = _("Enter the date and time.")
    elif starts_at < timezone.now():
        errors["starts_at"] = _("A planned appointment cannot be in the past.")
    if not (title or "").strip():
        errors["title"] = _("Write what the appointment is.")
    if errors:
        raise ValidationError(errors)
    _check_staff(grant, staff)
    if episode is not None:
        _open(episode)
    appointment = Appointment.objects.create(
        citizen=grant.citizen,
        episode=episode,
        staff=staff,
        kind=kind,
        title=title.strip(),
        starts_at=starts_at,
        duration_minutes=duration_minutes or 45,
        created_by=acting_user,
    )
    _log_write(grant, acting_user=acting_user, detail=f"planned appointment {appointment.pk}")
    appointments_changed.send(sender=Appointment, appointments=[appointment])
    return appointment


@transaction.atomic(durable=True)
def set_status(grant: Grant, appointment, status, *, acting_user):
    """Done, missed or cancelled. Done and missed only once the time has come."""
    _require(grant)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk, citizen=grant.citizen)
    if status not in (Appointment.Status.DONE, Appointment.Status.MISSED, Appointment.Status.CANCELLED):
        raise ValidationError(_("Choose done, missed or cancelled."))
    if appointment.status != Appointment.Status.PLANNED:
        raise ValidationError(
            _("This appointment is already marked %(status)s.") % {"status": appointment.get_status_display()}
        )
    now = timezone.now()
    if status in (Appointment.Status.DONE, Appointment.Status.MISSED) and appointment.starts_at > now:
        raise ValidationError(_("An appointment that has not started yet cannot be marked done or missed."))
    appointment.status, appointment.status_changed_at, appointment.status_changed_by = status, now, acting_user
    appointment.save(update_fields=["status", "status_changed_at", "status_changed_by"])
    episode = appointment.episode
    if status == Appointment.Status.DONE and episode is not None and episode.first_contact_on is None:
        episode.first_contact_on = timezone.localdate(appointment.starts_at)
        episode.save(update_fields=["first_contact_on"])
    _log_write(grant, acting_user=acting_user, detail=f"appointment {appointment.pk}: {status}")
    appointments_changed.send(sender=Appointment, appointments=[appointment])
    return appointment


@transaction.atomic(durable=True)
def reschedule(grant: Grant, appointment, *, acting_user, starts_at, reason=""):
    """Move a planned appointment; the old time is kept in its history."""
    _require(grant)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk, citizen=grant.citizen)
    if appointment.status != Appointment.Status.PLANNED:
        raise ValidationError(_("Only a planned appointment can be moved."))
    if starts_at is None or starts_at < timezone.now():
        raise ValidationError({"starts_at": _("A planned appointment cannot be in the past.")})
    if starts_at == appointment.starts_at:
        raise ValidationError({"starts_at": _("Choose a new time.")})
    AppointmentChange.objects.create(
        appointment=appointment,
        previous_starts_at=appointment.starts_at,
        new_starts_at=starts_at,
        reason=(reason or "").strip()[:300],
        changed_by=acting_user,
    )
    appointment.starts_at = starts_at
    appointment.save(update_fields=["starts_at"])
    ScheduledQuestionnaire.objects.filter(appointment=appointment, answered_at__isnull=True).update(
        due_on=timezone.localdate(starts_at)
    )
    _log_write(grant, acting_user=acting_user, detail=f"moved appointment {appointment.pk}")
    appointments_changed.send(sender=Appointment, appointments=[appointment])
    return appointment


@transaction.atomic(durable=True)
def follow_up_missed(grant: Grant, appointment, *, acting_user):
    """A missed appointment has been followed up (the citizen was called, a new time made...)."""
    _require(grant)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk, citizen=grant.citizen)
    if appointment.status != Appointment.Status.MISSED:
        raise ValidationError(_("Only a missed appointment is followed up."))
    if appointment.followed_up_at is None:
        appointment.followed_up_at = timezone.now()
        appointment.save(update_fields=["followed_up_at"])
        _log_write(grant, acting_user=acting_user, detail=f"followed up missed appointment {appointment.pk}")
    return appointment


# Self-help programme access -----------------------------------------------------------------------


@transaction.atomic(durable=True)
def give_programme_access(grant: Grant, episode, *, acting_user, programme):
    """A new login code for the citizen, for a named programme; returns (code, ProgrammeAccess).

    The code is the foundation's citizen access code (single use, expires, earlier unused codes
    revoked); it is shown once, on the user card, and only its hash is kept.
    """
    _require(grant, episode)
    _open(episode)
    if not grant.may_manage_team:
        raise PermissionDenied
    programme = (programme or "").strip()
    if not programme:
        raise ValidationError({"programme": _("Write the name of the programme.")})
    if grant.citizen.user_id is not None:
        raise ValidationError(_("The citizen already logs in with their own username and password."))
    code, access_code = new_access_code(grant, acting_user=acting_user)
    access = ProgrammeAccess.objects.create(
        episode=episode, programme=programme, access_code=access_code, issued_by=acting_user
    )
    _log_write(grant, acting_user=acting_user, detail=f"access code for {programme} (episode {episode.pk})")
    return code, access
