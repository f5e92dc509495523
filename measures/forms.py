from django import forms
from django.utils.translation import gettext_lazy as _

from web.forms import DateInput

from .fhir_forms import walk
from .models import LifeArea


class QuestionnaireForm(forms.Form):
    """A Django form built from a Questionnaire's items, so it renders and reports errors like any other.

    Fields parse types only; the rules (required, enableWhen, allowed values) are applied by
    ``fhir_forms.check_answers`` for the web and the API alike.
    """

    def __init__(self, items, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in walk(items):
            if item.is_question:
                self.fields[item.link_id] = self._field(item)

    @staticmethod
    def _field(item):
        label = item.text
        if item.type == "choice":
            choices = [(option.code, option.display) for option in item.options]
            if item.repeats:
                return forms.MultipleChoiceField(
                    label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
                )
            return forms.ChoiceField(label=label, choices=choices, required=False, widget=forms.RadioSelect)
        if item.type == "integer":
            return forms.IntegerField(label=label, required=False, min_value=None, max_value=None)
        if item.type == "boolean":
            return forms.TypedChoiceField(
                label=label,
                choices=[("true", _("Yes")), ("false", _("No"))],
                coerce=lambda value: value == "true",
                required=False,
                widget=forms.RadioSelect,
                empty_value=None,
            )
        if item.type == "date":
            return forms.DateField(label=label, required=False, widget=DateInput())
        if item.type == "text":
            return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 3}))
        return forms.CharField(label=label, required=False)

    def answers(self):
        """``{linkId: [value]}`` of what parsed; unparseable fields already carry their form error."""
        answers = {}
        for name, value in self.cleaned_data.items():
            if value in (None, "", []):
                continue
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            answers[name] = value if isinstance(value, list) else [value]
        return answers

    @staticmethod
    def initial_from(answers, items):
        initial = {}
        for item in walk(items):
            values = answers.get(item.link_id)
            if not values:
                continue
            if item.type == "boolean":
                initial[item.link_id] = "true" if values[0] else "false"
            else:
                initial[item.link_id] = values if item.repeats else values[0]
        return initial


class GoalForm(forms.Form):
    text = forms.CharField(
        label=_("What is important to you? Write a goal in your own words."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    life_area = forms.ChoiceField(label=_("Life area"), choices=[("", "–"), *LifeArea.choices], required=False)
