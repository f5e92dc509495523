"""The group's forms. They parse what was typed; the rules (who, what may be shielded, dates) live in
``groups.actions``, whose ``ValidationError`` is put back on the form next to the field it names."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import sections as section_registry
from web.forms import DateInput, DateTimeInput, RequiredByAction

from .actions import AgreementText, MemberSpec, PartStatus
from .models import Agreement, Meeting, Member, Participant
from .sections import GROUP
from .shielding import member_scope

EXTERNAL_ROWS = 3
TEAM_ROLES = [
    (Member.Role.MEMBER, _("Member")),
    (Member.Role.MUNICIPAL_COORDINATOR, _("Coordinator (municipality, leads the group)")),
    (Member.Role.SPECIALIST_COORDINATOR, _("Coordinator (specialist service)")),
]


class AgreementForm(RequiredByAction, forms.Form):
    """The agreement and its members: one row per care-team member, and a few rows for outsiders."""

    required_by_action = ("purpose", "meeting_frequency", "ending")

    purpose = forms.CharField(
        label=_("Purpose and agreed goals"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why the group meets, and the goals it works towards, in words the citizen recognises."),
    )
    meeting_frequency = forms.CharField(
        label=_("How often the group meets"),
        required=False,
        max_length=200,
        help_text=_("For example: every third month, and when someone asks for it."),
    )
    citizen_absent = forms.ChoiceField(
        label=_("If the citizen does not come"),
        choices=Agreement.CitizenAbsent.choices,
        widget=forms.RadioSelect,
        initial=Agreement.CitizenAbsent.POSTPONE,
    )
    citizen_absent_note = forms.CharField(
        label=_("More about what happens if the citizen does not come"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    ending = forms.CharField(
        label=_("How and when the group ends"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: when the goals are reached, or when the citizen asks for it."),
    )
    first_name_in_invitations = forms.BooleanField(
        label=_("Invitations may name the citizen by first name"),
        required=False,
        help_text=_("Without this, invitations say only the time, the place and a link."),
    )

    def __init__(self, *args, team, revising=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = list(team)
        self.team_rows = []
        for member in self.team:
            prefix = f"m{member.pk}"
            scope = member_scope(member)
            self.fields[f"{prefix}_include"] = forms.BooleanField(
                label=_("%(name)s is in the group") % {"name": member.display_name}, required=False
            )
            self.fields[f"{prefix}_role"] = forms.ChoiceField(
                label=_("Role in the group"), choices=TEAM_ROLES, initial=Member.Role.MEMBER, required=False
            )
            self.fields[f"{prefix}_responsibility"] = forms.CharField(
                label=_("Responsible for"), required=False, max_length=1000
            )
            self.fields[f"{prefix}_shielded"] = forms.MultipleChoiceField(
                label=_("Must not receive in minutes and invitations"),
                required=False,
                choices=[
                    (key, label)
                    for key, label in section_registry.grantable_choices()
                    if key in scope and key != GROUP  # to keep someone from the group, leave them out
                ],
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Only what this member may see on the care team can be shielded."),
            )
            self.fields[f"{prefix}_hide_contact"] = forms.BooleanField(
                label=_("Do not share this member's own contact details with the group"), required=False
            )
            self.team_rows.append((member, prefix))
        self.external_rows = []
        for index in range(EXTERNAL_ROWS):
            prefix = f"x{index}"
            self.fields[f"{prefix}_name"] = forms.CharField(label=_("Name"), required=False, max_length=200)
            self.fields[f"{prefix}_organisation"] = forms.CharField(
                label=_("Organisation or relation"), required=False, max_length=200
            )
            self.fields[f"{prefix}_email"] = forms.CharField(
                label=_("E-mail for invitations"), required=False, max_length=254
            )
            self.fields[f"{prefix}_responsibility"] = forms.CharField(
                label=_("Responsible for"), required=False, max_length=1000
            )
            self.external_rows.append(prefix)
        if revising:
            self.fields["change_note"] = forms.CharField(
                label=_("What changed"),
                required=False,
                max_length=300,
                help_text=_("One sentence the citizen reads before answering the new version."),
            )
            self.fields["change_note"].required_by_action = True

    @classmethod
    def initial_from(cls, agreement):
        """The form's initial values from an agreement version (to change it into the next)."""
        initial = {
            name: getattr(agreement, name)
            for name in (
                "purpose",
                "meeting_frequency",
                "citizen_absent",
                "citizen_absent_note",
                "ending",
                "first_name_in_invitations",
            )
        }
        externals = 0
        for member in agreement.members.all():
            if member.care_team_member_id:
                prefix = f"m{member.care_team_member_id}"
                initial |= {
                    f"{prefix}_include": True,
                    f"{prefix}_role": member.role,
                    f"{prefix}_responsibility": member.responsibility,
                    f"{prefix}_shielded": member.shielded_sections,
                    f"{prefix}_hide_contact": member.hide_contact,
                }
            elif externals < EXTERNAL_ROWS:
                prefix = f"x{externals}"
                externals += 1
                initial |= {
                    f"{prefix}_name": member.external_name,
                    f"{prefix}_organisation": member.external_organisation,
                    f"{prefix}_email": member.email,
                    f"{prefix}_responsibility": member.responsibility,
                }
        return initial

    def team_fields(self):
        """(member, include, role, responsibility, shielded, hide_contact) bound fields per care-team row."""
        return [
            (
                member,
                *(
                    self[f"{prefix}_{name}"]
                    for name in ("include", "role", "responsibility", "shielded", "hide_contact")
                ),
            )
            for member, prefix in self.team_rows
        ]

    def external_fields(self):
        return [
            [self[f"{prefix}_{name}"] for name in ("name", "organisation", "email", "responsibility")]
            for prefix in self.external_rows
        ]

    def text(self):
        data = self.cleaned_data
        return AgreementText(
            purpose=data["purpose"],
            meeting_frequency=data["meeting_frequency"],
            ending=data["ending"],
            citizen_absent=data["citizen_absent"],
            citizen_absent_note=data["citizen_absent_note"],
            first_name_in_invitations=data["first_name_in_invitations"],
        )

    def members(self):
        data, specs = self.cleaned_data, []
        for member, prefix in self.team_rows:
            if data.get(f"{prefix}_include"):
                specs.append(
                    MemberSpec(
                        care_team_member=member,
                        role=data.get(f"{prefix}_role") or Member.Role.MEMBER,
                        responsibility=data.get(f"{prefix}_responsibility", ""),
                        shielded_sections=data.get(f"{prefix}_shielded", []),
                        hide_contact=data.get(f"{prefix}_hide_contact", False),
                        key=f"{prefix}_include",
                    )
                )
        for prefix in self.external_rows:
            values = [data.get(f"{prefix}_{name}", "").strip() for name in ("name", "organisation", "email")]
            if any(values) or data.get(f"{prefix}_responsibility", "").strip():
                specs.append(
                    MemberSpec(
                        external_name=values[0],
                        external_organisation=values[1],
                        email=values[2],
                        role=Member.Role.EXTERNAL,
                        responsibility=data.get(f"{prefix}_responsibility", ""),
                        key=f"{prefix}_name" if not values[0] or not values[2] else f"{prefix}_email",
                    )
                )
        return specs

    def add_member_errors(self, errors):
        """Field errors from the action: ``members`` has no field of its own, so it is the form's."""
        for key, messages in errors.items():
            self.add_error(key if key in self.fields else None, messages)


