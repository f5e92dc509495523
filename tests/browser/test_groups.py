"""A responsibility group in a real browser, from proposal to signed minutes.

The coordinator proposes a group from the care team; Ingrid consents on her phone; a meeting is
planned and the invitations go out with a calendar file; Ingrid adds her own point; the minutes
are written from the agenda, an action goes to the GP (and shows on the GP's worklist), the minutes
are signed. The Nav member reads them without the medication part — on screen and in the PDF — and
so does the GP once the agreement shields the GP from it; Ingrid reads them all. axe-core on every
page. Pages are read in English; elements are found by id or data-testid."""

import datetime
import subprocess

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page, expect

from groups import actions
from groups.models import Group, GroupTask, Meeting, Minutes
from measures import actions as measures_actions
from people.access import grant_for
from people.models import CareTeamMember, Organisation, Section
from plans import actions as plan_actions
from plans.models import PlanText, PlanVersion
from tests.browser.conftest import PASSWORD, make_staff, screenshots

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def english(page: Page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


@pytest.fixture
def team(citizen, coordinator, gp, gp_office):
    """Ingrid with a login, a goal, a plan in force with a medication plan, the GP and Nav on her care team."""
    from django.contrib.auth import get_user_model

    citizen.user = get_user_model().objects.create_user(username="innbygger", password=PASSWORD)
    citizen.email = "ingrid@example.no"
    citizen.save()
    nav_office = Organisation.objects.create(name="Nav Fjordby", org_type=Organisation.Type.NAV)
    nav = make_staff("nav", "Nina", nav_office, "Veileder")
    gp.email, nav.email, coordinator.email = "geir@example.no", "nina@example.no", "kari@example.no"
    for user in (gp, nav, coordinator):
        user.save()
    gp_member = CareTeamMember.objects.create(
        citizen=citizen,
        user=gp,
        role="gp",
        organisation=gp_office,
        sections=[Section.OVERVIEW, "group", Section.PLAN, Section.MEASURES, Section.MEDICATION],
    )
    nav_member = CareTeamMember.objects.create(
        citizen=citizen,
        user=nav,
        role="nav",
        organisation=nav_office,
        sections=[Section.OVERVIEW, "group", Section.PLAN, Section.MEASURES],
    )
    grant = grant_for(coordinator, citizen)
    goal = measures_actions.add_goal(grant, acting_user=coordinator, text="Sove bedre")
    measures_actions.rate_goals(grant, {goal.pk: 3}, acting_user=coordinator)
    draft = plan_actions.start_draft(grant, acting_user=coordinator)
    medication = PlanText.objects.get(version=draft, key="medication")
    plan_actions.save_text(
        grant, draft, "medication", "Sertralin 50 mg", expected_revision=medication.revision, acting_user=coordinator
    )
    PlanVersion.objects.filter(pk=draft.pk).update(status="active")  # the plans app's own tests approve plans
    return {"gp": gp_member, "nav": nav_member, "nav_user": nav, "goal": goal}


def _pdf_text(page, url):
    response = page.request.get(url)
    assert response.headers["content-type"] == "application/pdf"
    return subprocess.run(
        ["pdftotext", "-", "-"], input=response.body(), capture_output=True, check=True
    ).stdout.decode()


def test_a_responsibility_group_from_proposal_to_signed_minutes(
    page: Page, live_server, log_in, log_out, axe_clean, on_phone, on_desktop, citizen, coordinator, gp, team
):
    base = live_server.url
    group_url = f"{base}/citizens/{citizen.pk}/group/"

    # The coordinator proposes the group: purpose, rules, the GP and Nav from the care team, a teacher outside it.
    log_in("koordinator")
    page.goto(group_url)
    expect(page.get_by_test_id("no-group")).to_be_visible()
    page.get_by_test_id("propose").click()
    page.locator("#id_purpose").fill("Ingrid vil ha egen bolig og komme i arbeid.")
    page.locator("#id_meeting_frequency").fill("Hver tredje måned")
    page.locator("#id_ending").fill("Når Ingrid og gruppen er enige om at målene er nådd.")
    page.locator(f"#id_m{team['gp'].pk}_include").check()
    page.locator(f"#id_m{team['gp'].pk}_responsibility").fill("Medisiner og helse")
    page.locator(f"#id_m{team['nav'].pk}_include").check()
    page.locator(f"#id_m{team['nav'].pk}_responsibility").fill("Arbeid og økonomi")
    page.locator("#id_x0_name").fill("Kari Lærer")
    page.locator("#id_x0_organisation").fill("Fjordby voksenopplæring")
    page.locator("#id_x0_email").fill("kari.laerer@example")
    axe_clean(page, "propose a group")
    page.get_by_test_id("save-agreement").click()
    # A bad address is said next to the field, and everything typed is still there.
    expect(page.locator(".ds-error-summary")).to_contain_text("is not an e-mail address")
    expect(page.locator("#id_purpose")).to_have_value("Ingrid vil ha egen bolig og komme i arbeid.")
    page.locator("#id_x0_email").fill("kari.laerer@example.no")
    page.get_by_test_id("save-agreement").click()
    expect(page.get_by_test_id("proposal")).to_be_visible()
    expect(page.get_by_test_id("members")).to_contain_text("Kari Lærer")
    axe_clean(page, "proposed group")
    log_out()

    # Ingrid reads the agreement on her phone and consents.
    on_phone()
    log_in("innbygger")
    page.get_by_test_id("open-my-group").click()
    expect(page.get_by_test_id("agreement")).to_contain_text("egen bolig")
    axe_clean(page, "the agreement on a phone")
    page.get_by_test_id("consent-yes").click()
    expect(page.get_by_test_id("own-answer")).to_contain_text("You have said yes")
    assert Group.objects.get(citizen=citizen).status == "active"
    log_out()

    # The coordinator plans a meeting; the agenda comes from the plan; the invitations go out.
    on_desktop()
    log_in("koordinator")
    page.goto(group_url)
    page.get_by_test_id("plan-meeting").click()
    starts = timezone.localtime() + datetime.timedelta(days=7)
    page.locator("#id_starts_at").fill(starts.strftime("%Y-%m-%dT10:00"))
    page.locator("#id_place").fill("Fjordby rådhus, møterom 2")
    axe_clean(page, "plan a meeting")
    page.get_by_test_id("save-meeting").click()
    meeting = Meeting.objects.get()
    expect(page.get_by_test_id("agenda")).to_contain_text("Sove bedre")
    expect(page.get_by_test_id("agenda")).to_contain_text("Medication plan")
    mail.outbox.clear()
    page.get_by_test_id("send-invitations").click()
    expect(page.locator(".messages")).to_contain_text("invited")
    axe_clean(page, "meeting page")
    to_teacher = next(message for message in mail.outbox if "kari.laerer@example.no" in message.to)
    ics = next(part for part in to_teacher.message().walk() if part.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(ics.get_payload(decode=True))
    event = next(component for component in calendar.walk("VEVENT"))
    assert str(calendar["METHOD"]) == "REQUEST"
    assert event.decoded("DTSTART") == meeting.starts_at
    for message in mail.outbox:  # no health details, no surname
        whole = message.message().as_bytes().decode("utf-8", "replace") + message.subject + message.body
        assert "Innbygger" not in whole and "Sove bedre" not in whole and "Sertralin" not in whole
    log_out()

    # Ingrid adds her own point from her phone.
    on_phone()
    log_in("innbygger")
    page.goto(f"{base}{meeting.get_absolute_url()}")
    page.locator("#id_title").fill("Jeg vil snakke om å få jobb")
    page.get_by_test_id("add-point").locator("button[type=submit]").click()
    expect(page.get_by_test_id("agenda")).to_contain_text("Jeg vil snakke om å få jobb")
    axe_clean(page, "the meeting on a phone")
    log_out()

    # After the meeting (the test moves it back in time), the minutes are written from the agenda.
    on_desktop()
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=2))
    log_in("koordinator")
    page.goto(f"{base}{meeting.get_absolute_url()}")
    page.get_by_test_id("write-minutes").click()
    minutes = Minutes.objects.get()
    parts = {part["title"]: index for index, part in enumerate(minutes.parts)}
    goal_part = parts["Sove bedre"]
    medication_part = next(i for i, part in enumerate(minutes.parts) if part["section"] == Section.MEDICATION)
    own_part = parts["Jeg vil snakke om å få jobb"]
    page.locator(f"#id_part_{goal_part}_said").fill("Sover bedre etter at hun begynte å gå tur om kvelden.")
    page.locator(f"#id_part_{goal_part}_status").select_option("on_track")
    page.locator(f"#id_part_{goal_part}_rating").fill("6")
    page.locator(f"#id_part_{medication_part}_said").fill("Sertralin gir kvalme om morgenen.")
    page.locator(f"#id_part_{medication_part}_agreed").fill("Fastlegen vurderer å ta den om kvelden.")
    page.locator(f"#id_part_{own_part}_said").fill("Ingrid vil prøve arbeidstrening.")
    page.locator("#id_summary").fill("Alle møtte. God stemning.")
    axe_clean(page, "writing minutes")
    page.get_by_test_id("save-and-read").click()
    expect(page.get_by_test_id("minutes-body")).to_contain_text("Sertralin gir kvalme")

    # A decision becomes an action for the GP.
    page.goto(f"{base}{meeting.get_absolute_url()}")
    task_form = page.get_by_test_id("add-task")
    task_form.locator("#id_what").fill("Vurdere tidspunkt for Sertralin")
    member = actions.current_agreement(meeting.group).members.get(care_team_member=team["gp"])
    task_form.locator("#id_responsible").select_option(str(member.pk))
    task_form.locator("#id_section").select_option(Section.MEDICATION)
    task_form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("meeting-tasks")).to_contain_text("Vurdere tidspunkt for Sertralin")
    page.goto(f"{base}{minutes.get_absolute_url()}")
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("minutes-status")).to_contain_text("Signed on")
    axe_clean(page, "signed minutes")
    minutes.refresh_from_db()
    assert minutes.is_signed
    assert list(team["goal"].ratings.order_by("pk").values_list("rating", flat=True)) == [3, 6]
    log_out()

    # The GP sees the action on the worklist.
    log_in("fastlege")
    page.goto(f"{base}/worklist/")
    expect(page.locator("[data-kind=group_task]")).to_contain_text("Vurdere tidspunkt for Sertralin")
    log_out()

    # Nav reads the minutes without the medication part, on screen and in the PDF.
    log_in("nav")
    page.goto(f"{base}{minutes.get_absolute_url()}")
    expect(page.get_by_test_id("minutes-body")).to_contain_text("Sover bedre")
    expect(page.get_by_test_id("minutes-body")).not_to_contain_text("Sertralin")
    axe_clean(page, "minutes as Nav")
    pdf = _pdf_text(page, f"{base}/citizens/{citizen.pk}/minutes/{minutes.pk}/pdf/")
    assert "Sover bedre" in pdf and "Sertralin" not in pdf
    log_out()

    # The agreement shields the GP from the medication plan: the GP no longer gets that part.
    specs = [
        actions.MemberSpec(
            care_team_member=m.care_team_member,
            role=m.role,
            responsibility=m.responsibility,
            shielded_sections=[Section.MEDICATION] if m.care_team_member_id == team["gp"].pk else [],
        )
        if m.care_team_member_id
        else actions.MemberSpec(external_name=m.external_name, email=m.email, role=m.role)
        for m in actions.current_agreement(meeting.group).members.select_related("care_team_member")
    ]
    current = actions.current_agreement(meeting.group)
    actions.revise_agreement(
        grant_for(coordinator, citizen),
        meeting.group,
        acting_user=coordinator,
        text=actions.AgreementText(
            purpose=current.purpose, meeting_frequency=current.meeting_frequency, ending=current.ending
        ),
        members=specs,
        change_note="Fastlegen får ikke medisinplanen i referatene",
    )
    log_in("fastlege")
    page.goto(f"{base}{minutes.get_absolute_url()}")
    expect(page.get_by_test_id("minutes-body")).to_contain_text("Sover bedre")
    expect(page.get_by_test_id("minutes-body")).not_to_contain_text("Sertralin")
    assert "Sertralin" not in _pdf_text(page, f"{base}/citizens/{citizen.pk}/minutes/{minutes.pk}/pdf/")
    log_out()

    # Ingrid reads all of her minutes on her phone.
    on_phone()
    log_in("innbygger")
    page.goto(f"{base}{minutes.get_absolute_url()}")
    expect(page.get_by_test_id("minutes-body")).to_contain_text("Sertralin gir kvalme")
    axe_clean(page, "minutes as the citizen on a phone")
    assert GroupTask.objects.get().responsible_user == gp


