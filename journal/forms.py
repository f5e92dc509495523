from django import forms
from django.utils.translation import gettext_lazy as _

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
    kind = forms.ChoiceField(
        label=_("What kind of note?"),
        choices=[
            (Note.Kind.STANDARD, _("Journal note: current situation, assessment, actions")),
            (Note.Kind.GUIDANCE_SESSION, _("Guided self-help: the weekly phone guidance session")),
        ],
        widget=forms.RadioSelect,
        initial=Note.Kind.STANDARD,
    )
