"""Every change to a journal note; each checks the grant and writes the access log in its transaction.

Drafts save with optimistic locking: the caller names the revision it started from, and a save
against a newer revision raises ``EditConflict`` carrying both versions, so nothing is lost.
A signed note is never changed: every action refuses it with ``NoteLocked`` (and on PostgreSQL
the database refuses it too).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people.access import Grant, log_write
from people.models import Section
from samplan.locks import lock_row

from .models import KIND_FIELDS, Note

# One message for a link to an appointment that is not the citizen's (or not there at all).
APPOINTMENT_NOT_FOUND = gettext_lazy(
    "The note cannot be linked to this appointment: it is not one of this citizen's appointments."
)


class EditConflict(Exception):
    """The draft was saved elsewhere (another tab) after this form was opened. Both versions are kept."""

    def __init__(self, *, yours, theirs):
        super().__init__("edit conflict")
        self.yours, self.theirs = yours, theirs


class NoteLocked(Exception):
    """The note is signed: it can be read and corrected, never changed."""

    def __init__(self, note):
        super().__init__("note is signed")
        self.note = note

    @property
    def message(self):
        signed_at = timezone.localtime(self.note.signed_at)
        return _("This note was signed on %(date)s at %(time)s and is locked. Nothing was changed.") % {
            "date": date_format(signed_at, "d.m.Y"),
            "time": date_format(signed_at, "H:i"),
        }


def may_write_notes(grant: Grant):
    """Staff whose grant includes journal notes write them (care team or emergency access); citizens and
    relatives read."""
    return not grant.is_self and not grant.is_relative and grant.may_see(Section.NOTES)


def may_read_note(grant: Grant, note, user):
    """Signed notes for everyone who may see notes (and the citizen); a draft for its author only."""
    if note.citizen_id != grant.citizen.pk or not grant.may_see(Section.NOTES):
        return False
    return note.is_signed or (note.author_id == user.pk and not grant.is_self)


def may_edit_note(grant: Grant, note, user):
    return may_write_notes(grant) and note.author_id == user.pk and note.citizen_id == grant.citizen.pk


def _log_write(grant, *, acting_user, detail):
    log_write(grant, acting_user=acting_user, section=Section.NOTES, detail=detail)


def _require(condition):
    if not condition:
        raise PermissionDenied


@transaction.atomic(durable=True)
def create_note(grant: Grant, *, kind, acting_user, appointment=None, **texts):
    """A new draft of ``kind`` for the grant's citizen, written by ``acting_user``.

    ``appointment`` is the citizen's pathway appointment the note is written for (linking needs
    sight of the pathway too). Asked again for an empty draft of the same kind for the same
    appointment (a double-click), it returns the author's draft already there, not a second one.
    """
    _require(may_write_notes(grant))
    if kind not in KIND_FIELDS:
        raise ValidationError({"kind": _("Choose the kind of note.")})
    unknown = set(texts) - set(KIND_FIELDS[kind])
    if unknown:
        raise TypeError(f"a {kind} note has no field(s) {sorted(unknown)}")
    if appointment is not None:
        _require(grant.may_see(Section.PATHWAY))
        if appointment.citizen_id != grant.citizen.pk:
            raise ValidationError({"appointment": APPOINTMENT_NOT_FOUND})
        if not texts:
            # A double click: the second request waits here for the first, then gets its draft.
            lock_row(appointment)
            existing = Note.objects.filter(
                appointment=appointment, author=acting_user, kind=kind, status=Note.Status.DRAFT, corrects=None
            ).first()
            if existing is not None:
                return existing
    note = Note.objects.create(citizen=grant.citizen, author=acting_user, kind=kind, appointment=appointment, **texts)
    detail = f"journal note {note.pk}: new {kind} draft"
    if appointment is not None:
        detail += f" for appointment {appointment.pk}"
    _log_write(grant, acting_user=acting_user, detail=detail)
    return note


@transaction.atomic(durable=True)
def save_draft(grant: Grant, note, *, texts, expected_revision, acting_user):
    """Save the author's draft if it has not been saved since ``expected_revision``.

    Only the fields of the note's kind are written. A signed note raises ``NoteLocked``; a save
    against a newer revision raises ``EditConflict`` with what this person typed and what is saved.
    """
    _require(may_edit_note(grant, note, acting_user))
    unknown = set(texts) - set(note.text_fields)
    if unknown:
        raise TypeError(f"a {note.kind} note has no field(s) {sorted(unknown)}")
    updated = Note.objects.filter(
        pk=note.pk, status=Note.Status.DRAFT, revision=expected_revision, author=acting_user
    ).update(revision=F("revision") + 1, updated_at=timezone.now(), **texts)
    if not updated:
        current = Note.objects.get(pk=note.pk)
        if current.is_signed:
            raise NoteLocked(current)
        raise EditConflict(yours=texts, theirs=current)
    _log_write(grant, acting_user=acting_user, detail=f"journal note {note.pk}: saved draft")
    return Note.objects.get(pk=note.pk)


def newest_version(note):
    """Follow the chain of signed corrections from ``note`` to the newest signed note."""
    while True:
        correction = Note.objects.filter(corrects=note, status=Note.Status.SIGNED).first()
        if correction is None:
            return note
        note = correction


def sign_note(grant: Grant, note, *, expected_revision, acting_user):
    """Sign the draft exactly as the author last saw it; after this the note never changes.

    Refused (``ValidationError``, nothing changed) when it is empty or was saved again after the
    author opened it. A correction whose note was corrected by someone else meanwhile is moved
    on to correct the newest version, and refused this once so the author reads that first.
    """
    signed = _sign(grant, note, expected_revision=expected_revision, acting_user=acting_user)
    if signed is None:
        raise ValidationError(
            _(
                "The note you are correcting was corrected by someone else after you started. Your correction "
                "now corrects the newest version. Read it, change your text if needed, then sign."
            ),
            code="moved",
        )
    return signed


@transaction.atomic(durable=True)
def _sign(grant, note, *, expected_revision, acting_user):
    """The signed note, or None when a correction was moved on to the newest version (that is committed)."""
    _require(may_edit_note(grant, note, acting_user))
    note = Note.objects.select_for_update().get(pk=note.pk)
    if note.is_signed:
        raise NoteLocked(note)
    if note.revision != expected_revision:
        raise ValidationError(
            _("The draft has been saved again since you opened it. Read it again, then sign."), code="stale"
        )
    if not note.has_text():
        raise ValidationError(_("Write something before you sign."), code="empty")
    if note.corrects_id is not None:
        corrected = Note.objects.select_for_update().get(pk=note.corrects_id)
        newest = newest_version(corrected)
        if newest.pk != corrected.pk:
            Note.objects.filter(pk=note.pk).update(corrects=newest, revision=F("revision") + 1)
            _log_write(
                grant,
                acting_user=acting_user,
                detail=f"journal note {note.pk}: now corrects note {newest.pk} (note {corrected.pk} was corrected)",
            )
            return None
    note.status, note.signed_at, note.signed_by = Note.Status.SIGNED, timezone.now(), acting_user
    note.revision += 1
    note.save(update_fields=["status", "signed_at", "signed_by", "revision"])
    _log_write(grant, acting_user=acting_user, detail=f"journal note {note.pk}: signed")
    return note


@transaction.atomic(durable=True)
def start_correction(grant: Grant, note, *, acting_user):
    """A new draft that corrects ``note``, with its text copied in; the original stays as it is.

    A note already corrected is corrected at the newest version in its chain. If the author
    already has an unsigned correction of that version, it is returned instead of a second one.
    """
    _require(may_write_notes(grant) and note.citizen_id == grant.citizen.pk)
    if not note.is_signed:
        raise ValidationError(_("Only a signed note can be corrected. Change the draft instead."), code="draft")
    # A double click: the second request waits on the corrected note for the first, then gets its
    # draft. Signing a correction locks the note it corrects too, so under the lock the newest
    # version stays the newest (one signed meanwhile moves the lock on to it).
    target = newest_version(note)
    while True:
        target = Note.objects.select_for_update(no_key=True).get(pk=target.pk)
        newest = newest_version(target)
        if newest.pk == target.pk:
            break
        target = newest
    existing = Note.objects.filter(corrects=target, author=acting_user, status=Note.Status.DRAFT).first()
    if existing is not None:
        return existing
    texts = {name: getattr(target, name) for name in target.text_fields}
    correction = Note.objects.create(
        citizen=grant.citizen,
        author=acting_user,
        kind=target.kind,
        corrects=target,
        appointment_id=target.appointment_id,
        **texts,
    )
    _log_write(grant, acting_user=acting_user, detail=f"journal note {correction.pk}: correction of note {target.pk}")
    return correction
