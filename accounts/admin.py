"""Administrators register system clients: a name, the units whose citizens it may see, and which
sections. How a client proves who it is (its key set) is added with SMART Backend Services."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from people.forms import SectionsField

from .models import SystemClient


class SystemClientForm(forms.ModelForm):
    sections = SectionsField(help_text=_("Only what the receiving system needs."))

    class Meta:
        model = SystemClient
        fields = ["name", "units", "sections", "revoked_at"]


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
