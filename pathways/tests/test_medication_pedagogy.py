"""The shipped medication-pedagogy template: it imports, every step is valid, and each session asks the
citizen's own self-report about their medicine."""

import datetime
import json
from pathlib import Path

from django.core.management import call_command
from django.utils import timezone

from journal.models import Note
from pathways import actions
from pathways.management.commands.import_pathways import SHIPPED
from pathways.models import Appointment, Episode, PathwayTemplate, ScheduledQuestionnaire

QUESTIONNAIRES = Path(__file__).resolve().parents[2] / "measures" / "questionnaires"
STRUCTURE = (
    "Hva er medisinen for?",
    "Virkninger og bivirkninger",
    "Hva ønsker personen å endre",
    "Avtale med fastlegen",
)


def shipped_questionnaire_keys():
    return {json.loads(path.read_text(encoding="utf-8"))["id"] for path in QUESTIONNAIRES.glob("*.json")}


def test_the_template_imports_and_every_step_validates(db, capsys):
    assert (SHIPPED / "medication-pedagogy.json").is_file()
    call_command("import_pathways", "--shipped")
    assert "imported medication-pedagogy" in capsys.readouterr().out
    template = PathwayTemplate.objects.get(key="medication-pedagogy")
    template.full_clean()
    steps = list(template.steps.all())
    assert [(s.title, s.repeat_count) for s in steps] == [
        ("Første samtale: min medisin", 1),
        ("Samtale om medisinen", 4),
        ("Avslutning og avtale med fastlegen", 1),
    ]
    for step in steps:
        step.full_clean()
        assert step.kind == "contact" and step.contact_kind == "office"
        assert step.questionnaire == "medication-self-report"
        assert step.note_template in Note.Kind.values
        for part in STRUCTURE:  # the fixed structure of every session
            assert part in step.structure, (step.title, part)
    assert template.evaluation_questionnaire in shipped_questionnaire_keys()
    assert {step.questionnaire for step in steps} <= shipped_questionnaire_keys()
    call_command("import_pathways", "--shipped")  # a second import keeps what the admin may have changed
    assert "kept medication-pedagogy" in capsys.readouterr().out
    assert template.steps.count() == 3


def test_each_session_schedules_the_self_report(templates, grant, coordinator, municipality, first_session):
    episode = actions.register_referral(
        grant,
        acting_user=coordinator,
        template=templates["medication-pedagogy"],
        received=timezone.localdate(),
        source=Episode.Source.GP,
        reason="Vil forstå medisinen sin bedre",
        unit=municipality,
    )
    actions.start_episode(grant, episode, acting_user=coordinator, first_session_at=first_session, staff=coordinator)
    sessions = list(Appointment.objects.filter(episode=episode).order_by("starts_at"))
    assert len(sessions) == 6
    assert sessions[-1].starts_at - sessions[0].starts_at == datetime.timedelta(days=70)
    scheduled = ScheduledQuestionnaire.objects.filter(episode=episode).order_by("due_on")
    assert [s.questionnaire_key for s in scheduled] == ["medication-self-report"] * 6
    assert sorted(s.appointment_id for s in scheduled) == sorted(a.pk for a in sessions)
    assert [s.reason for s in scheduled] == ["start", "session", "session", "session", "session", "end"]
