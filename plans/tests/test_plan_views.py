"""The plan on screen: who sees which section, conflicts, approval, the crisis plan one tap away."""

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from people.access import grant_for
from people.models import CareTeamMember
from plans import actions
from plans.models import AssessmentArea, PlanComment, PlanIntervention, PlanText

from .helpers import complete


@pytest.fixture
def draft(coordinator, citizen):
    return actions.start_draft(grant_for(coordinator, citizen), acting_user=coordinator)


@pytest.fixture
def nav(make_staff, citizen):
    user = make_staff("navveileder")
    CareTeamMember.objects.create(citizen=citizen, user=user, role="nav", sections=["overview", "plan", "finance"])
    return user


def write(coordinator, citizen, draft, key, text):
    actions.save_text(grant_for(coordinator, citizen), draft, key, text, expected_revision=0, acting_user=coordinator)


def test_nav_sees_the_finance_agreement_but_not_the_medication_plan(login, coordinator, citizen, draft, nav):
    write(coordinator, citizen, draft, "finance", "Nav betaler husleie direkte")
    write(coordinator, citizen, draft, "medication", "Sertralin 50 mg")
    page = login(nav).get(reverse("plans:plan", args=[citizen.pk]))
    assert "Nav betaler husleie direkte" in page.text
    assert "Sertralin" not in page.text
    # One read per section shown, and none for what was left out.
    read = set(AccessEvent.objects.filter(actor_id=nav.pk, action="read").values_list("section", flat=True))
    assert read == {"plan", "finance"}


def test_coordinator_sees_everything(login, coordinator, citizen, draft):
    write(coordinator, citizen, draft, "medication", "Sertralin 50 mg")
    page = login(coordinator).get(reverse("plans:plan", args=[citizen.pk]))
    assert "Sertralin 50 mg" in page.text and 'data-testid="missing-contents"' in page.text


def test_a_member_with_no_plan_scope_is_refused_and_logged(login, gp, citizen, care_team_member, draft):
    assert login(gp).get(reverse("plans:plan", args=[citizen.pk])).status_code == 403
    assert AccessEvent.objects.filter(actor_id=gp.pk, action="denied").exists()


def test_a_conflicting_save_shows_both_texts_and_keeps_the_first(login, coordinator, citizen, draft):
    client = login(coordinator)
    url = reverse("plans:edit_text", args=[citizen.pk, draft.pk, "what_matters"])
    assert client.post(url, {"text": "Første redaktør", "revision": 0}).status_code == 302
    page = client.post(url, {"text": "Andre redaktør", "revision": 0})
    assert page.status_code == 409
    assert "Første redaktør" in page.text and "Andre redaktør" in page.text
    assert PlanText.objects.get(version=draft, key="what_matters").text == "Første redaktør"


def test_an_intervention_without_a_responsible_member_is_refused_and_the_input_kept(login, coordinator, citizen, draft):
    page = login(coordinator).post(
        reverse("plans:add_row", args=[citizen.pk, draft.pk, "interventions"]),
        {"what": "Ukentlig samtale", "how": "Tlf"},
    )
    assert page.status_code == 400
    assert "Choose someone who is on the care team now." in page.text
    assert 'value="Ukentlig samtale"' in page.text
    assert not PlanIntervention.objects.exists()


def test_a_revision_date_in_the_past_is_refused(login, coordinator, citizen, draft):
    page = login(coordinator).post(
        reverse("plans:period", args=[citizen.pk, draft.pk]),
        {"period_start": "2026-01-01", "period_end": "2026-12-31", "next_revision": "2020-01-01", "revision": 0},
    )
    assert page.status_code == 400
    assert "The next revision cannot be in the past." in page.text


def test_a_crisis_plan_without_anyone_to_contact_is_refused(login, coordinator, citizen, draft):
    page = login(coordinator).post(
        reverse("plans:add_row", args=[citizen.pk, draft.pk, "crisis_plans"]),
        {"situation": "worry", "warning_signs": "Sover ikke", "what_is_done": "Ringe"},
    )
    assert page.status_code == 400
    assert "Choose at least one person to contact." in page.text


