"""A brake on guessing card codes: wrong codes are counted per client address in Django's cache.

A code has about 49.5 bits, so guessing one is hopeless anyway; this only makes trying
expensive. The limit is higher than the login lockout's (django-axes, 5): a whole course may
answer from one venue's network, and a typo on a phone is common. With several app servers the
cache must be shared (``CACHES``) for the count to be global; with the default per-process cache
each process counts for itself. The address is hashed before it becomes a cache key.
"""

import hashlib

from django.core.cache import cache

from accounts.client_ip import client_ip

LIMIT = 20
WINDOW_SECONDS = 15 * 60


def _key(request):
    address = client_ip(request) or "unknown"
    return "gatherings:wrong-codes:" + hashlib.sha256(address.encode()).hexdigest()


def locked(request):
    return cache.get(_key(request), 0) >= LIMIT


def record_failure(request):
    key = _key(request)
    if cache.add(key, 1, WINDOW_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, WINDOW_SECONDS)
