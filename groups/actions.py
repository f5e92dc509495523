"""Every change to a responsibility group; each checks the grant and writes the access log in its transaction.

The coordinator (``grant.may_manage_team``) proposes the group, changes the agreement, plans
meetings, writes and signs the minutes and hands out actions. The citizen (and a guardian) answer
the agreement and add points to the agenda; members answer invitations and close their own
actions. Anything refused raises ``ValidationError`` with a message for the field, before any row
is written: nothing is half-saved.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import sections as section_registry
from measures import signals as measures_signals
from measures.models import Goal, GoalRating
from people.access import Grant, log_write
from people.models import CareTeamMember, Section
from plans import actions as plan_actions
from plans.models import TEXT_SCOPE, PlanIntervention, PlanText, PlanVersion

from . import sections
from .models import (
    AgendaItem,
    Agreement,
    Consent,
    Group,
    GroupTask,
    Meeting,
    Member,
    Minutes,
    MinutesComment,
    Participant,
    PlanChange,
)
from .shielding import member_scope

GROUP = sections.GROUP
PART_FIELDS = ("said", "status", "agreed", "rating")
# The plan's texts a meeting evaluates when they have content: the ones with a section of their own.
EVALUATED_TEXTS = (PlanText.Key.MEDICATION, PlanText.Key.FINANCE, PlanText.Key.DAILY_PLAN)


class PartStatus:
    """How a goal or an intervention is going, as the meeting judged it."""

    @classmethod
    def label(cls, key):
        return dict(cls.CHOICES).get(key, "")

    CHOICES = (
        ("on_track", gettext_lazy("Going as planned")),
        ("partly", gettext_lazy("Partly")),
        ("not_working", gettext_lazy("Not working")),
        ("achieved", gettext_lazy("Achieved")),
        ("change", gettext_lazy("Must change")),
    )


class MinutesLocked(Exception):
    """The minutes are signed: they can be read, commented on and corrected, never changed."""

    def __init__(self, minutes):
        super().__init__("minutes are signed")
        self.minutes = minutes

    @property
    def message(self):
        signed_at = timezone.localtime(self.minutes.signed_at)
        return _("These minutes were signed on %(date)s at %(time)s and are locked. Nothing was changed.") % {
            "date": date_format(signed_at, "d.m.Y"),
            "time": date_format(signed_at, "H:i"),
        }


class EditConflict(Exception):
    """The draft was saved elsewhere after this form was opened; both versions are kept."""

    def __init__(self, *, theirs):
        super().__init__("edit conflict")
        self.theirs = theirs


def _require(condition):
    if not condition:
        raise PermissionDenied


def _log(grant, *, acting_user, detail, section=GROUP):
    log_write(grant, acting_user=acting_user, section=section, detail=detail)


def may_see_group(grant: Grant):
    return grant.may_see(GROUP)


def may_manage_group(grant: Grant):
    """The coordinator (or an emergency access) runs the group; members and the citizen take part."""
    return grant.may_manage_team and grant.may_see(GROUP)


def is_guardian(grant: Grant, user):
    return not grant.is_self and CareTeamMember.objects.guardians(grant.citizen).filter(user=user).exists()


def has_guardian(citizen):
    return CareTeamMember.objects.guardians(citizen).exists()


def open_group(citizen):
    return Group.objects.open().filter(citizen=citizen).first()


def current_agreement(group):
    return group.agreements.order_by("-number").first()


# The group and its agreement --------------------------------------------------------------


@dataclass
class MemberSpec:
    """One member as the coordinator entered them: a care-team row, or a named outsider."""

    care_team_member: CareTeamMember | None = None
    external_name: str = ""
    external_organisation: str = ""
    email: str = ""
    role: str = Member.Role.MEMBER
    responsibility: str = ""
    shielded_sections: list = field(default_factory=list)
    hide_contact: bool = False
    key: str = ""  # the form's prefix for this row, so an error lands on the right field


@dataclass
class AgreementText:
    purpose: str
    meeting_frequency: str
    ending: str
    citizen_absent: str = Agreement.CitizenAbsent.POSTPONE
    citizen_absent_note: str = ""
    first_name_in_invitations: bool = False


def _check_text(text):
    errors = {}
    if not (text.purpose or "").strip():
        errors["purpose"] = _("Write what the group is for: its purpose and the goals it works towards.")
    if not (text.meeting_frequency or "").strip():
        errors["meeting_frequency"] = _("Write how often the group meets, for example every third month.")
    if not (text.ending or "").strip():
        errors["ending"] = _("Write how and when the group ends.")
    if text.citizen_absent not in Agreement.CitizenAbsent.values:
        errors["citizen_absent"] = _("Choose what happens if the citizen does not come.")
    return errors


def _check_members(grant, specs):
    """Field errors for the members; the first problem per row, keyed by the row's form prefix."""
    errors = {}
    team = {
        member.pk: member
        for member in CareTeamMember.objects.active().filter(citizen=grant.citizen).select_related("user")
    }
    grantable = section_registry.grantable_keys()
    seen = set()
    for spec in specs:
        key = spec.key or "members"
        if spec.care_team_member is not None:
            member = spec.care_team_member
            if member.pk not in team:
                errors[key] = _("%(name)s is not on the care team now.") % {"name": member.display_name}
                continue
            if member.pk in seen:
                errors[key] = _("%(name)s is in the group twice.") % {"name": member.display_name}
                continue
            seen.add(member.pk)
            if spec.role == Member.Role.EXTERNAL:
                errors[key] = _("A care-team member is not an external participant. Choose another role.")
                continue
            unknown = set(spec.shielded_sections) - grantable
            if unknown:
                errors[key] = _("Choose the parts of the record from the list.")
                continue
            if GROUP in spec.shielded_sections:
                errors[key] = _(
                    "A member cannot be shielded from the group itself. Leave %(name)s out of the group instead."
                ) % {"name": member.display_name}
                continue
            scope = member_scope(member)
            unseen = [section for section in spec.shielded_sections if section not in scope]
            if unseen:
                errors[key] = _(
                    "%(name)s cannot see %(parts)s anyway, so there is nothing to shield. "
                    "Shielding only narrows what the care team already allows."
                ) % {
                    "name": member.display_name,
                    "parts": ", ".join(str(section_registry.label(section)) for section in unseen),
                }
        else:
            if not spec.external_name.strip():
                errors[key] = _("Write the external participant's name.")
                continue
            if not spec.email.strip():
                errors[key] = _("Write an e-mail address for the invitations to %(name)s.") % {
                    "name": spec.external_name
                }
                continue
            try:
                validate_email(spec.email.strip())
            except ValidationError:
                errors[key] = _("“%(email)s” is not an e-mail address. Write it as name@example.no.") % {
                    "email": spec.email
                }
    if not errors:
        leaders = [spec for spec in specs if spec.role == Member.Role.MUNICIPAL_COORDINATOR]
        if len(leaders) != 1:
            errors["members"] = _("The group needs one municipal coordinator, who leads it.")
        elif len([spec for spec in specs if spec.role == Member.Role.SPECIALIST_COORDINATOR]) > 1:
            errors["members"] = _("The group can have one coordinator from the specialist service.")
        elif len(specs) < 2:
            errors["members"] = _("A group needs at least two members.")
    return errors


