"""Learning logs: the coordinator writes them ("Logg nr. 1 — 30.8.2011"), members with the group section
read them, the later evaluation sets goal ratings and scores from before against after; the service
leaders see a summary across all the groups of their units that never shows or gives away a count
from 1 to 4, with the lessons stripped of names, dates and numbers."""

import datetime
import itertools
import threading
import unicodedata

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from groups import actions, learning
from groups.models import Group, LearningFactor, LearningLog
from measures import actions as measures_actions
from measures.models import Questionnaire, QuestionnaireResponse, Score
from people import access
from people.models import CareTeamMember, Organisation, Section, UnitLeadership

from .conftest import agreement_text, member_specs

_events = itertools.count(1)
FAILURE, SUCCESS = "failure", "success"


def days_ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def factors(db):
    """The factors the stories name (the migration adds them; a transactional test's flush removes them)."""
    names = {
        "continuity": ("Kontinuitet i hjelpere", "Continuity of helpers"),
        "availability": ("Tilgjengelighet", "Availability"),
        "clear_coordinator": ("Tydelig koordinator", "A clear coordinator"),
    }
    return {
        key: LearningFactor.objects.get_or_create(key=key, defaults={"name": name, "name_en": name_en})[0]
        for key, (name, name_en) in names.items()
    }


def write(grant, group, user, **values):
    values = {
        "event_on": days_ago(20),
        "outcome": FAILURE,
        "event": f"Ingen fra Nav møtte på ansvarsgruppemøtet ({next(_events)})",
    } | values
    return learning.write_log(grant, group, acting_user=user, **values)


def url(name, citizen, log=None):
    kwargs = {"citizen_id": citizen.pk}
    if log is not None:
        kwargs["log_id"] = log.pk
    return reverse(f"groups:{name}", kwargs=kwargs)


def denied(user, citizen):
    return AccessEvent.objects.filter(actor_id=user.pk, citizen_id=citizen.pk, action=AccessEvent.Action.DENIED)


def reads(user, citizen):
    return set(
        AccessEvent.objects.filter(actor_id=user.pk, citizen_id=citizen.pk, action="read").values_list(
            "section", flat=True
        )
    )


@pytest.fixture
def nurse(make_staff, citizen):
    """On the care team with sight of the overview and measures, not the group."""
    user = make_staff("nurse")
    CareTeamMember.objects.create(
        citizen=citizen, user=user, role=CareTeamMember.Role.HOME_NURSING, sections=[Section.OVERVIEW, Section.MEASURES]
    )
    return user


@pytest.fixture
def mentor(make_staff, citizen):
    """On the care team with sight of the group only: no measures."""
    user = make_staff("mentor")
    CareTeamMember.objects.create(
        citizen=citizen, user=user, role=CareTeamMember.Role.PEER_WORKER, sections=[Section.OVERVIEW, "group"]
    )
    return user


# Writing ------------------------------------------------------------------------------------------


def test_logs_are_numbered_per_group_and_each_write_is_logged(
    group, grant, citizen, citizen_grant, coordinator, coordinator_member, gp_member, nav_member
):
    numbers = [write(grant, group, coordinator).number for _ in range(3)]
    assert numbers == [1, 2, 3]
    details = list(
        AccessEvent.objects.filter(citizen_id=citizen.pk, section="group", action="write", detail__contains="learning")
        .order_by("pk")
        .values_list("detail", flat=True)
    )
    assert details == [f"learning log {n} of group {group.pk}: written" for n in (1, 2, 3)]

    actions.end_group(grant, group, acting_user=coordinator, reason="Målene er nådd")
    newer, agreement = actions.propose_group(
        grant,
        acting_user=coordinator,
        text=agreement_text(),
        members=member_specs(coordinator_member, gp_member, nav_member),
    )
    actions.answer_agreement(citizen_grant, agreement, acting_user=citizen.user, consent="yes")
    assert write(grant, newer, coordinator).number == 1


