from django import forms
from django.utils.translation import gettext_lazy as _

from web.forms import DateInput, RequiredByAction

from .actions import MAX_CARDS
from .models import Gathering


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit):
        return unit.name


class GatheringForm(RequiredByAction, forms.Form):
    required_by_action = ("title", "held_on")

    unit = UnitChoiceField(label=_("Unit"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("Name of the course, gathering or survey"), required=False, max_length=200)
    held_on = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Gathering.Kind.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "A course or network gathering is evaluated with the course evaluation. A relatives' survey is "
            "answered by relatives, friends and network with the relatives' satisfaction questionnaire."
        ),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["kind"].initial = Gathering.Kind.COURSE


class CardsForm(forms.Form):
    count = forms.IntegerField(
        label=_("Number of cards"),
        min_value=1,
        max_value=MAX_CARDS,
        initial=20,
        help_text=_("Print one card per participant. The codes are shown only this once."),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("The code on your card"),
        max_length=40,
        help_text=_("Ten letters and numbers. Spaces and small letters are fine."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class RoundForm(RequiredByAction, forms.Form):
    required_by_action = ("name", "opened_on")

    unit = UnitChoiceField(label=_("Unit"), queryset=None, empty_label=None)
    name = forms.CharField(
        label=_("Name of the round"), required=False, max_length=200, help_text=_("E.g. “Baseline 2026”.")
    )
    opened_on = forms.DateField(label=_("Opens on"), required=False, widget=DateInput())

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
