"""The demo municipality: `make demo` must show a plan and a responsibility group worth looking at, built through
the real actions."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from audit.models import AccessEvent
from groups import actions as group_actions
from groups import learning
from groups.models import Consent, Group, GroupTask, LearningLog, Meeting, Member
from groups.shielding import reader_sections
from measures.models import GoalRating
from people.access import aggregate_scope, grant_for
from people.models import Citizen, Section
from plans import actions
from plans.content import visible_content
from plans.models import PlanComment, PlanVersion

User = get_user_model()
STATUSES = {""} | {key for key, _label in group_actions.PartStatus.CHOICES}


@pytest.fixture
def ingrid(db):
    call_command("seed_demo", citizens=3, verbosity=0)
    return Citizen.objects.get(user__username="innbygger")


def test_ingrid_has_a_complete_plan_in_effect_and_a_proposal_with_her_comment(ingrid):
    active = PlanVersion.objects.active(ingrid)
    assert active is not None and actions.missing_contents(active) == []
    proposal = PlanVersion.objects.open_draft(ingrid)
    assert proposal.number == active.number + 1
    assert PlanComment.objects.filter(version=proposal, author=ingrid.user, resolved_at__isnull=True).exists()


def test_nav_sees_the_finance_agreement_and_not_the_medication_plan(ingrid):
    nav = ingrid.care_team.get(role="nav").user
    content = visible_content(grant_for(nav, ingrid), PlanVersion.objects.active(ingrid))
    assert "finance" in content["texts"] and "medication" not in content["texts"]
    assert content["crisis_plans"] is None


# Ingrid's responsibility group (demo.group_story) and the learning logs the leader's summary counts (demo.bulk).


def test_ingrid_consented_to_her_group_odd_is_shielded_from_the_medication_plan_and_it_keeps_a_log(ingrid):
    group = Group.objects.get(citizen=ingrid)
    agreement = group_actions.current_agreement(group)
    assert group.status == Group.Status.ACTIVE and agreement.citizen_consent == Consent.YES
    members = {member.care_team_member.role: member for member in agreement.members.all()}
    assert members["coordinator"].role == Member.Role.MUNICIPAL_COORDINATOR
    assert members["gp"].user_id == User.objects.get(username="fastlege").pk
    assert members["nav"].user_id == User.objects.get(username="nav").pk
    assert members["relative"].shielded_sections == [Section.MEDICATION]
    nav = User.objects.get(username="nav")
    seen = reader_sections(grant_for(nav, ingrid), nav, agreement)
    assert "group" in seen and Section.MEDICATION not in seen
    # Built through the actions: they wrote the access log.
    assert AccessEvent.objects.filter(citizen_id=ingrid.pk, section="group", action="write").count() > 10
    log = LearningLog.objects.get(group=group)
    assert log.factors.exists() and log.lessons and log.evaluated_on <= timezone.localdate()
    assert "Ingrid" not in log.lessons and "Odd" not in log.lessons


def test_two_meetings_held_with_signed_minutes_the_second_rating_a_goal_and_one_planned_next_month(ingrid):
    group = Group.objects.get(citizen=ingrid)
    first, second = group.meetings.filter(status=Meeting.Status.HELD).order_by("starts_at")
    assert second.starts_at < timezone.now()
    for meeting in (first, second):
        minutes = meeting.minutes.get()
        assert minutes.is_signed and minutes.signed_by.username == "koordinator"
        assert {"goal", "intervention"} <= {part["kind"] for part in minutes.parts}
        assert all(part["status"] in STATUSES for part in minutes.parts)
    assert second.agenda.filter(kind="citizen_point", added_by=ingrid.user, added_by_citizen=True).exists()
    rated = [part for part in second.minutes.get().parts if part.get("rating")]
    assert len(rated) == 1
    ratings = list(GoalRating.objects.filter(goal_id=rated[0]["goal"]).values_list("rating", "rated_at"))
    assert ratings[-1] == (rated[0]["rating"], second.starts_at)
    assert ratings[-1][0] > ratings[-2][0]
    planned = group.meetings.get(status=Meeting.Status.PLANNED)
    today = timezone.localdate()
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    starts_on = timezone.localdate(planned.starts_at)
    assert (starts_on.year, starts_on.month) == (next_month.year, next_month.month)
    assert planned.participants.count() == 4


def test_nav_has_an_open_action_due_in_the_coming_days_and_the_gp_a_done_one(ingrid):
    today = timezone.localdate()
    open_for_nav = GroupTask.objects.filter(citizen=ingrid, responsible_user__username="nav", status__in=GroupTask.OPEN)
    assert open_for_nav.filter(due_on__gte=today, due_on__lte=today + datetime.timedelta(days=7)).exists()
    assert GroupTask.objects.filter(
        citizen=ingrid, responsible_user__username="fastlege", status=GroupTask.Status.COMPLETED
    ).exists()
    assert not GroupTask.objects.filter(citizen=ingrid, status__in=GroupTask.OPEN, due_on__lt=today).exists()


def test_the_leaders_learning_summary_shows_counts_and_lessons(db):
    call_command("seed_demo", verbosity=0)  # the default municipality, 24 citizens
    scope = aggregate_scope(User.objects.get(username="leder"))
    assert Group.objects.filter(citizen__in=scope.citizens(), status=Group.Status.ACTIVE).count() >= 9
    assert LearningLog.objects.filter(citizen__in=scope.citizens()).count() >= 20
    years = learning.learning_summary(scope)
    cells = [
        cell
        for year in years
        for period in year.periods
        for row in period.rows
        if not row.is_all
        for cell in (row.failure, row.success)
    ]
    assert len([cell for cell in cells if cell.shown and cell.value >= 5]) >= 3
    assert [cell for cell in cells if cell.small]
    # The lessons reach the leaders as written: no name, date or number had to be taken out.
    lessons = [text for year in years for text in year.lessons or ()]
    assert len(lessons) >= 10 and len(set(lessons)) == len(lessons)
    assert not [text for text in lessons if learning.REDACTED in text]


def test_odd_may_know_the_crisis_plan_only_after_ingrid_took_back_the_plan(ingrid):
    from relatives.models import Relative

    odd = Relative.objects.get(citizen=ingrid, name="Odd Innbygger")
    consents = list(odd.consents.order_by("given_at").values_list("sections", "revoked_at"))
    assert [sections for sections, _revoked in consents] == [["plan"], ["crisis_plan"]]
    assert consents[0][1] is not None and consents[1][1] is None
    assert odd.member.sections == ["crisis_plan"]  # his care-team row follows the consent


def test_ingrid_asked_for_a_peer_worker_and_has_one_and_a_development_plan(ingrid):
    from recovery.models import DevelopmentPlan, PeerRequest

    peer = ingrid.care_team.get(role="peer_worker")
    assert peer.user.username == "likeperson" and "development_plan" in peer.sections
    assert "crisis_plan" not in peer.sections
    assert PeerRequest.objects.get(citizen=ingrid).answered_at is not None
    assert DevelopmentPlan.objects.get(citizen=ingrid).by_citizen


@pytest.mark.django_db(transaction=True)
def test_seed_demo_runs_outside_a_test_transaction_as_make_demo_runs_it():
    """``make demo`` runs the command with autocommit: an action that needs a transaction and is not
    given one fails there, never inside a test's transaction (the medication story's scores once did;
    PostgreSQL only: SQLite has no SELECT ... FOR UPDATE to refuse)."""
    call_command("seed_demo", citizens=3, verbosity=0)
    assert Citizen.objects.filter(user__username="tore").exists()
