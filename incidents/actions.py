"""Every write of an incident; each checks the grant and writes the access log in its transaction.

Staff on the citizen's care team with the incidents section record an incident at their own unit, and
its follow-up conversation and debrief. The citizen reads their incidents and writes nothing here. The
coordinator (who may write the group's learning logs and edit the plan) turns the learning into a
learning log (``groups.learning.write_log``) and proposes the warning signs and what helps for the
crisis plan (``plans.actions.start_draft`` + ``save_crisis_plan``; the citizen approves the proposal as
any plan proposal). Each refusal is a ``ValidationError`` naming the field, raised before anything is
written; a double-clicked submit stores once.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.models import AccessEvent
from groups import learning
from groups.actions import open_group
from groups.models import Group, LearningLog
from people.access import Grant, is_staff_member, log_write
from plans import actions as plan_actions
from plans.models import CrisisPlan
from samplan.locks import lock_row

from .models import Conversation, Incident, Injury
from .sections import INCIDENTS

# The same incident sent again this soon by the same person (a double click, a retry) is the same incident.
DUPLICATE_WINDOW = datetime.timedelta(minutes=10)
MAX_TEXT = 10_000
TEXT_FIELDS = ("place", "what_happened", "warning_signs", "what_deescalated", "injury_description")
# Earlier than this is a typing error (and year 1 cannot even be turned into UTC).
EARLIEST_YEAR = 1900


def _require(condition):
    if not condition:
        raise PermissionDenied


def may_read(grant: Grant):
    return grant.may_see(INCIDENTS)


def may_record(grant: Grant, user):
    """Staff with the incidents section record; the citizen reads their own, and system clients never write."""
    return (
        grant.may_see(INCIDENTS)
        and not grant.is_self
        and grant.ground != AccessEvent.Ground.SYSTEM
        and is_staff_member(user)
    )


def may_make_learning_log(grant: Grant):
    return may_read(grant) and learning.may_write_logs(grant)


def may_propose_for_crisis_plan(grant: Grant):
    return may_read(grant) and plan_actions.may_edit_plan(grant)


def _log(grant, *, acting_user, detail):
    log_write(grant, acting_user=acting_user, section=INCIDENTS, detail=detail)


def _text(value):
    return (value or "").strip()


def _too_long(cleaned, errors, names, limit=MAX_TEXT):
    for name in names:
        if len(cleaned[name]) > limit and name not in errors:
            errors[name] = _("This is too long: at most %(limit)d characters.") % {"limit": limit}


# Recording ----------------------------------------------------------------------------------------


def clean_incident(values, *, now=None):
    """The incident as stored, and every field error at once (nothing is written here)."""
    now = now or timezone.now()
    errors = {}
    cleaned = {name: _text(values.get(name)) for name in TEXT_FIELDS}
    occurred_at = cleaned["occurred_at"] = values.get("occurred_at")
    if occurred_at is None:
        errors["occurred_at"] = _("Write when it happened: the date and the time.")
    elif occurred_at.year < EARLIEST_YEAR:
        errors["occurred_at"] = _("That is too long ago. Write when it happened.")
    elif occurred_at > now:
        errors["occurred_at"] = _("The time is in the future. Write when it happened.")
    if not cleaned["what_happened"]:
        errors["what_happened"] = _("Write what happened.")
    injuries = [key for key in (values.get("injuries") or []) if key]
    if any(key not in Injury.values for key in injuries):
        errors["injuries"] = _("Choose from the list who was injured.")
    elif not injuries:
        errors["injuries"] = _("Choose whether anyone was injured, and who.")
    elif Injury.NONE in injuries and len(injuries) > 1:
        errors["injuries"] = _("You chose both “no one was injured” and someone who was. Choose one or the other.")
    elif Injury.NONE not in injuries and not cleaned["injury_description"]:
        errors["injury_description"] = _("Describe the injuries briefly.")
    cleaned["injuries"] = [key for key in Injury.values if key in injuries]
    if Injury.NONE in injuries:
        cleaned["injury_description"] = ""
    _too_long(cleaned, errors, ["what_happened", "warning_signs", "what_deescalated"])
    _too_long(cleaned, errors, ["place"], 200)
    _too_long(cleaned, errors, ["injury_description"], 500)
    cleaned["police_involved"] = bool(values.get("police_involved"))
    cleaned["emergency_services_involved"] = bool(values.get("emergency_services_involved"))
    return cleaned, errors


@transaction.atomic(durable=True)
def record_incident(grant: Grant, *, acting_user, **values):
    """A new incident about the grant's citizen at the recorder's own unit."""
    _require(may_record(grant, acting_user))
    cleaned, errors = clean_incident(values)
    if errors:
        raise ValidationError(errors)
    unit = acting_user.staff_profile.organisation
    # One recorder at a time per citizen: the citizen row is the lock, so a second click waits and finds the first.
    lock_row(grant.citizen)
    earlier = (
        Incident.objects.filter(
            citizen=grant.citizen,
            recorded_by=acting_user,
            recorded_at__gte=timezone.now() - DUPLICATE_WINDOW,
            occurred_at=cleaned["occurred_at"],
            what_happened=cleaned["what_happened"],
        )
        .order_by("-pk")
        .first()
    )
    if earlier is not None:
        return earlier
    incident = Incident.objects.create(citizen=grant.citizen, unit=unit, recorded_by=acting_user, **cleaned)
    _log(grant, acting_user=acting_user, detail=f"incident {incident.pk}: recorded")
    return incident


# The follow-up conversation and the debrief ----------------------------------------------------------

CONVERSATION_FIELDS = ("participants", "said", "learned", "next_time")


@transaction.atomic(durable=True)
def record_conversation(grant: Grant, incident, *, acting_user, kind, held_at, **values):
    """The follow-up conversation with the citizen or the staff debrief; each is recorded once."""
    _require(may_record(grant, acting_user) and incident.citizen_id == grant.citizen.pk)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if kind not in Conversation.Kind.values:
        raise ValidationError(_("Choose the follow-up conversation or the debrief."))
    cleaned = {name: _text(values.get(name)) for name in CONVERSATION_FIELDS}
    errors = {}
    if held_at is None:
        errors["held_at"] = _("Write when it was held: the date and the time.")
    elif held_at.year < EARLIEST_YEAR:
        errors["held_at"] = _("That is too long ago. Write when it was held.")
    elif held_at > timezone.now():
        errors["held_at"] = _("The time is in the future. Write when it was held.")
    elif held_at < incident.occurred_at:
        errors["held_at"] = _("This is before the incident (%(when)s). Write when it was held.") % {
            "when": date_format(timezone.localtime(incident.occurred_at), "d.m.Y H:i")
        }
    if not cleaned["participants"]:
        errors["participants"] = _("Write who took part.")
    if not cleaned["said"]:
        errors["said"] = _("Write what was said.")
    _too_long(cleaned, errors, ["said", "learned", "next_time"])
    _too_long(cleaned, errors, ["participants"], 500)
    existing = incident.conversations.filter(kind=kind).first()
    if existing is not None:
        if not errors and all(getattr(existing, name) == cleaned[name] for name in CONVERSATION_FIELDS):
            return existing  # sent twice: stored once
        raise ValidationError(_("This is already recorded for the incident. It is kept as it was written."))
    if errors:
        raise ValidationError(errors)
    conversation = Conversation.objects.create(
        incident=incident, kind=kind, held_at=held_at, recorded_by=acting_user, **cleaned
    )
    _log(grant, acting_user=acting_user, detail=f"incident {incident.pk}: {kind} recorded")
    return conversation


# From the incident to the group's learning log ----------------------------------------------------------


def learning_log_initial(incident):
    """The learning log's fields prefilled from the incident and its debrief (the coordinator edits them);
    ``incident`` as ``queries.incident_of`` loads it, with its conversations by kind."""
    debrief = getattr(incident, "by_kind", {}).get(Conversation.Kind.DEBRIEF)
    return {
        "event_on": timezone.localtime(incident.occurred_at).date(),
        "outcome": LearningLog.Outcome.FAILURE,
        "event": incident.what_happened,
        "causes": incident.warning_signs,
        "decision": debrief.next_time if debrief else "",
        "lessons": debrief.learned if debrief else "",
    }


def responsibility_group(citizen):
    """The citizen's responsibility group if it is active (a proposal or an ended group takes no new logs)."""
    group = open_group(citizen)
    return group if group is not None and group.status == Group.Status.ACTIVE else None


