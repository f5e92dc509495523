"""Relatives with the citizen's consent: who may know what, a login of their own, revocation at once,
and what is refused (each refusal a clear message, nothing half-saved)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from people import access
from people.models import Block, CareTeamMember
from relatives import actions
from relatives.models import Consent, Relative, RelativeInvitation

PASSWORD = "en-lang-og-god-passfrase"


@pytest.fixture
def own(citizen):
    """The citizen's own grant (they decide)."""
    return access.grant_for(citizen.user, citizen)


@pytest.fixture
def odd(own, citizen):
    return actions.add_relative(own, acting_user=citizen.user, name="Odd Innbygger", relation="sibling", phone="99")


def activate(odd, own, citizen, client, username="odd"):
    code, _invitation = actions.invite_relative(own, odd, acting_user=citizen.user)
    response = client.post(
        reverse("relatives:activate"),
        {"code": code, "username": username, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302, response.content
    odd.refresh_from_db()
    return odd.user


def test_crisis_plan_only_then_revoked_is_refused_at_once_and_logged(own, odd, citizen, client, login):
    actions.give_consent(own, odd, ["crisis_plan"], acting_user=citizen.user)
    relative_user = activate(odd, own, citizen, client)

    assert client.get(reverse("plans:crisis_plan", args=[citizen.pk])).status_code == 200
    for name in ("people:citizen", "measures:overview", "journal:list", "relatives:list", "pathways:episodes"):
        assert client.get(reverse(name, args=[citizen.pk])).status_code == 403, name
    home = client.get(reverse("relatives:home"))
    assert home.status_code == 200
    assert reverse("plans:crisis_plan", args=[citizen.pk]) in home.content.decode()

    consent = Consent.objects.open().get(relative=odd)
    login(citizen.user).post(reverse("relatives:revoke", args=[citizen.pk, odd.pk, consent.pk]))
    client.force_login(relative_user, backend="accounts.backends.UserBackend")
    assert client.get(reverse("plans:crisis_plan", args=[citizen.pk])).status_code == 403
    assert AccessEvent.objects.filter(
        actor_id=relative_user.pk, citizen_id=citizen.pk, action="denied", section="crisis_plan"
    ).exists()
    assert "Nothing is shared with you now" in client.get(reverse("relatives:home")).content.decode()


def test_a_relatives_reads_are_in_the_citizens_log_as_a_relative(own, odd, citizen, client):
    actions.give_consent(own, odd, ["crisis_plan"], acting_user=citizen.user)
    relative_user = activate(odd, own, citizen, client)
    client.get(reverse("plans:crisis_plan", args=[citizen.pk]))
    event = AccessEvent.objects.filter(actor_id=relative_user.pk, action="read", section="crisis_plan").get()
    assert (event.ground, event.role, event.citizen_id) == ("care_team", "relative", citizen.pk)


def test_without_consent_a_relative_with_a_login_sees_nothing(own, odd, citizen, client):
    relative_user = activate(odd, own, citizen, client)
    assert access.grant_for(relative_user, citizen).sections == frozenset()
    assert client.get(reverse("plans:crisis_plan", args=[citizen.pk])).status_code == 403


def test_changing_a_consent_keeps_the_earlier_one_and_the_login_follows(own, odd, citizen, client):
    first = actions.give_consent(own, odd, ["plan"], acting_user=citizen.user)
    relative_user = activate(odd, own, citizen, client)
    assert access.grant_for(relative_user, citizen).sections == {"plan"}
    second = actions.give_consent(own, odd, ["crisis_plan", "overview"], acting_user=citizen.user)
    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    assert second.sections == ["overview", "crisis_plan"]  # the registry's order
    assert access.grant_for(relative_user, citizen).sections == {"overview", "crisis_plan"}


def test_a_block_wins_over_a_consent(own, odd, citizen, client):
    actions.give_consent(own, odd, ["crisis_plan"], acting_user=citizen.user)
    relative_user = activate(odd, own, citizen, client)
    Block.objects.create(citizen=citizen, blocked_user=relative_user, created_by=citizen.user)
    assert access.grant_for(relative_user, citizen) is None
    assert client.get(reverse("plans:crisis_plan", args=[citizen.pk])).status_code == 404


def test_removing_a_relative_revokes_and_ends_the_login(own, odd, citizen, client, login):
    actions.give_consent(own, odd, ["crisis_plan"], acting_user=citizen.user)
    relative_user = activate(odd, own, citizen, client)
    login(citizen.user).post(reverse("relatives:remove", args=[citizen.pk, odd.pk]))
    assert access.grant_for(relative_user, citizen) is None
    assert not Consent.objects.open().filter(relative=odd).exists()
    assert CareTeamMember.objects.get(user=relative_user).ended_at is not None


def test_an_invitation_works_once_and_a_newer_one_replaces_it(own, odd, citizen, client):
    first, _ = actions.invite_relative(own, odd, acting_user=citizen.user)
    second, _ = actions.invite_relative(own, odd, acting_user=citizen.user)
    data = {"username": "odd", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post(reverse("relatives:activate"), {**data, "code": first})
    assert "no longer valid" in response.content.decode()
    assert client.post(reverse("relatives:activate"), {**data, "code": second}).status_code == 302
    client.logout()
    response = client.post(reverse("relatives:activate"), {**data, "code": second, "username": "odd2"})
    assert "already been used" in response.content.decode()
    assert RelativeInvitation.objects.filter(used_at__isnull=False).count() == 1


# Who may do what --------------------------------------------------------------------------------


def test_the_coordinator_records_a_consent_only_confirmed_with_the_citizen(citizen, coordinator, login):
    grant = access.grant_for(coordinator, citizen)
    odd = actions.add_relative(grant, acting_user=coordinator, name="Odd", relation="sibling")
    url = reverse("relatives:consent", args=[citizen.pk, odd.pk])
    response = login(coordinator).post(url, {"sections": ["crisis_plan"]})
    assert response.status_code == 400
    assert "Record a consent only when the citizen has said so" in response.content.decode()
    assert b'value="crisis_plan"' in response.content and b"checked" in response.content  # kept what was ticked
    assert not Consent.objects.exists()
    response = login(coordinator).post(url, {"sections": ["crisis_plan"], "confirmed_with_citizen": "on"})
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.by_citizen, consent.recorded_by) == (False, coordinator)


def test_a_gp_without_the_section_is_refused_and_logged(citizen, care_team_member, gp, login, odd):
    response = login(gp).get(reverse("relatives:list", args=[citizen.pk]))
    assert response.status_code == 403
    assert AccessEvent.objects.filter(actor_id=gp.pk, action="denied", section="relatives").exists()
    assert login(gp).post(reverse("relatives:add", args=[citizen.pk]), {"name": "X"}).status_code == 403


def test_a_member_with_the_section_reads_but_does_not_decide(citizen, care_team_member, gp, login, odd):
    care_team_member.sections = [*care_team_member.sections, "relatives"]
    care_team_member.save()
    assert login(gp).get(reverse("relatives:list", args=[citizen.pk])).status_code == 200
    url = reverse("relatives:consent", args=[citizen.pk, odd.pk])
    assert login(gp).post(url, {"sections": ["plan"], "confirmed_with_citizen": "on"}).status_code == 403
    assert not Consent.objects.exists()


def test_the_relatives_own_needs_are_hidden_from_the_citizen_unless_they_agree(own, odd, citizen, coordinator, login):
    grant = access.grant_for(coordinator, citizen)
    actions.record_support(
        grant,
        odd,
        acting_user=coordinator,
        conversation_offered_on=timezone.localdate(),
        conversation_held_on=None,
        own_needs="Trenger avlastning i helgene",
        needs_shared_with_citizen=False,
    )
    url = reverse("relatives:relative", args=[citizen.pk, odd.pk])
    assert "avlastning" not in login(citizen.user).get(url).content.decode()
    assert "avlastning" in login(coordinator).get(url).content.decode()
    odd.refresh_from_db()
    actions.record_support(grant, odd, acting_user=coordinator, needs_shared_with_citizen=True)
    assert "avlastning" in login(citizen.user).get(url).content.decode()


def test_a_staff_member_cannot_be_made_a_relative_on_the_team(citizen, coordinator, gp):
    grant = access.grant_for(coordinator, citizen)
    from django.core.exceptions import ValidationError

    from people.actions import add_care_team_member

    with pytest.raises(ValidationError, match="Relatives page"):
        add_care_team_member(grant, acting_user=coordinator, user=gp, role=CareTeamMember.Role.RELATIVE)


# Bad input --------------------------------------------------------------------------------------


def test_consent_for_a_section_that_does_not_exist_is_refused_and_the_old_one_stands(own, odd, citizen, login):
    actions.give_consent(own, odd, ["crisis_plan"], acting_user=citizen.user)
    url = reverse("relatives:consent", args=[citizen.pk, odd.pk])
    response = login(citizen.user).post(url, {"sections": ["crisis_plan", "secret_diary"]})
    assert response.status_code == 400
    assert "secret_diary is not one of the available choices" in response.content.decode()
    assert list(Consent.objects.open().values_list("sections", flat=True)) == [["crisis_plan"]]


def test_consent_to_the_relatives_section_itself_is_refused(own, odd, citizen):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="not parts of the record"):
        actions.give_consent(own, odd, ["relatives"], acting_user=citizen.user)


def test_a_relative_without_a_name_is_refused_and_what_was_typed_is_kept(citizen, login):
    response = login(citizen.user).post(
        reverse("relatives:add", args=[citizen.pk]), {"name": "   ", "relation": "sibling", "phone": "912 34 567"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "This field is required" in content or "Write the relative" in content
    assert 'value="912 34 567"' in content
    assert not Relative.objects.exists()


def test_revoking_twice_says_when_it_was_revoked(own, odd, citizen, login):
    consent = actions.give_consent(own, odd, ["crisis_plan"], acting_user=citizen.user)
    url = reverse("relatives:revoke", args=[citizen.pk, odd.pk, consent.pk])
    client = login(citizen.user)
    client.post(url)
    response = client.post(url, follow=True)
    assert "This consent was already revoked on" in response.content.decode()
    assert Consent.objects.get().revoked_at is not None


def test_a_conversation_held_before_it_was_offered_or_in_the_future_is_refused(citizen, coordinator, login, odd):
    today = timezone.localdate()
    url = reverse("relatives:support", args=[citizen.pk, odd.pk])
    response = login(coordinator).post(
        url,
        {
            "conversation_offered_on": today.isoformat(),
            "conversation_held_on": (today - datetime.timedelta(days=3)).isoformat(),
            "own_needs": "Vil vite mer",
        },
    )
    assert response.status_code == 400
    assert "cannot be held before it was offered" in response.content.decode()
    assert "Vil vite mer" in response.content.decode()
    odd.refresh_from_db()
    assert odd.own_needs == "" and odd.conversation_offered_on is None
    response = login(coordinator).post(url, {"conversation_offered_on": (today + datetime.timedelta(days=1))})
    assert "cannot be in the future" in response.content.decode()


def test_many_wrong_invitation_codes_lock_the_device_out_and_a_right_one_then_waits(
    own, odd, citizen, client, settings
):
    code, _invitation = actions.invite_relative(own, odd, acting_user=citizen.user)
    data = {"username": "odd", "password1": PASSWORD, "password2": PASSWORD}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("relatives:activate"), {**data, "code": "WRONG WRONG"})
    response = client.post(reverse("relatives:activate"), {**data, "code": code})
    assert response.status_code == 429
    assert "Too many wrong codes" in response.content.decode()
    odd.refresh_from_db()
    assert odd.user is None


def test_a_relative_reads_what_the_consent_covers_and_writes_nothing(own, odd, citizen, client, phq9):
    """Consent to notes, pathway, measures and the plan lets a relative read them, never write in them."""
    from journal.models import Note
    from measures.models import QuestionnaireResponse
    from pathways.models import Episode
    from plans.models import PlanComment

    actions.give_consent(own, odd, ["notes", "pathway", "measures", "plan"], acting_user=citizen.user)
    activate(odd, own, citizen, client)
    assert client.get(reverse("journal:list", args=[citizen.pk])).status_code == 200
    assert client.post(reverse("journal:new", args=[citizen.pk]), {"kind": "standard"}).status_code == 403
    assert client.post(reverse("pathways:referral", args=[citizen.pk]), {}).status_code == 403
    assert client.post(reverse("measures:start", args=[citizen.pk, phq9.pk])).status_code == 403
    assert not Note.objects.exists() and not Episode.objects.exists()
    assert not QuestionnaireResponse.objects.exists() and not PlanComment.objects.exists()
