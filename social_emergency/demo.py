"""Demo data for the social emergency service, through the actions: a 24-hour unit under the municipality's mental
health and substance-use service, its register, a night-shift worker (``nattevakt``) and four weeks of contacts —
more in the evening and at night, mostly by phone, some known visitors who come back, well-being before and after
on about half. Called by ``seed_demo`` (outside any transaction: the actions open their own)."""

import datetime
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from people.models import Organisation, StaffProfile

from . import actions
from .defaults import ensure_lists
from .models import Contact, ContactRegister, HelpKind, Topic

UNIT_NAME = "Fjordby kommune – Sosialt akuttilbud"
NICKNAMES = ("måke", "rev", "ugle", "blåbær", "elg", "stjerne 7", "fjell", "hare")
# Relative weight of each hour of the day: quiet late morning, busy evening and night.
HOUR_WEIGHTS = [5, 5, 4, 3, 2, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 4, 5, 6, 7, 7, 7, 6]
REFERRALS = [Contact.Referral.NONE] * 14 + [
    Contact.Referral.GP,
    Contact.Referral.GP,
    Contact.Referral.EMERGENCY_ROOM,
    Contact.Referral.MUNICIPAL,
    Contact.Referral.MUNICIPAL,
    Contact.Referral.SPECIALIST,
]


def demo_social_emergency(parent, password, *, rng=None, days=28, per_day=5):
    """The unit under ``parent`` with its register and ``nattevakt``; returns the register."""
    rng = rng or random.Random(2026)  # noqa: S311 - invented demo data, not secrets
    unit = Organisation.objects.create(name=UNIT_NAME, org_type=Organisation.Type.MUNICIPAL, parent=parent)
    register = ContactRegister.objects.create(unit=unit)
    worker = get_user_model().objects.create(
        username="nattevakt", first_name="Nora", last_name="Nattevakt", password=password
    )
    StaffProfile.objects.create(user=worker, organisation=unit, profession="Miljøterapeut", phone="73 00 00 00")
    ensure_lists()
    topics, helped = list(Topic.objects.filter(active=True)), list(HelpKind.objects.filter(active=True))
    now = timezone.localtime()
    for day in range(days):
        for _ in range(max(1, round(rng.gauss(per_day, 1.5)))):
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            when = (now - datetime.timedelta(days=day)).replace(hour=hour, minute=rng.randrange(60))
            if when > now:
                when -= datetime.timedelta(days=1)
            if when < now - actions.OLDEST + datetime.timedelta(hours=1):
                continue
            before = after = None
            if rng.random() < 0.5:
                before = max(0, min(10, round(rng.gauss(3.5, 1.5))))
                after = max(0, min(10, before + round(rng.gauss(1.2, 1.0))))
            actions.record_contact(
                register,
                acting_user=worker,
                occurred_at=when,
                channel=rng.choices(Contact.Channel.values, weights=[3, 6, 2])[0],
                duration_minutes=rng.choices(Contact.Duration.values, weights=[2, 4, 4, 3, 1])[0],
                topics=rng.sample(topics, rng.choice([1, 1, 2])),
                helped=rng.sample(helped, rng.choice([1, 2])),
                referred_to=rng.choice(REFERRALS),
                identified=rng.random() < 0.15,
                known_as=rng.choice(NICKNAMES) if rng.random() < 0.3 else "",
                wellbeing_before=before,
                wellbeing_after=after,
            )
    return register
