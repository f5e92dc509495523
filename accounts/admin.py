"""Administrators register system clients: a name, the units whose citizens it may see, and which
sections. How a client proves who it is (its key set) is added with SMART Backend Services."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit import sections as section_registry

from .models import SystemClient


class SystemClientForm(forms.ModelForm):
    sections = forms.MultipleChoiceField(
        label=_("May see"),
        choices=section_registry.grantable_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Only what the receiving system needs."),
    )

    class Meta:
        model = SystemClient
        fields = ["name", "units", "sections", "revoked_at"]

    def clean_sections(self):
        return section_registry.in_order(self.cleaned_data["sections"])


@admin.register(SystemClient)
class SystemClientAdmin(admin.ModelAdmin):
    form = SystemClientForm
    list_display = ["name", "created_at", "revoked_at"]
    filter_horizontal = ["units"]
    readonly_fields = ["created_at", "created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
