from django import forms
from django.utils.translation import gettext_lazy as _

from people.models import CareTeamMember
from web.forms import DateInput, RequiredByAction

from .models import AssessmentArea, ContactEntry, CrisisPlan, PlanIntervention, PlanVersion


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, member):
        return f"{member.display_name} ({member.get_role_display()})"


class MemberMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, member):
        return f"{member.display_name} ({member.get_role_display()})"


def team_members(citizen):
    return CareTeamMember.objects.active().filter(citizen=citizen).select_related("user")


class RowForm(RequiredByAction, forms.ModelForm):
    """A row of the plan (tiltak, contact, crisis plan, life area), saved through ``plans.actions``.

    ``revision`` is the row's revision when the form was opened: the save is refused if someone
    else has saved the row since.
    """

    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def row_fields(self):
        """The cleaned values the action takes (the revision travels separately)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "revision"}

    def describe(self):
        """The saved values of the instance as (label, text) pairs, e.g. to show what someone else saved."""
        pairs = []
        for name in self._meta.fields:
            field = self.fields[name]
            value = self.initial.get(name)
            if isinstance(field, forms.ModelMultipleChoiceField):
                text = ", ".join(field.label_from_instance(member) for member in getattr(self.instance, name).all())
            elif isinstance(field, forms.ModelChoiceField):
                member = getattr(self.instance, name, None)
                text = field.label_from_instance(member) if member else ""
            elif hasattr(field, "choices"):
                text = dict(field.choices).get(value, "")
            elif value and hasattr(value, "strftime"):
                text = value.strftime("%d.%m.%Y")
            else:
                text = value or ""
            pairs.append((field.label, text or "–"))
        return pairs


class TextSectionForm(forms.Form):
    text = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    revision = forms.IntegerField(widget=forms.HiddenInput)


class InterventionForm(RowForm):
    required_by_action = ("responsible",)
    responsible = MemberChoiceField(queryset=CareTeamMember.objects.none(), label=_("Responsible"), required=False)

    class Meta:
        model = PlanIntervention
        fields = ["what", "responsible", "how", "frequency", "starts", "ends"]
        widgets = {"starts": DateInput(), "ends": DateInput(), "how": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, citizen, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = team_members(citizen)


class ContactForm(RowForm):
    required_by_action = ("member",)
    member = MemberChoiceField(queryset=CareTeamMember.objects.none(), label=_("Talk to"), required=False)

    class Meta:
        model = ContactEntry
        fields = ["topic", "member", "how_to_reach"]

    def __init__(self, *args, citizen, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = team_members(citizen)


class CrisisPlanForm(RowForm):
    required_by_action = ("warning_signs", "contacts", "what_is_done")
    contacts = MemberMultipleChoiceField(
        queryset=CareTeamMember.objects.none(),
        label=_("Who is contacted"),
        help_text=_("Choose at least one, or write others to contact below."),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CrisisPlan
        fields = ["situation", "title", "warning_signs", "what_helps", "contacts", "other_contacts", "what_is_done"]
        widgets = {
            "warning_signs": forms.Textarea(attrs={"rows": 3}),
            "what_helps": forms.Textarea(attrs={"rows": 3}),
            "what_is_done": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, citizen, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = team_members(citizen)
        for name in ("warning_signs", "what_is_done"):
            self.fields[name].required = False  # the action says what is missing, all at once


class AssessmentForm(RowForm):
    class Meta:
        model = AssessmentArea
        fields = ["life_area", "needs", "resources"]
        widgets = {"needs": forms.Textarea(attrs={"rows": 3}), "resources": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, citizen=None, **kwargs):
        super().__init__(*args, **kwargs)


class PeriodForm(forms.ModelForm):
    revision = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = PlanVersion
        fields = ["period_start", "period_end", "next_revision", "consent_to_plan", "consent_to_sharing"]
        widgets = {"period_start": DateInput(), "period_end": DateInput(), "next_revision": DateInput()}


class CommentForm(forms.Form):
    section = forms.CharField(widget=forms.HiddenInput)
    text = forms.CharField(label=_("Your comment or proposed change"), widget=forms.Textarea(attrs={"rows": 3}))


class MedicationWordsForm(RequiredByAction, forms.Form):
    """The citizen's own words on their medicine. The action checks the length and that one box is filled, so every
    problem is named at once and what was typed stays in the form."""

    required_by_action = ("purpose", "effects", "wishes")

    purpose = forms.CharField(
        label=_("What is my medicine for?"),
        help_text=_("In your own words, for example: “It helps me sleep, and the voices are quieter.”"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    effects = forms.CharField(
        label=_("What effects and side effects do I notice?"),
        help_text=_("What is better, and what bothers you: for example tiredness, weight, restlessness."),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    wishes = forms.CharField(
        label=_("What do I want to change?"),
        help_text=_("For example the dose, the time of day, another medicine – or nothing. Bring it to your GP."),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    based_on = forms.IntegerField(widget=forms.HiddenInput, required=False)