@transaction.atomic(durable=True)
def make_learning_log(grant: Grant, incident, *, acting_user, **fields):
    """ "Make a learning log from this incident": a new log of the citizen's active group, linked to the incident.

    One transaction under the incident's lock: a second click (or a second tab) waits for the first and
    returns the log the first linked, so the group never gets a second, unlinked log. The log is written
    by ``groups.learning.add_log`` (numbered under the group's lock, taken after the incident's; logged
    as a write of the group).
    """
    _require(may_make_learning_log(grant) and incident.citizen_id == grant.citizen.pk)
    # Locked before the check: incident, then the group (in add_log); nothing locks them the other way round.
    incident = Incident.objects.select_for_update(no_key=True).get(pk=incident.pk)
    if incident.learning_log_id is not None:
        return incident.learning_log  # made already (a second click): stored once
    group = responsibility_group(grant.citizen)
    if group is None:
        raise ValidationError(_("The citizen has no active responsibility group. A learning log belongs to the group."))
    log = learning.add_log(grant, group, acting_user=acting_user, **fields)
    incident.learning_log = log
    incident.save(update_fields=["learning_log"])
    _log(grant, acting_user=acting_user, detail=f"incident {incident.pk}: learning log {log.number} made")
    return log


# From the incident to the crisis plan ------------------------------------------------------------------------


