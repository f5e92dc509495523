"""The improvement team's forms. They read what was typed; ``improvement.actions`` decides what is
allowed and its ``ValidationError`` lands next to the field it names."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from insights.series import MEASURES
from web.forms import DateInput, RequiredByAction, StaffChoiceField

from .actions import AimText, CycleText
from .checklist import QUESTIONS
from .models import ChecklistAnswer, Cycle

MAX_TEXT = 10_000
MAX_ID = 2**63 - 1
BAD_DATE = _("Write the date as dd.mm.yyyy, or choose it in the calendar.")
NOT_LISTED = _("Choose from the list.")
NOT_A_MEASURE = _("Choose one of the measures in the list.")


def measure_choices():
    return [(key, measure.label) for key, measure in MEASURES.items()]


class MembersField(forms.ModelMultipleChoiceField):
    """Staff of the unit, each with their organisation; a forged id is "not on the list", never a 500."""

    def label_from_instance(self, user):
        return StaffChoiceField.label_from_instance(self, user)

    def clean(self, value):
        if isinstance(value, list | tuple) and any(not str(item).isdigit() or int(item) > MAX_ID for item in value):
            raise ValidationError(NOT_LISTED, code="invalid_pk_value")
        return super().clean(value)


class UnitField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and (not str(value).isdigit() or int(value) > MAX_ID):
            raise ValidationError(NOT_LISTED, code="invalid_choice")
        return super().to_python(value)


class TeamForm(RequiredByAction, forms.Form):
    required_by_action = ("name", "members", "aim_text", "aim_measure", "target_value", "target_date")

    unit = UnitField(
        label=_("Unit"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": NOT_LISTED, "required": _("Choose the unit.")},
    )
    name = forms.CharField(label=_("Name of the team"), required=False, max_length=200)
    members = MembersField(
        label=_("Members"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Staff of the unit. Leaders of the unit can always open the team."),
        error_messages={"invalid_choice": NOT_LISTED, "invalid_pk_value": NOT_LISTED},
    )
    aim_text = forms.CharField(
        label=_("Aim"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Concrete and measurable: what, how much, by when. For example: 90 % first contact within 7 days by June."
        ),
    )
    aim_measure = forms.ChoiceField(
        label=_("The measure that shows whether you reach the aim"),
        required=False,
        choices=[],
        error_messages={"invalid_choice": NOT_A_MEASURE},
    )
    target_value = forms.DecimalField(
        label=_("Target"),
        required=False,
        max_digits=6,
        decimal_places=1,
        help_text=_("The value of the measure you want to reach, for example 90 (for 90 %)."),
        error_messages={"invalid": _("Write the target as a number, for example 90.")},
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    target_date = forms.DateField(
        label=_("Reached by"), required=False, widget=DateInput(), error_messages={"invalid": BAD_DATE}
    )
    measures = forms.MultipleChoiceField(
        label=_("Other measures the team follows"),
        required=False,
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each gets a run chart on the team's page. The aim's measure always has one."),
        error_messages={"invalid_choice": NOT_A_MEASURE},
    )

    def __init__(self, *args, units, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["members"].queryset = members
        self.fields["aim_measure"].choices = [("", _("Choose a measure")), *measure_choices()]
        self.fields["measures"].choices = measure_choices()
        choices = list(units)
        self.only_unit = choices[0] if len(choices) == 1 else None
        if self.only_unit is not None:
            self.fields["unit"].initial = self.only_unit.pk
            self.fields["unit"].widget = forms.HiddenInput()
            self.fields["unit"].required = False

    def clean_unit(self):
        unit = self.cleaned_data.get("unit") or self.only_unit
        if unit is None:
            raise ValidationError(_("Choose the unit."))
        return unit

    def aim(self):
        data = self.cleaned_data
        return AimText(
            text=data.get("aim_text") or "",
            measure=data.get("aim_measure") or "",
            target_value=data.get("target_value"),
            target_date=data.get("target_date"),
        )

    def values(self):
        data = self.cleaned_data
        return {
            "name": data.get("name") or "",
            "members": list(data.get("members") or ()),
            "aim": self.aim(),
            "measures": list(data.get("measures") or ()),
        }


def team_initial(team):
    aim = getattr(team, "aim", None)
    return {
        "unit": team.unit_id,
        "name": team.name,
        "members": [member.pk for member in team.members.all()],
        "aim_text": aim.text if aim else "",
        "aim_measure": aim.measure if aim else "",
        "target_value": aim.target_value if aim else None,
        "target_date": aim.target_date if aim else None,
        "measures": [row.measure for row in team.measures.all() if not aim or row.measure != aim.measure],
    }


class CycleForm(RequiredByAction, forms.Form):
    """The four steps of a PDSA cycle on one form; plan is required, the rest come as the cycle goes."""

    required_by_action = ("change", "prediction", "starts_on")

    version = forms.CharField(widget=forms.HiddenInput, required=False)
    change = forms.CharField(
        label=_("The change we try"),
        required=False,
        max_length=300,
        help_text=_("One change, small enough to test in a few weeks."),
    )
    prediction = forms.CharField(
        label=_("What we predict"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What will happen to the measure, and when we will see it."),
    )
    starts_on = forms.DateField(
        label=_("Start"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": BAD_DATE},
        help_text=_("Marked on the team's run charts."),
    )
    do_notes = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Was the change carried out as planned? What did you notice?"),
    )
    study_notes = forms.CharField(
        label=_("What the run chart and our notes show"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Compare with the prediction. Did the measure change after the start?"),
    )
    act = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=Cycle.Act.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose adopt, adapt or abandon.")},
    )
    act_note = forms.CharField(
        label=_("Why, and what we do next"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed with a decision."),
    )

    def __init__(self, *args, cycle=None, **kwargs):
        if cycle is not None and not kwargs.get("initial"):
            kwargs["initial"] = {name: getattr(cycle, name) for name in CYCLE_FIELDS} | {
                "version": cycle.updated_at.isoformat()
            }
        super().__init__(*args, **kwargs)
        if cycle is None:
            del self.fields["version"]
        else:
            self.fields["version"].required = True
            self.fields["version"].error_messages["required"] = _("This form is out of date. Open the cycle again.")

    def clean_version(self):
        value = self.cleaned_data.get("version") or ""
        try:
            return datetime.datetime.fromisoformat(value) if value else None
        except ValueError:
            raise ValidationError(_("This form is out of date. Open the cycle again.")) from None

    def text(self):
        data = self.cleaned_data
        return CycleText(**{name: data.get(name) or ("" if name != "starts_on" else None) for name in CYCLE_FIELDS})


CYCLE_FIELDS = ("change", "prediction", "starts_on", "do_notes", "study_notes", "act", "act_note")


class ChecklistForm(forms.Form):
    """One answer (yes, partly, no) and a note for each of the ten questions."""

    def __init__(self, *args, saved=(), **kwargs):
        saved = {row.question: row for row in saved}
        initial = kwargs.pop("initial", None) or {}
        for number, row in saved.items():
            initial.setdefault(f"q{number}_answer", row.answer)
            initial.setdefault(f"q{number}_note", row.note)
        super().__init__(*args, initial=initial, **kwargs)
        self.rows = []
        for number, question in QUESTIONS.items():
            self.fields[f"q{number}_answer"] = forms.ChoiceField(
                label=format_lazy("{}. {}", number, question),
                required=False,
                choices=[("", _("Not answered")), *ChecklistAnswer.Answer.choices],
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": _("Answer yes, partly or no.")},
            )
            self.fields[f"q{number}_note"] = forms.CharField(
                label=_("Note to question %(number)d") % {"number": number},
                required=False,
                max_length=MAX_TEXT,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.rows.append((number, self[f"q{number}_answer"], self[f"q{number}_note"], saved.get(number)))

    def answers(self):
        data = self.cleaned_data
        return {
            number: (data.get(f"q{number}_answer") or "", data.get(f"q{number}_note") or "") for number in QUESTIONS
        }