def test_the_same_log_sent_twice_is_stored_once(group, grant, coordinator):
    first = write(grant, group, coordinator, event="Møtet ble avlyst uten beskjed")
    again = write(grant, group, coordinator, event="Møtet ble avlyst uten beskjed")
    assert again.pk == first.pk
    assert LearningLog.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks; SQLite writes one at a time anyway")
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_saving_at_the_same_moment_get_two_numbers(group, grant, coordinator):
    start = threading.Barrier(2)
    numbers, failures = [], []

    def save(text):
        try:
            start.wait()
            numbers.append(write(grant, group, coordinator, event=text).number)
        except Exception as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(text,)) for text in ("Første", "Andre")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(numbers) == [1, 2]


def test_every_problem_is_named_at_once_and_nothing_is_saved(group, grant, coordinator, factors):
    retired = factors["availability"]
    retired.is_active = False
    retired.save()
    with pytest.raises(ValidationError) as refused:
        learning.write_log(
            grant, group, acting_user=coordinator, event_on=days_ago(-3), outcome="", event="  ", factors=[retired]
        )
    errors = refused.value.message_dict
    assert errors == {
        "event_on": ["The date is in the future. Choose the day it happened."],
        "outcome": ["Choose whether something went wrong or went notably well."],
        "event": ["Write what happened."],
        "factors": ["“Availability” is no longer in the list of factors. Untick it, or write it under other factors."],
    }
    with pytest.raises(ValidationError) as refused:
        write(grant, group, coordinator, evaluated_on=days_ago(1))
    assert refused.value.message_dict == {"evaluation": ["Write what the evaluation found, or leave its date empty."]}
    with pytest.raises(ValidationError) as refused:
        write(grant, group, coordinator, event_on=days_ago(5), evaluation="Bedre", evaluated_on=days_ago(9))
    assert "cannot be before the event" in refused.value.message_dict["evaluated_on"][0]
    assert not LearningLog.objects.exists()
    assert not AccessEvent.objects.filter(detail__contains="learning log").exists()


def test_no_log_before_the_citizen_has_consented(grant, coordinator, coordinator_member, gp_member, nav_member):
    proposal, _agreement = actions.propose_group(
        grant,
        acting_user=coordinator,
        text=agreement_text(),
        members=member_specs(coordinator_member, gp_member, nav_member),
    )
    with pytest.raises(ValidationError) as refused:
        write(grant, proposal, coordinator)
    assert "not consented" in refused.value.message_dict["__all__"][0]


def test_members_read_but_only_the_coordinator_writes(group, grant, coordinator, gp, citizen):
    log = write(grant, group, coordinator)
    gp_grant = access.grant_for(gp, citizen)
    assert gp_grant.may_see("group")
    with pytest.raises(PermissionDenied):
        write(gp_grant, group, gp)
    with pytest.raises(PermissionDenied):
        learning.update_log(gp_grant, log, acting_user=gp, lessons="Noe")


def test_the_evaluation_comes_later_and_a_stale_save_changes_nothing(group, grant, coordinator, citizen):
    log = write(grant, group, coordinator, decision="Nav inviteres på telefon dagen før")
    opened_at = log.updated_at
    evaluated = learning.update_log(
        grant,
        log,
        acting_user=coordinator,
        expected_updated_at=opened_at,
        evaluation="Nav har møtt på de to siste møtene",
        lessons="Påminnelse dagen før virker",
    )
    assert evaluated.evaluated_on == timezone.localdate()
    assert AccessEvent.objects.filter(citizen_id=citizen.pk, detail=f"learning log 1 of group {group.pk}: evaluated")
    with pytest.raises(actions.EditConflict):
        learning.update_log(grant, log, acting_user=coordinator, expected_updated_at=opened_at, lessons="Annet")
    log.refresh_from_db()
    assert log.lessons == "Påminnelse dagen før virker"


# Pages ----------------------------------------------------------------------------------------------


