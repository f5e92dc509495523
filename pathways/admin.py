from django.contrib import admin

from .models import PathwayTemplate, TemplateStep


class StepInline(admin.TabularInline):
    model = TemplateStep
    extra = 0
    fields = [
        "order",
        "kind",
        "title",
        "phase",
        "contact_kind",
        "duration_minutes",
        "offset_days",
        "repeat_count",
        "repeat_every_days",
        "questionnaire",
        "note_template",
    ]


@admin.register(PathwayTemplate)
class PathwayTemplateAdmin(admin.ModelAdmin):
    """Templates are data: the service edits them here. Episodes (citizen data) are not in the admin."""

    list_display = ["name", "key", "first_contact_days", "is_active"]
    inlines = [StepInline]
