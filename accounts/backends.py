"""Django's model backend, loading with the user what every page asks about them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from people.models import UnitLeadership


class UserBackend(ModelBackend):
    """Every page asks whether the user is staff or a citizen (``people.access``), and the menu whether
    they lead a unit (the leaders' reports): one query with a join and a subquery, not three more."""

    def get_user(self, user_id):
        leads = UnitLeadership.objects.active().filter(user=OuterRef("pk"))
        user = (
            get_user_model()
            ._default_manager.select_related("staff_profile__organisation", "citizen")
            .annotate(leads_units=Exists(leads))
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
