from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.models import Appointment
from people.access import Grant
from people.models import Section

from .actions import APPOINTMENT_NOT_FOUND
from .models import KIND_FIELDS, Note


class NoteForm(forms.Form):
    """The text fields of one kind of note, and the revision the author started from."""

    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        fields = forms.fields_for_model(
            Note,
            fields=KIND_FIELDS[kind],
            widgets={name: forms.Textarea(attrs={"rows": 4}) for name in KIND_FIELDS[kind]},
        )
        revision = self.fields.pop("revision")
        self.fields.update(fields)
        self.fields["revision"] = revision

    def texts(self):
        return {name: value for name, value in self.cleaned_data.items() if name != "revision"}


class NewNoteForm(forms.Form):
    """The kind of a new note and, from an appointment's link, the appointment it is written for.

    The appointment travels as a hidden field and is checked against the grant's citizen's
    appointments (none without sight of the pathway): a wrong one is an error, never dropped.
    """

    kind = forms.ChoiceField(
        label=_("What kind of note?"),
        choices=[
            (Note.Kind.STANDARD, _("Journal note: current situation, assessment, actions")),
            (Note.Kind.GUIDANCE_SESSION, _("Guided self-help: the weekly phone guidance session")),
        ],
        widget=forms.RadioSelect,
        initial=Note.Kind.STANDARD,
    )
    appointment = forms.ModelChoiceField(
        label=_("Appointment"),
        queryset=Appointment.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": APPOINTMENT_NOT_FOUND},
    )

    def __init__(self, *args, grant: Grant, **kwargs):
        super().__init__(*args, **kwargs)
        if grant.may_see(Section.PATHWAY):
            self.fields["appointment"].queryset = Appointment.objects.filter(citizen=grant.citizen)