def _create_agreement(group, text, specs, *, number, acting_user, change_note=""):
    agreement = Agreement.objects.create(
        group=group,
        number=number,
        purpose=text.purpose.strip(),
        meeting_frequency=text.meeting_frequency.strip(),
        citizen_absent=text.citizen_absent,
        citizen_absent_note=text.citizen_absent_note.strip(),
        ending=text.ending.strip(),
        first_name_in_invitations=text.first_name_in_invitations,
        change_note=change_note.strip(),
        created_by=acting_user,
    )
    Member.objects.bulk_create(
        Member(
            agreement=agreement,
            care_team_member=spec.care_team_member,
            external_name="" if spec.care_team_member else spec.external_name.strip(),
            external_organisation="" if spec.care_team_member else spec.external_organisation.strip(),
            email=spec.email.strip(),
            role=Member.Role.EXTERNAL if spec.care_team_member is None else spec.role,
            responsibility=spec.responsibility.strip(),
            shielded_sections=section_registry.in_order(spec.shielded_sections) if spec.care_team_member else [],
            hide_contact=spec.hide_contact,
            order=order,
        )
        for order, spec in enumerate(specs)
    )
    return agreement


@transaction.atomic(durable=True)
def propose_group(grant: Grant, *, acting_user, text: AgreementText, members):
    """The coordinator proposes a group; it is a proposal until the citizen (and guardian) consent."""
    _require(may_manage_group(grant))
    errors = _check_text(text) | _check_members(grant, members)
    if open_group(grant.citizen) is not None:
        errors["__all__"] = _("The citizen already has a responsibility group. Change its agreement instead.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            group = Group.objects.create(citizen=grant.citizen, created_by=acting_user)
    except IntegrityError:  # a second proposal in another tab at the same moment
        raise ValidationError(
            {"__all__": _("The citizen already has a responsibility group. Change its agreement instead.")}
        ) from None
    agreement = _create_agreement(group, text, members, number=1, acting_user=acting_user)
    _log(grant, acting_user=acting_user, detail=f"proposed responsibility group {group.pk} (agreement 1)")
    return group, agreement


@transaction.atomic(durable=True)
def revise_agreement(grant: Grant, group, *, acting_user, text: AgreementText, members, change_note):
    """A new version of the agreement; the old one is kept as it was. The citizen answers the new one."""
    _require(may_manage_group(grant) and group.citizen_id == grant.citizen.pk)
    group = Group.objects.select_for_update().get(pk=group.pk)
    errors = _check_text(text) | _check_members(grant, members)
    if not (change_note or "").strip():
        errors["change_note"] = _("Write in a sentence what changed, so the citizen can see it.")
    if not group.is_open:
        errors["__all__"] = _("The group has ended. Propose a new group instead.")
    if errors:
        raise ValidationError(errors)
    number = (group.agreements.aggregate(last=Max("number"))["last"] or 0) + 1
    agreement = _create_agreement(group, text, members, number=number, acting_user=acting_user, change_note=change_note)
    _log(grant, acting_user=acting_user, detail=f"responsibility group {group.pk}: agreement {number}")
    return agreement


@transaction.atomic(durable=True)
def answer_agreement(grant: Grant, agreement, *, acting_user, consent, comment=""):
    """The citizen, or a registered guardian, consents to this version or not.

    The group becomes active once the citizen (and the guardian, where there is one) has
    consented; a later "no" to a changed version is recorded for the coordinator to act on.
    """
    guardian = is_guardian(grant, acting_user)
    _require((grant.is_self or guardian) and agreement.group.citizen_id == grant.citizen.pk)
    agreement = Agreement.objects.select_for_update().select_related("group").get(pk=agreement.pk)
    group = agreement.group
    if not group.is_open:
        raise ValidationError(_("The group has ended; there is nothing to answer."))
    if agreement.pk != current_agreement(group).pk:
        raise ValidationError(_("The agreement has been changed since you opened it. Read the new version first."))
    if consent not in Consent.values:
        raise ValidationError({"consent": _("Choose yes or no.")})
    now = timezone.now()
    if grant.is_self:
        agreement.citizen_consent, agreement.citizen_answered_at = consent, now
        agreement.citizen_comment = (comment or "").strip()
    else:
        agreement.guardian_consent, agreement.guardian_answered_at = consent, now
        agreement.guardian_answered_by = acting_user
    agreement.save()
    consented = agreement.citizen_consent == Consent.YES and (
        agreement.guardian_consent == Consent.YES or not has_guardian(grant.citizen)
    )
    if consented and group.status == Group.Status.PROPOSED:
        group.status = Group.Status.ACTIVE
        group.save(update_fields=["status"])
    who = "citizen" if grant.is_self else "guardian"
    _log(grant, acting_user=acting_user, detail=f"{who} answered agreement {agreement.number}: {consent}")
    return agreement


@transaction.atomic(durable=True)
def end_group(grant: Grant, group, *, acting_user, reason):
    _require(may_manage_group(grant) and group.citizen_id == grant.citizen.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Write why the group ends.")})
    group = Group.objects.select_for_update().get(pk=group.pk)
    if not group.is_open:
        raise ValidationError(_("The group has already ended."))
    group.status, group.ended_at, group.ended_by, group.end_reason = (
        Group.Status.ENDED,
        timezone.now(),
        acting_user,
        reason,
    )
    group.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
    Meeting.objects.filter(group=group, status=Meeting.Status.PLANNED, starts_at__gt=timezone.now()).update(
        status=Meeting.Status.CANCELLED, cancel_reason=_("The group ended.")
    )
    _log(grant, acting_user=acting_user, detail=f"ended responsibility group {group.pk}")
    return group


# Meetings ------------------------------------------------------------------------------------


def _agenda_for(group, meeting, *, acting_user):
    """The agenda the coordinator starts from: goals, interventions and parts of the plan to evaluate,
    open actions, the plan's revision when due; the citizen's own points are added as they come."""
    citizen = group.citizen
    items = []
    for goal in Goal.objects.filter(citizen=citizen, closed_at__isnull=True):
        items.append(AgendaItem(kind=AgendaItem.Kind.GOAL, title=goal.text, section=Section.MEASURES, goal=goal))
    plan = PlanVersion.objects.active(citizen)
    if plan is not None:
        for intervention in PlanIntervention.objects.filter(version=plan):
            items.append(
                AgendaItem(
                    kind=AgendaItem.Kind.INTERVENTION,
                    title=intervention.what,
                    section=Section.PLAN,
                    intervention=intervention,
                )
            )
        texts = PlanText.objects.filter(version=plan, key__in=EVALUATED_TEXTS).exclude(text="")
        for text in sorted(texts, key=lambda t: EVALUATED_TEXTS.index(t.key)):
            items.append(
                AgendaItem(
                    kind=AgendaItem.Kind.PLAN_PART,
                    title=str(PlanText.Key(text.key).label),
                    section=TEXT_SCOPE[text.key],
                    plan_text_key=text.key,
                )
            )
        if plan.is_revision_due():
            items.append(
                AgendaItem(
                    kind=AgendaItem.Kind.PLAN_REVISION,
                    title=_("Revision of the individual plan (due %(date)s)")
                    % {"date": plan.next_revision.strftime("%d.%m.%Y")},
                    section=Section.PLAN,
                )
            )
    for task in GroupTask.objects.filter(group=group, status__in=GroupTask.OPEN).select_related("responsible"):
        items.append(
            AgendaItem(
                kind=AgendaItem.Kind.TASK,
                title=_("Action: %(what)s (due %(date)s)")
                % {"what": task.what, "date": task.due_on.strftime("%d.%m.%Y")},
                section=task.section,
                task=task,
            )
        )
    for order, item in enumerate(items):
        item.meeting, item.order, item.added_by = meeting, order, acting_user
    AgendaItem.objects.bulk_create(items)


def _check_meeting(*, kind, starts_at, duration_minutes, place, video_link):
    errors = {}
    if kind not in Meeting.Kind.values:
        errors["kind"] = _("Choose the kind of meeting.")
    if starts_at is None:
        errors["starts_at"] = _("Choose when the meeting starts.")
    elif starts_at < timezone.now() - datetime.timedelta(days=1):
        errors["starts_at"] = _("The meeting cannot start in the past. Choose a later time.")
    if not duration_minutes or not 10 <= duration_minutes <= 480:
        errors["duration_minutes"] = _("A meeting lasts from 10 minutes to 8 hours.")
    if not (place or "").strip() and not (video_link or "").strip():
        errors["place"] = _("Write where the group meets, or give a video link.")
    return errors


@transaction.atomic(durable=True)
def plan_meeting(
    grant: Grant, group, *, acting_user, kind, starts_at, duration_minutes, place="", video_link="", members=()
):
    """A meeting with its invited members and an agenda built from the plan. The group must be active."""
    _require(may_manage_group(grant) and group.citizen_id == grant.citizen.pk)
    group = Group.objects.select_for_update().get(pk=group.pk)  # its status now, not as the caller loaded it
    errors = _check_meeting(
        kind=kind, starts_at=starts_at, duration_minutes=duration_minutes, place=place, video_link=video_link
    )
    agreement = current_agreement(group)
    members = list(members)
    if group.status != Group.Status.ACTIVE:
        errors["__all__"] = _(
            "The group is a proposal until the citizen has consented to the agreement. Meetings can be planned then."
        )
    elif not members:
        errors["members"] = _("Invite at least one member to the meeting.")
    elif any(member.agreement_id != agreement.pk for member in members):
        errors["members"] = _("Invite members of the group as it is agreed now.")
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(
        group=group,
        citizen=grant.citizen,
        agreement=agreement,
        kind=kind,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        place=(place or "").strip(),
        video_link=(video_link or "").strip(),
        created_by=acting_user,
    )
    Participant.objects.bulk_create(Participant(meeting=meeting, member=member) for member in members)
    _agenda_for(group, meeting, acting_user=acting_user)
    _log(grant, acting_user=acting_user, detail=f"planned meeting {meeting.pk} of group {group.pk}")
    return meeting


def _planned(meeting):
    if meeting.status != Meeting.Status.PLANNED:
        raise ValidationError(_("The meeting is no longer planned; its agenda and invitations cannot change."))


@transaction.atomic(durable=True)
def move_meeting(grant: Grant, meeting, *, acting_user, starts_at, duration_minutes, place="", video_link=""):
    _require(may_manage_group(grant) and meeting.citizen_id == grant.citizen.pk)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _planned(meeting)
    errors = _check_meeting(
        kind=meeting.kind, starts_at=starts_at, duration_minutes=duration_minutes, place=place, video_link=video_link
    )
    if errors:
        raise ValidationError(errors)
    if starts_at != meeting.starts_at:  # a new time asks everyone again (the update's .ics says so too)
        meeting.participants.update(answer=Participant.Answer.NEEDS_ACTION, answered_at=None)
    meeting.starts_at, meeting.duration_minutes = starts_at, duration_minutes
    meeting.place, meeting.video_link = (place or "").strip(), (video_link or "").strip()
    meeting.sequence += 1
    meeting.save()
    _log(grant, acting_user=acting_user, detail=f"moved meeting {meeting.pk}")
    return meeting


@transaction.atomic(durable=True)
def cancel_meeting(grant: Grant, meeting, *, acting_user, reason):
    _require(may_manage_group(grant) and meeting.citizen_id == grant.citizen.pk)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _planned(meeting)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Write why the meeting is cancelled.")})
    meeting.status, meeting.cancel_reason = Meeting.Status.CANCELLED, reason
    meeting.sequence += 1
    meeting.save(update_fields=["status", "cancel_reason", "sequence"])
    _log(grant, acting_user=acting_user, detail=f"cancelled meeting {meeting.pk}")
    return meeting


def participant_of(meeting, user):
    """The user's own invitation to ``meeting``, or None."""
    if not user.is_authenticated:
        return None
    return (
        Participant.objects.filter(meeting=meeting, member__care_team_member__user=user)
        .select_related("member")
        .first()
    )


@transaction.atomic(durable=True)
def answer_invitation(grant: Grant, meeting, *, acting_user, answer, shown_sequence=None):
    """A member says whether they come (FHIR participant status).

    The answer is to the meeting as the member was shown it: ``shown_sequence`` is the meeting's
    ``sequence`` on the page they answered from (``meeting``'s own when not given). If the meeting
    has been moved since (move_meeting asks everyone again), the answer is refused, not kept for a
    time the member never saw.
    """
    _require(may_see_group(grant) and meeting.citizen_id == grant.citizen.pk)
    participant = participant_of(meeting, acting_user)
    _require(participant is not None)
    if answer not in Participant.Answer.values or answer == Participant.Answer.NEEDS_ACTION:
        raise ValidationError({"answer": _("Choose whether you are coming.")})
    # Takes turns with move_meeting (which asks everyone again and raises the sequence): an answer to
    # the meeting the member saw never lands after the meeting was moved, during the answer or before.
    current = Meeting.objects.select_for_update(no_key=True).get(pk=meeting.pk)
    _planned(current)
    if current.sequence != (meeting.sequence if shown_sequence is None else shown_sequence):
        raise ValidationError(
            _("The meeting has been moved since you opened it. Look at the new time, then answer again.")
        )
    participant.answer, participant.answered_at = answer, timezone.now()
    participant.save(update_fields=["answer", "answered_at"])
    _log(grant, acting_user=acting_user, detail=f"meeting {meeting.pk}: answered {answer}")
    return participant


@transaction.atomic(durable=True)
def add_agenda_point(grant: Grant, meeting, *, acting_user, title, section=GROUP):
    """The citizen adds their own point before the meeting; the coordinator adds any point.

    The citizen's points belong to the group's part of the record; the coordinator may place a
    point in a narrower part (the medication plan, say) so that only those who may see it do.
    """
    _require(meeting.citizen_id == grant.citizen.pk and (grant.is_self or may_manage_group(grant)))
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Write the point you want to talk about.")
    elif len(title) > 300:
        errors["title"] = _("Keep the point under 300 characters; say the rest in the meeting.")
    if section not in section_registry.grantable_keys():
        errors["section"] = _("Choose which part of the record the point belongs to.")
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _planned(meeting)
    last = meeting.agenda.aggregate(last=Max("order"))["last"]
    item = AgendaItem.objects.create(
        meeting=meeting,
        kind=AgendaItem.Kind.CITIZEN_POINT if grant.is_self else AgendaItem.Kind.OTHER,
        title=title,
        section=GROUP if grant.is_self else section,
        order=(last or 0) + 1,
        added_by=acting_user,
        added_by_citizen=grant.is_self,
    )
    _log(grant, acting_user=acting_user, detail=f"meeting {meeting.pk}: agenda point {item.pk} added")
    return item


def _meeting_of(item):
    """``item``'s meeting as it is now, locked: a point changes only while its meeting is planned, so the
    change takes turns with cancel_meeting, move_meeting, start_minutes and the rest. Order: the meeting,
    then the point (as add_agenda_point; the actions that lock the meeting take it first)."""
    return Meeting.objects.select_for_update(no_key=True).get(pk=item.meeting_id)


@transaction.atomic(durable=True)
def edit_agenda_point(grant: Grant, item, *, acting_user, title, section):
    """The coordinator rewords a point or moves it to another part of the record."""
    _require(may_manage_group(grant) and item.meeting.citizen_id == grant.citizen.pk)
    _planned(_meeting_of(item))
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Write the point.")
    if section not in section_registry.grantable_keys():
        errors["section"] = _("Choose which part of the record the point belongs to.")
    if errors:
        raise ValidationError(errors)
    # Under the meeting's lock a point another coordinator removed a moment ago is gone by now.
    if not AgendaItem.objects.filter(pk=item.pk).update(title=title, section=section):
        raise ValidationError(_("This point has been removed in the meantime. Add it again if it is still needed."))
    item.title, item.section = title, section
    _log(grant, acting_user=acting_user, detail=f"meeting {item.meeting_id}: agenda point {item.pk} changed")
    return item


@transaction.atomic(durable=True)
def remove_agenda_point(grant: Grant, item, *, acting_user):
    _require(may_manage_group(grant) and item.meeting.citizen_id == grant.citizen.pk)
    _planned(_meeting_of(item))
    item.delete()
    _log(grant, acting_user=acting_user, detail=f"meeting {item.meeting_id}: agenda point removed")


@transaction.atomic(durable=True)
def record_attendance(grant: Grant, meeting, *, acting_user, attendance, citizen_attendance):
    """Who came, who sent apologies, and whether the citizen took part (and if not, whether that was agreed).

    The group meets without the citizen only if the agreement says so; otherwise "absent, agreed"
    is refused and the meeting is to be moved.
    """
    _require(may_manage_group(grant) and meeting.citizen_id == grant.citizen.pk)
    meeting = Meeting.objects.select_for_update().select_related("agreement").get(pk=meeting.pk)
    errors = {}
    participants = {participant.pk: participant for participant in meeting.participants.all()}
    for participant_id, value in attendance.items():
        if participant_id not in participants or value not in Participant.Attendance.values:
            errors[f"participant_{participant_id}"] = _("Choose present, apologies or absent.")
    if citizen_attendance not in Meeting.CitizenAttendance.values:
        errors["citizen_attendance"] = _("Say whether the citizen took part.")
    elif (
        citizen_attendance == Meeting.CitizenAttendance.ABSENT_AGREED and not meeting.agreement.may_meet_without_citizen
    ):
        errors["citizen_attendance"] = _(
            "The agreement does not let the group meet without the citizen. Record the absence as not agreed, "
            "or move the meeting."
        )
    if meeting.status == Meeting.Status.CANCELLED:
        errors["__all__"] = _("The meeting was cancelled.")
    elif meeting.starts_at > timezone.now() + datetime.timedelta(hours=1):
        errors["__all__"] = _("Attendance is recorded when the meeting has started.")
    if errors:
        raise ValidationError(errors)
    for participant_id, value in attendance.items():
        participant = participants[participant_id]
        participant.attendance = value
    Participant.objects.bulk_update(list(participants.values()), ["attendance"])
    meeting.citizen_attendance, meeting.status = citizen_attendance, Meeting.Status.HELD
    meeting.save(update_fields=["citizen_attendance", "status"])
    _log(grant, acting_user=acting_user, detail=f"meeting {meeting.pk}: attendance recorded")
    return meeting


# Minutes ---------------------------------------------------------------------------------------


def _parts_for(meeting):
    """The minutes' parts from the agenda; an Open Dialogue meeting has one perspective per voice."""
    if meeting.is_network_meeting:
        voices = [str(_("The citizen"))] + [
            participant.member.display_name
            for participant in meeting.participants.select_related("member__care_team_member__user")
            if participant.attendance != Participant.Attendance.APOLOGIES
        ]
        return [
            {"kind": "perspective", "title": voice, "section": GROUP, "said": "", "status": "", "agreed": ""}
            for voice in voices
        ]
    return [
        {
            "item": item.pk,
            "kind": item.kind,
            "title": item.title,
            "section": item.section,
            "goal": item.goal_id,
            "intervention": item.intervention_id,
            "task": item.task_id,
            "plan_text": item.plan_text_key,
            "said": "",
            "status": "",
            "agreed": "",
            "rating": None,
        }
        for item in meeting.agenda.all()
    ]


@transaction.atomic(durable=True)
def start_minutes(grant: Grant, meeting, *, acting_user):
    """The draft minutes of ``meeting``, made from its agenda; the draft already there if there is one."""
    _require(may_manage_group(grant) and meeting.citizen_id == grant.citizen.pk)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    existing = meeting.minutes.filter(status=Minutes.Status.DRAFT).first()
    if existing is not None:
        return existing
    if meeting.minutes.filter(status=Minutes.Status.SIGNED).exists():
        raise ValidationError(_("The minutes of this meeting are signed. To put something right, write a correction."))
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("The meeting was cancelled; it has no minutes."))
    minutes = Minutes.objects.create(
        meeting=meeting, citizen=grant.citizen, author=acting_user, parts=_parts_for(meeting)
    )
    _log(grant, acting_user=acting_user, detail=f"minutes {minutes.pk} of meeting {meeting.pk}: new draft")
    return minutes


def _clean_parts(saved, typed):
    """``saved`` parts with the typed fields from ``typed`` (same order); errors by part index."""
    errors, parts = {}, []
    statuses = {value for value, _label in PartStatus.CHOICES}
    for index, part in enumerate(saved):
        values = typed[index] if index < len(typed) else {}
        part = dict(part)
        for name in ("said", "agreed"):
            part[name] = (values.get(name) or "").strip()
        status = values.get("status") or ""
        if status and (status not in statuses or part["kind"] == "perspective"):
            errors[f"part_{index}_status"] = _("Choose how it is going from the list.")
        part["status"] = status
        rating = values.get("rating")
        if rating not in (None, ""):
            if part.get("goal") is None:
                errors[f"part_{index}_rating"] = _("Only a goal is rated.")
            elif not isinstance(rating, int) or not 1 <= rating <= 10:
                errors[f"part_{index}_rating"] = _("Choose a number from 1 to 10.")
        part["rating"] = rating if rating not in ("",) else None
        parts.append(part)
    return parts, errors


@transaction.atomic(durable=True)
def save_minutes(grant: Grant, minutes, *, acting_user, summary, parts, expected_revision):
    """Save the draft as typed. ``parts`` has the typed fields of every part, in the draft's order.

    A signed draft raises ``MinutesLocked``; a save against a newer revision ``EditConflict``.
    """
    _require(may_manage_group(grant) and minutes.citizen_id == grant.citizen.pk)
    current = Minutes.objects.select_for_update().get(pk=minutes.pk)
    if current.is_signed:
        raise MinutesLocked(current)
    if current.revision != expected_revision:
        raise EditConflict(theirs=current)
    cleaned, errors = _clean_parts(current.parts, parts)
    if errors:
        raise ValidationError(errors)
    Minutes.objects.filter(pk=current.pk, status=Minutes.Status.DRAFT).update(
        summary=(summary or "").strip(),
        parts=cleaned,
        revision=F("revision") + 1,
        updated_at=timezone.now(),
    )
    _log(grant, acting_user=acting_user, detail=f"minutes {minutes.pk}: saved draft")
    return Minutes.objects.get(pk=minutes.pk)


def _has_text(minutes):
    return bool(minutes.summary.strip()) or any(
        (part.get("said") or part.get("agreed") or part.get("status") or part.get("rating")) for part in minutes.parts
    )


def newest_minutes(minutes):
    while True:
        correction = Minutes.objects.filter(corrects=minutes, status=Minutes.Status.SIGNED).first()
        if correction is None:
            return minutes
        minutes = correction


@transaction.atomic(durable=True)
def sign_minutes(grant: Grant, minutes, *, acting_user, expected_revision):
    """Sign the minutes exactly as last saved; then they never change.

    A goal rated in the meeting becomes the citizen's rating of that goal (measures), at the
    meeting's time. Signing twice, or a draft saved again since it was opened, is refused.
    """
    _require(may_manage_group(grant) and minutes.citizen_id == grant.citizen.pk)
    minutes = Minutes.objects.select_for_update().select_related("meeting").get(pk=minutes.pk)
    if minutes.is_signed:
        raise MinutesLocked(minutes)
    if minutes.revision != expected_revision:
        raise ValidationError(_("The minutes have been saved again since you opened them. Read them, then sign."))
    if not _has_text(minutes):
        raise ValidationError(_("Write the minutes before you sign them."))
    if minutes.meeting.starts_at > timezone.now():
        raise ValidationError(_("Minutes are signed after the meeting has started."))
    if minutes.corrects_id is not None:
        newest = newest_minutes(Minutes.objects.get(pk=minutes.corrects_id))
        if newest.pk != minutes.corrects_id:
            raise ValidationError(
                _("The minutes you are correcting were corrected by someone else after you started. Start again.")
            )
    ratings = {part["goal"]: part["rating"] for part in minutes.parts if part.get("goal") and part.get("rating")}
    if ratings and minutes.corrects_id is None:
        goals = Goal.objects.filter(citizen=grant.citizen, pk__in=ratings, closed_at__isnull=True)
        rated = GoalRating.objects.bulk_create(
            GoalRating(goal=goal, rating=ratings[goal.pk], rated_at=minutes.meeting.starts_at, rated_by=acting_user)
            for goal in goals
        )
        measures_signals.ratings_written.send(sender=GoalRating, ratings=rated)
        log_write(
            grant,
            acting_user=acting_user,
            section=Section.MEASURES,
            detail=f"rated {len(ratings)} goals in meeting {minutes.meeting_id}",
        )
    minutes.status, minutes.signed_at, minutes.signed_by = Minutes.Status.SIGNED, timezone.now(), acting_user
    minutes.revision += 1
    minutes.save(update_fields=["status", "signed_at", "signed_by", "revision"])
    if minutes.meeting.status == Meeting.Status.PLANNED:
        Meeting.objects.filter(pk=minutes.meeting_id).update(status=Meeting.Status.HELD)
    _log(grant, acting_user=acting_user, detail=f"minutes {minutes.pk}: signed")
    return minutes


@transaction.atomic(durable=True)
def start_correction(grant: Grant, minutes, *, acting_user):
    """A new draft that corrects signed ``minutes`` (at the newest version), with their text copied in."""
    _require(may_manage_group(grant) and minutes.citizen_id == grant.citizen.pk)
    if not minutes.is_signed:
        raise ValidationError(_("Only signed minutes are corrected. Change the draft instead."))
    # One draft per meeting: a second click waits here for the first, then gets its draft (as start_minutes).
    Meeting.objects.select_for_update().get(pk=minutes.meeting_id)
    target = newest_minutes(minutes)
    existing = Minutes.objects.filter(meeting_id=target.meeting_id, status=Minutes.Status.DRAFT).first()
    if existing is not None:
        return existing
    correction = Minutes.objects.create(
        meeting_id=target.meeting_id,
        citizen=grant.citizen,
        author=acting_user,
        corrects=target,
        summary=target.summary,
        parts=target.parts,
    )
    _log(grant, acting_user=acting_user, detail=f"minutes {correction.pk}: correction of minutes {target.pk}")
    return correction


@transaction.atomic(durable=True)
def comment_on_minutes(grant: Grant, minutes, *, acting_user, text):
    """The citizen (or a member) comments on signed minutes; the minutes stay as signed."""
    _require(may_see_group(grant) and minutes.citizen_id == grant.citizen.pk and minutes.is_signed)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write your comment.")})
    comment = MinutesComment.objects.create(minutes=minutes, author=acting_user, text=text)
    _log(grant, acting_user=acting_user, detail=f"minutes {minutes.pk}: comment {comment.pk}")
    return comment


# Actions (FHIR Task) ---------------------------------------------------------------------------


@transaction.atomic(durable=True)
def add_task(grant: Grant, meeting, *, acting_user, what, responsible, due_on, section=GROUP):
    """A decision made an action for one member, due on a day; it shows on their worklist."""
    _require(may_manage_group(grant) and meeting.citizen_id == grant.citizen.pk)
    errors = {}
    what = (what or "").strip()
    if not what:
        errors["what"] = _("Write what is to be done.")
    if responsible is None:
        errors["responsible"] = _("Choose the member who is responsible.")
    elif responsible.is_external or responsible.agreement.group_id != meeting.group_id:
        errors["responsible"] = _("Choose a member of the group from the care team.")
    elif responsible.care_team_member.is_active is False:
        errors["responsible"] = _("%(name)s is no longer on the care team.") % {"name": responsible.display_name}
    elif section not in member_scope(responsible.care_team_member) or section in responsible.shielded_sections:
        errors["section"] = _("%(name)s may not see this part of the record. Choose another member or part.") % {
            "name": responsible.display_name
        }
    if due_on is None:
        errors["due_on"] = _("Choose the date it is to be done by.")
    elif due_on < timezone.localdate():
        errors["due_on"] = _("The due date is in the past. Choose today or a later date.")
    if section not in section_registry.grantable_keys():
        errors["section"] = _("Choose which part of the record the action belongs to.")
    if meeting.status == Meeting.Status.CANCELLED:
        errors["__all__"] = _("The meeting was cancelled.")
    if errors:
        raise ValidationError(errors)
    task = GroupTask.objects.create(
        group_id=meeting.group_id,
        citizen=grant.citizen,
        meeting=meeting,
        what=what,
        section=section,
        responsible=responsible,
        responsible_user_id=responsible.care_team_member.user_id,
        due_on=due_on,
        created_by=acting_user,
    )
    _log(grant, acting_user=acting_user, detail=f"meeting {meeting.pk}: action {task.pk}")
    return task


def may_close_task(grant, task, user):
    return task.citizen_id == grant.citizen.pk and (may_manage_group(grant) or task.responsible_user_id == user.pk)


@transaction.atomic(durable=True)
def set_task_status(grant: Grant, task, *, acting_user, status, reason=""):
    """The responsible member (or the coordinator) starts, completes or cancels an action; cancelling needs a reason."""
    _require(may_see_group(grant) and may_close_task(grant, task, acting_user))
    task = GroupTask.objects.select_for_update().get(pk=task.pk)
    reason = (reason or "").strip()
    if not task.is_open:
        raise ValidationError(_("This action is already closed."))
    if status not in GroupTask.Status.values or status == GroupTask.Status.REQUESTED:
        raise ValidationError({"status": _("Choose what has happened to the action.")})
    if status == GroupTask.Status.CANCELLED and not reason:
        raise ValidationError({"reason": _("Write why the action is cancelled.")})
    task.status = status
    if status in (GroupTask.Status.COMPLETED, GroupTask.Status.CANCELLED):
        task.closed_at, task.closed_by = timezone.now(), acting_user
    task.cancel_reason = reason if status == GroupTask.Status.CANCELLED else ""
    task.save()
    _log(grant, acting_user=acting_user, detail=f"action {task.pk}: {status}")
    return task


# The plan must change ----------------------------------------------------------------------------


# The same change sent again this soon by the same person from the same meeting (a double click) is the same change.
PLAN_CHANGE_REPEAT_WINDOW = datetime.timedelta(minutes=10)


@transaction.atomic(durable=True)
def request_plan_change(grant: Grant, meeting, *, acting_user, text):
    """ "The plan must change": open (or reuse) the plan's next draft and link the agreed change to the meeting.

    One transaction under the meeting's lock: the draft is opened by the plans app
    (``plans.actions.open_proposal``), the change linked, and a comment put on the draft (which the
    coordinator resolves when the change is made). The same text sent again by the same person within
    ten minutes (a double click, also at the same moment: the second waits for the first) returns the
    change already made, with no second change or comment, as long as the proposal it went to is still
    open; once that proposal has been approved or put into use, sending it again is a new change.
    """
    _require(may_manage_group(grant) and meeting.citizen_id == grant.citizen.pk)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write what must change in the plan.")})
    # Locked before the check. Order: meeting, then the citizen and the plan version (open_proposal);
    # no action holding the citizen's or a version's lock goes on to lock a meeting.
    meeting = Meeting.objects.select_for_update(no_key=True).get(pk=meeting.pk)
    earlier = (
        PlanChange.objects.filter(
            meeting=meeting,
            created_by=acting_user,
            created_at__gte=timezone.now() - PLAN_CHANGE_REPEAT_WINDOW,
            text=text,
            # Only while the proposal it went to is still open (is_editable): sent again after that
            # proposal was approved or put into use, it is meant, and goes to the open proposal.
            plan_version__status=PlanVersion.Status.DRAFT,
        )
        .select_related("plan_version")
        .order_by("-pk")
        .first()
    )
    if earlier is not None:
        return earlier
    draft = plan_actions.open_proposal(grant, acting_user=acting_user)
    change = PlanChange.objects.create(meeting=meeting, plan_version=draft, text=text, created_by=acting_user)
    _log(grant, acting_user=acting_user, detail=f"meeting {meeting.pk}: plan change for plan {draft.number}")
    when = date_format(timezone.localtime(meeting.starts_at), "d.m.Y")
    plan_actions.write_comment(  # add_comment's checks and access log, inside this transaction
        grant,
        draft,
        acting_user=acting_user,
        section="plan",
        text=_("Agreed in the responsibility group meeting %(date)s: %(text)s") % {"date": when, "text": text},
    )
    return change
