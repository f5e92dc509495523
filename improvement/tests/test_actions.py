"""The rules of an improvement team: who makes it, what an aim must hold, what a cycle and the
checklist need. Everything refused is refused before a row is written."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from improvement import actions
from improvement.models import Aim, ChecklistAnswer, Cycle, Team, TeamMeasure

from .conftest import aim, backdate, cycle_text


def _make(unit_leader, municipality, member, **changes):
    values = {
        "acting_user": unit_leader,
        "unit": municipality,
        "name": "Raskere første kontakt",
        "members": [member],
        "aim": aim(),
        "measures": [],
    }
    return actions.create_team(**(values | changes))


def _nothing_saved():
    assert (Team.objects.count(), Aim.objects.count(), TeamMeasure.objects.count()) == (0, 0, 0)


def test_a_leader_makes_a_team_with_its_aim_and_measures(unit_leader, municipality, member):
    team = _make(unit_leader, municipality, member, measures=["completed_share", "first_contact_within_deadline"])
    assert list(team.members.all()) == [member]
    assert team.aim.measure == "first_contact_within_deadline" and team.aim.target_value == Decimal("90")
    # The aim's measure comes first and only once.
    assert list(team.measures.values_list("measure", flat=True)) == ["first_contact_within_deadline", "completed_share"]


def test_an_aim_without_a_measure_is_refused_and_nothing_is_saved(unit_leader, municipality, member):
    with pytest.raises(ValidationError) as refused:
        _make(unit_leader, municipality, member, aim=aim(measure=""), measures=["completed_share"])
    assert "An aim needs a measure" in refused.value.message_dict["aim_measure"][0]
    _nothing_saved()


def test_an_unknown_measure_is_refused(unit_leader, municipality, member):
    with pytest.raises(ValidationError) as refused:
        _make(unit_leader, municipality, member, aim=aim(measure="happiness"), measures=["'; drop table"])
    assert set(refused.value.message_dict) == {"aim_measure", "measures"}
    _nothing_saved()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"target_date": timezone.localdate()}, "target_date"),
        ({"target_date": timezone.localdate() - datetime.timedelta(days=30)}, "target_date"),
        ({"target_date": None}, "target_date"),
        ({"target_value": Decimal("120")}, "target_value"),
        ({"target_value": Decimal("-1")}, "target_value"),
        ({"target_value": None}, "target_value"),
        ({"text": "   "}, "aim_text"),
    ],
)
def test_an_aim_must_be_concrete_and_measurable(unit_leader, municipality, member, changes, field):
    with pytest.raises(ValidationError) as refused:
        _make(unit_leader, municipality, member, aim=aim(**changes))
    assert field in refused.value.message_dict
    _nothing_saved()


def test_members_are_staff_of_the_unit(unit_leader, municipality, member, gp):
    with pytest.raises(ValidationError) as refused:
        _make(unit_leader, municipality, member, members=[member, gp])
    assert "staff of the team's unit" in refused.value.message_dict["members"][0]
    with pytest.raises(ValidationError):
        _make(unit_leader, municipality, member, members=[])
    _nothing_saved()


def test_only_a_leader_of_the_unit_makes_a_team(coordinator, other_leader, municipality, member):
    for user in (coordinator, other_leader):
        with pytest.raises(PermissionDenied):
            _make(user, municipality, member)
    _nothing_saved()


def test_cycles_are_numbered_and_the_status_follows_the_steps(team, member, unit_leader):
    first = actions.add_cycle(team, acting_user=member, text=cycle_text())
    second = actions.add_cycle(team, acting_user=unit_leader, text=cycle_text(change="Tekstmelding før første time"))
    assert (first.number, second.number, first.label) == (1, 2, "PDSA 1")
    assert first.status == Cycle.Status.PLANNED
    first = actions.update_cycle(
        first,
        acting_user=member,
        text=cycle_text(
            do_notes="Gjort i fire uker.", study_notes="Andelen steg.", act="adopt", act_note="Vi fortsetter."
        ),
        expected_updated_at=first.updated_at,
    )
    assert first.status == Cycle.Status.DECIDED and first.get_act_display().startswith("Adopt")


def test_an_act_decision_needs_a_note(team, member):
    cycle = actions.add_cycle(team, acting_user=member, text=cycle_text())
    with pytest.raises(ValidationError) as refused:
        actions.update_cycle(cycle, acting_user=member, text=cycle_text(act="abandon", do_notes="Prøvd"))
    assert "act_note" in refused.value.message_dict
    cycle.refresh_from_db()
    assert (cycle.act, cycle.do_notes) == ("", "")  # nothing half-saved


def test_a_cycle_needs_its_plan_and_cannot_start_before_the_team(team, member):
    with pytest.raises(ValidationError) as refused:
        actions.add_cycle(team, acting_user=member, text=cycle_text(change="", prediction="", starts_on=None))
    assert set(refused.value.message_dict) == {"change", "prediction", "starts_on"}
    with pytest.raises(ValidationError) as refused:
        actions.add_cycle(
            team, acting_user=member, text=cycle_text(starts_on=timezone.localdate() - datetime.timedelta(days=3))
        )
    assert "before the team was made" in refused.value.message_dict["starts_on"][0]
    assert not Cycle.objects.exists()


def test_a_cycle_may_start_on_any_day_after_the_team_was_made(team, member):
    backdate(team, 90)
    cycle = actions.add_cycle(
        team, acting_user=member, text=cycle_text(starts_on=timezone.localdate() - datetime.timedelta(days=60))
    )
    assert cycle.number == 1


def test_only_members_and_leaders_record_cycles(team, coordinator, other_leader, gp, member):
    for user in (coordinator, other_leader, gp):
        with pytest.raises(PermissionDenied):
            actions.add_cycle(team, acting_user=user, text=cycle_text())
    cycle = actions.add_cycle(team, acting_user=member, text=cycle_text())
    with pytest.raises(PermissionDenied):
        actions.update_cycle(cycle, acting_user=coordinator, text=cycle_text(do_notes="Nei"))
    assert Cycle.objects.count() == 1


def test_a_later_save_by_someone_else_is_a_conflict(team, member, unit_leader):
    cycle = actions.add_cycle(team, acting_user=member, text=cycle_text())
    opened = cycle.updated_at
    actions.update_cycle(
        cycle, acting_user=unit_leader, text=cycle_text(do_notes="Lederens notat"), expected_updated_at=opened
    )
    with pytest.raises(actions.EditConflict):
        actions.update_cycle(
            cycle, acting_user=member, text=cycle_text(do_notes="Mitt notat"), expected_updated_at=opened
        )
    cycle.refresh_from_db()
    assert cycle.do_notes == "Lederens notat"


def test_the_checklist_saves_and_keeps_who_and_when(team, member, unit_leader):
    actions.answer_checklist(team, acting_user=member, answers={1: ("yes", "Ideen om ringelister"), 2: ("partly", "")})
    first = ChecklistAnswer.objects.get(team=team, question=1)
    assert (first.answer, first.note, first.answered_by) == ("yes", "Ideen om ringelister", member)
    # The leader changes question 2 only; question 1 keeps who answered it.
    actions.answer_checklist(
        team, acting_user=unit_leader, answers={1: ("yes", "Ideen om ringelister"), 2: ("no", "Mangler plan")}
    )
    assert ChecklistAnswer.objects.get(team=team, question=1).answered_by == member
    assert ChecklistAnswer.objects.get(team=team, question=2).answered_by == unit_leader
    # An emptied answer is removed.
    actions.answer_checklist(team, acting_user=member, answers={2: ("", "")})
    assert list(team.checklist.values_list("question", flat=True)) == [1]


def test_a_checklist_note_needs_an_answer_and_nothing_is_half_saved(team, member):
    with pytest.raises(ValidationError) as refused:
        actions.answer_checklist(team, acting_user=member, answers={1: ("yes", ""), 3: ("", "Bare et notat")})
    assert set(refused.value.message_dict) == {"q3_answer"}
    assert not ChecklistAnswer.objects.exists()


def test_outsiders_do_not_answer_the_checklist(team, coordinator):
    with pytest.raises(PermissionDenied):
        actions.answer_checklist(team, acting_user=coordinator, answers={1: ("yes", "")})
    assert not ChecklistAnswer.objects.exists()


def test_a_leader_changes_the_aim(team, unit_leader, member, second_member):
    actions.change_team(
        team,
        acting_user=unit_leader,
        name="Første kontakt",
        members=[member, second_member],
        aim=aim(measure="first_contact_median_days", target_value=Decimal("5")),
        measures=["dropped_out_share"],
    )
    team.refresh_from_db()
    assert team.aim.measure == "first_contact_median_days"
    assert list(team.measures.values_list("measure", flat=True)) == ["first_contact_median_days", "dropped_out_share"]
    with pytest.raises(PermissionDenied):
        actions.change_team(team, acting_user=member, name="X", members=[member], aim=aim())
