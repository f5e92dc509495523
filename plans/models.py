"""The individual plan ("individuell plan") as versions, and its attachments.

A citizen has one living plan kept as numbered versions: draft → approved → active → archived.
Each text section and each row (tiltak, contact, crisis plan, life area) carries its own
``revision`` counter: a save names the revision it started from, so two people editing the
same section cannot overwrite each other (``plans.actions``).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from measures.models import LifeArea
from people.models import CareTeamMember, Citizen, Section

REVISION_WARNING_DAYS = 30  # a revision this close shows as due


class PlanVersionQuerySet(models.QuerySet):
    def open_draft(self, citizen):
        return self.filter(citizen=citizen, status__in=[PlanVersion.Status.DRAFT, PlanVersion.Status.APPROVED]).first()

    def active(self, citizen):
        return self.filter(citizen=citizen, status=PlanVersion.Status.ACTIVE).first()

    def due_for_revision(self, today):
        """Active plans whose next revision is past or within ``REVISION_WARNING_DAYS`` of ``today``."""
        return self.filter(
            status=PlanVersion.Status.ACTIVE,
            next_revision__lte=today + datetime.timedelta(days=REVISION_WARNING_DAYS),
        )


class PlanVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Proposal")
        APPROVED = "approved", _("Approved")
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="plan_versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    content_revision = models.PositiveIntegerField(
        default=0, help_text="Goes up with every change, so an approval always names what it approved."
    )
    period_start = models.DateField(_("plan period from"), null=True, blank=True)
    period_end = models.DateField(_("plan period to"), null=True, blank=True)
    next_revision = models.DateField(_("next revision"), null=True, blank=True)
    consent_to_plan = models.BooleanField(_("the citizen consents to the plan being made"), default=False)
    consent_to_sharing = models.BooleanField(
        _("the citizen consents to the participants seeing confidential information"), default=False
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # FHIR CarePlan's meta.lastUpdated: every change through plans.actions moves it (an update()
    # names it; auto_now does not reach an update()).
    updated_at = models.DateTimeField(auto_now=True)
    approved_by_citizen_at = models.DateTimeField(null=True, blank=True)
    approved_by_guardian_at = models.DateTimeField(null=True, blank=True)
    approved_by_guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = PlanVersionQuerySet.as_manager()

    class Meta:
        ordering = ["citizen", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["citizen", "number"], name="plan_version_number"),
            models.UniqueConstraint(fields=["citizen"], condition=Q(status="active"), name="one_active_plan"),
            models.UniqueConstraint(
                fields=["citizen"], condition=Q(status__in=["draft", "approved"]), name="one_open_plan_draft"
            ),
        ]

    def __str__(self):
        return f"plan {self.number} for {self.citizen_id} ({self.status})"

    @property
    def is_editable(self):
        return self.status == self.Status.DRAFT

    def is_revision_due(self, today=None):
        """The next revision is past or within ``REVISION_WARNING_DAYS`` (whatever the status)."""
        today = today or timezone.localdate()
        return self.next_revision is not None and self.next_revision <= today + datetime.timedelta(
            days=REVISION_WARNING_DAYS
        )


class PlanText(models.Model):
    """One text section of a plan version, e.g. what matters to the citizen or the mandate."""

    class Key(models.TextChoices):
        WHAT_MATTERS = "what_matters", _("What matters to me")
        PARTICIPANTS = "participants", _("Who takes part in the planning")
        CONTRIBUTIONS = "contributions", _("What I, the services and my relatives contribute")
        COOPERATION = "cooperation", _("Cooperation with other services")
        FINANCE = "finance", _("Finance management agreement")
        MEDICATION = "medication", _("Medication plan")
        DAILY_PLAN = "daily_plan", _("Day and week plan")
        MANDATE = "mandate", _("Coordinator mandate")

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="texts")
    key = models.CharField(max_length=30, choices=Key)
    text = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="one_text_per_key")]

    def __str__(self):
        return f"{self.key} of {self.version_id}"


# Which care-team section lets a member see each part of the plan.
TEXT_SCOPE = {
    PlanText.Key.WHAT_MATTERS: Section.PLAN,
    PlanText.Key.PARTICIPANTS: Section.PLAN,
    PlanText.Key.CONTRIBUTIONS: Section.PLAN,
    PlanText.Key.COOPERATION: Section.PLAN,
    PlanText.Key.FINANCE: Section.FINANCE,
    PlanText.Key.MEDICATION: Section.MEDICATION,
    PlanText.Key.DAILY_PLAN: Section.DAILY_PLAN,
    PlanText.Key.MANDATE: Section.MANDATE,
}


class PlanRow(models.Model):
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveIntegerField(default=0)
    revision = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["order", "id"]


class PlanIntervention(PlanRow):
    """A tiltak, an agreed intervention (not the measures app's questionnaires and scores).

    What is done, by whom (a care-team member), how, how often, from/to.
    """

    what = models.CharField(_("what is done"), max_length=300)
    responsible = models.ForeignKey(
        CareTeamMember, verbose_name=_("responsible"), on_delete=models.PROTECT, related_name="+"
    )
    how = models.TextField(_("how it is carried out"), blank=True)
    frequency = models.CharField(_("how often"), max_length=100, blank=True)
    starts = models.DateField(_("from"), null=True, blank=True)
    ends = models.DateField(_("to"), null=True, blank=True)

    class Meta(PlanRow.Meta):
        pass

    def __str__(self):
        return self.what


class ContactEntry(PlanRow):
    """Who do I talk to about what (seed 002: medicines go to the GP, not to home nursing)."""

    topic = models.CharField(_("about"), max_length=200)
    member = models.ForeignKey(CareTeamMember, verbose_name=_("talk to"), on_delete=models.PROTECT, related_name="+")
    how_to_reach = models.CharField(_("how to reach them"), max_length=200, blank=True)

    class Meta(PlanRow.Meta):
        pass

    def __str__(self):
        return self.topic


class CrisisPlan(PlanRow):
    class Situation(models.TextChoices):
        SUBSTANCE = "substance", _("Substance use episode")
        AGREEMENTS = "agreements", _("Broken agreements")
        THREATS = "threats", _("Threats or aggression")
        WORRY = "worry", _("Worry about me")
        SYMPTOMS = "symptoms", _("Worsening symptoms")
        OTHER = "other", _("Other")

    situation = models.CharField(_("situation"), max_length=20, choices=Situation)
    title = models.CharField(_("in my words"), max_length=200, blank=True)
    warning_signs = models.TextField(_("early warning signs"))
    what_helps = models.TextField(_("what helps"), blank=True)
    contacts = models.ManyToManyField(CareTeamMember, verbose_name=_("who is contacted"), related_name="+")
    other_contacts = models.CharField(_("others to contact"), max_length=300, blank=True)
    what_is_done = models.TextField(_("what is done"))

    class Meta(PlanRow.Meta):
        pass

    def __str__(self):
        return self.title or self.get_situation_display()


class AssessmentArea(PlanRow):
    """Functional assessment: for a life area, the needs and the citizen's own resources."""

    life_area = models.CharField(_("life area"), max_length=30, choices=LifeArea)
    needs = models.TextField(_("needs"), blank=True)
    resources = models.TextField(_("my resources"), blank=True)

    class Meta(PlanRow.Meta):
        constraints = [models.UniqueConstraint(fields=["version", "life_area"], name="one_assessment_per_area")]

    def __str__(self):
        return self.get_life_area_display()


ROW_MODELS = {
    "interventions": (PlanIntervention, Section.PLAN),
    "contacts": (ContactEntry, Section.CONTACTS),
    "crisis_plans": (CrisisPlan, Section.CRISIS_PLAN),
    "assessment": (AssessmentArea, Section.FUNCTIONAL),
}


class PlanComment(models.Model):
    """The citizen's comment on a section, or a proposed change; the coordinator sees open ones."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="comments")
    section = models.CharField(max_length=30)
    text = models.TextField(_("comment"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"comment on {self.section} of {self.version_id}"


class MedicationWords(models.Model):
    """The citizen's own words on their medicine: what it is for, the effects and side effects they notice, what they
    want to change (seed 004, medication pedagogy). Only the citizen writes them; a reader sees them under the
    MEDICATION section.

    A living note beside the plan, not a part of a plan version. The medication plan (``PlanText`` MEDICATION) is an
    agreement: the coordinator proposes it, the citizen (and guardian) approve it, and the GP's decisions go into it.
    These words are the citizen's experience, which changes from one session to the next and needs nobody's approval;
    in a version they would wait in a draft until the next revision, and a proposal could seem to change what the
    citizen said. So every reader with MEDICATION sees the newest words whichever version of the plan is shown, and
    nothing is rewritten: each save is a new row, and the earlier words stay readable.
    """

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="medication_words")
    purpose = models.TextField(_("what my medicine is for"), blank=True)
    effects = models.TextField(_("effects and side effects I notice"), blank=True)
    wishes = models.TextField(_("what I want to change"), blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-written_at", "-id"]
        indexes = [models.Index(fields=["citizen", "-written_at"], name="medication_words_newest")]

    def __str__(self):
        return f"medication words {self.pk} of {self.citizen_id}"

    def same_words(self, purpose, effects, wishes):
        return (self.purpose, self.effects, self.wishes) == (purpose, effects, wishes)
