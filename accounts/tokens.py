"""Bearer-token authentication for the machine API (``/fhir/``)."""

from django.utils import timezone

from . import smart
from .models import ApiToken, hash_token


def user_for_bearer(request):
    """The user behind ``Authorization: Bearer <token>``, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    if token.startswith(smart.TOKEN_PREFIX):  # a system client's token from the SMART token endpoint
        return smart.client_for_token(token.strip())
    # The staff profile comes along: the access policy asks for it on every request.
    tokens = ApiToken.objects.usable().select_related("user__staff_profile")
    api_token = tokens.filter(token_hash=hash_token(token.strip())).first()
    if api_token is None:
        return None
    now = timezone.now()
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    return api_token.user
