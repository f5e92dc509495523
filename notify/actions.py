"""Creating and stopping a staff member's calendar feed. No citizen data changes here, so nothing
goes to the access log; the feed's reads are logged each time it is fetched."""

from django.db import transaction
from django.utils import timezone, translation

from samplan.locks import lock_row

from .models import FeedToken, hash_feed_token


@transaction.atomic(durable=True)
def create_feed(user):
    """A new feed address for ``user``; the old one stops working. Returns the secret token, shown once."""
    lock_row(user, no_key=False)  # one change per user at a time
    FeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token = FeedToken.new_token()
    feed = FeedToken.objects.create(user=user, token_hash=hash_feed_token(token), language=translation.get_language())
    return token, feed


@transaction.atomic(durable=True)
def stop_feed(user):
    """The feed address stops working at once. Returns how many addresses were stopped (0 or 1)."""
    return FeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
