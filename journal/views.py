"""Journal notes on screen. Every page reaches the citizen through ``people.access`` and logs
the read (section ``notes``) or the refusal; every change goes through ``journal.actions``.

A draft is shown to its author only; anyone else who asks for it gets a 404 as if it did not
exist, and the refusal is logged. A signed note is never changed: edit, autosave and sign answer
it with a clear message and 409, and nothing is written.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from measures.models import Score
from measures.progress import instrument_progress
from people.access import SectionDenied, get_grant_or_404, log_denied, log_read, log_reads
from people.models import Section
from web.forms import add_errors

from . import actions
from .forms import NewNoteForm, NoteForm
from .models import KIND_FIELDS, Note


def _grant(request, citizen_id, detail):
    """The reader's grant on the citizen's notes; a refusal is logged here, the read by the caller."""
    return get_grant_or_404(request, citizen_id, Section.NOTES, log=False, detail=detail)


def _require_writer(request, grant, detail):
    """Citizens read their signed notes; writing is for staff whose grant includes notes."""
    if not actions.may_write_notes(grant):
        log_denied(request, grant.citizen.pk, Section.NOTES, detail)
        raise SectionDenied(Section.NOTES)


def _note(request, grant, note_id, detail):
    """A note the reader may see: someone else's draft (or another citizen's note) is a logged 404."""
    note = (
        Note.objects.filter(pk=note_id, citizen=grant.citizen)
        .select_related("author", "signed_by", "corrects__author", "corrects__signed_by", "appointment")
        .first()
    )
    if note is None or not actions.may_read_note(grant, note, request.user):
        log_denied(request, grant.citizen.pk, Section.NOTES, detail)
        raise Http404
    return note


def _signed_correction(note):
    return Note.objects.filter(corrects=note, status=Note.Status.SIGNED).select_related("signed_by").first()


def _linked_appointment(grant, note):
    """The appointment the note was written for, for a reader who may see the pathway; else None."""
    if note.appointment_id is None or not grant.may_see(Section.PATHWAY):
        return None
    return note.appointment


def _note_page(request, grant, note, *, error=None, status=200):
    """The note in full, with its place in a chain of corrections; also the answer to a refused change."""
    appointment = _linked_appointment(grant, note)
    sections = [Section.NOTES] if appointment is None else [Section.NOTES, Section.PATHWAY]
    log_reads(request, grant, sections, f"journal note {note.pk}")
    own_correction = None
    if note.is_signed and actions.may_write_notes(grant):
        own_correction = Note.objects.filter(corrects=note, author=request.user, status=Note.Status.DRAFT).first()
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "note": note,
        "appointment": appointment,
        "corrected_by": _signed_correction(note) if note.is_signed else None,
        "own_correction": own_correction,
        "may_edit": not note.is_signed and actions.may_edit_note(grant, note, request.user),
        "may_correct": note.is_signed and actions.may_write_notes(grant),
        "error": error,
    }
    return render(request, "journal/note.html", context, status=status)


@login_required
def note_list(request, citizen_id):
    """The citizen's signed notes and the reader's own drafts, newest first, corrections under their original."""
    grant = _grant(request, citizen_id, "journal notes")
    log_read(request, grant, Section.NOTES, "journal notes")
    visible = Q(status=Note.Status.SIGNED)
    if not grant.is_self:
        visible |= Q(status=Note.Status.DRAFT, author=request.user)
    notes = list(
        Note.objects.filter(visible, citizen=grant.citizen)
        .select_related("author", "signed_by")
        .order_by("-created_at", "-id")
    )
    by_pk = {note.pk: note for note in notes}
    chains = {}
    for note in notes:
        note.signed_correction = None
    for note in reversed(notes):  # oldest first, so each chain lists its corrections in order
        root = note
        while root.corrects_id in by_pk:
            root = by_pk[root.corrects_id]
        if root is not note:
            chains.setdefault(root.pk, []).append(note)
            if note.is_signed:
                by_pk[note.corrects_id].signed_correction = note
    entries = [(note, chains.get(note.pk, [])) for note in notes if note.corrects_id not in by_pk]
    return render(
        request,
        "journal/list.html",
        {
            "grant": grant,
            "citizen": grant.citizen,
            "entries": entries,
            "may_write": actions.may_write_notes(grant),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_note(request, citizen_id):
    """Choose the kind of a new draft. A link from an appointment names the appointment and the
    template of its step (``?kind=guidance_session&appointment=12``); the appointment is checked
    at once, so a wrong link is said on the page it opens, and it is carried through the POST."""
    grant = _grant(request, citizen_id, "new journal note")
    _require_writer(request, grant, "new journal note")
    log_read(request, grant, Section.NOTES, "new journal note")
    kind = request.GET.get("kind") or None
    if request.method == "POST":
        form = NewNoteForm(request.POST, grant=grant)
    elif request.GET.get("appointment"):
        data = {"kind": kind or Note.Kind.STANDARD, "appointment": request.GET["appointment"]}
        form = NewNoteForm(data, grant=grant)
    else:
        form = NewNoteForm(initial={"kind": kind}, grant=grant)
    if request.method == "POST" and form.is_valid():
        try:
            note = actions.create_note(
                grant,
                kind=form.cleaned_data["kind"],
                appointment=form.cleaned_data["appointment"],
                acting_user=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            return redirect("journal:edit", citizen_id=grant.citizen.pk, note_id=note.pk)
    appointment = form.cleaned_data.get("appointment") if form.is_bound and not form.errors else None
    if appointment is not None:
        log_read(request, grant, Section.PATHWAY, "new journal note")
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "form": form,
        "appointment": appointment,
        "unlinked_url": _new_note_url(grant.citizen, kind=form["kind"].value()),
    }
    return render(request, "journal/new.html", context, status=400 if form.errors else 200)


def _new_note_url(citizen, *, kind):
    """The new-note page without an appointment (the way on from a link to a wrong one)."""
    url = reverse("journal:new", kwargs={"citizen_id": citizen.pk})
    return f"{url}?{urlencode({'kind': kind})}" if kind in KIND_FIELDS else url


def _latest_scores(grant):
    """The citizen's latest score per instrument, for the guidance session; None without the measures section."""
    if not grant.may_see(Section.MEASURES):
        return None
    return instrument_progress(list(Score.objects.for_citizen(grant.citizen).order_by("effective_at", "id")))


