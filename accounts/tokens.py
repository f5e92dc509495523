"""Bearer-token authentication for the machine API (``/fhir/``)."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from people.models import StaffProfile
from samplan.prepared import Prepared, columns, instance

from . import smart
from .models import ApiToken, hash_token


def _token_query(token_hash):
    # The staff profile comes along: the access policy asks for it on every request.
    return (
        ApiToken.objects.usable()
        .filter(token_hash=token_hash)
        .values_list(
            "pk", "last_used_at", *columns(get_user_model(), "user__"), *columns(StaffProfile, "user__staff_profile__")
        )
    )


_TOKEN = Prepared(_token_query, token_hash=str)


def _token_user(token_hash):
    """(token id, last used, the user with their staff profile loaded), or None."""
    row = _TOKEN.first(token_hash=token_hash)
    if row is None:
        return None
    user, end = instance(get_user_model(), row, 2)
    profile, _end = instance(StaffProfile, row, end)
    user._state.fields_cache["staff_profile"] = profile  # as select_related leaves it: None means none
    return row[0], row[1], user


def user_for_bearer(request):
    """The user behind ``Authorization: Bearer <token>``, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    if token.startswith(smart.TOKEN_PREFIX):  # a system client's token from the SMART token endpoint
        return smart.client_for_token(token.strip())
    found = _token_user(hash_token(token.strip()))
    if found is None:
        return None
    token_id, last_used_at, user = found
    now = timezone.now()
    if last_used_at is None or (now - last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user
