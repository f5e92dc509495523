from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PARTS, PeerRequest


class DevelopmentPlanForm(forms.Form):
    based_on = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    confirmed_with_citizen = forms.BooleanField(label=_("Written with the citizen, in their words"), required=False)

    def __init__(self, *args, by_citizen=False, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label, prompt in PARTS:
            self.fields[name] = forms.CharField(
                label=label,
                help_text=prompt,
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.order_fields([name for name, _label, _prompt in PARTS])
        if by_citizen:
            del self.fields["confirmed_with_citizen"]


class PeerRequestForm(forms.ModelForm):
    class Meta:
        model = PeerRequest
        fields = ["wish"]
        widgets = {"wish": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"wish": _("For example when you can meet, or if you want someone of your own age.")}


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer to the citizen"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The citizen reads this. For example who the peer worker is and when you will meet."),
    )
