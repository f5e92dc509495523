"""Django's model backend, loading with the user what every page asks about them."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef
from django.utils import timezone

from people.models import Citizen, Organisation, StaffProfile, UnitLeadership
from samplan.prepared import Prepared, columns, instance


def _user_with_what_pages_ask(user, today):
    user_model = get_user_model()
    leads = UnitLeadership.objects.active(today).filter(user=OuterRef("pk"))
    return (
        user_model._default_manager.filter(pk=user)
        .annotate(leads_units=Exists(leads))
        .order_by()
        .values_list(
            *columns(user_model),
            *columns(StaffProfile, "staff_profile__"),
            *columns(Organisation, "staff_profile__organisation__"),
            *columns(Citizen, "citizen__"),
            "leads_units",
        )
    )


# Compiled once per process (samplan.prepared): it runs on every request.
_USER = Prepared(_user_with_what_pages_ask, user=int, today=datetime.date)


class UserBackend(ModelBackend):
    """Every page asks whether the user is staff or a citizen (``people.access``), and the menu whether
    they lead a unit (the leaders' reports): one query with a join and a subquery, not three more.

    The user comes back as ``select_related("staff_profile__organisation", "citizen")`` would give it:
    the profile (with its unit) and the citizen record cached, or cached as missing."""

    def get_user(self, user_id):
        row = _USER.first(user=user_id, today=timezone.localdate())
        if row is None:
            return None
        user, end = instance(get_user_model(), row)
        profile, end = instance(StaffProfile, row, end)
        organisation, end = instance(Organisation, row, end)
        citizen, end = instance(Citizen, row, end)
        user.leads_units = row[end]
        if profile is not None:
            profile._state.fields_cache["organisation"] = organisation
            profile._state.fields_cache["user"] = user
        if citizen is not None:
            citizen._state.fields_cache["user"] = user
        user._state.fields_cache["staff_profile"] = profile
        user._state.fields_cache["citizen"] = citizen
        return user if self.user_can_authenticate(user) else None
