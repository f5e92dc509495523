"""The one way to write the access log: ``event()`` builds every row, ``record()`` and
``record_all()`` store one or many.

Who acted is worked out here, once, for every kind of actor: a person (their id and a label
that outlives a rename), a registered system client (its id and name, no person), or nobody
logged in. The section must be one some app registered (``audit.sections``).
"""

from . import sections
from .models import AccessEvent


def _is_person(actor):
    return actor is not None and getattr(actor, "is_authenticated", False) and not _is_system(actor)


def _is_system(actor):
    return getattr(actor, "is_system_client", False)


def actor_label(actor):
    """A readable name that stays in the log even if the user is later renamed or removed."""
    if _is_system(actor):
        return f"{actor.name} (system client)"
    if not _is_person(actor):
        return "anonymous"
    full_name = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return f"{full_name} ({actor.get_username()})" if full_name else actor.get_username()


def event(*, actor, action, section, ground, citizen_id=None, role="", detail="", request=None):
    """An unsaved access event. Refuses a section no app registered: the log is no free text."""
    if not sections.is_registered(section):
        raise ValueError(f"access event for unregistered section {section!r}")
    return AccessEvent(
        actor_id=actor.pk if _is_person(actor) else None,
        client_id=actor.pk if _is_system(actor) else None,
        actor_label=actor_label(actor),
        citizen_id=citizen_id,
        action=action,
        section=section,
        ground=ground,
        role=role[:40],
        detail=detail[:300],
        path=request.path[:300] if request is not None else "",
    )


def record(**fields):
    """Store one event; see ``event()`` for the fields."""
    entry = event(**fields)
    entry.save()
    return entry


def record_all(events):
    """Store events built by ``event()`` in one statement: a list page, a PDF with several parts."""
    return AccessEvent.objects.bulk_create(list(events))