def test_the_coordinator_writes_a_log_through_the_form(login, group, coordinator, citizen, factors):
    client = login(coordinator)
    page = client.get(url("learning_new", citizen))
    assert page.status_code == 200
    # The writer is told, by the field itself, that the lesson is shared with the leaders.
    assert 'aria-describedby="id_lessons_helptext"' in page.text
    assert "Shared with the service leaders in a summary across all groups, without names or dates." in page.text
    assert "Continuity of helpers" in page.text  # the factor in the reader's language
    response = client.post(
        url("learning_new", citizen),
        {
            "event_on": days_ago(10).isoformat(),
            "outcome": SUCCESS,
            "event": "Enighet om at hjelpeapparatet har klart å samordne seg",
            "factors": [factors["continuity"].pk, factors["clear_coordinator"].pk],
            "lessons": "Få hjelpere og en tydelig koordinator",
        },
    )
    log = LearningLog.objects.get()
    assert response.status_code == 302 and response["Location"] == url("learning_log", citizen, log)
    page = client.get(response["Location"])
    assert f"Learning log no. 1 — {days_ago(10):%d.%m.%Y}" in page.text
    assert "Continuity of helpers" in page.text and "A clear coordinator" in page.text
    assert "Få hjelpere og en tydelig koordinator" in page.text
    listing = client.get(url("learning_list", citizen))
    assert 'data-testid="log-1"' in listing.text
    assert {"group"} <= reads(coordinator, citizen)


def test_bad_input_keeps_what_was_typed_and_says_what_is_wrong(login, group, coordinator, citizen):
    client = login(coordinator)
    response = client.post(url("learning_new", citizen), {"event_on": "31.02.2026", "event": "Skrevet tekst"})
    assert response.status_code == 400
    assert "Write the date as dd.mm.yyyy, or choose it in the calendar." in response.text
    assert "Skrevet tekst" in response.text
    response = client.post(url("learning_new", citizen), {"event_on": days_ago(1).isoformat(), "causes": "Uklart"})
    assert response.status_code == 400
    assert 'href="#id_outcome"' in response.text and 'href="#id_event"' in response.text
    assert "Choose whether something went wrong or went notably well." in response.text
    assert "Write what happened." in response.text and "Uklart" in response.text
    assert not LearningLog.objects.exists()


def test_an_outsider_gets_404_everywhere_and_the_refusals_are_logged(login, group, grant, coordinator, outsider):
    log = write(grant, group, coordinator)
    citizen = group.citizen
    client = login(outsider)
    for address in (
        url("learning_list", citizen),
        url("learning_new", citizen),
        url("learning_log", citizen, log),
        url("learning_edit", citizen, log),
    ):
        assert client.get(address).status_code == 404, address
    assert client.post(url("learning_log", citizen, log), {"lessons": "x"}).status_code == 404
    assert denied(outsider, citizen).count() == 5
    assert not AccessEvent.objects.filter(actor_id=outsider.pk).exclude(action="denied").exists()
    log.refresh_from_db()
    assert log.lessons == ""


def test_a_member_without_the_group_section_is_refused_and_it_is_logged(login, group, grant, coordinator, nurse):
    log = write(grant, group, coordinator)
    citizen = group.citizen
    client = login(nurse)
    assert client.get(url("learning_list", citizen)).status_code == 403
    assert client.get(url("learning_log", citizen, log)).status_code == 403
    assert denied(nurse, citizen).count() == 2
    assert reads(nurse, citizen) == set()


def test_a_member_with_the_group_section_reads_but_cannot_write(login, group, grant, coordinator, gp, citizen):
    log = write(grant, group, coordinator)
    client = login(gp)
    listing = client.get(url("learning_list", citizen))
    assert listing.status_code == 200 and 'data-testid="new-log"' not in listing.text
    page = client.get(url("learning_log", citizen, log))
    assert page.status_code == 200 and 'data-testid="evaluation-form"' not in page.text
    assert client.get(url("learning_new", citizen)).status_code == 403
    assert client.post(url("learning_log", citizen, log), {"lessons": "Mitt"}).status_code == 403
    assert client.get(url("learning_edit", citizen, log)).status_code == 403
    assert denied(gp, citizen).count() == 3


@pytest.fixture
def ratings_around_the_event(grant, coordinator, citizen, shipped):
    """A goal rated 3 before the event and 7 after; PHQ-9 16 before and 8 after; one rating long after."""
    goal = measures_actions.add_goal(grant, acting_user=coordinator, text="Sove bedre")
    now = timezone.now()
    for days, rating in ((30, 3), (5, 7)):
        measures_actions.rate_goals(
            grant, {goal.pk: rating}, acting_user=coordinator, rated_at=now - datetime.timedelta(days=days)
        )
    phq9 = Questionnaire.objects.current().get(url__endswith="/phq9")
    for days, total in ((40, 16), (3, 8)):
        response = QuestionnaireResponse.objects.create(
            citizen=citizen,
            questionnaire=phq9,
            status="completed",
            answers={},
            authored_at=now - datetime.timedelta(days=days),
        )
        Score.objects.create(
            response=response,
            citizen=citizen,
            instrument="phq9",
            total=total,
            result={},
            effective_at=response.authored_at,
        )
    return goal


