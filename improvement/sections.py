"""The improvement app's entry in ``audit.sections``.

``TEAM_CHARTS`` is the team's run charts: aggregates over the episodes of the team's unit, logged as
one aggregate read (``people.access.log_aggregate``) each time a page shows them. They name no citizen.
"""

from django.utils.translation import gettext_lazy as _

from audit import sections as registry

TEAM_CHARTS = "improvement_team_charts"


def register():
    registry.register(TEAM_CHARTS, _("Improvement team run charts (the unit's episodes, counted)"), aggregate=True)
