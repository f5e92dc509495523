from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import sections as section_registry
from web.forms import DateInput, StaffChoiceField

from .models import CareTeamMember, Citizen
from .national_id import birth_date, validate_national_id


class CitizenForm(forms.ModelForm):
    class Meta:
        model = Citizen
        fields = ["given_name", "family_name", "national_id", "date_of_birth", "phone", "email", "preferred_language"]
        widgets = {
            "date_of_birth": DateInput(),
            "national_id": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def validate_unique(self):
        """All but the national id: people.actions.register_citizen checks that one, so that a double
        click finds the citizen it registered a moment ago instead of "already exists"."""
        try:
            self.instance.validate_unique(exclude={*self._get_validation_exclusions(), "national_id"})
        except ValidationError as error:
            self._update_errors(error)

    def clean_national_id(self):
        national_id = "".join(self.cleaned_data["national_id"].split())
        # Checked here, not only by the model after clean(): clean() reads the birth date from it.
        validate_national_id(national_id)
        return national_id

    def clean(self):
        cleaned = super().clean()
        national_id, born = cleaned.get("national_id"), cleaned.get("date_of_birth")
        if national_id and born and "national_id" not in self.errors and birth_date(national_id) != born:
            self.add_error(
                "date_of_birth",
                _("The date of birth does not match the national identity number (%(date)s).")
                % {"date": birth_date(national_id).strftime("%d.%m.%Y")},
            )
        return cleaned


def staff_choices():
    users = (
        get_user_model()
        .objects.filter(staff_profile__isnull=False, is_active=True)
        .select_related("staff_profile__organisation")
    )
    return users.order_by("last_name", "first_name")


class SectionsField(forms.MultipleChoiceField):
    """The sections someone may be given, as the apps registered them; kept in the registry's order."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("May see"))
        kwargs.setdefault("required", False)
        super().__init__(choices=section_registry.grantable_choices, **kwargs)

    def clean(self, value):
        return section_registry.in_order(super().clean(value))


class CareTeamMemberForm(forms.ModelForm):
    user = StaffChoiceField(
        queryset=staff_choices(),
        required=False,
        label=_("Staff member"),
        help_text=_("Choose a staff member with a login, or write the name of a person without one below."),
    )
    sections = SectionsField(
        initial=lambda: section_registry.defaults_for(None),
        help_text=_("Only what this person needs. The coordinator always sees everything."),
    )
    hand_over = forms.BooleanField(
        label=_("Hand over: end the current coordinator's role"),
        required=False,
    )

    class Meta:
        model = CareTeamMember
        fields = [
            "user",
            "person_name",
            "person_contact",
            "role",
            "organisation",
            "active_from",
            "active_to",
            "sections",
        ]
        widgets = {"active_from": DateInput(), "active_to": DateInput()}

    def __init__(self, *args, citizen=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.citizen = citizen
        self.fields["user"].queryset = staff_choices()
        self.fields["active_from"].initial = timezone.localdate

    def clean(self):
        cleaned = super().clean()
        user, person_name = cleaned.get("user"), cleaned.get("person_name", "").strip()
        if not user and not person_name:
            self.add_error("user", _("Choose a staff member, or write the name of the person."))
        if user and person_name:
            self.add_error("person_name", _("Leave the name empty when you choose a staff member."))
        if user and not cleaned.get("organisation"):
            cleaned["organisation"] = user.staff_profile.organisation
        start, end = cleaned.get("active_from"), cleaned.get("active_to")
        if start and end and end < start:
            self.add_error("active_to", _("The end date must be on or after the start date."))
        if user and self.instance.citizen is not None:
            already = CareTeamMember.objects.active().filter(citizen=self.instance.citizen, user=user)
            if cleaned.get("role"):
                already = already.filter(role=cleaned["role"])
            if already.exists():
                self.add_error("user", _("This person already has this role on the care team."))
        return cleaned

    def action_fields(self):
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        fields["person_name"] = fields["person_name"].strip()
        return fields


class MemberSectionsForm(forms.Form):
    sections = SectionsField()


class EmergencyLookupForm(forms.Form):
    national_id = forms.CharField(
        label=_("National identity number of the citizen"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_national_id(self):
        from .national_id import validate_national_id

        value = "".join(self.cleaned_data["national_id"].split())
        validate_national_id(value)
        return value


class EmergencyReasonForm(forms.Form):
    national_id = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why do you need access now?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Your reason is logged, shown to the citizen, and reviewed by a leader."),
        required=False,
    )


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ActivationForm(forms.Form):
    code = forms.CharField(
        label=_("Access code"),
        max_length=20,
        help_text=_("The code on the card from your coordinator. Spaces do not matter."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )
    username = forms.CharField(
        label=_("Choose a username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("You will log in with this. Letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters. Not only digits, and not a common password."),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords are not the same."))
        elif p1:
            user = get_user_model()(username=cleaned.get("username", ""))
            try:
                password_validation.validate_password(p1, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
