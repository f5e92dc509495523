"""The individual plan as versions: proposal, approval, activation, and no overwritten work."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AccessEvent
from people.access import grant_for
from people.models import CareTeamMember
from plans import actions
from plans.models import AssessmentArea, PlanIntervention, PlanText, PlanVersion

from .helpers import complete


@pytest.fixture
def coordinator_grant(coordinator, citizen):
    return grant_for(coordinator, citizen)


@pytest.fixture
def draft(coordinator_grant, coordinator):
    return actions.start_draft(coordinator_grant, acting_user=coordinator)


def text(version, key):
    return PlanText.objects.get(version=version, key=key)


def test_a_new_plan_starts_as_proposal_one_with_all_text_sections(draft):
    assert (draft.number, draft.status) == (1, "draft")
    assert set(draft.texts.values_list("key", flat=True)) == set(PlanText.Key.values)
    assert draft.next_revision is not None


def test_starting_again_returns_the_open_proposal(coordinator_grant, coordinator, draft):
    assert actions.start_draft(coordinator_grant, acting_user=coordinator).pk == draft.pk


def test_only_the_coordinator_edits_the_plan(citizen, gp, care_team_member, draft):
    with pytest.raises(PermissionDenied):
        actions.save_text(grant_for(gp, citizen), draft, "what_matters", "x", expected_revision=0, acting_user=gp)


def test_a_second_editors_stale_save_is_refused_and_both_texts_are_kept(coordinator_grant, coordinator, draft):
    actions.save_text(
        coordinator_grant, draft, "what_matters", "Kari's words", expected_revision=0, acting_user=coordinator
    )
    with pytest.raises(actions.EditConflict) as conflict:
        actions.save_text(
            coordinator_grant,
            draft,
            "what_matters",
            "Second editor's words",
            expected_revision=0,
            acting_user=coordinator,
        )
    assert conflict.value.theirs == "Kari's words"
    assert conflict.value.yours == "Second editor's words"
    assert text(draft, "what_matters").text == "Kari's words"


def test_every_save_is_logged_with_its_scope(coordinator_grant, coordinator, draft, citizen):
    actions.save_text(
        coordinator_grant, draft, "finance", "Nav styrer husleie", expected_revision=0, acting_user=coordinator
    )
    event = AccessEvent.objects.filter(citizen_id=citizen.pk, action="write").latest("id")
    assert event.section == "finance"


def test_an_intervention_needs_a_responsible_member_and_nothing_is_half_saved(coordinator_grant, coordinator, draft):
    with pytest.raises(ValidationError) as error:
        actions.save_intervention(coordinator_grant, draft, acting_user=coordinator, what="Samtale", responsible=None)
    assert "responsible" in error.value.message_dict
    draft.refresh_from_db()
    assert draft.content_revision == 0


def test_a_crisis_plan_needs_someone_to_contact(coordinator_grant, coordinator, draft):
    with pytest.raises(ValidationError) as error:
        actions.save_crisis_plan(
            coordinator_grant,
            draft,
            acting_user=coordinator,
            situation="worry",
            warning_signs="Trekker meg unna",
            what_is_done="Ringe",
            contacts=[],
        )
    assert "contacts" in error.value.message_dict


def test_a_revision_date_in_the_past_is_refused(coordinator_grant, coordinator, draft):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        actions.save_period(
            coordinator_grant,
            draft,
            acting_user=coordinator,
            expected_revision=draft.content_revision,
            period_start=today,
            period_end=today + datetime.timedelta(days=30),
            next_revision=today - datetime.timedelta(days=1),
            consent_to_plan=True,
            consent_to_sharing=True,
        )
    assert "next_revision" in error.value.message_dict


def test_the_nine_contents_are_listed_until_present(coordinator_grant, coordinator, draft, citizen, care_team_member):
    assert len(actions.missing_contents(draft)) == 8  # only the coordinator (3) is there from the start
    draft = complete(coordinator_grant, draft, coordinator, citizen, care_team_member)
    assert actions.missing_contents(draft) == []


def test_the_citizen_approves_what_they_saw_and_a_stale_approval_is_refused(
    coordinator_grant, coordinator, draft, citizen, care_team_member
):
    draft = complete(coordinator_grant, draft, coordinator, citizen, care_team_member)
    seen = draft.content_revision
    actions.save_text(coordinator_grant, draft, "what_matters", "Endret", expected_revision=0, acting_user=coordinator)
    citizen_grant = grant_for(citizen.user, citizen)
    with pytest.raises(ValidationError, match="changed since you opened it"):
        actions.approve(citizen_grant, draft, acting_user=citizen.user, seen_revision=seen)
    draft.refresh_from_db()
    approved = actions.approve(citizen_grant, draft, acting_user=citizen.user, seen_revision=draft.content_revision)
    assert approved.status == "approved"


def test_with_a_guardian_both_must_approve(
    coordinator_grant, coordinator, draft, citizen, make_staff, care_team_member
):
    draft = complete(coordinator_grant, draft, coordinator, citizen, care_team_member)
    guardian = make_staff("verge")
    CareTeamMember.objects.create(citizen=citizen, user=guardian, role="guardian", sections=["plan"])
    citizen_grant = grant_for(citizen.user, citizen)
    version = actions.approve(citizen_grant, draft, acting_user=citizen.user, seen_revision=draft.content_revision)
    assert version.status == "draft"
    version = actions.approve(
        grant_for(guardian, citizen), version, acting_user=guardian, seen_revision=version.content_revision
    )
    assert version.status == "approved" and version.approved_by_guardian == guardian


def test_activation_needs_a_complete_approved_plan_and_archives_the_old_one(
    coordinator_grant, coordinator, draft, citizen, care_team_member
):
    citizen_grant = grant_for(citizen.user, citizen)
    draft = complete(coordinator_grant, draft, coordinator, citizen, care_team_member)
    with pytest.raises(ValidationError, match="Only an approved plan"):
        actions.activate(coordinator_grant, draft, acting_user=coordinator)
    draft = actions.approve(citizen_grant, draft, acting_user=citizen.user, seen_revision=draft.content_revision)
    first = actions.activate(coordinator_grant, draft, acting_user=coordinator)
    assert first.status == "active"

    second = actions.start_draft(coordinator_grant, acting_user=coordinator)
    assert second.number == 2 and second.based_on == first
    assert text(second, "participants").text == text(first, "participants").text
    assert AssessmentArea.objects.filter(version=second).count() == 1
    second = actions.approve(citizen_grant, second, acting_user=citizen.user, seen_revision=second.content_revision)
    actions.activate(coordinator_grant, second, acting_user=coordinator)
    first.refresh_from_db()
    assert first.status == "archived"
    assert PlanVersion.objects.filter(citizen=citizen, status="active").get() == second


def test_an_approved_or_active_version_cannot_be_edited(
    coordinator_grant, coordinator, draft, citizen, care_team_member
):
    draft = complete(coordinator_grant, draft, coordinator, citizen, care_team_member)
    actions.approve(
        grant_for(citizen.user, citizen), draft, acting_user=citizen.user, seen_revision=draft.content_revision
    )
    draft.refresh_from_db()
    with pytest.raises(ValidationError, match="Only a proposal"):
        actions.save_text(coordinator_grant, draft, "what_matters", "x", expected_revision=0, acting_user=coordinator)


def test_an_incomplete_proposal_cannot_be_approved(coordinator_grant, coordinator, draft, citizen):
    """Approving a half-made plan would lock it: it could neither be edited nor put into effect."""
    with pytest.raises(ValidationError, match="not finished yet"):
        actions.approve(
            grant_for(citizen.user, citizen), draft, acting_user=citizen.user, seen_revision=draft.content_revision
        )
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.approved_by_citizen_at is None


def test_a_change_after_one_approval_withdraws_it(
    coordinator_grant, coordinator, draft, citizen, make_staff, care_team_member
):
    """The guardian approved version A; the coordinator changes it; the citizen's approval must not complete B."""
    draft = complete(coordinator_grant, draft, coordinator, citizen, care_team_member)
    guardian = make_staff("verge")
    CareTeamMember.objects.create(citizen=citizen, user=guardian, role="guardian", sections=["plan"])
    actions.approve(grant_for(guardian, citizen), draft, acting_user=guardian, seen_revision=draft.content_revision)
    actions.save_text(
        coordinator_grant, draft, "what_matters", "Ny tekst", expected_revision=0, acting_user=coordinator
    )
    draft.refresh_from_db()
    assert draft.approved_by_guardian_at is None and draft.approved_by_guardian is None
    draft = actions.approve(
        grant_for(citizen.user, citizen), draft, acting_user=citizen.user, seen_revision=draft.content_revision
    )
    assert draft.status == "draft"  # still waits for the guardian to approve what is there now


