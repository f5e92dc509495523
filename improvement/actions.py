"""Who may do what with an improvement team, and every change to one.

* A **leader** of the unit (``people.access.units_led_by``, which includes the units under the ones
  they lead) makes a team, chooses its members among the unit's staff and sets its aim;
* the team's **members** and the unit's leaders open the team's pages, record PDSA cycles and answer
  the checklist;
* everyone else — other staff, care-team members from other organisations, citizens — gets nothing:
  ``team_for`` answers 404 whether or not the team exists, and the actions raise PermissionDenied.

Each action checks everything first and raises ``ValidationError`` naming the form's field, before any
row is written: nothing is half-saved. A team's rows are the staff's own work, not a citizen's
record; the run charts that read the unit's episodes are logged as aggregate reads by the views.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from insights.series import MEASURES, PERCENT
from people.access import is_staff_member, unit_tree, units_led_by
from people.models import Organisation

from .checklist import QUESTIONS
from .models import Aim, ChecklistAnswer, Cycle, Team, TeamMeasure

MAX_VALUE = Decimal("99999.9")


class EditConflict(Exception):
    """The cycle was saved by someone else after the form was opened; nothing was overwritten."""

    def __init__(self, *, theirs):
        super().__init__("edit conflict")
        self.theirs = theirs


# Who ------------------------------------------------------------------------------------


def leads_unit(user, unit_id):
    return unit_id in units_led_by(user)


def may_open(user, team, *, led=None):
    """Members and the unit's leaders; ``led`` is ``units_led_by(user)`` when the caller has it."""
    if not is_staff_member(user):
        return False
    led = units_led_by(user) if led is None else led
    return team.unit_id in led or team.members.filter(pk=user.pk).exists()


def may_see_improvement(user):
    """For the menu: a leader of a unit, or a member of an open team."""
    if not is_staff_member(user):
        return False
    return bool(units_led_by(user)) or Team.objects.open().filter(members=user).exists()


def teams_for(user):
    """The teams ``user`` may open, newest first."""
    if not is_staff_member(user):
        return Team.objects.none()
    led = units_led_by(user)
    return (
        Team.objects.filter(
            Q(unit_id__in=list(led)) | Q(pk__in=Team.members.through.objects.filter(user=user).values("team_id"))
        )
        .select_related("unit", "aim")
        .order_by("ended_at", "-created_at", "-id")
    )


def team_for(user, team_id):
    """The team if ``user`` may open it, else 404 — the same answer whether or not it exists."""
    team = Team.objects.select_related("unit", "aim").filter(pk=team_id).first()
    if team is None or not may_open(user, team):
        raise Http404
    return team


def eligible_members(unit_ids):
    """Active staff of ``unit_ids`` and the units under them, who may be chosen as members."""
    return (
        get_user_model()
        .objects.filter(is_active=True, staff_profile__organisation_id__in=list(unit_tree(unit_ids)))
        .select_related("staff_profile__organisation")
        .order_by("first_name", "last_name", "username")
    )


def units_to_choose(user):
    """The units a leader may make a team in."""
    return Organisation.objects.filter(pk__in=list(units_led_by(user))).order_by("name")


def _require_member_or_leader(user, team):
    if not may_open(user, team):
        raise PermissionDenied
    if not team.is_open:
        raise ValidationError(_("The team has ended. Its pages can be read, not changed."))


# The team and its aim -----------------------------------------------------------------


@dataclass
class AimText:
    text: str = ""
    measure: str = ""
    target_value: Decimal | None = None
    target_date: datetime.date | None = None


