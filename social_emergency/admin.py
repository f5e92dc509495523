"""The registers and their lists are set up here. Contacts are not: they are recorded by the unit's staff, and a
linked one belongs to a citizen's record, which the admin never shows."""

from django.contrib import admin

from .models import ContactRegister, HelpKind, Topic


@admin.register(ContactRegister)
class ContactRegisterAdmin(admin.ModelAdmin):
    list_display = ["unit", "active", "created_at"]
    list_filter = ["active"]
    autocomplete_fields = ["unit"]


@admin.register(Topic, HelpKind)
class ChoiceListAdmin(admin.ModelAdmin):
    list_display = ["name", "label", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
