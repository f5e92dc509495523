"""Who may run and read the evaluations of which unit.

Gatherings and interview rounds belong to a unit (``people.Organisation``). Staff whose profile
places them in the unit run its gatherings: they create them, print cards and read their anonymous
evaluations. Leaders of a unit (``people.access.units_led_by``, the unit and those under it) do the
same and, alone, read the summary of the interview rounds, which counts citizens' answers. Everyone
else — staff of other organisations (a GP, Nav), citizens, anonymous visitors — gets nothing: a
403 for the lists, a 404 for a gathering or a round of a unit that is not theirs.
"""

from django.core.exceptions import PermissionDenied

from people.access import AggregateScope, aggregate_scope, is_staff_member, units_led_by


def units_run_by(user):
    """The units whose gatherings and rounds ``user`` runs: their own unit and the units they lead."""
    if not is_staff_member(user):
        return frozenset()
    return units_led_by(user) | {user.staff_profile.organisation_id}


def evaluation_scope(user):
    """The scope a course-evaluation read is logged with; PermissionDenied for anyone who runs no unit."""
    units = units_run_by(user)
    if not units:
        raise PermissionDenied
    return AggregateScope(user=user, unit_ids=units)


def interview_scope(user):
    """The leader's scope for the interview rounds' summary (citizens' answers): leaders only."""
    return aggregate_scope(user)
