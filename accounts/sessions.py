"""Idle sessions: the 30 idle minutes slide with use, written at most once a minute.

Django's ``SESSION_SAVE_EVERY_REQUEST`` wrote every session on every page (an UPDATE and a commit
per request, about a tenth of the worklist's time). Here the session store remembers when its row
expires, and ``SessionMiddleware`` saves an unchanged session only when at least
``SESSION_REFRESH_SECONDS`` of its idle time have passed since it was written. A session thus ends
after ``SESSION_COOKIE_AGE`` idle seconds or at most ``SESSION_REFRESH_SECONDS`` sooner, never later.
"""

import datetime

from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware


class SessionStore(db.SessionStore):
    """Django's database sessions, remembering the expiry of the row they were read from."""

    expires_at = None

    def _get_session_from_db(self):
        row = super()._get_session_from_db()
        self.expires_at = row.expire_date if row is not None else None
        return row

    def save(self, must_create=False):
        super().save(must_create)
        self.expires_at = self.get_expiry_date()

    def refresh_due(self):
        """Whether the stored expiry is at least ``SESSION_REFRESH_SECONDS`` behind a fresh one."""
        if self.expires_at is None:
            return True
        behind = self.get_expiry_date() - self.expires_at
        return behind >= datetime.timedelta(seconds=settings.SESSION_REFRESH_SECONDS)


class SessionMiddleware(DjangoSessionMiddleware):
    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and not session.modified and session.accessed:
            session.modified = session.refresh_due()
        return super().process_response(request, response)
