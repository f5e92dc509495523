"""The address a login attempt came from, for the lockout (django-axes).

Behind the reference proxy (deploy/nginx) every request reaches the app from the proxy, and the
proxy *replaces* ``X-Forwarded-For`` with the address it saw. Only then is that header the
client's address; without a proxy it is whatever the client wrote, and trusting it would let an
attacker pick a new address for every guess. ``TRUSTED_PROXIES`` says which peers are the proxy.
"""

from django.conf import settings


def client_ip(request):
    peer = request.META.get("REMOTE_ADDR", "")
    if peer in settings.TRUSTED_PROXIES:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").strip()
        if forwarded and "," not in forwarded:
            return forwarded
    return peer
