from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from people.models import CareTeamMember, Organisation
from web.forms import DateInput, DateTimeInput, RequiredByAction, StaffChoiceField

from .models import Appointment, ContactKind, Episode, PathwayTemplate


def staff_on_team(citizen):
    """Staff who hold appointments with the citizen: active care-team members with a login."""
    users = CareTeamMember.objects.active().filter(citizen=citizen, user__isnull=False).values("user")
    return (
        get_user_model()
        .objects.filter(pk__in=users, staff_profile__isnull=False)
        .select_related("staff_profile__organisation")
        .order_by("first_name")
    )


class ReferralForm(RequiredByAction, forms.Form):
    template = forms.ModelChoiceField(
        queryset=PathwayTemplate.objects.filter(is_active=True), label=_("Pathway"), required=False
    )
    received = forms.DateField(label=_("Referral received"), widget=DateInput(), required=False)
    source = forms.ChoiceField(label=_("Referred by"), choices=Episode.Source.choices)
    reason = forms.CharField(
        label=_("Reason for the referral"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    unit = forms.ModelChoiceField(queryset=Organisation.objects.all(), label=_("Unit"))
    required_by_action = ("template", "received", "reason")


class StartForm(RequiredByAction, forms.Form):
    required_by_action = ("first_session_at",)
    first_session_at = forms.DateTimeField(
        label=_("First session"), widget=DateTimeInput(), required=False, help_text=_("Date and time.")
    )
    staff = StaffChoiceField(queryset=get_user_model().objects.none(), label=_("Held by"))

    def __init__(self, *args, citizen, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_on_team(citizen)


class EndForm(RequiredByAction, forms.Form):
    required_by_action = ("status", "reason")
    status = forms.ChoiceField(
        label=_("How did the pathway end?"),
        choices=[(value, label) for value, label in Episode.Status.choices if value in Episode.ENDED],
        widget=forms.RadioSelect,
        required=False,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    on = forms.DateField(label=_("Ended on"), widget=DateInput(), required=False)


class AppointmentForm(RequiredByAction, forms.Form):
    required_by_action = ("title", "starts_at")
    title = forms.CharField(label=_("What"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    starts_at = forms.DateTimeField(label=_("Time"), widget=DateTimeInput(), required=False)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=5, max_value=480, initial=45)
    staff = StaffChoiceField(queryset=get_user_model().objects.none(), label=_("With"))

    def __init__(self, *args, citizen, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_on_team(citizen)


class MoveForm(RequiredByAction, forms.Form):
    required_by_action = ("starts_at",)
    starts_at = forms.DateTimeField(label=_("New time"), widget=DateTimeInput(), required=False)
    reason = forms.CharField(label=_("Why"), max_length=300, required=False)


class ProgrammeForm(RequiredByAction, forms.Form):
    required_by_action = ("programme",)
    programme = forms.CharField(
        label=_("Programme"),
        max_length=200,
        required=False,
        help_text=_("The card gets a new access code; an earlier unused code stops working."),
    )


STATUS_CHOICES = [
    (Appointment.Status.DONE, _("Done")),
    (Appointment.Status.MISSED, _("Missed")),
    (Appointment.Status.CANCELLED, _("Cancelled")),
]