@pytest.fixture
def consented_group(team, citizen, coordinator):
    grant = grant_for(coordinator, citizen)
    leader_row = CareTeamMember.objects.get(citizen=citizen, user=coordinator)
    group, agreement = actions.propose_group(
        grant,
        acting_user=coordinator,
        text=actions.AgreementText(purpose="Egen bolig", meeting_frequency="Hver måned", ending="Når målene er nådd"),
        members=[
            actions.MemberSpec(care_team_member=leader_row, role="municipal_coordinator"),
            actions.MemberSpec(care_team_member=team["nav"]),
        ],
    )
    actions.answer_agreement(grant_for(citizen.user, citizen), agreement, acting_user=citizen.user, consent="yes")
    return group


def test_a_learning_log_reaches_the_leaders_summary_without_identifiers(
    page: Page, live_server, log_in, log_out, axe_clean, citizen, coordinator, municipality, consented_group
):
    from groups import learning
    from groups.models import LearningFactor
    from people.models import UnitLeadership

    # A live-server test empties the tables between tests, the migration's factors too.
    for order, (key, name) in enumerate([("clear_coordinator", "Tydelig koordinator"), ("housing", "Bolig")]):
        LearningFactor.objects.get_or_create(key=key, defaults={"name": name, "name_en": key, "order": order})
    grant = grant_for(coordinator, citizen)
    earlier = timezone.localdate()  # the same year as the log written below, whatever day this runs
    for n in range(4):  # four earlier logs, so that the year's lessons may be shown (five or more)
        learning.write_log(
            grant,
            consented_group,
            acting_user=coordinator,
            event_on=earlier,
            outcome="success",
            event=f"Møte {n} gikk godt",
            factors=[LearningFactor.objects.get(key="clear_coordinator")],
            lessons=f"Lærdom {n}: en tydelig koordinator hjelper.",
        )
    leader = make_staff("leder", "Liv", municipality, "Enhetsleder")
    UnitLeadership.objects.create(user=leader, organisation=municipality)

    log_in("koordinator")
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/group/")
    page.get_by_test_id("learning-logs").click()
    page.get_by_test_id("new-log").click()
    page.locator("#id_event_on").fill(timezone.localdate().isoformat())
    page.locator("input[name=outcome][value=success]").check()
    page.locator("#id_event").fill("Ingrid fikk bolig etter at Nav og kommunen møttes samme dag.")
    page.locator(f"input[name=factors][value='{LearningFactor.objects.get(key='housing').pk}']").check()
    page.locator("#id_lessons").fill(
        "Da Ingrid Innbygger og Nina Testesen møttes 3.12.2026, løste det seg: møt samme dag."
    )
    axe_clean(page, "a new learning log")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("log")).to_contain_text("fikk bolig")
    log_out()

    log_in("leder")
    page.get_by_role("link", name="Learning across groups").click()
    lessons = page.get_by_test_id(f"lessons-{timezone.localdate().year}")
    expect(lessons).to_contain_text("møt samme dag")
    for identifier in ("Ingrid", "Innbygger", "Nina", "Testesen", "3.12.2026"):
        expect(lessons).not_to_contain_text(identifier)
    expect(page.locator("main")).not_to_contain_text("Ingrid")
    axe_clean(page, "the leaders' summary")