def test_the_evaluation_shows_goal_ratings_and_scores_before_and_after(
    login, group, grant, coordinator, citizen, ratings_around_the_event
):
    log = write(grant, group, coordinator, event_on=days_ago(20))
    page = login(coordinator).get(url("learning_log", citizen, log))
    assert page.status_code == 200
    evidence = page.context["evidence"]
    (goal,) = evidence.goals
    assert (goal.label, goal.before, goal.after, goal.change) == ("Sove bedre", 3, 7, 4)
    (phq9,) = evidence.scores
    assert (phq9.before, phq9.after, phq9.direction) == (16, 8, "Reliably better")
    assert 'data-testid="goal-ratings"' in page.text and "+4" in page.text
    assert {"group", Section.MEASURES} <= reads(coordinator, citizen)

    # Evaluated on the day before the last rating: that rating is not "after" any more.
    learning.update_log(grant, log, acting_user=coordinator, evaluation="Litt bedre", evaluated_on=days_ago(10))
    page = login(coordinator).get(url("learning_log", citizen, log))
    (goal,) = page.context["evidence"].goals
    assert (goal.before, goal.after) == (3, None)


def test_without_the_measures_section_there_is_no_before_and_after(
    login, group, grant, coordinator, citizen, mentor, ratings_around_the_event
):
    log = write(grant, group, coordinator)
    page = login(mentor).get(url("learning_log", citizen, log))
    assert page.status_code == 200
    assert page.context["evidence"] is None and 'data-testid="evidence"' not in page.text
    assert reads(mentor, citizen) == {"group"}


def test_the_evaluation_form_saves_and_a_stale_one_shows_both(login, group, grant, coordinator, citizen):
    log = write(grant, group, coordinator)
    client = login(coordinator)
    page = client.get(url("learning_log", citizen, log))
    version = page.context["form"]["version"].value()
    response = client.post(
        url("learning_log", citizen, log),
        {"version": version, "evaluation": "Nav møter nå", "evaluated_on": "", "lessons": "Ring dagen før"},
    )
    assert response.status_code == 302
    log.refresh_from_db()
    assert (log.evaluation, log.evaluated_on) == ("Nav møter nå", timezone.localdate())
    # The same form sent again (a double click) is already saved: no conflict, nothing written.
    writes = AccessEvent.objects.filter(action="write").count()
    again = client.post(
        url("learning_log", citizen, log),
        {"version": version, "evaluation": "Nav møter nå", "evaluated_on": "", "lessons": "Ring dagen før"},
    )
    assert again.status_code == 302 and AccessEvent.objects.filter(action="write").count() == writes
    response = client.post(
        url("learning_log", citizen, log),
        {"version": version, "evaluation": "Min versjon", "evaluated_on": "", "lessons": "Min lærdom"},
    )
    assert response.status_code == 409
    assert 'data-testid="conflict"' in response.text
    assert "Ring dagen før" in response.text and "Min lærdom" in response.text
    log.refresh_from_db()
    assert log.lessons == "Ring dagen før"


def test_the_whole_log_is_changed_on_the_edit_page(login, group, grant, coordinator, citizen, factors):
    log = write(grant, group, coordinator, factors=[factors["continuity"]])
    client = login(coordinator)
    page = client.get(url("learning_edit", citizen, log))
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data |= {"causes": "Innkallingen gikk til feil adresse", "factors": [factors["availability"].pk]}
    data["event_on"] = log.event_on.isoformat()
    response = client.post(url("learning_edit", citizen, log), data)
    assert response.status_code == 302
    log.refresh_from_db()
    assert log.causes == "Innkallingen gikk til feil adresse"
    assert list(log.factors.values_list("key", flat=True)) == ["availability"]
    assert AccessEvent.objects.filter(detail=f"learning log 1 of group {group.pk}: changed").exists()


