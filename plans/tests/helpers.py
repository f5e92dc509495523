"""Building plans in tests."""

import datetime

from django.utils import timezone

from measures import actions as measure_actions
from plans import actions
from plans.models import PlanText


def complete(grant, version, user, citizen, care_team_member):
    """Fill in all nine contents."""
    measure_actions.add_goal(grant, acting_user=user, text="Bo trygt i egen leilighet")
    for key in (PlanText.Key.PARTICIPANTS, PlanText.Key.CONTRIBUTIONS, PlanText.Key.COOPERATION):
        actions.save_text(grant, version, key, f"Tekst for {key}", expected_revision=0, acting_user=user)
    actions.save_assessment(
        grant, version, acting_user=user, life_area="housing", needs="Hjelp", resources="Ordenssans"
    )
    actions.save_intervention(
        grant, version, acting_user=user, what="Ukentlig samtale", responsible=care_team_member, how="Telefon"
    )
    version.refresh_from_db()
    today = timezone.localdate()
    return actions.save_period(
        grant,
        version,
        acting_user=user,
        expected_revision=version.content_revision,
        period_start=today,
        period_end=today + datetime.timedelta(days=365),
        next_revision=today + datetime.timedelta(days=180),
        consent_to_plan=True,
        consent_to_sharing=True,
    )
