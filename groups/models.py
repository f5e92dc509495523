"""Responsibility groups ("ansvarsgrupper"): the care team made formal, by need.

The care team says who may see what (``people.access``); a ``Group`` says who meets, why, and who
is responsible for what. Its ``Agreement`` is versioned: every change is a new numbered version
with its own members, and the citizen (and guardian) answer each one; a group is only a proposal
until the citizen has consented. Members may be *shielded* from parts of the record in minutes and
invitations; shielding only ever narrows what the care-team scopes allow.

A ``Meeting`` has an agenda built from the plan, a list of invited participants (who answer and
then attend or send apologies), and minutes. ``Minutes`` evaluate the plan part by part; each part
names the section of the record it belongs to, so a reader sees only the parts their grant and the
shielding allow. Signed minutes never change (PostgreSQL triggers, migration 0001); a correction
is new signed minutes that ``corrects`` the old. Decisions become ``GroupTask`` rows (FHIR Task),
shown on the responsible member's worklist. The group keeps numbered ``LearningLog``s (seed 003).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from measures.models import Goal
from people.models import CareTeamMember, Citizen
from plans.models import PlanIntervention, PlanVersion


class GroupQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status=Group.Status.ENDED)


class Group(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposal")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="groups")
    status = models.CharField(max_length=10, choices=Status, default=Status.PROPOSED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    end_reason = models.TextField(_("why the group ends"), blank=True)

    objects = GroupQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("responsibility group")
        verbose_name_plural = _("responsibility groups")
        constraints = [
            models.UniqueConstraint(
                fields=["citizen"], condition=~Q(status="ended"), name="one_open_group_per_citizen"
            ),
            models.CheckConstraint(
                condition=Q(status="ended", ended_at__isnull=False) | (~Q(status="ended") & Q(ended_at__isnull=True)),
                name="group_ended_fields_match_status",
            ),
        ]

    def __str__(self):
        return f"group {self.pk} of {self.citizen_id} ({self.status})"

    def get_absolute_url(self):
        return reverse("groups:group", kwargs={"citizen_id": self.citizen_id})

    @property
    def is_open(self):
        return self.status != self.Status.ENDED


class Consent(models.TextChoices):
    YES = "yes", _("Consents")
    NO = "no", _("Does not consent")


class Agreement(models.Model):
    """One version of what the group agreed. Its text and members never change after it is made;
    only the citizen's and the guardian's answers are filled in later."""

    class CitizenAbsent(models.TextChoices):
        POSTPONE = "postpone", _("The meeting is moved to a new time")
        MEET_WITHOUT = "meet_without", _("The group may meet without the citizen")

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="agreements")
    number = models.PositiveIntegerField()
    purpose = models.TextField(_("purpose and agreed goals"))
    meeting_frequency = models.CharField(
        _("how often the group meets"), max_length=200, help_text=_("For example: every third month.")
    )
    citizen_absent = models.CharField(
        _("if the citizen does not come"), max_length=20, choices=CitizenAbsent, default=CitizenAbsent.POSTPONE
    )
    citizen_absent_note = models.TextField(_("more about what happens if the citizen does not come"), blank=True)
    ending = models.TextField(_("how and when the group ends"))
    first_name_in_invitations = models.BooleanField(
        _("invitations may name the citizen by first name"),
        default=False,
        help_text=_("Without this, invitations say only the time, the place and a link."),
    )
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    citizen_consent = models.CharField(max_length=5, choices=Consent, blank=True)
    citizen_answered_at = models.DateTimeField(null=True, blank=True)
    citizen_comment = models.TextField(_("your comment"), blank=True)
    guardian_consent = models.CharField(max_length=5, choices=Consent, blank=True)
    guardian_answered_at = models.DateTimeField(null=True, blank=True)
    guardian_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["group", "-number"]
        constraints = [models.UniqueConstraint(fields=["group", "number"], name="agreement_version_number")]

    def __str__(self):
        return f"agreement {self.number} of group {self.group_id}"

    @property
    def may_meet_without_citizen(self):
        return self.citizen_absent == self.CitizenAbsent.MEET_WITHOUT


class Member(models.Model):
    """Who is in the group under one agreement version: a care-team member, or a named outsider."""

    class Role(models.TextChoices):
        MUNICIPAL_COORDINATOR = "municipal_coordinator", _("Coordinator (municipality, leads the group)")
        SPECIALIST_COORDINATOR = "specialist_coordinator", _("Coordinator (specialist service)")
        MEMBER = "member", _("Member")
        EXTERNAL = "external", _("External participant")

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="members")
    care_team_member = models.ForeignKey(
        CareTeamMember,
        verbose_name=_("care team member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="group_memberships",
    )
    external_name = models.CharField(_("name"), max_length=200, blank=True)
    external_organisation = models.CharField(_("organisation or relation"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail for invitations"), blank=True)
    role = models.CharField(_("role in the group"), max_length=30, choices=Role, default=Role.MEMBER)
    responsibility = models.TextField(_("responsible for"), blank=True)
    shielded_sections = models.JSONField(
        _("must not receive"),
        default=list,
        blank=True,
        help_text=_("Parts of the citizen's information left out of minutes and invitations for this member."),
    )
    hide_contact = models.BooleanField(
        _("do not share this member's own contact details with the group"), default=False
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["agreement", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(care_team_member__isnull=False) & Q(external_name=""))
                | (Q(care_team_member__isnull=True) & ~Q(external_name="") & Q(role="external")),
                name="group_member_is_team_member_or_named_outsider",
            ),
            models.UniqueConstraint(
                fields=["agreement"], condition=Q(role="municipal_coordinator"), name="one_leading_coordinator"
            ),
            models.UniqueConstraint(
                fields=["agreement", "care_team_member"],
                condition=Q(care_team_member__isnull=False),
                name="team_member_once_per_agreement",
            ),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.get_role_display()})"

    @property
    def is_external(self):
        return self.care_team_member_id is None

    @property
    def display_name(self):
        if self.care_team_member_id:
            return self.care_team_member.display_name
        return self.external_name

    @property
    def user_id(self):
        return self.care_team_member.user_id if self.care_team_member_id else None

    @property
    def organisation_name(self):
        if self.care_team_member_id:
            organisation = self.care_team_member.organisation
            return organisation.name if organisation else ""
        return self.external_organisation

    @property
    def is_coordinator(self):
        return self.role in (self.Role.MUNICIPAL_COORDINATOR, self.Role.SPECIALIST_COORDINATOR)


class Meeting(models.Model):
    class Kind(models.TextChoices):
        RESPONSIBILITY_GROUP = "responsibility_group", _("Responsibility group meeting")
        NETWORK = "network", _("Open Dialogue network meeting")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    class CitizenAttendance(models.TextChoices):
        TOOK_PART = "took_part", _("Took part")
        ABSENT_AGREED = "absent_agreed", _("Did not take part (agreed)")
        ABSENT = "absent", _("Did not take part (not agreed)")

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="meetings")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="group_meetings")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind of meeting"), max_length=30, choices=Kind, default=Kind.RESPONSIBILITY_GROUP)
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=60)
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PLANNED)
    citizen_attendance = models.CharField(_("the citizen"), max_length=20, choices=CitizenAttendance, blank=True)
    sequence = models.PositiveIntegerField(default=0, help_text="iCalendar SEQUENCE: goes up when the time moves.")
    invitations_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    cancel_reason = models.CharField(_("why the meeting is cancelled"), max_length=300, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["citizen", "starts_at"], name="meeting_citizen_starts")]

    def __str__(self):
        return f"meeting {self.pk} of group {self.group_id}"

    def get_absolute_url(self):
        return reverse("groups:meeting", kwargs={"citizen_id": self.citizen_id, "meeting_id": self.pk})

    @property
    def is_network_meeting(self):
        return self.kind == self.Kind.NETWORK


class Participant(models.Model):
    """A member invited to a meeting: their answer to the invitation, then whether they came."""

    class Answer(models.TextChoices):
        NEEDS_ACTION = "needs-action", _("Not answered")
        ACCEPTED = "accepted", _("Coming")
        TENTATIVE = "tentative", _("Maybe")
        DECLINED = "declined", _("Not coming")

    class Attendance(models.TextChoices):
        PRESENT = "present", _("Present")
        APOLOGIES = "apologies", _("Sent apologies")
        ABSENT = "absent", _("Absent")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=15, choices=Answer, default=Answer.NEEDS_ACTION)
    answered_at = models.DateTimeField(null=True, blank=True)
    attendance = models.CharField(max_length=10, choices=Attendance, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["member__order", "member_id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="one_participant_per_member")]

    def __str__(self):
        return f"{self.member_id} at meeting {self.meeting_id}"


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        GOAL = "goal", _("Goal")
        INTERVENTION = "intervention", _("Intervention")
        TASK = "task", _("Action from an earlier meeting")
        PLAN_REVISION = "plan_revision", _("Revision of the individual plan")
        PLAN_PART = "plan_part", _("Part of the individual plan")
        CITIZEN_POINT = "citizen_point", _("The citizen's own point")
        OTHER = "other", _("Other point")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    kind = models.CharField(max_length=20, choices=Kind)
    title = models.CharField(_("point"), max_length=300)
    section = models.CharField(
        _("part of the record"),
        max_length=40,
        help_text=_("Only members who may see this part of the record see this point and its minutes."),
    )
    goal = models.ForeignKey(Goal, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    intervention = models.ForeignKey(
        PlanIntervention, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task = models.ForeignKey("GroupTask", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    plan_text_key = models.CharField(max_length=30, blank=True)
    order = models.PositiveIntegerField(default=0)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_by_citizen = models.BooleanField(default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self):
        return self.title


class Minutes(models.Model):
    """The minutes of one meeting: a draft saved as typed, then signed and never changed.

    ``parts`` is the evaluation, one entry per agenda point (or, for an Open Dialogue meeting, one
    perspective per participant), each naming its ``section``: ``{"kind", "title", "section",
    "goal", "intervention", "said", "status", "agreed", "rating"}``. Keeping them in the row means the
    signed minutes are one row the database refuses to change.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="minutes")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    summary = models.TextField(_("general notes"), blank=True)
    parts = models.JSONField(default=list, blank=True)
    revision = models.PositiveIntegerField(default=0)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status="draft", signed_at__isnull=True, signed_by__isnull=True)
                    | Q(status="signed", signed_at__isnull=False, signed_by__isnull=False)
                ),
                name="minutes_signed_fields_match_status",
            ),
            models.UniqueConstraint(
                fields=["corrects"], condition=Q(status="signed"), name="one_signed_correction_per_minutes"
            ),
            # One draft at a time per meeting: two coordinators write into the same one.
            models.UniqueConstraint(fields=["meeting"], condition=Q(status="draft"), name="one_draft_per_meeting"),
        ]

    def __str__(self):
        return f"minutes {self.pk} of meeting {self.meeting_id} ({self.status})"

    def get_absolute_url(self):
        return reverse("groups:minutes", kwargs={"citizen_id": self.citizen_id, "minutes_id": self.pk})

    @property
    def is_signed(self):
        return self.status == self.Status.SIGNED


