"""Screens of the care team, told as the coordinator's and the citizen's stories."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from people import actions
from people.models import AccessCode, Block, CareTeamMember, Citizen, EmergencyAccess
from tests.helpers import valid_national_id

URGENT = "Akutt krise, trenger plan"


def test_coordinator_sees_the_care_team_and_the_read_is_logged(login, coordinator, citizen, care_team_member):
    response = login(coordinator).get(citizen.get_absolute_url())
    assert response.status_code == 200
    assert care_team_member.display_name in response.text
    event = AccessEvent.objects.get(citizen_id=citizen.pk, action="read", section="overview")
    assert event.actor_id == coordinator.pk and event.ground == "care_team" and event.role == "coordinator"
    # The responsibility group's panel is a part of its own, logged as such.
    assert AccessEvent.objects.filter(citizen_id=citizen.pk, action="read", section="group").count() == 1


def test_outsider_gets_404_and_the_refusal_is_logged(login, outsider, citizen):
    response = login(outsider).get(citizen.get_absolute_url())
    assert response.status_code == 404
    assert AccessEvent.objects.get(citizen_id=citizen.pk).action == "denied"


def test_the_national_id_is_never_in_the_page_in_full(login, coordinator, citizen):
    response = login(coordinator).get(citizen.get_absolute_url())
    assert citizen.national_id not in response.text
    assert citizen.national_id[:6] in response.text


def test_coordinator_adds_a_gp_with_limited_sight(login, coordinator, citizen, gp):
    response = login(coordinator).post(
        reverse("people:member_add", args=[citizen.pk]),
        {"user": gp.pk, "role": "gp", "active_from": timezone.localdate().isoformat(), "sections": ["overview"]},
    )
    assert response.status_code == 302
    member = CareTeamMember.objects.get(citizen=citizen, user=gp)
    assert member.sections == ["overview"]
    assert member.organisation == gp.staff_profile.organisation
    assert AccessEvent.objects.filter(citizen_id=citizen.pk, action="write", section="care_team").exists()


def test_adding_a_member_with_no_person_keeps_the_input_and_says_what_is_missing(login, coordinator, citizen):
    response = login(coordinator).post(
        reverse("people:member_add", args=[citizen.pk]),
        {"person_contact": "tlf 999 99 999", "role": "relative", "active_from": "2026-01-01"},
    )
    assert response.status_code == 200
    assert "Choose a staff member, or write the name of the person." in response.text
    assert 'value="tlf 999 99 999"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert CareTeamMember.objects.filter(citizen=citizen).count() == 1


def test_a_relative_without_login_can_be_added_by_name(login, coordinator, citizen):
    login(coordinator).post(
        reverse("people:member_add", args=[citizen.pk]),
        {"person_name": "Odd Bror", "person_contact": "911 11 111", "role": "relative", "active_from": "2026-01-01"},
    )
    assert CareTeamMember.objects.get(citizen=citizen, role="relative").person_name == "Odd Bror"


def test_a_second_coordinator_needs_hand_over_and_then_replaces_the_first(login, coordinator, citizen, make_staff):
    successor = make_staff("successor")
    client = login(coordinator)
    url = reverse("people:member_add", args=[citizen.pk])
    data = {"user": successor.pk, "role": "coordinator", "active_from": timezone.localdate().isoformat()}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "one coordinator at a time" in response.text
    assert CareTeamMember.objects.filter(citizen=citizen, role="coordinator").count() == 1

    response = client.post(url, {**data, "hand_over": "on"})
    assert response.status_code == 302
    open_coordinators = CareTeamMember.objects.filter(citizen=citizen, role="coordinator", ended_at__isnull=True)
    assert [m.user for m in open_coordinators] == [successor]


def test_ending_the_only_coordinator_is_refused_and_nothing_changes(login, coordinator, citizen):
    member = CareTeamMember.objects.get(citizen=citizen, role="coordinator")
    response = login(coordinator).post(reverse("people:member_end", args=[citizen.pk, member.pk]))
    assert response.status_code == 400
    assert "only coordinator" in response.text
    member.refresh_from_db()
    assert member.ended_at is None


def test_coordinator_ends_a_members_role_and_the_member_loses_access(
    login, client, coordinator, citizen, care_team_member, gp
):
    login(coordinator).post(reverse("people:member_end", args=[citizen.pk, care_team_member.pk]))
    care_team_member.refresh_from_db()
    assert care_team_member.ended_at is not None
    client.logout()
    assert login(gp).get(citizen.get_absolute_url()).status_code == 404


def test_gp_cannot_change_the_team(login, gp, citizen, care_team_member):
    response = login(gp).get(reverse("people:member_add", args=[citizen.pk]))
    assert response.status_code == 403
    assert AccessEvent.objects.filter(actor_id=gp.pk, action="denied", section="care_team").exists()


def test_gp_may_not_see_the_access_log(login, gp, citizen, care_team_member):
    assert login(gp).get(reverse("people:access_log", args=[citizen.pk])).status_code == 403


class TestRegisterCitizen:
    def post(self, client, **overrides):
        data = {
            "given_name": "Nora",
            "family_name": "Nilsen",
            "national_id": "01019012480",
            "date_of_birth": "1990-01-01",
            "preferred_language": "nb",
            **overrides,
        }
        return client.post(reverse("people:citizen_create"), data)

    def test_registering_makes_the_registering_user_coordinator(self, login, coordinator):
        response = self.post(login(coordinator))
        citizen = Citizen.objects.get(national_id="01019012480")
        assert response.status_code == 302
        assert citizen.care_team.get().user == coordinator

    def test_a_wrong_check_digit_names_the_field_keeps_the_input_and_saves_nothing(self, login, coordinator):
        response = self.post(login(coordinator), national_id="01019012481")
        assert response.status_code == 200
        assert "check digits do not match" in response.text
        assert 'href="#id_national_id"' in response.text  # error summary links to the field
        assert 'value="Nora"' in response.text
        assert not Citizen.objects.exists()

    def test_a_date_of_birth_that_does_not_match_is_refused(self, login, coordinator):
        response = self.post(login(coordinator), date_of_birth="1991-01-01")
        assert "does not match" in response.text
        assert not Citizen.objects.exists()

    def test_a_duplicate_national_id_is_a_form_error_not_a_500(self, login, coordinator, citizen):
        response = self.post(login(coordinator), national_id=citizen.national_id, date_of_birth="1990-05-17")
        assert response.status_code == 200
        assert Citizen.objects.count() == 1


class TestCitizenHome:
    def test_citizen_sees_team_and_what_each_may_see(self, login, citizen, care_team_member):
        response = login(citizen.user).get(reverse("people:citizen_home"))
        assert response.status_code == 200
        assert care_team_member.display_name in response.text

    def test_citizen_sees_who_has_looked(self, login, client, citizen, care_team_member, gp):
        login(gp).get(citizen.get_absolute_url())
        client.logout()
        response = login(citizen.user).get(reverse("people:citizen_home"))
        assert "Gp Test (gp)" in response.text

    def test_citizen_sees_the_last_five_events_and_the_whole_log_a_click_away(
        self, login, client, citizen, care_team_member, gp
    ):
        for _ in range(7):
            login(gp).get(citizen.get_absolute_url())
        client.logout()
        by_gp = AccessEvent.objects.filter(citizen_id=citizen.pk, actor_id=gp.pk).count()
        assert by_gp == 7
        home = login(citizen.user).get(reverse("people:citizen_home"))
        assert home.text.count('class="access-summary__event"') == 5
        whole_log = reverse("people:access_log", args=[citizen.pk])
        assert f'href="{whole_log}"' in home.text
        page = client.get(whole_log)
        assert page.status_code == 200
        assert page.text.count("Gp Test (gp)") == by_gp
        assert AccessEvent.objects.filter(
            citizen_id=citizen.pk, actor_id=citizen.user.pk, section="access_log", action=AccessEvent.Action.READ
        ).exists()

    def test_citizen_blocks_the_gp_who_is_then_refused(self, login, client, citizen, care_team_member, gp):
        response = login(citizen.user).post(reverse("people:member_block", args=[citizen.pk, care_team_member.pk]))
        assert response.status_code == 302
        assert Block.objects.filter(citizen=citizen, blocked_user=gp, lifted_at__isnull=True).exists()
        client.logout()
        assert login(gp).get(citizen.get_absolute_url()).status_code == 404

    def test_citizen_cannot_block_their_coordinator(self, login, citizen):
        member = citizen.care_team.get(role="coordinator")
        login(citizen.user).post(reverse("people:member_block", args=[citizen.pk, member.pk]))
        assert not Block.objects.exists()

    def test_citizen_finds_and_blocks_someone_not_on_the_team(self, login, client, citizen, outsider):
        client = login(citizen.user)
        url = reverse("people:block_someone", args=[citizen.pk])
        response = client.get(url, {"q": "outs"})
        assert "Outsider Test" in response.text
        client.post(url, {"user": outsider.pk})
        assert Block.objects.filter(citizen=citizen, blocked_user=outsider, lifted_at__isnull=True).exists()
        reason = "Innbygger er innlagt og trenger hjelp"
        assert actions.start_emergency_access(acting_user=outsider, citizen=citizen, reason=reason) is None

    def test_block_search_never_offers_citizens(self, login, citizen, make_citizen, coordinator):
        make_citizen(coordinator, "Innbyggersen", with_login=True)
        response = login(citizen.user).get(reverse("people:block_someone", args=[citizen.pk]), {"q": "Innbygger"})
        assert list(response.context["found"]) == []

    def test_citizen_lifts_a_block(self, login, citizen, care_team_member, gp):
        block = Block.objects.create(citizen=citizen, blocked_user=gp)
        login(citizen.user).post(reverse("people:block_lift", args=[citizen.pk, block.pk]))
        block.refresh_from_db()
        assert block.lifted_at is not None

    def test_citizen_narrows_what_the_gp_may_see(self, login, citizen, care_team_member):
        login(citizen.user).post(
            reverse("people:member_sections", args=[citizen.pk, care_team_member.pk]), {"sections": ["overview"]}
        )
        care_team_member.refresh_from_db()
        assert care_team_member.sections == ["overview"]

    def test_citizen_cannot_open_another_citizen(self, login, citizen, make_citizen, coordinator):
        other = make_citizen(coordinator, "Other")
        assert login(citizen.user).get(other.get_absolute_url()).status_code == 404


class TestAccessCodes:
    def issue(self, login, coordinator, citizen):
        response = login(coordinator).post(reverse("people:access_code", args=[citizen.pk]))
        assert response.status_code == 200
        return response.context["code"]

    def activate(self, client, code, username="nora"):
        return client.post(
            reverse("people:activate"),
            {"code": code, "username": username, "password1": "lang-og-trygg-2026", "password2": "lang-og-trygg-2026"},
        )

    def test_code_uses_unambiguous_characters_and_lasts_30_days(self, login, coordinator, make_citizen):
        citizen = make_citizen(coordinator, "Nora")
        code = self.issue(login, coordinator, citizen)
        assert not set(code.replace(" ", "")) & set("01OIL")
        assert len(code.replace(" ", "")) == 10
        stored = AccessCode.objects.get(citizen=citizen)
        assert code.replace(" ", "") not in stored.code_hash  # only a hash is kept
        assert (stored.expires_at - timezone.now()).days in (29, 30)

    def test_citizen_activates_and_lands_on_their_page(self, login, client, coordinator, make_citizen):
        citizen = make_citizen(coordinator, "Nora")
        code = self.issue(login, coordinator, citizen)
        client.logout()
        response = self.activate(client, code.lower().replace(" ", "-"))
        assert response.status_code == 302
        citizen.refresh_from_db()
        assert citizen.user.username == "nora"
        assert client.get(reverse("people:citizen_home")).status_code == 200

    def test_a_used_code_is_refused_with_a_clear_message(self, login, client, coordinator, make_citizen):
        citizen = make_citizen(coordinator, "Nora")
        code = self.issue(login, coordinator, citizen)
        client.logout()
        self.activate(client, code)
        client.logout()
        response = self.activate(client, code, username="nora2")
        assert "already been used" in response.text
        assert not citizen.__class__.objects.filter(user__username="nora2").exists()

    def test_an_expired_code_is_refused(self, login, client, coordinator, make_citizen):
        citizen = make_citizen(coordinator, "Nora")
        code = self.issue(login, coordinator, citizen)
        AccessCode.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
        client.logout()
        assert "expired" in self.activate(client, code).text
        citizen.refresh_from_db()
        assert citizen.user is None

    def test_a_mistyped_code_is_refused_and_keeps_the_username(self, client, citizen):
        response = self.activate(client, "ABCDE FGHJK", username="keepme")
        assert "do not recognise this code" in response.text
        assert 'value="keepme"' in response.text

    def test_a_new_code_replaces_the_old_one(self, login, client, coordinator, make_citizen):
        citizen = make_citizen(coordinator, "Nora")
        old = self.issue(login, coordinator, citizen)
        self.issue(login, coordinator, citizen)
        client.logout()
        assert "replaced by a newer one" in self.activate(client, old).text

    def test_many_wrong_codes_lock_the_device_out(self, client, citizen, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            self.activate(client, "WRONG WRONG")
        response = self.activate(client, "WRONG WRONG")
        assert response.status_code == 429
        assert "Too many wrong codes" in response.text


class TestEmergencyAccess:
    def test_outsider_finds_citizen_gives_reason_and_gets_in(self, login, outsider, citizen):
        client = login(outsider)
        response = client.post(reverse("people:emergency_start"), {"lookup": "1", "national_id": citizen.national_id})
        assert response.status_code == 200
        response = client.post(
            reverse("people:emergency_start"),
            {"confirm": "1", "national_id": citizen.national_id, "reason": "Innbygger er innlagt akutt på legevakt"},
        )
        assert response.status_code == 302
        assert client.get(citizen.get_absolute_url()).status_code == 200
        assert AccessEvent.objects.filter(citizen_id=citizen.pk, ground="emergency", action="read").exists()

    def test_no_reason_gives_a_message_and_no_access(self, login, outsider, citizen):
        client = login(outsider)
        response = client.post(
            reverse("people:emergency_start"), {"confirm": "1", "national_id": citizen.national_id, "reason": ""}
        )
        assert response.status_code == 200
        assert "Write why you need access now" in response.text
        assert not EmergencyAccess.objects.exists()
        assert client.get(citizen.get_absolute_url()).status_code == 404

    def test_a_bad_national_id_in_the_lookup_is_a_field_error(self, login, outsider):
        response = login(outsider).post(reverse("people:emergency_start"), {"lookup": "1", "national_id": "123"})
        assert response.status_code == 200
        assert "exactly 11 digits" in response.text

    def test_leader_reviews_and_cannot_review_their_own(self, login, client, outsider, leader, citizen):

        access = actions.start_emergency_access(
            acting_user=outsider, citizen=citizen, reason="Akutt krise, trenger plan"
        )
        response = login(leader).get(reverse("people:emergency_review_list"))
        assert "Akutt krise" in response.text
        login(leader).post(reverse("people:emergency_review", args=[access.pk]), {"comment": "OK"})
        access.refresh_from_db()
        assert access.reviewed_by == leader

    def test_staff_without_the_permission_cannot_review(self, login, outsider, citizen, coordinator):

        access = actions.start_emergency_access(
            acting_user=outsider, citizen=citizen, reason="Akutt krise, trenger plan"
        )
        assert login(coordinator).get(reverse("people:emergency_review_list")).status_code == 403
        assert login(coordinator).post(reverse("people:emergency_review", args=[access.pk])).status_code == 403


@pytest.mark.parametrize("rows", [1, 20])
def test_citizen_list_query_count_does_not_grow_with_citizens(
    login, coordinator, make_citizen, rows, django_assert_max_num_queries
):
    for i in range(rows):
        make_citizen(coordinator, f"Person{i}")
    client = login(coordinator)
    # session, user, staff profile, OTP device, own citizen, count, 2x permissions (menu), emergencies,
    # page, prefetch of my roles, then the session save (savepoint, update, release)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("people:citizen_list"))
    assert response.status_code == 200


@pytest.mark.parametrize("members", [1, 20])
def test_overview_query_count_does_not_grow_with_the_team(
    login, coordinator, citizen, make_staff, members, django_assert_max_num_queries
):
    for i in range(members):
        CareTeamMember.objects.create(citizen=citizen, user=make_staff(f"m{i}"), role="other", sections=["overview"])
    client = login(coordinator)
    # session, user, staff profile, OTP device, citizen, block check, my roles, log INSERT, blocks, team,
    # open access code, own-citizen check, 2x permissions (menu), recent log, session save (3),
    # measures panel: scores, check-ins, goals, goal ratings; plan panel: versions, open comments;
    # pathway panel: open episodes, next appointment; interview rounds panel (gatherings): the units
    # the reader leads, the open rounds; relatives panel: its log INSERT and one summary; incidents
    # panel: its log INSERT and the incidents
    with django_assert_max_num_queries(32):
        response = client.get(citizen.get_absolute_url())
    assert response.status_code == 200


@pytest.mark.parametrize("members", [1, 20])
def test_citizen_home_query_count_does_not_grow_with_the_team(
    login, citizen, make_staff, members, django_assert_max_num_queries
):
    for i in range(members):
        CareTeamMember.objects.create(citizen=citizen, user=make_staff(f"m{i}"), role="other", sections=["overview"])
    client = login(citizen.user)
    # ... and the pathway panel: questionnaires asked for, next appointment
    with django_assert_max_num_queries(14):
        response = client.get(reverse("people:citizen_home"))
    assert response.status_code == 200


def test_valid_national_id_helper_is_valid():
    from people.national_id import validate_national_id

    validate_national_id(valid_national_id())
