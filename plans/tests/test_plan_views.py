"""The plan on screen: who sees which section, conflicts, approval, the crisis plan one tap away."""

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from people.access import grant_for
from people.models import CareTeamMember
from plans import actions
from plans.models import PlanMeasure, PlanText


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
    assert AccessEvent.objects.filter(actor_id=nav.pk, action="read", section="plan").exists()


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


def test_a_measure_without_a_responsible_member_is_refused_and_the_input_kept(login, coordinator, citizen, draft):
    page = login(coordinator).post(
        reverse("plans:add_row", args=[citizen.pk, draft.pk, "measures"]), {"what": "Ukentlig samtale", "how": "Tlf"}
    )
    assert page.status_code == 400
    assert "Choose someone who is on the care team now." in page.text
    assert 'value="Ukentlig samtale"' in page.text
    assert not PlanMeasure.objects.exists()


def test_a_revision_date_in_the_past_is_refused(login, coordinator, citizen, draft):
    page = login(coordinator).post(
        reverse("plans:period", args=[citizen.pk, draft.pk]),
        {"period_start": "2026-01-01", "period_end": "2026-12-31", "next_revision": "2020-01-01", "revision": 0},
    )
    assert page.status_code == 400
    assert "The next revision cannot be in the past." in page.text


def test_a_crisis_plan_without_anyone_to_contact_is_refused(login, coordinator, citizen, draft):
    page = login(coordinator).post(
        reverse("plans:add_row", args=[citizen.pk, draft.pk, "crisis"]),
        {"situation": "worry", "warning_signs": "Sover ikke", "what_is_done": "Ringe"},
    )
    assert page.status_code == 400
    assert "Choose at least one person to contact." in page.text


def test_the_citizen_approves_and_a_stale_approval_is_refused(login, client, coordinator, citizen, draft):
    client = login(citizen.user)
    url = reverse("plans:approve", args=[citizen.pk, draft.pk])
    write(coordinator, citizen, draft, "what_matters", "Endret etter at jeg åpnet")
    client.post(url, {"seen_revision": 0})
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


def test_compare_two_versions_side_by_side(login, coordinator, citizen, draft):
    write(coordinator, citizen, draft, "what_matters", "Gammel tekst")
    actions.approve(grant_for(citizen.user, citizen), draft, acting_user=citizen.user, seen_revision=1)
    draft.status = "archived"
    draft.save()
    second = actions.start_draft(grant_for(coordinator, citizen), acting_user=coordinator)
    actions.save_text(
        grant_for(coordinator, citizen),
        second,
        "what_matters",
        "Ny tekst",
        expected_revision=0,
        acting_user=coordinator,
    )
    page = login(coordinator).get(reverse("plans:compare", args=[citizen.pk]), {"a": draft.pk, "b": second.pk})
    assert "Gammel&nbsp;tekst" in page.text and "Ny&nbsp;tekst" in page.text
    assert 'class="diff_sub"' in page.text or 'class="diff_chg"' in page.text


@pytest.mark.parametrize("rows", [1, 10])
def test_plan_page_query_count_does_not_grow(login, coordinator, citizen, draft, rows, django_assert_max_num_queries):
    member = CareTeamMember.objects.get(citizen=citizen, role="coordinator")
    grant = grant_for(coordinator, citizen)
    for n in range(rows):
        actions.save_measure(grant, draft, acting_user=coordinator, what=f"Tiltak {n}", responsible=member, how="x")
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
        reverse("plans:add_row", args=[citizen.pk, draft.pk, "measures"]),
        reverse("plans:period", args=[citizen.pk, draft.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert AccessEvent.objects.filter(actor_id=nav.pk, action="denied").count() == 3
