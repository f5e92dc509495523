"""Reminders in the admin, read-only: for operations to see what failed. Ids and times only —
no name, no address, no appointment title."""

from django.contrib import admin

from .models import Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["pk", "appointment_id", "recipient", "channel", "send_at", "sent_at", "failed_at", "error"]
    list_filter = [
        "recipient",
        "channel",
        ("failed_at", admin.EmptyFieldListFilter),
        ("sent_at", admin.EmptyFieldListFilter),
    ]
    fields = [*list_display[1:], "appointment_starts_at", "claimed_at", "created_at"]
    readonly_fields = fields
    ordering = ["-send_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
