"""The outcome report's filters: period, unit, pathway. Bad values are form errors, never a 500."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.models import PathwayTemplate

from .report import Filters, default_period

# The same names in the page's query string and in the JSON endpoint's (``from``/``to`` are
# Python keywords, so the fields are mapped in ``data_from_query``).
QUERY_NAMES = {"from": "start", "to": "end", "unit": "unit", "pathway": "pathway"}


def data_from_query(query):
    """The form's data from ``?from=…&to=…&unit=…&pathway=…`` (other parameters are ignored); a
    period not given is the last 12 months, shown in the fields as such."""
    start, end = default_period()
    data = {"start": start.isoformat(), "end": end.isoformat()}
    data.update({field: query.get(name, "") for name, field in QUERY_NAMES.items() if name in query})
    return data


class ReportFilterForm(forms.Form):
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Write the date as YYYY-MM-DD.")},
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Write the date as YYYY-MM-DD.")},
    )
    unit = forms.TypedChoiceField(
        label=_("Unit"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose one of the units you may see reports for.")},
    )
    pathway = forms.ChoiceField(
        label=_("Pathway"),
        required=False,
        error_messages={"invalid_choice": _("Choose one of the pathways in the list.")},
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.units = {unit.pk: unit for unit in scope.units()}
        self.templates = {template.key: template for template in PathwayTemplate.objects.order_by("name")}
        self.fields["unit"].choices = [("", _("All my units") if not scope.is_caseload else _("My whole caseload"))] + [
            (pk, unit.name) for pk, unit in self.units.items()
        ]
        self.fields["pathway"].choices = [("", _("All pathways"))] + [
            (key, template.name) for key, template in self.templates.items()
        ]
        start, end = default_period()
        self.fields["start"].initial, self.fields["end"].initial = start, end

    def clean(self):
        cleaned = super().clean()
        default_start, default_end = default_period()
        start = cleaned.get("start") or default_start
        end = cleaned.get("end") or default_end
        if "start" not in self.errors and "end" not in self.errors and start > end:
            self.add_error("end", _("The end of the period must be on or after its start."))
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def filters(self):
        """The chosen ``report.Filters`` (call after ``is_valid()``)."""
        data = self.cleaned_data
        return Filters(
            start=data["start"],
            end=data["end"],
            unit=self.units.get(data.get("unit")),
            template=self.templates.get(data.get("pathway") or ""),
        )
