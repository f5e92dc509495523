"""Signals other apps listen to, so pathways never imports them."""

from django.dispatch import Signal

# Sent by the action, inside its transaction, when appointments are made (one, or a pathway's at its
# start: bulk_create, which ``post_save`` would not see), moved, or marked done/missed/cancelled.
# Not sent for the planned ones a pathway's ending cancels in one update: nothing is planned for them.
# Keyword arguments: ``appointments`` (a list of Appointment, as saved).
appointments_changed = Signal()
