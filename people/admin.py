"""Admin for organisations and staff only. Citizen data is never edited here: it would bypass
the access policy and the access log."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .models import Organisation, StaffProfile, UnitLeadership

User = get_user_model()


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "org_type", "parent"]
    list_filter = ["org_type"]
    search_fields = ["name"]


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    extra = 0
    max_num = 1


class StaffUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "first_name", "last_name", "staff_organisation", "is_active"]
    list_select_related = ["staff_profile__organisation"]
    list_filter = ["is_active", "is_staff", "staff_profile__organisation"]

    def get_queryset(self, request):
        """Staff only: citizens' logins are managed through their access codes."""
        return super().get_queryset(request).filter(citizen__isnull=True)

    @admin.display(description="organisation")
    def staff_organisation(self, user):
        profile = getattr(user, "staff_profile", None)
        return profile.organisation if profile else "–"


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)


@admin.register(UnitLeadership)
class UnitLeadershipAdmin(admin.ModelAdmin):
    """Who leads which unit: the ground for reports over the citizens the unit serves (never a record)."""

    list_display = ["user", "organisation", "active_from", "active_to"]
    list_select_related = ["user", "organisation"]
    list_filter = ["organisation"]
    autocomplete_fields = ["organisation"]
    raw_id_fields = ["user"]