def _initial(note):
    return {"revision": note.revision, **{name: getattr(note, name) for name in note.text_fields}}


@login_required
@require_http_methods(["GET", "POST"])
def edit_note(request, citizen_id, note_id):
    """The author's draft; a save against a newer revision shows both versions and loses neither."""
    detail = f"edit journal note {note_id}"
    grant = _grant(request, citizen_id, detail)
    _require_writer(request, grant, detail)
    note = _note(request, grant, note_id, detail)
    if note.is_signed:
        return _note_page(request, grant, note, error=actions.NoteLocked(note).message, status=409)
    conflict = None
    form = NoteForm(request.POST or None, kind=note.kind, initial=_initial(note))
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_draft(
                grant,
                note,
                texts=form.texts(),
                expected_revision=form.cleaned_data["revision"],
                acting_user=request.user,
            )
        except actions.NoteLocked as locked:
            return _note_page(request, grant, locked.note, error=locked.message, status=409)
        except actions.EditConflict as error:
            # Keep what this person typed; the next save is against the revision they now see.
            conflict = error
            data = request.POST.copy()
            data["revision"] = error.theirs.revision
            form = NoteForm(data, kind=note.kind)
            form.is_valid()
        else:
            messages.success(request, _("Draft saved."))
            return redirect(note)
    scores = _latest_scores(grant) if note.kind == Note.Kind.GUIDANCE_SESSION else None
    appointment = _linked_appointment(grant, note)
    sections = [Section.NOTES]
    if scores is not None:
        sections.append(Section.MEASURES)
    if appointment is not None:
        sections.append(Section.PATHWAY)
    log_reads(request, grant, sections, detail)
    theirs = None
    if conflict is not None:
        theirs = [
            (form[name].label, getattr(conflict.theirs, name))
            for name in note.text_fields
            if getattr(conflict.theirs, name) != conflict.yours.get(name)
        ]
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "note": note,
        "form": form,
        "conflict": conflict,
        "theirs": theirs,
        "scores": scores,
        "appointment": appointment,
    }
    status = 409 if conflict else 400 if form.errors else 200
    return render(request, "journal/edit.html", context, status=status)


