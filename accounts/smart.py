"""SMART Backend Services: a registered system client gets a short-lived access token for /fhir/.

The client signs a JWT with its private key (``private_key_jwt``, RS384 or ES384) and posts it to the
token endpoint with ``grant_type=client_credentials`` (RFC 6749 § 4.4, RFC 7523, and SMART App
Launch 2.x "Backend Services"). The assertion must name the client as ``iss`` and ``sub``, this
token endpoint as ``aud``, expire at most five minutes ahead, and carry a ``jti`` not seen before.
Every refusal is the OAuth error JSON the specification names (``invalid_client``,
``invalid_request``, ``unsupported_grant_type``, ``invalid_scope``); nothing tells a caller which
of the client's checks failed beyond what the error codes say.

A token carries the scopes granted (what the client asked for, within what it was registered
for); ``fhir_api.edge`` lets it do only what they say. What it may see is the access policy's for a
system client: the citizens its units serve, the sections it was registered for — and every read
is in the citizen's access log under the client's name.
"""

import datetime
import json
import re
import secrets
from dataclasses import dataclass

import jwt
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .models import AssertionSeen, SystemClient, SystemToken, hash_token

ALGORITHMS = ("RS384", "ES384")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ASSERTION_LIFETIME = datetime.timedelta(minutes=5)
# Clocks differ a little: a client that sets exp to its now + 300 s, rounded (smart-on-fhir's
# bulk-data-client does), may be a moment over five minutes by ours.
CLOCK_SKEW = datetime.timedelta(seconds=10)
TOKEN_LIFETIME = datetime.timedelta(minutes=5)
TOKEN_PREFIX = "sst_"
# system/<Type or *>.<permissions in c r u d s order>; SMART v1's .read and .write read as rs and cud.
SCOPE = re.compile(r"system/(\*|[A-Z][A-Za-z]+)\.(c?r?u?d?s?|read|write|\*)")
V1 = {"read": "rs", "write": "cud", "*": "cruds"}


@dataclass(frozen=True)
class Scope:
    resource_type: str  # a type, or "*"
    permissions: frozenset

    @classmethod
    def parse(cls, text):
        match = SCOPE.fullmatch(text)
        if match is None or not match.group(2):
            return None
        permissions = V1.get(match.group(2), match.group(2))
        return cls(match.group(1), frozenset(permissions))

    def covers(self, other):
        return self.resource_type in ("*", other.resource_type) and other.permissions <= self.permissions

    def __str__(self):
        return f"system/{self.resource_type}.{''.join(p for p in 'cruds' if p in self.permissions)}"


def parse_scopes(text):
    """The scopes in a space-separated string; ``ValueError`` naming the first one that is not one."""
    scopes = []
    for part in (text or "").split():
        scope = Scope.parse(part)
        if scope is None:
            raise ValueError(part)
        scopes.append(scope)
    return scopes


def permits(scopes_text, resource_type, permission):
    """Whether granted ``scopes_text`` lets a client do ``permission`` ("r", "s", "c"…) on ``resource_type``."""
    wanted = Scope(resource_type, frozenset(permission))
    return any(scope.covers(wanted) for scope in parse_scopes(scopes_text))


def grantable(requested, registered):
    """The requested scopes the registration covers, narrowed where it is narrower."""
    granted = []
    for scope in requested:
        for allowed in registered:
            if allowed.resource_type in ("*", scope.resource_type) or scope.resource_type == "*":
                resource_type = scope.resource_type if scope.resource_type != "*" else allowed.resource_type
                permissions = scope.permissions & allowed.permissions
                if permissions:
                    granted.append(Scope(resource_type, frozenset(permissions)))
    return list(dict.fromkeys(granted))


# Keys ---------------------------------------------------------------------------------------------


