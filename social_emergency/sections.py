"""The register's parts of the access log, registered with ``audit.sections``.

``LINKED_CONTACT`` is logged on a citizen when a contact is linked to their record (never granted: it is a
fact written into the log, not a part of the record someone may be given). ``FIGURES`` is the unit's figures,
an aggregate read that names no citizen.
"""

from django.utils.translation import gettext_lazy as _

from audit import sections as registry

LINKED_CONTACT = "social_emergency_contact"
FIGURES = "social_emergency_figures"


def register():
    registry.register(LINKED_CONTACT, _("Social emergency contact"), grantable=False)
    registry.register(FIGURES, _("Social emergency contacts (figures)"), aggregate=True)
