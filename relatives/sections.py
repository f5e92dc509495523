"""The relatives app's part of a citizen's record, registered with ``audit.sections``.

``RELATIVES`` is the citizen's relatives, what each may know (their consents), the conversations
offered to them, and the children question (health-personnel law § 10 a). It is never something a
relative can be given: a consent covers the other sections only.
"""

from django.utils.translation import gettext_lazy as _

from audit import sections as registry

RELATIVES = "relatives"


def register():
    registry.register(RELATIVES, _("Relatives and children"))


def consentable():
    """The sections a citizen can let a relative see, in the registry's order."""
    return [spec for spec in registry.grantable() if spec.key != RELATIVES]


def consentable_keys():
    return frozenset(spec.key for spec in consentable())
