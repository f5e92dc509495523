"""``record()`` is the one way to write the access log."""

from .models import AccessEvent


def actor_label(user):
    """A readable name that stays in the log even if the user is later renamed or removed."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    full_name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{full_name} ({user.get_username()})" if full_name else user.get_username()


def record(*, actor, citizen_id, action, section, ground, role="", detail="", request=None):
    return AccessEvent.objects.create(
        actor_id=actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label(actor),
        citizen_id=citizen_id,
        action=action,
        section=section,
        ground=ground,
        role=role,
        detail=detail[:300],
        path=request.path[:300] if request is not None else "",
    )


def record_many(*, actor, events, action, section, detail="", request=None):
    """One event per ``(citizen_id, ground)`` pair, in one statement: for searches that return records."""
    label = actor_label(actor)
    path = request.path[:300] if request is not None else ""
    AccessEvent.objects.bulk_create(
        AccessEvent(
            actor_id=actor.pk,
            actor_label=label,
            citizen_id=citizen_id,
            action=action,
            section=section,
            ground=ground,
            detail=detail[:300],
            path=path,
        )
        for citizen_id, ground in events
    )


def record_sections(*, actor, citizen_id, sections, action, ground, role="", detail="", request=None):
    """One event per record section, in one statement: for a page or a PDF that shows several parts."""
    label = actor_label(actor)
    path = request.path[:300] if request is not None else ""
    AccessEvent.objects.bulk_create(
        AccessEvent(
            actor_id=actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None,
            actor_label=label,
            citizen_id=citizen_id,
            action=action,
            section=section,
            ground=ground,
            role=role,
            detail=detail[:300],
            path=path,
        )
        for section in sections
    )
