"""When staff need a second factor: always in production, or once they have set one up."""

from django.conf import settings
from django_otp import user_has_device


def needs_two_factor(user):
    is_staff_user = user.is_superuser or user.is_staff or hasattr(user, "staff_profile")
    if not is_staff_user:
        return False
    return settings.REQUIRE_STAFF_TWO_FACTOR or user_has_device(user, confirmed=True)
