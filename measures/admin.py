"""Questionnaires in the admin: import a new version as FHIR JSON; stored versions never change.

Responses and scores are citizen data and are not in the admin.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from web import safe_json

from .actions import import_questionnaire
from .fhir_forms import QuestionnaireError, validate_questionnaire
from .models import Questionnaire


class ImportQuestionnaireForm(forms.ModelForm):
    resource_json = forms.CharField(
        label=_("FHIR R4 Questionnaire (JSON)"),
        widget=forms.Textarea(attrs={"rows": 20, "cols": 100}),
        help_text=_("Paste the whole Questionnaire. A new version of an existing url becomes the current one."),
    )

    class Meta:
        model = Questionnaire
        fields = []

    def clean_resource_json(self):
        try:
            resource = safe_json.loads(self.cleaned_data["resource_json"])
        except safe_json.JSONRefused as error:
            if error.line is None:
                raise ValidationError(
                    _("This JSON is nested too deep or holds a character that cannot be stored (such as NUL).")
                ) from error
            raise ValidationError(
                _("This is not valid JSON (line %(line)d, column %(column)d).")
                % {"line": error.line, "column": error.column}
            ) from error
        try:
            validate_questionnaire(resource)
        except QuestionnaireError as error:
            raise ValidationError(str(error)) from error
        existing = Questionnaire.objects.filter(url=resource["url"], version=resource["version"]).first()
        if existing is not None and existing.resource != resource:
            raise ValidationError(_("This version already exists with other content; give the new one a new version."))
        return resource


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["title", "version", "url", "loinc_code", "scoring_key", "is_current", "imported_at"]
    list_filter = ["is_current", "status"]
    search_fields = ["title", "name", "url", "loinc_code"]
    readonly_fields = [
        "url",
        "version",
        "name",
        "title",
        "status",
        "loinc_code",
        "scoring_key",
        "is_current",
        "resource",
    ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ImportQuestionnaireForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ["resource_json"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        questionnaire, _created = import_questionnaire(form.cleaned_data["resource_json"], acting_user=request.user)
        obj.pk = questionnaire.pk
        obj.__dict__.update(questionnaire.__dict__)
