"""Structured journal notes: drafts that only their author sees, signed notes that never change.

A note is written as a draft (autosaved, with a ``revision`` for optimistic locking) and then
signed, which locks it for ever: the actions refuse it, and on PostgreSQL triggers refuse any
UPDATE of a signed row, every DELETE and TRUNCATE (``audit.append_only``, migration 0003). A
mistake in a signed note is put right by a correction: a new note that ``corrects`` it, signed in
its turn; both stay readable in full.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from people.models import Citizen


class Note(models.Model):
    class Kind(models.TextChoices):
        STANDARD = "standard", _("Journal note")
        GUIDANCE_SESSION = "guidance_session", _("Guidance session")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="journal_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind of note"), max_length=20, choices=Kind, default=Kind.STANDARD)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)

    # Standard note: AKTUELT / VURDERING / TILTAK.
    current_situation = models.TextField(
        _("Current situation (AKTUELT)"),
        blank=True,
        help_text=_("What is happening now: why you met, and what the citizen tells you."),
    )
    assessment = models.TextField(
        _("Assessment (VURDERING)"), blank=True, help_text=_("Your professional assessment of the situation.")
    )
    actions = models.TextField(
        _("Actions (TILTAK)"), blank=True, help_text=_("What is done or agreed, by whom and when.")
    )

    # Guided self-help, the weekly phone guidance session (Trondheim's Forløpsguide, seed 000).
    agenda = models.TextField(_("Agenda"), blank=True, help_text=_("What did you agree to talk about today?"))
    homework = models.TextField(
        _("Follow-up of homework"),
        blank=True,
        help_text=_(
            "What have you worked on? Was it relevant, did you recognise yourself? In what way? "
            "What was especially good or useful? How does it relate to your own situation? How can you use it?"
        ),
    )
    exercises = models.TextField(
        _("Exercises"),
        blank=True,
        help_text=_("How have the exercises gone? What was difficult? What stops you? How could you …?"),
    )
    module_summary = models.TextField(
        _("Summary of the module"), blank=True, help_text=_("Sum up the module the citizen has worked through.")
    )
    symptoms_progress = models.TextField(
        _("Symptoms and progress"),
        blank=True,
        help_text=_("Assess symptom load and progress, e.g. from the check-ins and questionnaires."),
    )
    positive_feedback = models.TextField(
        _("Positive feedback"),
        blank=True,
        help_text=_("The feedback you gave for the work done and the progress made."),
    )
    next_week_goals = models.TextField(
        _("Goals for next week"),
        blank=True,
        help_text=_(
            "What, and when? How to use what has been learned? The next step, and what the next module is about."
        ),
    )

    revision = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    # The pathway appointment the note was written for; a correction keeps the original's.
    appointment = models.ForeignKey(
        "pathways.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notes",
        verbose_name=_("appointment"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("journal note")
        verbose_name_plural = _("journal notes")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status="draft", signed_at__isnull=True, signed_by__isnull=True)
                    | Q(status="signed", signed_at__isnull=False, signed_by__isnull=False)
                ),
                name="note_signed_fields_match_status",
            ),
            # A chain of corrections, not a tree: each note has at most one signed correction.
            models.UniqueConstraint(
                fields=["corrects"], condition=Q(status="signed"), name="one_signed_correction_per_note"
            ),
        ]
        indexes = [
            models.Index(fields=["citizen", "-created_at"], name="note_citizen_created"),
            models.Index(fields=["author", "status", "created_at"], name="note_author_status"),
        ]

    def __str__(self):
        return f"journal note {self.pk} ({self.kind}, {self.status})"

    def get_absolute_url(self):
        return reverse("journal:note", kwargs={"citizen_id": self.citizen_id, "note_id": self.pk})

    @property
    def is_signed(self):
        return self.status == self.Status.SIGNED

    @property
    def text_fields(self):
        return KIND_FIELDS[self.kind]

    def sections(self):
        """(label, text) for each field of the note's kind, in the order written."""
        return [(self._meta.get_field(name).verbose_name, getattr(self, name)) for name in self.text_fields]

    def has_text(self):
        return any(getattr(self, name).strip() for name in self.text_fields)


# The text fields of each kind, in the order of the template.
KIND_FIELDS = {
    Note.Kind.STANDARD: ("current_situation", "assessment", "actions"),
    Note.Kind.GUIDANCE_SESSION: (
        "agenda",
        "homework",
        "exercises",
        "module_summary",
        "symptoms_progress",
        "positive_feedback",
        "next_week_goals",
    ),
}
TEXT_FIELDS = tuple(name for names in KIND_FIELDS.values() for name in names)
