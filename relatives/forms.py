from django import forms
from django.utils.translation import gettext_lazy as _

from people.forms import ActivationForm
from web.forms import DateInput

from .models import Child, Relative
from .sections import consentable


def consent_choices():
    return [(spec.key, spec.label) for spec in consentable()]


class RelativeForm(forms.ModelForm):
    class Meta:
        model = Relative
        fields = ["name", "relation", "phone", "email"]
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
        }

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Write the relative's name."))
        return name


class ConsentForm(forms.Form):
    sections = forms.MultipleChoiceField(
        label=_("May know"),
        choices=consent_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Only what you want them to know. You can change or take it back at any time."),
    )
    confirmed_with_citizen = forms.BooleanField(
        label=_("The citizen has said this, and I have read it back to them"), required=False
    )

    def __init__(self, *args, by_citizen=False, **kwargs):
        super().__init__(*args, **kwargs)
        if by_citizen:
            del self.fields["confirmed_with_citizen"]


class SupportForm(forms.ModelForm):
    class Meta:
        model = Relative
        fields = ["conversation_offered_on", "conversation_held_on", "own_needs", "needs_shared_with_citizen"]
        widgets = {
            "conversation_offered_on": DateInput(),
            "conversation_held_on": DateInput(),
            "own_needs": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "own_needs": _("What the relative needs for themself: information, relief, a group for relatives."),
            "needs_shared_with_citizen": _("Without this, the citizen does not see what is written here."),
        }


class ChildrenQuestionForm(forms.Form):
    has_children = forms.TypedChoiceField(
        label=_("Does the citizen have children under 18?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Answer yes or no.")},
    )


class ChildForm(forms.ModelForm):
    class Meta:
        model = Child
        fields = ["name", "birth_year", "lives_with", "needs_addressed_on", "how_addressed"]
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "off"}),
            "birth_year": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "needs_addressed_on": DateInput(),
            "how_addressed": forms.Textarea(attrs={"rows": 3}),
        }


class RelativeActivationForm(ActivationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Invitation code")
        self.fields["code"].help_text = _("The code you were given by your relative or their coordinator.")
