"""The gatherings app's aggregate reports, registered with ``audit.sections``.

``COURSE_EVALUATIONS`` is a gathering's anonymous evaluation and the comparison of a unit's
gatherings; ``INTERVIEW_ROUNDS`` is the summary of the interview guide's rounds. Both are logged
with ``people.access.log_aggregate``; neither is ever granted on a citizen's record.
"""

from django.utils.translation import gettext_lazy as _

from audit import sections as registry

COURSE_EVALUATIONS = "course_evaluations"
INTERVIEW_ROUNDS = "interview_rounds"


def register():
    registry.register(COURSE_EVALUATIONS, _("Course and network evaluations (summary)"), aggregate=True)
    registry.register(INTERVIEW_ROUNDS, _("Interview rounds (summary)"), aggregate=True)
