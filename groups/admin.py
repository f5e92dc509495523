from django.contrib import admin

from .models import LearningFactor


@admin.register(LearningFactor)
class LearningFactorAdmin(admin.ModelAdmin):
    """The shared list of contributing factors learning logs choose from (seed 003). Logs themselves
    (citizen data) are not in the admin. A factor in use is retired (``is_active``), never deleted:
    deleting it would silently take it out of every log that named it."""

    list_display = ["name", "name_en", "key", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "name_en", "key"]
    prepopulated_fields = {"key": ["name"]}
    ordering = ["order", "name"]

    def has_delete_permission(self, request, obj=None):
        return False
