"""The insights app's aggregate reports, registered with ``audit.sections`` (an aggregate read names no citizen)."""

from django.utils.translation import gettext_lazy as _

from audit import sections as registry

OUTCOME_REPORT = "outcome_report"


def register():
    registry.register(OUTCOME_REPORT, _("Outcome report (aggregate)"), aggregate=True)