def test_every_other_group_page_passes_axe(
    page: Page, live_server, log_in, axe_clean, on_phone, citizen, coordinator, team, consented_group
):
    """The pages the story above does not pass through, with a form shown with its errors where it has one."""
    from groups import learning

    grant = grant_for(coordinator, citizen)
    members = list(actions.current_agreement(consented_group).members.all())
    meeting = actions.plan_meeting(
        grant,
        consented_group,
        acting_user=coordinator,
        kind="network",
        starts_at=timezone.now() + datetime.timedelta(days=3),
        duration_minutes=90,
        video_link="https://video.example.no/rom/7",
        members=members,
    )
    task = actions.add_task(
        grant,
        meeting,
        acting_user=coordinator,
        what="Ringe huseier",
        responsible=members[0],
        due_on=timezone.localdate(),
    )
    log = learning.write_log(
        grant,
        consented_group,
        acting_user=coordinator,
        event_on=timezone.localdate(),
        outcome="failure",
        event="Avlyst",
    )
    base = f"{live_server.url}/citizens/{citizen.pk}"
    log_in("koordinator")
    for path, emptied in [
        ("/group/", None),
        (f"/meetings/{meeting.pk}/move/", "#id_starts_at"),
        (f"/meetings/{meeting.pk}/cancel/", "#id_reason"),
        (f"/actions/{task.pk}/", "#id_reason"),
        ("/group/end/", "#id_reason"),
        ("/group/agreement/", None),
        ("/group/learning/", None),
        (f"/group/learning/{log.pk}/", None),
        (f"/group/learning/{log.pk}/edit/", None),
    ]:
        page.goto(f"{base}{path}")
        axe_clean(page, path)
        if emptied:  # the same page, sent without what it needs: the error summary and the marked field
            page.locator(emptied).fill("")
            if path.startswith("/actions/"):
                page.locator("input[name=status][value=cancelled]").check()
            page.locator("main form.form-stack").last.locator("button[type=submit]").click()
            expect(page.locator(".ds-error-summary")).to_be_visible()
            axe_clean(page, f"{path} with errors")
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=1))
    page.goto(f"{base}/meetings/{meeting.pk}/attendance/")
    axe_clean(page, "attendance")
    on_phone()
    page.goto(f"{base}/meetings/{meeting.pk}/")
    page.get_by_test_id("write-minutes").click()
    expect(page.get_by_test_id("part-0")).to_be_visible()  # one perspective per voice in a network meeting
    axe_clean(page, "network meeting minutes on a phone")