def test_the_writer_sees_the_lesson_as_the_leaders_will(login, group, grant, coordinator, citizen):
    log = write(grant, group, coordinator, lessons="Ingrid og Kari Lærer fant en løsning 12.03.2025")
    page = login(coordinator).get(url("learning_log", citizen, log))
    assert page.context["shared_lesson"] == "[…] og […] fant en løsning […]"


def test_learning_factors_are_kept_in_the_admin_but_the_logs_are_not():
    assert admin.site.is_registered(LearningFactor)
    assert not admin.site.is_registered(LearningLog)
    assert not admin.site._registry[LearningFactor].has_delete_permission(request=None)


# Scrubbing -------------------------------------------------------------------------------------------


def test_scrubbing_takes_out_names_numbers_dates_and_addresses():
    names = ["Ingrid", "Innbygger", "Ingrid Innbygger", "Kari Lærer", "kari.laerer", "Øystein Ås"]
    text = (
        "INGRID Innbygger (fnr 170590 12345, 17059012345) ringte kari lærer på +47 912 34 567 og 91234567 "
        "den 30.8.2011. Ingrids mor skrev til ingrid@example.no og Kari.Laerer@nav.no. Møtene 3. mars 2012, "
        "2011-08-30, 30/8/11, August 30 og 17.5. gikk bra; siden 2019. Øystein og ÅS var i Åsgård med Karin."
    )
    scrubbed = learning.scrub(text, names)
    for gone in (
        "ngrid",
        "nnbygger",
        "ærer",
        "aerer",
        "12345",
        "912",
        "1234",
        "2011",
        "30.8",
        "mars",
        "30/8",
        "August",
        "17.5",
        "2019",
        "@",
        "Øystein",
        "ÅS ",
    ):
        assert gone.casefold() not in scrubbed.casefold(), gone
    # Words that only start like a name, and the text around, stay.
    for kept in ("ringte", "mor skrev til", "gikk bra", "Åsgård", "Karin"):
        assert kept in scrubbed, kept
    assert scrubbed.startswith("[…] (fnr […], […]) ringte […] på […] og […] den […].")


def test_scrubbing_matches_names_however_the_letters_are_encoded():
    decomposed = unicodedata.normalize("NFD", "Åse Ødegård kom")
    assert learning.scrub(decomposed, ["Åse Ødegård"]) == "[…] kom"


# The leaders' summary -------------------------------------------------------------------------------


@pytest.fixture
def unit_leader(leader, municipality):
    UnitLeadership.objects.create(user=leader, organisation=municipality)
    return leader


def served_group(make_citizen, coordinator, name):
    """A citizen the coordinator's unit serves, with an active group (its making is groups' own story)."""
    citizen = make_citizen(coordinator, name)
    group = Group.objects.create(citizen=citizen, status=Group.Status.ACTIVE, created_by=coordinator)
    return access.grant_for(coordinator, citizen), group


def log_many(grant, group, user, count, **values):
    return [write(grant, group, user, **values) for _ in range(count)]


@pytest.fixture
def year_of_logs(group, grant, coordinator, make_citizen, factors):
    """2024 in the leader's unit: 7 logs about failures naming continuity (4 in Q1, 3 in Q2); 5 about
    successes naming availability (Q1), 2 of them continuity too. Ingrid's group wrote the lessons."""
    continuity, availability = factors["continuity"], factors["availability"]
    other_grant, other_group = served_group(make_citizen, coordinator, "Per")
    lessons = [
        "Ingrid Innbygger (17059012345) trenger én fast kontakt, sa Kari Lærer 30.8.2024",
        "Ring Ingrids mor på 912 34 567 eller skriv til kari@example.no før møtet",
        "Koordinator Coordinator Test må ha tid",
    ]
    for n in range(4):
        write(
            grant,
            group,
            coordinator,
            event_on=datetime.date(2024, 2, 1 + n),
            factors=[continuity],
            lessons=lessons[n] if n < len(lessons) else "",
        )
    log_many(other_grant, other_group, coordinator, 3, event_on=datetime.date(2024, 5, 2), factors=[continuity])
    log_many(
        other_grant,
        other_group,
        coordinator,
        2,
        outcome=SUCCESS,
        event_on=datetime.date(2024, 3, 1),
        factors=[continuity, availability],
    )
    log_many(grant, group, coordinator, 3, outcome=SUCCESS, event_on=datetime.date(2024, 1, 9), factors=[availability])
    return factors


