"""The staff member's calendar-feed page, and the feed itself (no login: the token in the address is the key)."""

import re
from types import SimpleNamespace

from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from groups.sections import GROUP
from people.access import is_staff_member, log_list_read
from people.models import Section
from web.decorators import staff_required

from . import actions
from .feeds import build_calendar, feed_entries
from .models import FeedToken, hash_feed_token

TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


def _page(request, *, new_url=None, status=200):
    feed = FeedToken.objects.filter(user=request.user, revoked_at__isnull=True).first()
    context = {"feed": feed, "new_url": new_url}
    if new_url:
        context["webcal_url"] = re.sub(r"^https?://", "webcal://", new_url)
    return render(request, "notify/calendar.html", context, status=status)


@staff_required
@require_safe
def calendar(request):
    return _page(request)


@staff_required
@require_POST
def calendar_create(request):
    """The address is shown on this response only; only its hash is kept."""
    token, _feed = actions.create_feed(request.user)
    return _page(request, new_url=request.build_absolute_uri(reverse("notify:feed", args=[token])))


@staff_required
@require_POST
def calendar_stop(request):
    if actions.stop_feed(request.user):
        messages.success(request, _("The feed is stopped. Calendars that subscribed to it get no more updates."))
    return redirect("notify:calendar")


def _not_found():
    return HttpResponseNotFound(b"Not found.", content_type="text/plain; charset=utf-8")


@require_safe
def feed(request, token):
    """Unknown, revoked and malformed tokens all get the same bare 404, with nothing to tell them apart."""
    if not TOKEN.fullmatch(token):
        return _not_found()
    feed_token = (
        FeedToken.objects.live()
        .select_related("user__staff_profile", "user__citizen")
        .filter(token_hash=hash_feed_token(token))
        .first()
    )
    if feed_token is None or not is_staff_member(feed_token.user):
        return _not_found()
    user = feed_token.user
    now = timezone.now()
    appointments, meetings, citizens = feed_entries(user, now=now)
    # The access log gets the feed's owner as reader, and the address without its key: one read of
    # the pathway per citizen with appointments, one of the group per citizen with meetings.
    reader = SimpleNamespace(user=user, path=reverse("notify:feed", args=["-"]))
    for section, entries in ((Section.PATHWAY, appointments), (GROUP, meetings)):
        shown = {entry.citizen_id for entry in entries}
        log_list_read(reader, [citizen for citizen in citizens if citizen.pk in shown], section, "calendar feed")
    FeedToken.objects.filter(pk=feed_token.pk).update(last_used_at=now)
    body = build_calendar(
        appointments,
        meetings=meetings,
        absolute_url=request.build_absolute_uri,
        language=feed_token.language,
        now=now,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
