"""The incident forms. They read what was typed; ``incidents.actions`` decides what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from web.forms import DateTimeInput, RequiredByAction

from .models import Injury

BAD_TIME = _("Write the date and the time, e.g. 24.12.2026 18:30, or choose them in the calendar.")


class IncidentForm(RequiredByAction, forms.Form):
    required_by_action = ("occurred_at", "what_happened", "injuries")
    occurred_at = forms.DateTimeField(
        label=_("When it happened"), widget=DateTimeInput(), required=False, error_messages={"invalid": BAD_TIME}
    )
    place = forms.CharField(
        label=_("Where it happened"), max_length=200, required=False, help_text=_("E.g. the common room.")
    )
    what_happened = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=10_000
    )
    warning_signs = forms.CharField(
        label=_("What came before: early warning signs"),
        help_text=_("What did you notice before it happened? These can go into the citizen's crisis plan."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=10_000,
    )
    what_deescalated = forms.CharField(
        label=_("What calmed the situation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10_000,
    )
    injuries = forms.MultipleChoiceField(
        label=_("Injuries"),
        help_text=_("Tick who was injured, or that no one was."),
        choices=Injury.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": _("Choose from the list who was injured.")},
    )
    injury_description = forms.CharField(
        label=_("The injuries, briefly"),
        help_text=_("Needed when someone was injured."),
        max_length=500,
        required=False,
    )
    police_involved = forms.BooleanField(label=_("The police came"), required=False)
    emergency_services_involved = forms.BooleanField(
        label=_("An ambulance or other emergency service came"), required=False
    )


class ConversationForm(RequiredByAction, forms.Form):
    required_by_action = ("held_at", "participants", "said")
    held_at = forms.DateTimeField(
        label=_("When"), widget=DateTimeInput(), required=False, error_messages={"invalid": BAD_TIME}
    )
    participants = forms.CharField(label=_("Who took part"), max_length=500, required=False)
    said = forms.CharField(
        label=_("What was said"), widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=10_000
    )
    learned = forms.CharField(
        label=_("What we learned, and what helps"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=10_000,
    )
    next_time = forms.CharField(
        label=_("What we will do differently"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10_000,
    )


class ReportForm(forms.Form):
    """``?months=12|24|36``: how far back the run chart goes; without it, 24 months."""

    months = forms.TypedChoiceField(
        label=_("Months"),
        choices=[(12, "12"), (24, "24"), (36, "36")],
        coerce=int,
        initial=24,
        error_messages={
            "invalid_choice": _("Choose 12, 24 or 36 months."),
            "required": _("Choose 12, 24 or 36 months."),
        },
    )

    def chosen_months(self):
        if self.is_bound and self.is_valid() and self.cleaned_data.get("months"):
            return self.cleaned_data["months"]
        return 24