def crisis_plan_initial(incident, coordinator_member=None):
    """The crisis plan prefilled from the incident, its follow-up and its debrief."""
    by_kind = getattr(incident, "by_kind", {})
    follow_up, debrief = by_kind.get(Conversation.Kind.FOLLOW_UP), by_kind.get(Conversation.Kind.DEBRIEF)
    helps = [incident.what_deescalated, follow_up.learned if follow_up else ""]
    return {
        "situation": CrisisPlan.Situation.THREATS,
        "title": "",
        "warning_signs": incident.warning_signs,
        "what_helps": "\n".join(text.strip() for text in helps if text and text.strip()),
        "contacts": [coordinator_member.pk] if coordinator_member is not None else [],
        "what_is_done": debrief.next_time if debrief else "",
    }


def _crisis_plan_errors(fields, contacts, citizen_id):
    """The crisis plan's own rules (``plans.actions.save_crisis_plan``), checked before a proposal is opened."""
    errors = {}
    if not _text(fields.get("warning_signs")):
        errors["warning_signs"] = _("Write the early warning signs.")
    if not contacts and not _text(fields.get("other_contacts")):
        errors["contacts"] = _("Choose at least one person to contact.")
    if not _text(fields.get("what_is_done")):
        errors["what_is_done"] = _("Write what is done.")
    if fields.get("situation") not in CrisisPlan.Situation.values:
        errors["situation"] = _("Choose the kind of situation.")
    for member in contacts:
        if member.citizen_id != citizen_id or not member.is_active:
            errors["contacts"] = _("Choose someone who is on the care team now.")
    return errors


@transaction.atomic(durable=True)
def propose_for_crisis_plan(grant: Grant, incident, *, acting_user, contacts=(), **fields):
    """ "Propose for the crisis plan": a crisis plan in the open plan proposal (opened if there is none).

    The citizen sees and approves the proposal as any plan proposal (``plans.actions.approve``). The
    crisis plan's rules are checked first, so a refusal opens no proposal; the proposal is opened, the
    crisis plan saved (by the plans app's actions) and the incident linked to them in one transaction,
    under the incident's lock. Proposed once per incident: a second call returns the incident as it is.
    """
    _require(may_propose_for_crisis_plan(grant) and incident.citizen_id == grant.citizen.pk)
    # As saved now, not as the form saw it; locked, so a second click waits and finds the first's proposal.
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.proposed_in_id is not None:
        return incident  # proposed already (a second click): stored once
    contacts = list(contacts)
    errors = _crisis_plan_errors(fields, contacts, grant.citizen.pk)
    if errors:
        raise ValidationError(errors)
    draft = plan_actions.open_proposal(grant, acting_user=acting_user)
    row = plan_actions.write_crisis_plan(grant, draft, acting_user=acting_user, contacts=contacts, **fields)
    incident.proposed_in, incident.proposed_crisis_plan = draft, row
    incident.proposed_at, incident.proposed_by = timezone.now(), acting_user
    incident.save(update_fields=["proposed_in", "proposed_crisis_plan", "proposed_at", "proposed_by"])
    _log(
        grant,
        acting_user=acting_user,
        detail=f"incident {incident.pk}: proposed for the crisis plan in plan {draft.number}",
    )
    return incident