class MinutesComment(models.Model):
    """The citizen's (or a member's) comment on signed minutes; the minutes themselves stay as signed."""

    minutes = models.ForeignKey(Minutes, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"comment {self.pk} on minutes {self.minutes_id}"


class GroupTask(models.Model):
    """A decision that became an action: what, who is responsible (a member), by when (FHIR Task)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("To do")
        IN_PROGRESS = "in-progress", _("In progress")
        COMPLETED = "completed", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN = (Status.REQUESTED, Status.IN_PROGRESS)

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="tasks")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="group_tasks")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    what = models.CharField(_("what is to be done"), max_length=300)
    section = models.CharField(_("part of the record"), max_length=40)
    responsible = models.ForeignKey(
        Member, verbose_name=_("responsible"), on_delete=models.PROTECT, related_name="tasks"
    )
    # The responsible member's login, kept here so the worklist finds a user's actions in one query.
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="group_tasks"
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(max_length=15, choices=Status, default=Status.REQUESTED)
    plan_version = models.ForeignKey(PlanVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # FHIR Task's meta.lastUpdated
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_reason = models.CharField(_("why it is cancelled"), max_length=300, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["responsible_user", "status", "due_on"], name="task_user_status_due"),
            models.Index(fields=["citizen", "status"], name="task_citizen_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""), name="cancelled_task_has_reason"
            )
        ]

    def __str__(self):
        return self.what

    @property
    def is_open(self):
        return self.status in self.OPEN

    @property
    def is_overdue(self):
        return self.is_open and self.due_on < timezone.localdate()


class PlanChange(models.Model):
    """ "The plan must change": the change agreed in a meeting, linked to the plan's next draft."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="plan_changes")
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("what must change in the plan"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"plan change from meeting {self.meeting_id}"


class LearningFactor(models.Model):
    """A contributing factor a learning log can name (seed 003); the list is kept in the admin."""

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name (bokmål)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("learning log factor")
        verbose_name_plural = _("learning log factors")

    def __str__(self):
        return self.name

    def label(self, language):
        return self.name_en if language == "en" and self.name_en else self.name


class LearningLog(models.Model):
    """ "Logg nr. 1 — 30.8.2011": something that went wrong, or notably well, and what the group learned."""

    class Outcome(models.TextChoices):
        FAILURE = "failure", _("Something went wrong in the collaboration")
        SUCCESS = "success", _("Something went notably well")

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="learning_logs")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    event_on = models.DateField(_("when it happened"))
    outcome = models.CharField(_("what kind of event"), max_length=10, choices=Outcome)
    event = models.TextField(_("what happened"))
    causes = models.TextField(_("the group's understanding of the causes"), blank=True)
    factors = models.ManyToManyField(LearningFactor, verbose_name=_("contributing factors"), blank=True)
    other_factors = models.TextField(_("other factors"), blank=True)
    decision = models.TextField(_("what we decided to try instead"), blank=True)
    evaluation = models.TextField(_("later evaluation: did it help?"), blank=True)
    evaluated_on = models.DateField(_("evaluated on"), null=True, blank=True)
    lessons = models.TextField(
        _("what we learned"),
        blank=True,
        help_text=_(
            "Shared with the service leaders in a summary across all groups, without names or dates. "
            "Write it so that it says nothing about who this is."
        ),
    )
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["group", "-number"]
        constraints = [models.UniqueConstraint(fields=["group", "number"], name="learning_log_number")]

    def __str__(self):
        return f"learning log {self.number} of group {self.group_id}"
