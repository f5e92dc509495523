"""The SMS interface. Samplan sends no SMS by itself: a deployment names its gateway in ``SMS_BACKEND``.

A backend is a class with ``send(phone, text)`` that raises on failure. ``SMS_BACKEND`` empty (the
default) means no SMS: reminders then go by e-mail only.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class BaseSmsBackend:
    def send(self, phone, text):
        """Hand one message to the gateway; raise if it was not accepted."""
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Writes the message to the log instead of sending it (development)."""

    def send(self, phone, text):
        logger.info("SMS to %s: %s", phone, text)


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps messages in ``LocmemSmsBackend.outbox`` (tests), like Django's locmem e-mail backend."""

    outbox: list = []  # shared on purpose: tests read it

    def send(self, phone, text):
        LocmemSmsBackend.outbox.append({"phone": phone, "text": text})


def is_configured():
    return bool(getattr(settings, "SMS_BACKEND", None))


def get_backend():
    """An instance of the configured backend, or None when SMS is off."""
    if not is_configured():
        return None
    return import_string(settings.SMS_BACKEND)()
