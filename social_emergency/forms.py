"""The register's forms: one screen to record a contact (big choices, sensible defaults), linking an identified
contact, and the figures' period. The forms read what was sent; ``actions`` decides whether it may be stored."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from web.forms import DateTimeInput, RequiredByAction

from .figures import DEFAULT_PERIOD, PERIODS
from .models import Contact, HelpKind, Topic

NOT_ASKED = ""
WELLBEING_CHOICES = [(NOT_ASKED, _("Not asked")), *[(str(n), str(n)) for n in range(11)]]
IDENTIFIED_CHOICES = [("no", _("No, anonymous")), ("yes", _("Yes, they said who they are"))]


class ListChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, entry):
        return entry.label


def _wellbeing(label, help_text):
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=WELLBEING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose a number from 0 to 10, or “not asked”.")},
    )


class ContactForm(RequiredByAction, forms.Form):
    required_by_action = ("occurred_at",)

    channel = forms.ChoiceField(
        label=_("How did they get in touch?"),
        choices=Contact.Channel.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose walk-in, phone or chat."),
            "invalid_choice": _("Choose walk-in, phone or chat."),
        },
    )
    duration_minutes = forms.TypedChoiceField(
        label=_("About how long?"),
        choices=Contact.Duration.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose about how long the contact lasted."),
            "invalid_choice": _("Choose about how long the contact lasted."),
        },
    )
    topics = ListChoiceField(
        label=_("What was it about?"),
        queryset=Topic.objects.none(),
        required=False,
        help_text=_("Choose all that fit."),
        error_messages={
            "invalid_choice": _("Choose topics from the list."),
            "invalid_pk_value": _("Choose topics from the list."),
        },
    )
    helped = ListChoiceField(
        label=_("What helped?"),
        queryset=HelpKind.objects.none(),
        required=False,
        help_text=_("Choose all that fit."),
        error_messages={
            "invalid_choice": _("Choose what helped from the list."),
            "invalid_pk_value": _("Choose what helped from the list."),
        },
    )
    referred_to = forms.ChoiceField(
        label=_("Referred on?"),
        choices=Contact.Referral.choices,
        initial=Contact.Referral.NONE,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose where the person was referred on, or “not referred on”."),
            "invalid_choice": _("Choose where the person was referred on, or “not referred on”."),
        },
    )
    wellbeing_before = _wellbeing(
        _("How are you right now? (at the start)"),
        _(
            "Ask the person: “How are you right now, from 0 to 10? 0 is very bad, 10 is very good.” "
            "Skip it if it does not fit."
        ),
    )
    wellbeing_after = _wellbeing(
        _("How are you right now? (at the end)"), _("The same question, asked again before the contact ends.")
    )
    identified = forms.TypedChoiceField(
        label=_("Did the person choose to say who they are?"),
        choices=IDENTIFIED_CHOICES,
        coerce=lambda value: value == "yes",
        initial="no",
        widget=forms.RadioSelect,
        help_text=_(
            "Most contacts are anonymous. Their name is never written here; see “link to their record” after saving."
        ),
        error_messages={"required": _("Choose yes or no."), "invalid_choice": _("Choose yes or no.")},
    )
    known_as = forms.CharField(
        label=_("Nickname for next time"),
        required=False,
        max_length=24,
        help_text=_(
            "Only if the person wants to be recognised next time: a word they choose themselves, not their name, "
            "date of birth or phone number. It only counts repeat contacts."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    occurred_at = forms.DateTimeField(
        label=_("When did it start?"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Now, unless you record it afterwards."),
        error_messages={"invalid": _("Give the date and time, e.g. today at 02:15.")},
    )
    note = forms.CharField(
        label=_("A note for the unit"),
        required=False,
        max_length=300,
        help_text=_(
            "What the unit could learn from this contact. No names, identity numbers, phone numbers, e-mail "
            "addresses or anything else that tells who the person is. The register is anonymous."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    submission = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = Topic.objects.filter(active=True)
        self.fields["helped"].queryset = HelpKind.objects.filter(active=True)
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("submission", uuid.uuid4())


class LinkForm(RequiredByAction, forms.Form):
    required_by_action = ("citizen", "consent")

    citizen = forms.ModelChoiceField(
        label=_("Whose record?"),
        queryset=None,
        required=False,
        empty_label=_("Choose a person"),
        help_text=_("Only people whose record you have access to are listed."),
        error_messages={"invalid_choice": _("Choose a person from the list.")},
    )
    consent = forms.BooleanField(
        label=_("The person agreed that this contact is linked to their record."), required=False
    )

    def __init__(self, *args, citizens, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["citizen"].queryset = citizens
        self.fields["citizen"].label_from_instance = lambda c: f"{c.full_name} ({c.date_of_birth:%d.%m.%Y})"


class PeriodForm(RequiredByAction, forms.Form):
    required_by_action = ("period",)  # empty is the default period, not a missing answer

    period = forms.ChoiceField(
        label=_("Period"),
        choices=[(key, label) for key, (label, _days) in PERIODS.items()],
        initial=DEFAULT_PERIOD,
        required=False,
        error_messages={"invalid_choice": _("Choose one of the periods in the list.")},
    )

    def chosen_period(self):
        return self.cleaned_data.get("period") or DEFAULT_PERIOD
