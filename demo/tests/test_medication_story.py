"""The demo's medication pedagogy: Ingrid's own words, read by her GP; Tore on the pathway with his self-reports."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from audit.models import AccessEvent
from measures.models import Score
from pathways.models import Appointment, ScheduledQuestionnaire
from people.models import Citizen, Section
from plans.models import MedicationWords


@pytest.fixture
def demo(db):
    call_command("seed_demo", citizens=3, verbosity=0)
    return Citizen.objects.get(user__username="innbygger"), Citizen.objects.get(user__username="tore")


def test_ingrid_has_written_her_own_words_and_her_gp_reads_them(demo, client):
    ingrid, _tore = demo
    words = MedicationWords.objects.get(citizen=ingrid)
    assert words.written_by == ingrid.user and "Sertralin" in words.purpose
    assert AccessEvent.objects.filter(
        citizen_id=ingrid.pk, action="write", section=Section.MEDICATION, actor_id=ingrid.user_id
    ).exists()
    client.force_login(Citizen.objects.get(pk=ingrid.pk).care_team.get(role="gp").user)
    page = client.get(reverse("plans:plan", args=[ingrid.pk]))
    assert "Ingrid's own words on the medicine" in page.text and "kvalm om morgenen" in page.text


def test_tore_is_on_the_pathway_with_four_self_reports_and_two_sessions_ahead(demo):
    _ingrid, tore = demo
    episode = tore.episodes.get()
    assert episode.template.key == "medication-pedagogy" and episode.status == "active"
    assert (
        list(Appointment.objects.filter(episode=episode).values_list("status", flat=True))
        == ["done"] * 4 + ["planned"] * 2
    )
    scheduled = ScheduledQuestionnaire.objects.filter(episode=episode)
    assert scheduled.count() == 6 and scheduled.filter(answered_at__isnull=False).count() == 4
    means = [
        float(s.total) for s in Score.objects.filter(citizen=tore, instrument="medication").order_by("effective_at")
    ]
    assert means == [3.2, 4.4, 5.8, 7.0]
    assert MedicationWords.objects.filter(citizen=tore).exists()
