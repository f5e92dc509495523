"""The plan as PDF: each reader gets only what they may see, every page says which version it is.

The PDFs are read back with pdftotext (poppler-utils), as a person would read the printout.
"""

import datetime
import shutil
import subprocess

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from measures import actions as measure_actions
from people.access import SectionDenied, all_sections, grant_for
from people.models import CareTeamMember, Section
from plans import actions
from plans.content import plan_sections
from plans.pdf import render_plan_pdf

WHAT_MATTERS = "Jeg vil bo trygt i min egen leilighet og ha noe meningsfullt å gjøre på dagtid."
FINANCE = "Nav styrer husleie og strøm fra brukskontoen. Kodeord: Husleieavtale."
MEDICATION = "Quetiapin 50 mg om kvelden. Kodeord: Kveldsdosen."
MEASURE = "Ukentlig samtale"
WARNING_1, HELPS_1, DONE_1 = "Sover lite flere netter", "Gå tur med hunden", "Koordinator ringer samme dag"
WARNING_2, HELPS_2, DONE_2 = "Slutter å svare på telefon", "Besøk av søster", "Hjemmesykepleien kommer innom"


def pdftotext(pdf, tmp_path, page=None):
    """The text of ``pdf`` (or of one page), laid out as printed. No pdftotext is an error, not a skip."""
    program = shutil.which("pdftotext")
    if program is None:
        pytest.fail("pdftotext is missing: install poppler-utils (apt-get install poppler-utils) to test the PDFs")
    source = tmp_path / f"plan-{id(pdf)}.pdf"
    source.write_bytes(pdf)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    result = subprocess.run([program, "-layout", *pages, str(source), "-"], capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def page_count(pdf, tmp_path):
    return pdftotext(pdf, tmp_path).count("\f")


def flat(text):
    """Words as a single line, so a phrase wrapped over two lines (or columns) is still found."""
    return " ".join(text.split())


@pytest.fixture
def coordinator_grant(coordinator, citizen):
    return grant_for(coordinator, citizen)


@pytest.fixture
def nav(make_staff, citizen):
    user = make_staff("nav")
    CareTeamMember.objects.create(
        citizen=citizen,
        user=user,
        role=CareTeamMember.Role.NAV,
        organisation=user.staff_profile.organisation,
        sections=[Section.OVERVIEW, Section.PLAN, Section.FINANCE],
    )
    return user


@pytest.fixture
def sister(citizen):
    return CareTeamMember.objects.create(
        citizen=citizen, person_name="Kari Søster", person_contact="900 11 222", role=CareTeamMember.Role.RELATIVE
    )


@pytest.fixture
def plan(coordinator_grant, coordinator, citizen, care_team_member, sister):
    """An active plan, version 1, with texts in several scopes, tiltak, a contact and two crisis plans."""
    gp_profile = care_team_member.user.staff_profile
    gp_profile.phone = "22 33 44 55"
    gp_profile.save()
    grant, user = coordinator_grant, coordinator
    version = actions.start_draft(grant, acting_user=user)
    measure_actions.add_goal(grant, acting_user=user, text="Ha en fast aktivitet to dager i uka")
    long = " ".join([WHAT_MATTERS] * 12)
    texts = {
        "what_matters": long,
        "participants": "Ingrid, koordinator, fastlege, Nav-veileder og søsteren Kari.",
        "contributions": "Ingrid handler selv. Kari kommer hver søndag.\n\nHjemmesykepleien deler ut medisiner.",
        "cooperation": "Fastlegen og DPS møtes i ansvarsgruppen hver tredje måned.",
        "finance": FINANCE,
        "medication": MEDICATION,
        "daily_plan": "Mandag og torsdag: arbeidstrening. Onsdag: gruppe på Fontenehuset.",
        "mandate": "Koordinator kaller inn til ansvarsgruppemøter og holder planen oppdatert.",
    }
    for key, text in texts.items():
        actions.save_text(grant, version, key, text, expected_revision=0, acting_user=user)
    actions.save_assessment(
        grant, version, acting_user=user, life_area="housing", needs="Hjelp med post og regninger", resources="Ryddig"
    )
    for what, how in [(MEASURE, "Telefon eller hjemmebesøk"), ("Arbeidstrening", "Via Nav, tiltaksarrangør")]:
        actions.save_intervention(
            grant, version, acting_user=user, what=what, responsible=care_team_member, how=how, frequency="Ukentlig"
        )
    actions.save_contact(
        grant, version, acting_user=user, topic="Medisiner og resepter", member=care_team_member, how_to_reach="Ring"
    )
    actions.save_crisis_plan(
        grant,
        version,
        acting_user=user,
        situation="symptoms",
        title="Når jeg ikke sover",
        warning_signs=WARNING_1,
        what_helps=HELPS_1,
        what_is_done=DONE_1,
        contacts=[care_team_member],
    )
    actions.save_crisis_plan(
        grant,
        version,
        acting_user=user,
        situation="worry",
        warning_signs=WARNING_2,
        what_helps=HELPS_2,
        what_is_done=DONE_2,
        contacts=[sister],
    )
    version.refresh_from_db()
    today = timezone.localdate()
    version = actions.save_period(
        grant,
        version,
        acting_user=user,
        expected_revision=version.content_revision,
        period_start=today,
        period_end=today + datetime.timedelta(days=365),
        next_revision=today + datetime.timedelta(days=180),
        consent_to_plan=True,
        consent_to_sharing=True,
    )
    actions.approve(
        grant_for(citizen.user, citizen), version, acting_user=citizen.user, seen_revision=version.content_revision
    )
    return actions.activate(grant, version, acting_user=user)


def test_the_coordinator_gets_every_section_and_the_citizen_only_by_date_of_birth(
    coordinator_grant, plan, citizen, tmp_path
):
    text = flat(pdftotext(render_plan_pdf(coordinator_grant, plan, language="en"), tmp_path))
    for expected in (FINANCE, MEDICATION, MEASURE, WARNING_1, WARNING_2, "Medisiner og resepter", "Ryddig"):
        assert expected in text
    assert "Born 17.05.1990" in text
    assert citizen.national_id not in text
    assert citizen.national_id[6:] not in text


def test_nav_gets_the_finance_text_but_not_the_medication_plan(nav, citizen, plan, tmp_path):
    text = flat(pdftotext(render_plan_pdf(grant_for(nav, citizen), plan, language="en"), tmp_path))
    assert FINANCE in text
    assert MEASURE in text
    assert "Quetiapin" not in text
    assert "Kveldsdosen" not in text
    assert WARNING_1 not in text  # crisis plans are a section of their own
    assert "Medisiner og resepter" not in text  # so is the contact overview
    assert "Hjelp med post og regninger" not in text  # and the functional assessment


def test_every_page_shows_the_version_its_status_and_the_page_number(coordinator_grant, plan, tmp_path):
    pdf = render_plan_pdf(coordinator_grant, plan, language="en")
    pages = page_count(pdf, tmp_path)
    assert pages >= 3
    today = timezone.localdate().strftime("%d.%m.%Y")
    for number in range(1, pages + 1):
        page = flat(pdftotext(pdf, tmp_path, page=number))
        assert "Version 1 – Active" in page, f"page {number}"
        assert f"In effect from {today}" in page, f"page {number}"
        assert f"Approved by the citizen {today}" in page, f"page {number}"
        assert f"Printed {today}" in page, f"page {number}"
        assert f"Page {number} of {pages}" in page, f"page {number}"


def test_a_proposal_says_so_on_every_page(coordinator_grant, coordinator, plan, tmp_path):
    proposal = actions.start_draft(coordinator_grant, acting_user=coordinator)
    pdf = render_plan_pdf(coordinator_grant, proposal, language="en")
    for number in range(1, page_count(pdf, tmp_path) + 1):
        page = flat(pdftotext(pdf, tmp_path, page=number))
        assert "Version 2 – Proposal" in page
        assert "Not approved yet" in page


def test_the_crisis_plan_pdf_has_both_plans_in_order_and_nothing_else(coordinator_grant, plan, tmp_path):
    text = flat(pdftotext(render_plan_pdf(coordinator_grant, plan, language="en", crisis_only=True), tmp_path))
    order = [
        "Når jeg ikke sover",
        "Early warning signs",
        WARNING_1,
        "What helps",
        HELPS_1,
        "Who is contacted",
        "Gp Test",
        "22 33 44 55",
        "What is done",
        DONE_1,
        "Worry about me",
        WARNING_2,
        HELPS_2,
        "Kari Søster",
        "900 11 222",
        DONE_2,
    ]
    positions = [text.find(phrase) for phrase in order]
    assert -1 not in positions, [phrase for phrase, at in zip(order, positions, strict=True) if at == -1]
    assert positions == sorted(positions)
    assert "113" in text
    assert "Medisiner og resepter" in text  # the contact overview: the coordinator may see it
    for absent in (MEASURE, "Arbeidstrening", FINANCE, MEDICATION, "Hjelp med post og regninger", WHAT_MATTERS):
        assert absent not in text


def test_the_crisis_plan_pdf_leaves_out_the_contact_overview_for_a_reader_without_it(
    citizen, plan, make_staff, tmp_path
):
    nurse = make_staff("nurse")
    CareTeamMember.objects.create(
        citizen=citizen, user=nurse, role=CareTeamMember.Role.HOME_NURSING, sections=[Section.CRISIS_PLAN]
    )
    grant = grant_for(nurse, citizen)
    text = flat(pdftotext(render_plan_pdf(grant, plan, language="en", crisis_only=True), tmp_path))
    assert WARNING_1 in text and WARNING_2 in text
    assert "Medisiner og resepter" not in text
    assert plan_sections(grant, crisis_only=True) == [Section.CRISIS_PLAN]


def test_the_heading_follows_the_language(coordinator_grant, plan, tmp_path):
    """Bokmål is checked on a string the catalog already has (Crisis plan → Kriseplan)."""
    bokmal = flat(pdftotext(render_plan_pdf(coordinator_grant, plan, language="nb", crisis_only=True), tmp_path))
    english = flat(pdftotext(render_plan_pdf(coordinator_grant, plan, language="en", crisis_only=True), tmp_path))
    assert "Kriseplan" in bokmal and "Crisis plan" not in bokmal
    assert "Crisis plan" in english and "Kriseplan" not in english
    assert "Side 1 av" in bokmal and "Page 1 of" in english


def test_a_reader_without_the_plan_section_gets_no_pdf(citizen, gp, care_team_member, nav, plan):
    with pytest.raises(SectionDenied):
        render_plan_pdf(grant_for(gp, citizen), plan, language="en")
    with pytest.raises(SectionDenied):
        render_plan_pdf(grant_for(nav, citizen), plan, language="en", crisis_only=True)


def test_a_version_of_another_citizens_plan_is_refused(coordinator, make_citizen, coordinator_grant, plan):
    other = make_citizen(coordinator, "Ola")
    with pytest.raises(PermissionDenied):
        render_plan_pdf(grant_for(coordinator, other), plan, language="en")


def test_the_sections_to_log_are_the_ones_in_the_pdf(nav, citizen, coordinator_grant):
    assert plan_sections(grant_for(nav, citizen)) == [Section.PLAN, Section.FINANCE]
    assert set(plan_sections(coordinator_grant)) == all_sections() - {
        Section.OVERVIEW,
        Section.NOTES,
        Section.PATHWAY,
        "group",  # the responsibility group is not in the plan
        "relatives",  # nor the relatives and their consents
        "incidents",  # nor the incident records
        "development_plan",  # nor the personal development plan (beside it)
    }