def _check_aim(aim, *, today):
    errors = {}
    if not (aim.text or "").strip():
        errors["aim_text"] = _(
            "Write the aim: what you want to reach, and by when "
            "(for example: 90 % first contact within 7 days by June)."
        )
    measure = MEASURES.get(aim.measure or "")
    if not aim.measure:
        errors["aim_measure"] = _(
            "An aim needs a measure: choose the figure that will show whether you reach it. Nothing was saved."
        )
    elif measure is None:
        errors["aim_measure"] = _("Choose one of the measures in the list.")
    if aim.target_value is None:
        errors["target_value"] = _("Write the target as a number, for example 90.")
    elif aim.target_value < 0 or aim.target_value > MAX_VALUE:
        errors["target_value"] = _("The target must be a number from 0 upwards.")
    elif measure is not None and measure.unit == PERCENT and aim.target_value > 100:
        errors["target_value"] = _("This measure is a percentage: the target must be from 0 to 100.")
    if aim.target_date is None:
        errors["target_date"] = _("Write the date by which you want to reach the target.")
    elif aim.target_date <= today:
        errors["target_date"] = _("The date to reach the target must be after today.")
    return errors


def _check_team(*, acting_user, unit, name, members, aim, measures, today):
    if unit is None or not leads_unit(acting_user, unit.pk):
        raise PermissionDenied
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Give the team a name.")
    allowed = set(eligible_members([unit.pk]).values_list("pk", flat=True))
    if any(member.pk not in allowed for member in members):
        errors["members"] = _("Members are chosen among the staff of the team's unit.")
    elif not members:
        errors["members"] = _("Choose at least one member.")
    errors |= _check_aim(aim, today=today)
    unknown = [key for key in measures if key not in MEASURES]
    if unknown:
        errors["measures"] = _("Choose the measures from the list.")
    if errors:
        raise ValidationError(errors)
    keys = [aim.measure, *[key for key in measures if key != aim.measure]]
    return list(dict.fromkeys(keys))


def _save_measures(team, keys):
    team.measures.exclude(measure__in=keys).delete()
    existing = set(team.measures.values_list("measure", flat=True))
    for order, key in enumerate(keys):
        if key in existing:
            team.measures.filter(measure=key).update(order=order)
        else:
            TeamMeasure.objects.create(team=team, measure=key, order=order)


@transaction.atomic(durable=True)
def create_team(*, acting_user, unit, name, members, aim: AimText, measures=()):
    """A new team in ``unit`` (which ``acting_user`` leads), with its members, aim and measures."""
    keys = _check_team(
        acting_user=acting_user,
        unit=unit,
        name=name,
        members=members,
        aim=aim,
        measures=measures,
        today=timezone.localdate(),
    )
    team = Team.objects.create(unit=unit, name=name.strip(), created_by=acting_user)
    team.members.set(members)
    Aim.objects.create(
        team=team,
        text=aim.text.strip(),
        measure=aim.measure,
        target_value=aim.target_value,
        target_date=aim.target_date,
        changed_by=acting_user,
    )
    _save_measures(team, keys)
    return team


@transaction.atomic(durable=True)
def change_team(team, *, acting_user, name, members, aim: AimText, measures=()):
    """A leader changes the team's name, members, aim or measures."""
    team = Team.objects.select_for_update().select_related("unit").get(pk=team.pk)
    if not team.is_open:
        raise ValidationError(_("The team has ended. Its pages can be read, not changed."))
    keys = _check_team(
        acting_user=acting_user,
        unit=team.unit,
        name=name,
        members=members,
        aim=aim,
        measures=measures,
        today=timezone.localdate(),
    )
    team.name = name.strip()
    team.save(update_fields=["name"])
    team.members.set(members)
    Aim.objects.update_or_create(
        team=team,
        defaults={
            "text": aim.text.strip(),
            "measure": aim.measure,
            "target_value": aim.target_value,
            "target_date": aim.target_date,
            "changed_by": acting_user,
        },
    )
    _save_measures(team, keys)
    return team


# PDSA cycles -------------------------------------------------------------------------------


@dataclass
class CycleText:
    change: str = ""
    prediction: str = ""
    starts_on: datetime.date | None = None
    do_notes: str = ""
    study_notes: str = ""
    act: str = ""
    act_note: str = ""