def test_an_approved_proposal_is_opened_again_for_changes_and_must_be_approved_again(
    coordinator_grant, coordinator, draft, citizen, care_team_member
):
    draft = complete(coordinator_grant, draft, coordinator, citizen, care_team_member)
    draft = actions.approve(
        grant_for(citizen.user, citizen), draft, acting_user=citizen.user, seen_revision=draft.content_revision
    )
    assert draft.status == "approved"
    reopened = actions.start_draft(coordinator_grant, acting_user=coordinator)
    assert reopened.pk == draft.pk
    assert reopened.status == "draft" and reopened.approved_by_citizen_at is None
    assert reopened.content_revision > draft.content_revision
    assert AccessEvent.objects.filter(detail=f"reopened plan proposal {draft.number}").exists()


def test_a_life_area_is_assessed_once_per_version(coordinator_grant, coordinator, draft):
    actions.save_assessment(coordinator_grant, draft, acting_user=coordinator, life_area="housing", needs="Hjelp")
    with pytest.raises(ValidationError) as error:
        actions.save_assessment(coordinator_grant, draft, acting_user=coordinator, life_area="housing", needs="Mer")
    assert "life_area" in error.value.error_dict
    assert AssessmentArea.objects.filter(version=draft).count() == 1


def test_a_save_sets_only_the_rows_own_fields(coordinator_grant, coordinator, draft, care_team_member):
    with pytest.raises(TypeError):
        actions.save_intervention(
            coordinator_grant, draft, acting_user=coordinator, what="x", responsible=care_team_member, version_id=999
        )
    with pytest.raises(TypeError):
        actions.save_period(
            coordinator_grant,
            draft,
            acting_user=coordinator,
            expected_revision=draft.content_revision,
            period_start=None,
            period_end=None,
            next_revision=None,
            consent_to_plan=False,
            consent_to_sharing=False,
            status="active",
        )
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_changed_row_is_saved_and_a_stale_change_shows_theirs(
    coordinator_grant, coordinator, draft, care_team_member
):
    intervention = actions.save_intervention(
        coordinator_grant, draft, acting_user=coordinator, what="Samtale", responsible=care_team_member
    )
    fields = {"what": "Samtale hver uke", "responsible": care_team_member, "how": "", "frequency": "Ukentlig"}
    saved = actions.save_intervention(
        coordinator_grant, draft, acting_user=coordinator, row=intervention, expected_revision=0, **fields
    )
    assert (saved.what, saved.revision) == ("Samtale hver uke", 1)
    with pytest.raises(actions.EditConflict) as conflict:
        actions.save_intervention(
            coordinator_grant,
            draft,
            acting_user=coordinator,
            row=intervention,
            expected_revision=0,
            **{**fields, "what": "Annet"},
        )
    assert conflict.value.theirs.what == "Samtale hver uke"
    with pytest.raises(ValidationError):
        actions.delete_row(coordinator_grant, draft, saved, acting_user=coordinator, expected_revision=0)
    actions.delete_row(coordinator_grant, draft, saved, acting_user=coordinator, expected_revision=1)
    assert not PlanIntervention.objects.filter(pk=saved.pk).exists()