class AnswerAgreementForm(forms.Form):
    consent = forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Anything you want to say about it?"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EndGroupForm(RequiredByAction, forms.Form):
    required_by_action = ("reason",)
    reason = forms.CharField(label=_("Why the group ends"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class MeetingForm(RequiredByAction, forms.Form):
    required_by_action = ("starts_at",)

    kind = forms.ChoiceField(
        label=_("Kind of meeting"),
        choices=Meeting.Kind.choices,
        widget=forms.RadioSelect,
        initial=Meeting.Kind.RESPONSIBILITY_GROUP,
        help_text=_("In an Open Dialogue network meeting every voice is equal: the minutes keep each perspective."),
    )
    starts_at = forms.DateTimeField(label=_("Starts"), required=False, widget=DateTimeInput())
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), initial=60, min_value=10, max_value=480)
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    video_link = forms.URLField(
        label=_("Video link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Give a place, a video link or both."),
    )
    members = forms.MultipleChoiceField(label=_("Who is invited"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement_members = {str(member.pk): member for member in agreement.members.all()}
        self.fields["members"].choices = [
            (pk, f"{member.display_name} ({member.get_role_display()})")
            for pk, member in self.agreement_members.items()
        ]
        self.fields["members"].initial = list(self.agreement_members)

    def chosen_members(self):
        return [self.agreement_members[pk] for pk in self.cleaned_data["members"]]


class MoveMeetingForm(RequiredByAction, forms.Form):
    required_by_action = ("starts_at",)

    starts_at = forms.DateTimeField(label=_("Starts"), required=False, widget=DateTimeInput())
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=10, max_value=480)
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    video_link = forms.URLField(label=_("Video link"), required=False, max_length=500, assume_scheme="https")


class CancelMeetingForm(RequiredByAction, forms.Form):
    required_by_action = ("reason",)
    reason = forms.CharField(label=_("Why the meeting is cancelled"), required=False, max_length=300)


class AnswerInvitationForm(forms.Form):
    """The member's answer, and the meeting's ``sequence`` on the page they answered from: an answer
    counts for the time that page showed, never for one the meeting was moved to after it opened.

    Build it unbound with ``meeting`` (the hidden value is that meeting's sequence); a bound form's
    errors are said with ``error_list()``, and the page is shown again with a new unbound form."""

    answer = forms.ChoiceField(
        choices=[
            (Participant.Answer.ACCEPTED, _("Coming")),
            (Participant.Answer.TENTATIVE, _("Maybe")),
            (Participant.Answer.DECLINED, _("Not coming")),
        ],
        error_messages={
            "required": _("Choose whether you are coming."),
            "invalid_choice": _("Choose whether you are coming."),
        },
    )
    shown_sequence = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        max_value=2**31 - 1,  # Meeting.sequence is a PositiveIntegerField
        error_messages={
            key: _("We could not tell which time you answered. Look at the meeting's time, then answer again.")
            for key in ("required", "invalid", "min_value", "max_value")
        },
    )

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        if meeting is not None:
            self.initial["shown_sequence"] = meeting.sequence

    def error_list(self):
        """The errors, the answer's first (the hidden field has no place of its own on the page)."""
        return [error for name in ("answer", "shown_sequence") for error in self.errors.get(name, [])]