def test_an_answer_from_a_page_opened_before_the_meeting_moved_is_refused_with_the_new_time(
    page: Page, live_server, log_in, axe_clean, on_phone, citizen, coordinator, team, consented_group
):
    """Nina opens the meeting on her phone; the coordinator moves it; Nina's "Coming" (for the time she
    saw) is not kept: the page says the meeting moved and shows the new time, and she answers again."""
    grant = grant_for(coordinator, citizen)
    first = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + datetime.timedelta(days=3)
    meeting = actions.plan_meeting(
        grant,
        consented_group,
        acting_user=coordinator,
        kind="network",
        starts_at=first,
        duration_minutes=90,
        video_link="https://video.example.no/rom/7",
        members=list(actions.current_agreement(consented_group).members.all()),
    )
    on_phone()
    log_in("nav")
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    moved = first + datetime.timedelta(days=1, hours=3)
    actions.move_meeting(
        grant,
        meeting,
        acting_user=coordinator,
        starts_at=moved,
        duration_minutes=90,
        video_link="https://video.example.no/rom/7",
    )
    page.get_by_role("button", name="Coming", exact=True).click()
    refused = page.get_by_test_id("answer-refused")
    expect(refused).to_contain_text("The meeting has been moved since you opened it")
    expect(page.locator("main")).to_contain_text("13:00")
    axe_clean(page, "an answer refused after a move, on a phone")
    screenshots(page, "SAMPLAN_SCREENSHOTS", "meeting-answer-refused")
    nina = actions.participant_of(meeting, team["nav_user"])
    assert nina.answer == "needs-action"
    page.get_by_role("button", name="Coming", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Your answer is saved")
    nina.refresh_from_db()
    assert nina.answer == "accepted"
