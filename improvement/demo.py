"""An improvement team for ``make demo``, through ``improvement.actions``: ``demo_improvement``.

The team was made eight months ago in the unit, with the aim "90 % first contact within 7 days" on
``first_contact_within_deadline`` (and the completed endings followed beside it), two PDSA cycles
four months apart — the first adopted, the second being tried — and the checklist partly answered.

The demo writes history, which the actions do not: a cycle may not start before its team was made,
so the team's ``created_at`` is moved back with a queryset ``update()`` before the cycles are recorded.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from . import actions
from .models import Team

AIM = "90 % av dem som henvises får første kontakt innen 7 dager, innen utgangen av juni."


def _months_ago(today, n, day):
    month = today.replace(day=1)
    for _step in range(n):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month.replace(day=day)


def demo_improvement(unit, leader, members, *, today=None):
    """The team in ``unit``, made by ``leader`` (who must lead the unit) with ``members`` (staff of it)."""
    today = today or timezone.localdate()
    members = list(members)
    target_date = datetime.date(today.year if today.month < 6 else today.year + 1, 6, 30)
    team = actions.create_team(
        acting_user=leader,
        unit=unit,
        name="Raskere første kontakt",
        members=members,
        aim=actions.AimText(
            text=AIM, measure="first_contact_within_deadline", target_value=Decimal("90"), target_date=target_date
        ),
        measures=["completed_share"],
    )
    Team.objects.filter(pk=team.pk).update(created_at=timezone.now() - datetime.timedelta(days=240))
    team.refresh_from_db()
    writer = members[0] if members else leader
    first = actions.add_cycle(
        team,
        acting_user=writer,
        text=actions.CycleText(
            change="Den som tar imot henvisningen, ringer innbyggeren samme dag og avtaler første samtale.",
            prediction="Andelen med første kontakt innen 7 dager stiger fra rundt 60 % til over 80 % "
            "i løpet av to måneder.",
            starts_on=_months_ago(today, 6, 4),
        ),
    )
    actions.update_cycle(
        first,
        acting_user=writer,
        text=actions.CycleText(
            change=first.change,
            prediction=first.prediction,
            starts_on=first.starts_on,
            do_notes="Gjennomført i seks uker. Det var vanskelig å nå folk på telefon på fredager.",
            study_notes="Løpediagrammet viser at andelen steg og holdt seg over medianen etter at vi startet.",
            act="adopt",
            act_note="Vi beholder det, og legger inn en fast telefontid mandag og fredag.",
        ),
    )
    actions.add_cycle(
        team,
        acting_user=writer,
        text=actions.CycleText(
            change="Tekstmelding med tid og sted for første samtale dagen før.",
            prediction="Færre uteblir fra første samtale, og færre avslutter forløpet tidlig.",
            starts_on=_months_ago(today, 2, 7),
            do_notes="Sendt til alle nye i to uker så langt.",
        ),
    )
    actions.answer_checklist(
        team,
        acting_user=leader,
        answers={
            2: ("yes", "Plan for våren er lagt i teammøtet."),
            3: ("yes", AIM),
            4: ("partly", "Vi følger andelen innen fristen; brukertilfredshet mangler."),
            7: ("no", "Vi vil invitere en erfaringskonsulent inn i teamet."),
        },
    )
    return team
