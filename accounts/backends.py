"""Django's model backend, loading with the user what every page asks about them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserBackend(ModelBackend):
    """Every page asks whether the user is staff or a citizen (``people.access``): one join, not two more queries."""

    def get_user(self, user_id):
        user = get_user_model()._default_manager.select_related("staff_profile", "citizen").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
