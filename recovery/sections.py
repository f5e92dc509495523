"""The recovery app's part of a citizen's record, registered with ``audit.sections``.

``DEVELOPMENT_PLAN`` is the citizen's personal development plan ("personlig utviklingsplan", seed
001's Veiviser project): what matters to them and what helps, in their own words, beside the crisis
plan. A peer worker gets it by default when added to the team; the citizen decides, as always.
``PEER_SUPPORT`` is the citizen's requests for a peer worker (logged, never granted on its own).
"""

from django.utils.translation import gettext_lazy as _

from audit import sections as registry
from people.models import CareTeamMember

DEVELOPMENT_PLAN = "development_plan"
PEER_SUPPORT = "peer_support"


def register():
    registry.register(DEVELOPMENT_PLAN, _("Personal development plan"), default_for=[CareTeamMember.Role.PEER_WORKER])
    registry.register(PEER_SUPPORT, _("Requests for a peer worker"), grantable=False)