class Refused(Exception):
    def __init__(self, error, description, status=400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def response(self):
        response = JsonResponse({"error": self.error, "error_description": self.description}, status=self.status)
        response["Cache-Control"] = "no-store"
        return response


def _key_set(client):
    """The client's public keys: as registered, or fetched from its address (kept five minutes)."""
    if client.jwks:
        return jwt.PyJWKSet.from_dict(client.jwks)
    if not client.jwks_url:
        raise Refused("invalid_client", "The client has no public key registered.")
    cache_key = f"smart-jwks:{client.pk}:{client.jwks_url}"
    data = cache.get(cache_key)
    if data is None:
        try:
            fetched = jwt.PyJWKClient(client.jwks_url, cache_jwk_set=False, timeout=5).fetch_data()
        except (jwt.PyJWKClientError, ValueError):  # unreachable, or not JSON
            raise Refused("invalid_client", "The client's key set could not be fetched.") from None
        data = json.dumps(fetched)
        cache.set(cache_key, data, 300)
    return jwt.PyJWKSet.from_dict(json.loads(data))


def _signing_keys(client, header):
    try:
        keys = _key_set(client).keys
    except (jwt.PyJWKSetError, jwt.InvalidKeyError, TypeError, ValueError):
        raise Refused("invalid_client", "The client's key set cannot be read.") from None
    kid = header.get("kid")
    return [key for key in keys if kid is None or key.key_id == kid]


# The token endpoint ------------------------------------------------------------------------------


def token_url(request):
    return request.build_absolute_uri(reverse("accounts:smart_token"))


def _client_for(assertion, request):
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise Refused("invalid_request", "client_assertion is not a JWT.") from None
    if header.get("alg") not in ALGORITHMS:
        raise Refused("invalid_client", "The assertion must be signed with RS384 or ES384.")
    client_id = claims.get("iss")
    client = SystemClient.objects.usable().filter(client_id=client_id).first() if isinstance(client_id, str) else None
    if client is None:
        raise Refused("invalid_client", "Unknown or revoked client.")
    return client, header


def _verify(assertion, client, header, request):
    now = timezone.now()
    for key in _signing_keys(client, header):
        try:
            claims = jwt.decode(
                assertion,
                key,
                algorithms=[header["alg"]],
                audience=token_url(request),
                issuer=client.client_id,
                options={"require": ["iss", "sub", "aud", "exp", "jti"]},
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.ExpiredSignatureError:
            raise Refused("invalid_client", "The assertion has expired.") from None
        except jwt.InvalidAudienceError:
            raise Refused("invalid_client", "The assertion's aud must be this token endpoint.") from None
        except jwt.PyJWTError:
            raise Refused("invalid_client", "The assertion's claims are not acceptable.") from None
        if claims["sub"] != client.client_id:
            raise Refused("invalid_client", "The assertion's sub must be the client id.")
        expires = datetime.datetime.fromtimestamp(claims["exp"], tz=datetime.UTC)
        if expires - now > MAX_ASSERTION_LIFETIME + CLOCK_SKEW:
            raise Refused("invalid_client", "The assertion may expire at most five minutes ahead.")
        return claims, expires
    raise Refused("invalid_client", "The assertion is not signed with a key registered for the client.")


def issue_token(client, scopes):
    """A new access token for ``client`` with ``scopes`` (already granted); only its hash is kept."""
    access_token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    SystemToken.objects.create(
        client=client, token_hash=hash_token(access_token), scopes=scopes, expires_at=timezone.now() + TOKEN_LIFETIME
    )
    return access_token


@csrf_exempt
@never_cache
@require_POST
def token(request):
    try:
        if request.POST.get("grant_type") != "client_credentials":
            raise Refused("unsupported_grant_type", "Use grant_type=client_credentials.")
        if request.POST.get("client_assertion_type") != ASSERTION_TYPE:
            raise Refused("invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}.")
        assertion = request.POST.get("client_assertion", "")
        if not assertion:
            raise Refused("invalid_request", "client_assertion is missing.")
        client, header = _client_for(assertion, request)
        claims, expires = _verify(assertion, client, header, request)
        try:
            requested = parse_scopes(request.POST.get("scope", ""))
        except ValueError as error:
            raise Refused("invalid_scope", f"Not a system scope: {error}.") from None
        granted = grantable(requested, parse_scopes(client.scopes))
        if not granted:
            raise Refused("invalid_scope", "Ask for system scopes the client is registered for, e.g. system/*.rs.")
        scopes = " ".join(str(scope) for scope in granted)
        with transaction.atomic():
            AssertionSeen.objects.filter(expires_at__lt=timezone.now()).delete()
            try:
                with transaction.atomic():
                    AssertionSeen.objects.create(client=client, jti=str(claims["jti"])[:255], expires_at=expires)
            except IntegrityError:
                raise Refused("invalid_client", "This assertion (its jti) has been used before.") from None
            access_token = issue_token(client, scopes)
    except Refused as refused:
        return refused.response()
    response = JsonResponse(
        {
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": int(TOKEN_LIFETIME.total_seconds()),
            "scope": scopes,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


def client_for_token(token_text):
    """The system client behind an access token (with ``granted_scopes`` set), or None."""
    found = (
        SystemToken.objects.usable()
        .select_related("client")
        .filter(token_hash=hash_token(token_text))
        .only("scopes", "client")
        .first()
    )
    if found is None:
        return None
    client = found.client
    client.granted_scopes = found.scopes
    return client


@require_GET
def smart_configuration(request):
    """``/fhir/.well-known/smart-configuration``: what a backend client needs to get a token."""
    return JsonResponse(
        {
            "token_endpoint": token_url(request),
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": list(ALGORITHMS),
            "scopes_supported": ["system/*.rs", "system/*.read"],
            "capabilities": ["client-confidential-asymmetric", "permission-v2", "permission-v1"],
        }
    )
