"""The gatherings app's aggregate reports, registered with ``audit.sections``.

``COURSE_EVALUATIONS`` is a gathering's anonymous evaluation and the comparison of a unit's
gatherings; ``RELATIVES_SURVEYS`` a relatives' survey's anonymous answers (its page, and the
leader's section of the outcome report); ``INTERVIEW_ROUNDS`` is the summary of the interview
guide's rounds. All are logged with ``people.access.log_aggregate``; none is ever granted on a
citizen's record.
"""

from django.utils.translation import gettext_lazy as _

from audit import sections as registry

COURSE_EVALUATIONS = "course_evaluations"
INTERVIEW_ROUNDS = "interview_rounds"
RELATIVES_SURVEYS = "relatives_surveys"


def register():
    registry.register(COURSE_EVALUATIONS, _("Course and network evaluations (summary)"), aggregate=True)
    registry.register(INTERVIEW_ROUNDS, _("Interview rounds (summary)"), aggregate=True)
    registry.register(RELATIVES_SURVEYS, _("Relatives' surveys (summary)"), aggregate=True)
