"""The groups app's parts of a citizen's record, registered with ``audit.sections``.

``GROUP`` is the group itself: its agreement, meetings, the general part of the minutes and the
actions. Each part of the minutes that evaluates a goal or a measure needs that part's own
section too (goals: measures; interventions: the plan; the medication plan: medication).
``LEARNING_SUMMARY`` is the leaders' aggregate over the learning logs of their units.
"""

from django.utils.translation import gettext_lazy as _

from audit import sections as registry

GROUP = "group"
LEARNING_SUMMARY = "learning_summary"


def register():
    registry.register(
        GROUP, _("Responsibility group: agreement, meetings and minutes"), default_for=[registry.ALL_ROLES]
    )
    registry.register(LEARNING_SUMMARY, _("Learning logs across groups (summary)"), aggregate=True)
