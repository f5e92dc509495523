"""The learning log's forms. They read what was typed; ``groups.learning`` decides what is allowed."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from web.forms import DateInput

from .learning import PERIODS, QUARTER, YEAR
from .models import LearningFactor, LearningLog

MAX_TEXT = 10_000
MAX_ID = 2**63 - 1
NEW_FIELDS = ("event_on", "outcome", "event", "causes", "factors", "other_factors", "decision", "lessons")
EDIT_FIELDS = (*NEW_FIELDS[:-1], "evaluation", "evaluated_on", "lessons")
EVALUATION_FIELDS = ("evaluation", "evaluated_on", "lessons")
REQUIRED = ("event_on", "outcome", "event")
TEXT_ROWS = {"event": 5, "causes": 4, "other_factors": 2, "decision": 3, "evaluation": 4, "lessons": 4}
BAD_DATE = _("Write the date as dd.mm.yyyy, or choose it in the calendar.")
NOT_LISTED = _("Choose the factors from the list.")


class FactorField(forms.ModelMultipleChoiceField):
    """The shared list of contributing factors, each in the reader's language."""

    def label_from_instance(self, factor):
        return factor.label(get_language())

    def clean(self, value):
        # An id no database column can hold is "not on the list", not an overflow in the query.
        if isinstance(value, list | tuple) and any(not str(item).isdigit() or int(item) > MAX_ID for item in value):
            raise ValidationError(NOT_LISTED, code="invalid_pk_value")
        return super().clean(value)


def _label(name):
    return capfirst(LearningLog._meta.get_field(name).verbose_name)


def _field(name, kept_factors):
    model_field = LearningLog._meta.get_field(name)
    if name in ("event_on", "evaluated_on"):
        return forms.DateField(
            label=_label(name),
            required=False,
            widget=DateInput(),
            error_messages={"invalid": BAD_DATE},
            help_text=_("Left empty, it is the day the evaluation is written.") if name == "evaluated_on" else "",
        )
    if name == "outcome":
        return forms.ChoiceField(
            label=_label(name), choices=LearningLog.Outcome.choices, required=False, widget=forms.RadioSelect
        )
    if name == "factors":
        return FactorField(
            label=_label(name),
            queryset=LearningFactor.objects.filter(Q(is_active=True) | Q(pk__in=kept_factors)),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("Tick all that played a part. Anything else goes under other factors."),
            error_messages={"invalid_choice": NOT_LISTED, "invalid_pk_value": NOT_LISTED},
        )
    return forms.CharField(
        label=_label(name),
        help_text=model_field.help_text,
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": TEXT_ROWS.get(name, 4)}),
    )


class LearningLogForm(forms.Form):
    """The fields ``names`` of a learning log, and when the log was last saved as the form was opened.

    Fields the action insists on are optional here (``required_by_action``), so the action names every
    missing one at once in its own words.
    """

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, names=NEW_FIELDS, log=None, **kwargs):
        if log is not None and not kwargs.get("initial"):
            kwargs["initial"] = initial_for(log, names)
        super().__init__(*args, **kwargs)
        kept = list(log.factors.all()) if log is not None and "factors" in names else []
        version = self.fields.pop("version")
        for name in names:
            self.fields[name] = _field(name, [factor.pk for factor in kept])
            self.fields[name].required_by_action = name in REQUIRED
        if log is not None:
            version.required = True
            version.error_messages["required"] = _("This form is out of date. Open the learning log again.")
            self.fields["version"] = version

    def clean_version(self):
        value = self.cleaned_data.get("version") or ""
        if not value:
            return None
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(_("This form is out of date. Open the learning log again.")) from None

    def values(self):
        """What the action takes: every field but the version."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}

    def describe(self, log):
        """The saved values of ``log`` for this form's fields as (label, text), e.g. what someone else saved."""
        pairs = []
        for name, form_field in self.fields.items():
            if name == "version":
                continue
            value = getattr(log, name)
            if name == "factors":
                text = ", ".join(factor.label(get_language()) for factor in value.all())
            elif name == "outcome":
                text = log.get_outcome_display()
            elif isinstance(value, datetime.date):
                text = date_format(value, "d.m.Y")
            else:
                text = value or ""
            pairs.append((name, form_field.label, text or "–"))
        return pairs


def initial_for(log, names):
    initial = {name: getattr(log, name) for name in names if name != "factors"}
    if "factors" in names:
        initial["factors"] = [factor.pk for factor in log.factors.all()]
    initial["version"] = log.updated_at.isoformat()
    return initial


class SummaryFilterForm(forms.Form):
    """``?period=year|quarter``; without it the form is unbound and counts per year."""

    period = forms.ChoiceField(
        label=_("Count per"),
        choices=[(YEAR, _("Year")), (QUARTER, _("Quarter"))],
        widget=forms.RadioSelect,
        initial=YEAR,
        error_messages={"invalid_choice": _("Choose year or quarter."), "required": _("Choose year or quarter.")},
    )

    def chosen_period(self):
        value = self.cleaned_data.get("period") if self.is_bound and self.is_valid() else None
        return value if value in PERIODS else YEAR