def test_the_citizen_approves_and_a_stale_approval_is_refused(
    login, client, coordinator, citizen, draft, care_team_member
):
    draft = complete(grant_for(coordinator, citizen), draft, coordinator, citizen, care_team_member)
    client = login(citizen.user)
    url = reverse("plans:approve", args=[citizen.pk, draft.pk])
    write(coordinator, citizen, draft, "what_matters", "Endret etter at jeg åpnet")
    client.post(url, {"seen_revision": draft.content_revision})
    draft.refresh_from_db()
    assert draft.status == "draft"
    client.post(url, {"seen_revision": draft.content_revision})
    draft.refresh_from_db()
    assert draft.status == "approved"


def test_the_crisis_plan_is_one_tap_from_the_citizens_home(login, coordinator, citizen, draft):
    member = CareTeamMember.objects.get(citizen=citizen, role="coordinator")
    actions.save_crisis_plan(
        grant_for(coordinator, citizen),
        draft,
        acting_user=coordinator,
        situation="worry",
        warning_signs="Sover dårlig flere netter",
        what_is_done="Koordinator ringer innen en dag",
        contacts=[member],
    )
    client = login(citizen.user)
    home = client.get(reverse("people:citizen_home"))
    link = reverse("plans:crisis_plan", args=[citizen.pk])
    assert f'href="{link}"' in home.text
    page = client.get(link)
    assert "Sover dårlig flere netter" in page.text and "113" in page.text


def test_compare_two_versions_side_by_side(login, coordinator, citizen, draft, care_team_member):
    grant = grant_for(coordinator, citizen)
    write(coordinator, citizen, draft, "what_matters", "Gammel tekst\nSamme linje")
    draft = complete(grant, draft, coordinator, citizen, care_team_member)
    draft = actions.approve(
        grant_for(citizen.user, citizen), draft, acting_user=citizen.user, seen_revision=draft.content_revision
    )
    actions.activate(grant, draft, acting_user=coordinator)
    second = actions.start_draft(grant, acting_user=coordinator)
    text = PlanText.objects.get(version=second, key="what_matters")
    actions.save_text(
        grant, second, "what_matters", "Ny tekst\nSamme linje", expected_revision=text.revision, acting_user=coordinator
    )
    intervention = PlanIntervention.objects.get(version=second)
    actions.delete_row(grant, second, intervention, acting_user=coordinator, expected_revision=intervention.revision)
    page = login(coordinator).get(reverse("plans:compare", args=[citizen.pk]), {"a": draft.pk, "b": second.pk})
    assert page.status_code == 200
    html = page.text
    assert "<del>Gammel tekst</del>" in html and "<ins>Ny tekst</ins>" in html
    assert "<td>Samme linje</td>" in html  # unchanged lines stay plain
    assert "<del>Ukentlig samtale · responsible:" in html and ">Removed<" in html
    assert "Who takes part in the planning" in page.context["unchanged"]
    assert "##" not in html and "2026-" not in html  # dates as dd.mm.yyyy, no markup marks
    read = set(
        AccessEvent.objects.filter(actor_id=coordinator.pk, detail__startswith="compare").values_list(
            "section", flat=True
        )
    )
    assert {"plan", "medication", "finance", "crisis_plan"} <= read


def test_compare_shows_a_reader_only_what_they_may_see(login, coordinator, citizen, draft, nav):
    grant = grant_for(coordinator, citizen)
    write(coordinator, citizen, draft, "medication", "Sertralin 50 mg")
    draft.status = "archived"
    draft.save()
    second = actions.start_draft(grant, acting_user=coordinator)
    text = PlanText.objects.get(version=second, key="medication")
    actions.save_text(
        grant, second, "medication", "Sertralin 100 mg", expected_revision=text.revision, acting_user=coordinator
    )
    page = login(nav).get(reverse("plans:compare", args=[citizen.pk]), {"a": draft.pk, "b": second.pk})
    assert "Sertralin" not in page.text and "Medication plan" not in page.text
    assert 'data-testid="no-changes"' in page.text


@pytest.mark.parametrize("rows", [1, 10])
def test_plan_page_query_count_does_not_grow(login, coordinator, citizen, draft, rows, django_assert_max_num_queries):
    member = CareTeamMember.objects.get(citizen=citizen, role="coordinator")
    grant = grant_for(coordinator, citizen)
    for n in range(rows):
        actions.save_intervention(
            grant, draft, acting_user=coordinator, what=f"Tiltak {n}", responsible=member, how="x"
        )
        actions.save_crisis_plan(
            grant,
            draft,
            acting_user=coordinator,
            situation="worry",
            warning_signs="w",
            what_is_done="d",
            contacts=[member],
        )
    client = login(coordinator)
    with django_assert_max_num_queries(36):
        assert client.get(reverse("plans:plan", args=[citizen.pk])).status_code == 200


