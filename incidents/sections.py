"""The incidents app's parts of a citizen's record, registered with ``audit.sections``.

``INCIDENTS`` is a citizen's incident records (violent episodes at a housing unit) with their
follow-up conversation and staff debrief. Nobody gets it by default: the coordinator sees
everything, another member only when the coordinator or the citizen ticks it, and the citizen reads
their own. ``INCIDENT_REPORT`` is the unit leaders' run chart of incidents per unit and month.
"""

from django.utils.translation import gettext_lazy as _

from audit import sections as registry

INCIDENTS = "incidents"
INCIDENT_REPORT = "incident_report"


def register():
    registry.register(INCIDENTS, _("Violent episodes: incident records and debriefs"))
    registry.register(INCIDENT_REPORT, _("Violent episodes per unit and month (summary)"), aggregate=True)
