"""The sections of a citizen's record that the ground floor has, registered with ``audit.sections``.

``Section.PLAN`` and friends are the keys the care apps of the ground floor use; an app built
later (groups, insights, …) registers its own sections in its ``AppConfig.ready()`` instead of
adding them here. Only the registry says which sections exist.
"""

from django.utils.translation import gettext_lazy as _

from audit import sections as registry


class Section:
    OVERVIEW = "overview"
    PLAN = "plan"
    CRISIS_PLAN = "crisis_plan"
    MEASURES = "measures"
    NOTES = "notes"
    CONTACTS = "contacts"
    FINANCE = "finance"
    MEDICATION = "medication"
    DAILY_PLAN = "daily_plan"
    FUNCTIONAL = "functional_assessment"
    MANDATE = "mandate"
    PATHWAY = "pathway"


# Parts that are logged but never granted on their own: they come with the overview or the coordinator.
CARE_TEAM = "care_team"
BLOCKS = "blocks"
EMERGENCY = "emergency"
PERSONAL_DETAILS = "citizen"
ACCESS_LOG = "access_log"
ACCESS_CODE = "access_code"


def register():
    grantable = [
        (Section.OVERVIEW, _("Overview"), [registry.ALL_ROLES]),
        (Section.PLAN, _("Individual plan"), []),
        (Section.CRISIS_PLAN, _("Crisis plan"), []),
        (Section.MEASURES, _("Measures and questionnaires"), []),
        (Section.NOTES, _("Journal notes"), []),
        (Section.CONTACTS, _("Who do I talk to about what"), []),
        (Section.FINANCE, _("Finance management agreement"), []),
        (Section.MEDICATION, _("Medication plan"), []),
        (Section.DAILY_PLAN, _("Day and week plan"), []),
        (Section.FUNCTIONAL, _("Functional assessment"), []),
        (Section.MANDATE, _("Coordinator mandate"), []),
        # A peer worker meets the citizen in sessions on a pathway (seed 001, 004).
        (Section.PATHWAY, _("Pathway and appointments"), ["peer_worker"]),
    ]
    for key, label, default_for in grantable:
        registry.register(key, label, default_for=default_for)
    logged_only = [
        (CARE_TEAM, _("Care team")),
        (BLOCKS, _("Blocks")),
        (EMERGENCY, _("Emergency access")),
        (PERSONAL_DETAILS, _("Personal details")),
        (ACCESS_LOG, _("Access log")),
        (ACCESS_CODE, _("Access code")),
    ]
    for key, label in logged_only:
        registry.register(key, label, grantable=False)