class AgendaPointForm(RequiredByAction, forms.Form):
    required_by_action = ("title",)
    title = forms.CharField(
        label=_("Your point"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What do you want to talk about in the meeting?"),
    )
    section = forms.ChoiceField(label=_("Part of the record"), required=False)

    def __init__(self, *args, staff=False, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if staff:
            self.fields["title"].label = _("The point") if editing else _("New point")
            self.fields["title"].help_text = ""
            self.fields["section"].choices = section_registry.grantable_choices()
            self.fields["section"].initial = "group"
            self.fields["section"].help_text = _(
                "Only members who may see this part of the record see the point and its minutes."
            )
        else:
            del self.fields["section"]


class AttendanceForm(forms.Form):
    citizen_attendance = forms.ChoiceField(
        label=_("Did the citizen take part?"), choices=Meeting.CitizenAttendance.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = list(participants)
        for participant in self.participants:
            self.fields[f"participant_{participant.pk}"] = forms.ChoiceField(
                label=participant.member.display_name,
                choices=Participant.Attendance.choices,
                widget=forms.RadioSelect,
                initial=participant.attendance
                or (
                    Participant.Attendance.APOLOGIES
                    if participant.answer == Participant.Answer.DECLINED
                    else Participant.Attendance.PRESENT
                ),
            )

    def attendance(self):
        return {participant.pk: self.cleaned_data[f"participant_{participant.pk}"] for participant in self.participants}


class MinutesForm(forms.Form):
    """The draft minutes: general notes, and per part what was said, how it goes, what was agreed, a rating."""

    revision = forms.IntegerField(widget=forms.HiddenInput)
    summary = forms.CharField(label=_("General notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, minutes, **kwargs):
        super().__init__(*args, **kwargs)
        self.parts = minutes.parts
        self.part_rows = []
        for index, part in enumerate(self.parts):
            names = []
            perspective = part["kind"] == "perspective"
            said = forms.CharField(
                label=_("What %(who)s said") % {"who": part["title"]} if perspective else _("What was said"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[f"part_{index}_said"] = said
            names.append("said")
            if not perspective:
                self.fields[f"part_{index}_status"] = forms.ChoiceField(
                    label=_("How it is going"),
                    required=False,
                    choices=[("", _("Not assessed")), *PartStatus.CHOICES],
                )
                self.fields[f"part_{index}_agreed"] = forms.CharField(
                    label=_("What was agreed"), required=False, widget=forms.Textarea(attrs={"rows": 2})
                )
                names += ["status", "agreed"]
            if part.get("goal"):
                self.fields[f"part_{index}_rating"] = forms.IntegerField(
                    label=_("The citizen's rating now (1–10)"),
                    required=False,
                    min_value=1,
                    max_value=10,
                    help_text=_("Saved as the citizen's rating of the goal when the minutes are signed."),
                )
                names.append("rating")
            self.part_rows.append((index, part, names))
            if not args or not args[0]:
                for name in names:
                    self.initial.setdefault(f"part_{index}_{name}", part.get(name))

    def typed_parts(self):
        return [
            {name: self.cleaned_data.get(f"part_{index}_{name}") for name in names}
            for index, _part, names in self.part_rows
        ]

    def rows(self):
        return [(part, [self[f"part_{index}_{name}"] for name in names]) for index, part, names in self.part_rows]


class TaskForm(RequiredByAction, forms.Form):
    required_by_action = ("what", "responsible", "due_on")

    what = forms.CharField(label=_("What is to be done"), required=False, max_length=300)
    responsible = forms.ChoiceField(label=_("Responsible member"), required=False)
    due_on = forms.DateField(label=_("Due date"), required=False, widget=DateInput())
    section = forms.ChoiceField(
        label=_("Part of the record"),
        initial="group",
        help_text=_("The action is shown only to those who may see this part."),
    )

    def __init__(self, *args, agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {str(member.pk): member for member in agreement.members.all() if not member.is_external}
        self.fields["responsible"].choices = [("", _("Choose a member"))] + [
            (pk, member.display_name) for pk, member in self.candidates.items()
        ]
        self.fields["section"].choices = section_registry.grantable_choices()
        self.fields["due_on"].initial = timezone.localdate() + datetime.timedelta(days=14)

    def chosen_responsible(self):
        return self.candidates.get(self.cleaned_data.get("responsible") or "")


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("What has happened"),
        choices=[
            ("in-progress", _("Started")),
            ("completed", _("Done")),
            ("cancelled", _("Cancelled")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Why it is cancelled"), required=False, max_length=300, help_text=_("Needed when you cancel.")
    )


class PlanChangeForm(RequiredByAction, forms.Form):
    required_by_action = ("text",)
    text = forms.CharField(
        label=_("What must change in the plan"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CommentForm(RequiredByAction, forms.Form):
    required_by_action = ("text",)
    text = forms.CharField(label=_("Your comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