@login_required
@require_POST
def autosave(request, citizen_id, note_id):
    """Save the draft as the author types (htmx). A conflict or a signed note is reported, never forced.

    htmx does not swap 4xx answers into the page, so an htmx request gets the refusal in a 200 and
    the status line says it; any other client gets 409.
    """
    detail = f"autosave journal note {note_id}"
    grant = _grant(request, citizen_id, detail)
    _require_writer(request, grant, detail)
    note = _note(request, grant, note_id, detail)
    form = NoteForm(request.POST, kind=note.kind)
    context = {"saved_at": None, "refused": None, "revision": None}
    if note.is_signed:
        context["refused"] = "signed"
    elif form.is_valid():
        try:
            saved = actions.save_draft(
                grant,
                note,
                texts=form.texts(),
                expected_revision=form.cleaned_data["revision"],
                acting_user=request.user,
            )
        except actions.NoteLocked:
            context["refused"] = "signed"
        except actions.EditConflict:
            context["refused"] = "conflict"
        else:
            context.update(saved_at=timezone.localtime(saved.updated_at), revision=saved.revision)
    else:
        context["refused"] = "conflict"
    status = 409 if context["refused"] and not request.htmx else 200
    return render(request, "journal/edit.html#autosave", context, status=status)


@login_required
@require_POST
def sign(request, citizen_id, note_id):
    """Sign the draft as last seen ("Sign and lock"); signing again changes nothing and says so."""
    detail = f"sign journal note {note_id}"
    grant = _grant(request, citizen_id, detail)
    _require_writer(request, grant, detail)
    note = _note(request, grant, note_id, detail)
    if note.is_signed:
        return _note_page(request, grant, note, error=actions.NoteLocked(note).message, status=409)
    try:
        expected = int(request.POST.get("revision", ""))
    except ValueError:
        expected = -1
    try:
        note = actions.sign_note(grant, note, expected_revision=expected, acting_user=request.user)
    except actions.NoteLocked as locked:
        return _note_page(request, grant, locked.note, error=locked.message, status=409)
    except ValidationError as error:
        note.refresh_from_db()
        status = 400 if error.code == "empty" else 409
        return _note_page(request, grant, note, error=error.messages[0], status=status)
    messages.success(request, _("The note is signed and locked. To change it later, write a correction."))
    return redirect(note)


@login_required
@require_POST
def correct(request, citizen_id, note_id):
    """Start a correction of a signed note (the newest version in its chain), with its text copied in."""
    detail = f"correct journal note {note_id}"
    grant = _grant(request, citizen_id, detail)
    _require_writer(request, grant, detail)
    note = _note(request, grant, note_id, detail)
    try:
        correction = actions.start_correction(grant, note, acting_user=request.user)
    except ValidationError as error:
        return _note_page(request, grant, note, error=error.messages[0], status=400)
    if correction.corrects_id != note.pk:
        messages.info(request, _("This note was already corrected. You are correcting the newest correction."))
    return redirect("journal:edit", citizen_id=grant.citizen.pk, note_id=correction.pk)


@login_required
def note_detail(request, citizen_id, note_id):
    grant = _grant(request, citizen_id, f"journal note {note_id}")
    note = _note(request, grant, note_id, f"journal note {note_id}")
    return _note_page(request, grant, note)