def _check_cycle(team, text):
    errors = {}
    if not (text.change or "").strip():
        errors["change"] = _("Plan: write the change you will try.")
    if not (text.prediction or "").strip():
        errors["prediction"] = _("Plan: write what you predict will happen.")
    made = timezone.localdate(team.created_at)
    if text.starts_on is None:
        errors["starts_on"] = _("Plan: write the date the change starts.")
    elif text.starts_on < made:
        errors["starts_on"] = _("The cycle cannot start before the team was made (%(date)s).") % {
            "date": made.strftime("%d.%m.%Y")
        }
    if text.act and text.act not in Cycle.Act.values:
        errors["act"] = _("Choose adopt, adapt or abandon.")
    elif text.act and not (text.act_note or "").strip():
        errors["act_note"] = _("Act: say why you chose this, and what you do next.")
    if errors:
        raise ValidationError(errors)


def _fill(cycle, text, acting_user):
    cycle.change = text.change.strip()
    cycle.prediction = text.prediction.strip()
    cycle.starts_on = text.starts_on
    cycle.do_notes = (text.do_notes or "").strip()
    cycle.study_notes = (text.study_notes or "").strip()
    cycle.act = text.act or ""
    cycle.act_note = (text.act_note or "").strip()
    cycle.updated_by = acting_user


@transaction.atomic(durable=True)
def add_cycle(team, *, acting_user, text: CycleText):
    """A new PDSA cycle, numbered after the team's last one."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    _require_member_or_leader(acting_user, team)
    _check_cycle(team, text)
    number = (team.cycles.aggregate(last=Max("number"))["last"] or 0) + 1
    cycle = Cycle(team=team, number=number, created_by=acting_user)
    _fill(cycle, text, acting_user)
    cycle.save()
    return cycle


@transaction.atomic(durable=True)
def update_cycle(cycle, *, acting_user, text: CycleText, expected_updated_at=None):
    """The cycle's later steps (do, study, act) or a corrected plan. ``expected_updated_at`` is when
    the cycle was saved as the form was opened; a later save by someone else is an ``EditConflict``."""
    saved = Cycle.objects.select_for_update().select_related("team").get(pk=cycle.pk)
    _require_member_or_leader(acting_user, saved.team)
    if expected_updated_at is not None and saved.updated_at != expected_updated_at:
        raise EditConflict(theirs=saved)
    _check_cycle(saved.team, text)
    _fill(saved, text, acting_user)
    saved.save()
    return saved


# The checklist ------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def answer_checklist(team, *, acting_user, answers):
    """``answers``: {question number: (answer, note)}. An empty answer with an empty note removes a
    saved one; a note needs an answer. Only what changed gets a new who and when."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    _require_member_or_leader(acting_user, team)
    errors = {}
    for number, (answer, note) in answers.items():
        if number not in QUESTIONS:
            raise ValidationError(_("There is no such question."))
        if answer and answer not in ChecklistAnswer.Answer.values:
            errors[f"q{number}_answer"] = _("Answer yes, partly or no.")
        elif not answer and (note or "").strip():
            errors[f"q{number}_answer"] = _("Answer yes, partly or no, so that the note is saved with an answer.")
    if errors:
        raise ValidationError(errors)
    saved = {row.question: row for row in team.checklist.all()}
    now = timezone.now()
    for number, (answer, note) in sorted(answers.items()):
        note = (note or "").strip()
        row = saved.get(number)
        if not answer:
            if row is not None:
                row.delete()
            continue
        if row is None:
            ChecklistAnswer.objects.create(
                team=team, question=number, answer=answer, note=note, answered_by=acting_user, answered_at=now
            )
        elif (row.answer, row.note) != (answer, note):
            row.answer, row.note, row.answered_by, row.answered_at = answer, note, acting_user, now
            row.save()
    return team