def test_text_is_saved_as_the_coordinator_types(login, coordinator, citizen, draft):
    client = login(coordinator)
    url = reverse("plans:autosave_text", args=[citizen.pk, draft.pk, "what_matters"])
    reply = client.post(url, {"text": "Halvveis skrevet", "revision": 0}, HTTP_HX_REQUEST="true")
    assert "Draft saved at" in reply.text
    assert 'name="revision" value="1"' in reply.text and 'hx-swap-oob="true"' in reply.text
    assert PlanText.objects.get(version=draft, key="what_matters").text == "Halvveis skrevet"
    stale = client.post(url, {"text": "Fra en annen fane", "revision": 0}, HTTP_HX_REQUEST="true")
    assert "Not saved" in stale.text
    assert PlanText.objects.get(version=draft, key="what_matters").text == "Halvveis skrevet"


def test_nav_gets_a_pdf_with_the_finance_agreement_and_without_the_medication_plan(
    login, coordinator, citizen, draft, nav
):
    import subprocess

    write(coordinator, citizen, draft, "finance", "Nav betaler husleie direkte")
    write(coordinator, citizen, draft, "medication", "Sertralin 50 mg")
    response = login(nav).get(reverse("plans:plan_pdf", args=[citizen.pk, draft.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Nav betaler husleie direkte" in text and "Sertralin" not in text
    assert citizen.national_id not in text
    assert AccessEvent.objects.filter(actor_id=nav.pk, action="read", detail__startswith="plan PDF").exists()


def test_a_member_without_the_crisis_plan_gets_no_crisis_pdf(login, gp, citizen, care_team_member, draft):
    assert login(gp).get(reverse("plans:crisis_plan_pdf", args=[citizen.pk])).status_code == 403


def test_a_reader_who_may_not_edit_is_refused_the_edit_pages(login, citizen, draft, nav):
    client = login(nav)
    for url in (
        reverse("plans:edit_text", args=[citizen.pk, draft.pk, "finance"]),
        reverse("plans:add_row", args=[citizen.pk, draft.pk, "interventions"]),
        reverse("plans:period", args=[citizen.pk, draft.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert AccessEvent.objects.filter(actor_id=nav.pk, action="denied").count() == 3


def test_the_citizen_cannot_approve_an_unfinished_proposal_and_is_told_why(login, citizen, draft):
    page = login(citizen.user).get(reverse("plans:plan", args=[citizen.pk]))
    assert 'data-testid="approve"' not in page.text
    assert "Your coordinator is still working on it." in page.text


def test_the_citizen_sees_that_they_have_approved_and_the_guardian_has_not(
    login, coordinator, citizen, draft, care_team_member, make_staff
):
    draft = complete(grant_for(coordinator, citizen), draft, coordinator, citizen, care_team_member)
    guardian = make_staff("verge")
    CareTeamMember.objects.create(citizen=citizen, user=guardian, role="guardian", sections=["overview", "plan"])
    client = login(citizen.user)
    client.post(reverse("plans:approve", args=[citizen.pk, draft.pk]), {"seen_revision": draft.content_revision})
    page = client.get(reverse("plans:plan", args=[citizen.pk]))
    assert 'data-testid="approve"' not in page.text
    assert "You approved this proposal on" in page.text
    guardian_page = login(guardian).get(reverse("plans:plan", args=[citizen.pk]))
    assert 'data-testid="approve"' in guardian_page.text


def test_the_coordinator_changes_and_removes_a_row_and_a_stale_change_shows_theirs(
    login, coordinator, citizen, draft, care_team_member
):
    grant = grant_for(coordinator, citizen)
    intervention = actions.save_intervention(
        grant, draft, acting_user=coordinator, what="Samtale", responsible=care_team_member
    )
    client = login(coordinator)
    url = reverse("plans:edit_row", args=[citizen.pk, draft.pk, "interventions", intervention.pk])
    form = client.get(url)
    assert 'value="Samtale"' in form.text and 'name="revision" value="0"' in form.text
    data = {"what": "Samtale hver uke", "responsible": care_team_member.pk, "frequency": "Ukentlig", "revision": 0}
    assert client.post(url, data).status_code == 302
    stale = client.post(url, {**data, "what": "Samtale annenhver uke"})
    assert stale.status_code == 409
    assert "Samtale hver uke" in stale.text  # what they saved
    assert 'value="Samtale annenhver uke"' in stale.text  # what I typed, kept
    assert 'name="revision" value="1"' in stale.text  # the next save goes against what I now see
    assert PlanIntervention.objects.get(pk=intervention.pk).what == "Samtale hver uke"
    remove = reverse("plans:delete_row", args=[citizen.pk, draft.pk, "interventions", intervention.pk])
    assert client.post(remove, {"revision": 1}).status_code == 302
    assert not PlanIntervention.objects.filter(pk=intervention.pk).exists()


def test_a_life_area_twice_is_a_clear_error_not_a_crash(login, coordinator, citizen, draft):
    client = login(coordinator)
    url = reverse("plans:add_row", args=[citizen.pk, draft.pk, "assessment"])
    assert client.post(url, {"life_area": "housing", "needs": "Hjelp"}).status_code == 302
    page = client.post(url, {"life_area": "housing", "needs": "Noe annet", "resources": "Venner"})
    assert page.status_code == 400
    assert "This life area is already in the assessment." in page.text and "Venner" in page.text
    assert AssessmentArea.objects.filter(version=draft).count() == 1


def test_rows_of_another_version_or_kind_are_not_found(login, coordinator, citizen, draft, care_team_member):
    grant = grant_for(coordinator, citizen)
    intervention = actions.save_intervention(
        grant, draft, acting_user=coordinator, what="Samtale", responsible=care_team_member
    )
    client = login(coordinator)
    assert (
        client.get(reverse("plans:edit_row", args=[citizen.pk, draft.pk, "contacts", intervention.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("plans:edit_row", args=[citizen.pk, draft.pk, "nonsense", intervention.pk])).status_code
        == 403
    )


def test_comments_go_only_to_those_who_may_see_the_section(login, coordinator, citizen, draft, nav):
    client = login(citizen.user)
    url = reverse("plans:comment", args=[citizen.pk, draft.pk])
    client.post(url, {"section": "medication", "text": "Jeg vil trappe ned Sertralin"})
    client.post(url, {"section": "finance", "text": "Husleien er betalt to ganger"})
    nav_page = login(nav).get(reverse("plans:plan", args=[citizen.pk]))
    assert "Husleien er betalt to ganger" in nav_page.text and "Sertralin" not in nav_page.text
    coordinator_page = login(coordinator).get(reverse("plans:plan", args=[citizen.pk]))
    assert "Jeg vil trappe ned Sertralin" in coordinator_page.text
    # Nav may not comment on a section it cannot see, nor on a made-up one.
    nav_client = login(nav)
    nav_client.post(url, {"section": "medication", "text": "Forsøk"})
    nav_client.post(url, {"section": "passwords", "text": "Forsøk"})
    assert PlanComment.objects.count() == 2


def test_the_coordinator_marks_a_comment_handled_and_the_citizen_cannot(login, coordinator, citizen, draft):
    comment = actions.add_comment(
        grant_for(citizen.user, citizen), draft, acting_user=citizen.user, section="plan", text="Endre tidspunkt"
    )
    url = reverse("plans:resolve_comment", args=[citizen.pk, comment.pk])
    assert login(citizen.user).post(url).status_code == 403
    assert login(coordinator).post(url).status_code == 302
    comment.refresh_from_db()
    assert comment.resolved_by == coordinator
    assert "Endre tidspunkt" not in login(coordinator).get(reverse("plans:plan", args=[citizen.pk])).text


def test_goal_ratings_show_only_to_readers_with_the_measures_section(login, coordinator, citizen, draft, nav):
    from measures import actions as measure_actions

    grant = grant_for(coordinator, citizen)
    goal = measure_actions.add_goal(grant, acting_user=coordinator, text="Sove bedre")
    measure_actions.rate_goals(grant, {goal.pk: 7}, acting_user=coordinator)
    assert "now 7 of 10" in login(coordinator).get(reverse("plans:plan", args=[citizen.pk])).text
    nav_page = login(nav).get(reverse("plans:plan", args=[citizen.pk]))
    assert "Sove bedre" in nav_page.text and "now 7 of 10" not in nav_page.text


def test_the_pdf_logs_each_section_it_holds(login, citizen, draft, nav):
    login(nav).get(reverse("plans:plan_pdf", args=[citizen.pk, draft.pk]))
    read = set(
        AccessEvent.objects.filter(actor_id=nav.pk, detail__startswith="plan PDF").values_list("section", flat=True)
    )
    assert read == {"plan", "finance"}
