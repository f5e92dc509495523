"""Every change to the contact register: recording a contact, and linking an identified one to a citizen's record.

``record_contact`` checks every field first and names each problem at once (nothing is saved when one is wrong),
then stores the contact in one transaction. Anonymous means anonymous: the note is refused when it holds an
identity number, a phone number or an e-mail address, and a known-visitor nickname cannot hold a long number. The
same form sent twice (its ``submission`` key) is one contact.

``link_contact`` is the only way a contact reaches a citizen: the person said who they are, agreed to the link
(recorded), and the member of staff has a grant on the citizen (``people.access.grant_for``); the link writes a
``write`` event on the citizen's access log in the same transaction. Without any of the three it stays unlinked.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AccessEvent
from people.access import grant_for, log_write

from .identifying import check_known_as, identifying_text, normalised_known_as
from .models import Contact, HelpKind, Topic
from .scope import registers_for
from .sections import LINKED_CONTACT

# A phone's clock may run a little ahead of the server's.
CLOCK_SLACK = datetime.timedelta(minutes=5)
OLDEST = datetime.timedelta(days=31)
MAX_NOTE = 300


def _records_in(user, register):
    return any(e.register.pk == register.pk and e.may_record for e in registers_for(user))


def _check_choices(chosen, model, field, message, errors):
    chosen = list(chosen or [])
    if any(not isinstance(item, model) or not item.active for item in chosen):
        errors[field] = message
    return chosen


def _check_wellbeing(value, field, errors):
    if value is not None and (not isinstance(value, int) or not 0 <= value <= 10):
        errors[field] = _("Choose a number from 0 to 10, or “not asked”.")


@transaction.atomic(durable=True)
def record_contact(
    register,
    *,
    acting_user,
    occurred_at,
    channel,
    duration_minutes,
    topics=(),
    helped=(),
    referred_to=Contact.Referral.NONE,
    identified=False,
    known_as="",
    wellbeing_before=None,
    wellbeing_after=None,
    note="",
    submission=None,
):
    """Store one contact of ``register``; a ``ValidationError`` naming every wrong field, and nothing saved."""
    if not _records_in(acting_user, register):
        raise PermissionDenied
    if submission is not None:
        earlier = Contact.objects.filter(submission=submission, register=register, recorded_by=acting_user).first()
        if earlier is not None:
            return earlier
    errors = {}
    now = timezone.now()
    if occurred_at is None:
        errors["occurred_at"] = _("Give the time the contact began.")
    elif occurred_at > now + CLOCK_SLACK:
        errors["occurred_at"] = _("The time is in the future. Give the time the contact began.")
    elif occurred_at < now - OLDEST:
        errors["occurred_at"] = _("Record contacts from the last 31 days only.")
    if channel not in Contact.Channel.values:
        errors["channel"] = _("Choose walk-in, phone or chat.")
    if duration_minutes not in Contact.Duration.values:
        errors["duration_minutes"] = _("Choose about how long the contact lasted.")
    if referred_to not in Contact.Referral.values:
        errors["referred_to"] = _("Choose where the person was referred on, or “not referred on”.")
    topics = _check_choices(topics, Topic, "topics", _("Choose topics from the list."), errors)
    helped = _check_choices(helped, HelpKind, "helped", _("Choose what helped from the list."), errors)
    _check_wellbeing(wellbeing_before, "wellbeing_before", errors)
    _check_wellbeing(wellbeing_after, "wellbeing_after", errors)
    note = (note or "").strip()
    problem = identifying_text(note)
    if problem:
        errors["note"] = problem
    elif len(note) > MAX_NOTE:
        errors["note"] = _("Write at most %(n)d characters.") % {"n": MAX_NOTE}
    problem = check_known_as(known_as)
    if problem:
        errors["known_as"] = problem
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            contact = Contact.objects.create(
                register=register,
                occurred_at=occurred_at,
                channel=channel,
                duration_minutes=duration_minutes,
                referred_to=referred_to,
                identified=bool(identified),
                known_as=normalised_known_as(known_as),
                wellbeing_before=wellbeing_before,
                wellbeing_after=wellbeing_after,
                note=note,
                recorded_by=acting_user,
                submission=submission,
            )
    except IntegrityError:
        # The same form, sent again by a second tap: the first one stored it. A key that is someone
        # else's (a form copied, or another register's) stores nothing and says so.
        earlier = Contact.objects.filter(submission=submission, register=register, recorded_by=acting_user).first()
        if earlier is None:
            raise ValidationError(
                _("This form was already used. Open a new form and record the contact again.")
            ) from None
        return earlier
    contact.topics.set(topics)
    contact.helped.set(helped)
    return contact


@transaction.atomic(durable=True)
def link_contact(contact, citizen, *, acting_user, consent):
    """Link an identified contact to ``citizen``'s record, with the person's consent, logged on the citizen."""
    if not _records_in(acting_user, contact.register):
        raise PermissionDenied
    if not contact.identified:
        raise ValidationError(_("An anonymous contact cannot be linked to a record."))
    if contact.citizen_id is not None:
        raise ValidationError(_("This contact is already linked to a record."))
    errors = {}
    if consent is not True:
        errors["consent"] = _(
            "Tick that the person agreed that this contact is linked to their record. Without that, leave it unlinked."
        )
    grant = grant_for(acting_user, citizen) if citizen is not None else None
    # Emergency access is for reading in an emergency, not for adding to a record.
    if grant is None or grant.ground == AccessEvent.Ground.EMERGENCY:
        errors["citizen"] = _("You have no access to this person's record, so the contact stays unlinked.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    linked = Contact.objects.filter(pk=contact.pk, citizen__isnull=True).update(
        citizen=citizen, link_consent=True, linked_by=acting_user, linked_at=now
    )
    if not linked:  # someone linked it a moment ago
        raise ValidationError(_("This contact is already linked to a record."))
    log_write(
        grant,
        acting_user=acting_user,
        section=LINKED_CONTACT,
        detail=f"contact {contact.pk} of register {contact.register_id}; the person agreed",
    )
    contact.citizen, contact.link_consent, contact.linked_by, contact.linked_at = citizen, True, acting_user, now
    return contact