def rows_of(summary, year):
    (found,) = [entry for entry in summary if entry.year == year]
    return found


def by_label(period):
    return {row.label: row for row in period.rows}


def test_the_year_counts_each_factor_by_outcome_and_small_counts_say_under_5(unit_leader, year_of_logs):
    scope = access.aggregate_scope(unit_leader)
    year = rows_of(learning.learning_summary(scope, period="year"), 2024)
    (period,) = year.periods
    rows = by_label(period)
    continuity = rows["Continuity of helpers"]
    assert continuity.failure == learning.Cell(value=7)
    assert continuity.success == learning.Cell(small=True)  # 2
    assert continuity.total == learning.Cell()  # 9 would give the 2 away
    availability = rows["Availability"]
    assert (availability.failure.value, availability.success.value, availability.total.value) == (0, 5, 5)
    everything = rows["All learning logs"]
    assert (everything.failure.value, everything.success.value, everything.total.value) == (7, 5, 12)


def test_the_quarters_never_give_away_a_small_number_through_the_year(unit_leader, year_of_logs):
    scope = access.aggregate_scope(unit_leader)
    years = learning.learning_summary(scope, period="year")
    quarters = learning.learning_summary(scope, period="quarter")
    year = by_label(rows_of(years, 2024).periods[0])
    by_quarter = [by_label(period) for period in rows_of(quarters, 2024).periods]
    assert len(by_quarter) == 4 and "All learning logs" not in by_quarter[0]
    # Continuity: failures 4 and 3 by quarter, 7 in the year: every quarter is hidden.
    assert all(not rows["Continuity of helpers"].failure.shown for rows in by_quarter)
    # Availability: successes 5, 0, 0, 0: all shown, and they add up to the year.
    assert [rows["Availability"].success.value for rows in by_quarter] == [0, 0, 0, 5]
    for label, rows in year.items():
        if label == "All learning logs":
            continue
        for outcome in ("failure", "success"):
            cells = [getattr(rows_q[label], outcome) for rows_q in by_quarter]
            # A factor's quarters are shown all together or not at all, and never a number from 1 to 4.
            assert len({cell.shown for cell in cells}) == 1, (label, outcome)
            if cells[0].shown:
                assert sum(cell.value for cell in cells) == getattr(rows, outcome).value
    for view in (years, quarters):
        for entry in view:
            for period in entry.periods:
                for row in period.rows:
                    for cell in (row.failure, row.success, row.total):
                        assert not cell.shown or cell.value == 0 or cell.value >= 5
                    assert row.total.shown == (row.failure.shown and row.success.shown)


def test_the_page_lists_the_lessons_without_names_numbers_or_dates(login, unit_leader, year_of_logs):
    page = login(unit_leader).get(reverse("groups:learning_summary"))
    assert page.status_code == 200
    text = page.text
    assert "under 5" in text and 'data-cell="hidden"' in text
    lessons = rows_of(page.context["years"], 2024).lessons
    assert lessons == sorted(lessons, key=str.casefold)
    assert "[…] ([…]) trenger én fast kontakt, sa […] […]" in lessons
    assert "Ring […] mor på […] eller skriv til […] før møtet" in lessons
    assert "Koordinator […] må ha tid" in lessons
    for identifying in ("Ingrid", "Innbygger", "Kari", "Lærer", "17059012345", "912 34 567", "30.8.2024", "@"):
        assert identifying not in text, identifying


def test_lessons_are_not_listed_for_a_year_with_fewer_than_5_logs(
    login, unit_leader, group, grant, coordinator, factors
):
    log_many(grant, group, coordinator, 4, event_on=datetime.date(2023, 6, 1), lessons="Et godt råd")
    page = login(unit_leader).get(reverse("groups:learning_summary"))
    assert rows_of(page.context["years"], 2023).lessons is None
    assert 'data-testid="lessons-hidden"' in page.text and "Et godt råd" not in page.text


