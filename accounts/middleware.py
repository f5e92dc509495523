"""Staff must pass two-factor login before they reach anything but the login pages."""

from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

from .two_factor import needs_two_factor

ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/fhir/")


class RequireTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(ALLOWED_PREFIXES)
            and needs_two_factor(user)
            and not user.is_verified()
        ):
            target = "accounts:otp_verify" if _has_device(user) else "accounts:otp_setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


def _has_device(user):
    return user_has_device(user, confirmed=True)