def test_the_summary_covers_only_the_citizens_of_the_units_the_leader_leads(
    login, unit_leader, year_of_logs, make_staff, make_citizen
):
    elsewhere = Organisation.objects.create(name="Nabokommunen")
    neighbour = make_staff("neighbour", elsewhere)
    neighbour_grant, neighbour_group = served_group(make_citizen, neighbour, "Ola")
    log_many(neighbour_grant, neighbour_group, neighbour, 6, event_on=datetime.date(2024, 4, 2), lessons="Nabo")
    page = login(unit_leader).get(reverse("groups:learning_summary"))
    everything = by_label(rows_of(page.context["years"], 2024).periods[0])["All learning logs"]
    assert everything.total.value == 12
    assert "Nabo" not in rows_of(page.context["years"], 2024).lessons

    neighbours_leader = make_staff("neighboursleader", elsewhere)
    UnitLeadership.objects.create(user=neighbours_leader, organisation=elsewhere)
    page = login(neighbours_leader).get(reverse("groups:learning_summary"))
    everything = by_label(rows_of(page.context["years"], 2024).periods[0])["All learning logs"]
    assert (everything.failure.value, everything.success.value) == (6, 0)


def test_the_summary_is_one_aggregate_event_and_no_read_of_any_citizen(login, unit_leader, municipality, year_of_logs):
    before = AccessEvent.objects.count()
    page = login(unit_leader).get(reverse("groups:learning_summary"), {"period": "quarter"})
    assert page.status_code == 200
    (event,) = AccessEvent.objects.order_by("-pk")[: AccessEvent.objects.count() - before]
    assert (event.action, event.section, event.citizen_id, event.actor_id) == (
        AccessEvent.Action.AGGREGATE,
        "learning_summary",
        None,
        unit_leader.pk,
    )
    assert event.detail == f"period=quarter; units={municipality.pk}"


def test_someone_who_leads_no_unit_gets_403(login, coordinator, citizen, group):
    assert login(coordinator).get(reverse("groups:learning_summary")).status_code == 403
    assert login(citizen.user).get(reverse("groups:learning_summary")).status_code == 403
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.AGGREGATE).exists()


def test_a_wrong_filter_is_a_400_that_says_so(login, unit_leader):
    page = login(unit_leader).get(reverse("groups:learning_summary"), {"period": "decade"})
    assert page.status_code == 400
    assert "Choose year or quarter." in page.text
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.AGGREGATE).exists()


def test_the_summary_asks_the_same_number_of_queries_for_1_log_and_for_many(
    login, unit_leader, group, grant, coordinator, factors
):
    client = login(unit_leader)
    write(grant, group, coordinator, event_on=datetime.date(2024, 2, 1), factors=[factors["continuity"]])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("groups:learning_summary"), {"period": "quarter"}).status_code == 200
        return len(captured)

    queries()  # the menu's permission answer is cached from here on
    one = queries()
    for n in range(12):
        write(
            grant,
            group,
            coordinator,
            event_on=datetime.date(2023 + n % 2, 1 + n % 12, 3),
            factors=list(factors.values())[: 1 + n % 3],
            lessons=f"Lærdom {n}",
        )
    assert queries() == one


@pytest.mark.parametrize("value", ["x" * 10_001, "abc", "-1", "99999999999999999999999", "9999-12-31", "🙂\u202e", " "])
def test_no_value_in_any_field_gives_a_5xx(login, group, grant, coordinator, citizen, factors, value):
    log = write(grant, group, coordinator)
    client = login(coordinator)
    version = log.updated_at.isoformat()
    fields = ["event_on", "outcome", "event", "causes", "factors", "other_factors", "decision", "lessons"]
    for name in [*fields, "evaluation", "evaluated_on", "version"]:
        data = {"event_on": days_ago(3).isoformat(), "outcome": FAILURE, "event": "Noe skjedde", "version": version}
        data[name] = value
        for address in (
            url("learning_new", citizen),
            url("learning_edit", citizen, log),
            url("learning_log", citizen, log),
        ):
            assert client.post(address, data).status_code in (302, 400, 409), (name, address)
    assert client.get(reverse("groups:learning_summary"), {"period": value}).status_code == 403  # no leader
