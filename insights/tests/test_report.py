"""The outcome report end to end: hand-counted figures through the database, who may see it, the
JSON shape, CSV and PDF, bad filters, the access log, and a query count that does not grow."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from audit.models import AccessEvent
from measures.models import QuestionnaireResponse
from pathways.models import Episode, PathwayTemplate, ScheduledQuestionnaire
from people.models import Organisation, UnitLeadership

TODAY = timezone.localdate()


def ago(days):
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def world(leader, coordinator, make_staff, make_citizen, municipality, phq9):
    UnitLeadership.objects.create(user=leader, organisation=municipality)
    other_unit = Organisation.objects.create(name="Nabokommune", org_type=Organisation.Type.MUNICIPAL)
    guided = PathwayTemplate.objects.create(key="guided-test", name="Veiledet selvhjelp", first_contact_days=7)
    colleague = make_staff("kollega")
    episodes = []

    def episode(status, *, contact=None, received=60, unit=municipality, who=coordinator, responsible=None):
        citizen = make_citizen(who, f"B{len(episodes)}")
        ended = status in Episode.ENDED
        made = Episode.objects.create(
            citizen=citizen,
            template=guided,
            unit=unit,
            status=status,
            referral_received=ago(received),
            referral_source="self",
            referral_reason="Test",
            first_contact_due=ago(received - 7),
            first_contact_on=ago(received - contact) if contact is not None else None,
            ended_on=ago(5) if ended else None,
            end_reason="Ferdig" if ended else "",
            responsible=responsible,
        )
        episodes.append(made)
        return made

    # Eight completed (contact after 2..9 days: 6 within 7 days), three dropped out (one before contact),
    # two transferred, six ongoing, one waiting; in the leader's unit.
    for days in range(2, 10):
        episode("completed", contact=days)
    episode("dropped_out", contact=3)
    episode("dropped_out", contact=4)
    episode("dropped_out")
    episode("transferred", contact=5)
    episode("transferred", contact=6)
    for days in (1, 2, 3, 4, 5, 6):
        episode("active", contact=days)
    episode("waiting", received=2)
    # The colleague's caseload in the neighbouring unit: not the leader's, not the coordinator's.
    for _ in range(5):
        episode("completed", contact=1, unit=other_unit, who=colleague)
    return {"episodes": episodes, "guided": guided, "other_unit": other_unit, "colleague": colleague}


@pytest.fixture
def scored(world, phq9):
    """PHQ-9 in the episodes' windows: five reliably improved, two with only one score."""
    when = timezone.now() - datetime.timedelta(days=40)
    later = timezone.now() - datetime.timedelta(days=10)
    for made, (first, last) in zip(world["episodes"][:5], [(20, 8), (18, 4), (15, 5), (22, 10), (12, 3)], strict=True):
        _score_at(made.citizen, phq9, when, first)
        _score_at(made.citizen, phq9, later, last)
    for made in world["episodes"][5:7]:
        _score_at(made.citizen, phq9, when, 14)
    return world


def _score_at(citizen, phq9, when, total):
    from measures.models import Score

    response = QuestionnaireResponse.objects.create(
        citizen=citizen, questionnaire=phq9, status="completed", authored_at=when
    )
    return Score.objects.create(
        response=response, citizen=citizen, instrument="phq9", total=Decimal(total), result={}, effective_at=when
    )


def get_json(client, **query):
    response = client.get(reverse("insights:outcomes_json"), query)
    return response, (json.loads(response.content) if response["Content-Type"].startswith("application/json") else None)


def test_the_leader_sees_the_hand_counted_figures_of_their_unit(login, leader, scored):
    response, data = get_json(login(leader))
    assert response.status_code == 200
    assert len(data["rows"]) == 1  # the neighbouring unit is not theirs
    row = data["rows"][0]
    assert row["pathway"] == "guided-test"
    assert (row["completed"], row["ongoing"]) == (8, 6)
    assert row["dropped_out"] == {"suppressed": True} and row["transferred"] == {"suppressed": True}
    # 3 + 2 small: started and the referrals (its row total) would give them back.
    assert row["started"] == {"suppressed": True} and row["referrals"] == {"suppressed": True}
    # Days to first contact: 2..9, 3, 4, 5, 6, 1..6 → 18 values, median (4 + 5) / 2.
    assert row["first_contact_median_days"] == 4.5
    # Within 7 days: 6 of 8 completed, 2 drop-outs, 2 transfers, 6 ongoing = 16 of 19 (the drop-out without
    # contact is late): the 3 late ones are from 1 to 4, so the share (and with it the 3) is not shown.
    assert row["first_contact_within_deadline"] is None
    phq9 = row["instruments"][0]
    assert phq9["instrument"] == "phq9"
    assert (phq9["with_two_scores"], phq9["reliably_improved"], phq9["no_reliable_change"]) == (5, 5, 0)
    assert phq9["only_one_score"] == {"suppressed": True}
    assert phq9["mean_change"] == -11.4  # (-12 -14 -10 -12 -9) / 5
    assert data["suppression"] == {"threshold": 5}
    assert data["period"]["to"] == timezone.localdate().isoformat()  # the day it was asked, not imported
    assert data["total"]["completed"] == 8


def test_every_count_is_zero_or_at_least_five_or_suppressed_and_started_adds_up(login, leader, scored):
    _response, data = get_json(login(leader))

    def counts(row):
        for key in ("referrals", "started", "completed", "dropped_out", "transferred", "ongoing", "user_evaluations"):
            yield row[key]
        for instrument in row["instruments"]:
            for key in (
                "with_two_scores",
                "only_one_score",
                "reliably_improved",
                "no_reliable_change",
                "reliably_deteriorated",
                "recovered",
                "reliably_recovered",
            ):
                yield instrument[key]

    for row in [*data["rows"], data["total"]]:
        for value in counts(row):
            assert value == {"suppressed": True} or value is None or value == 0 or value >= 5, value
        parts = [row[key] for key in ("completed", "dropped_out", "transferred", "ongoing")]
        if all(isinstance(p, int) for p in parts) and isinstance(row["started"], int):
            assert row["started"] == sum(parts)


def test_the_report_page_shows_figures_and_under_5_and_logs_an_aggregate_read(login, leader, scored):
    client = login(leader)
    response = client.get(reverse("insights:report"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-cell="small"' in page and "under 5" in page
    assert "Veiledet selvhjelp" in page
    for episode in scored["episodes"]:
        assert episode.citizen.family_name not in page and episode.citizen.national_id not in page
    event = AccessEvent.objects.filter(actor_id=leader.pk, action=AccessEvent.Action.AGGREGATE).latest("pk")
    assert event.section == "outcome_report" and event.citizen_id is None
    assert event.ground == AccessEvent.Ground.UNIT
    assert "as=page" in event.detail and "from=" in event.detail


def test_a_coordinator_sees_only_their_caseload(login, coordinator, scored, world):
    _response, data = get_json(login(coordinator))
    assert data["total"]["completed"] == 8  # not the colleague's five in the other unit
    read = AccessEvent.objects.filter(actor_id=coordinator.pk, action=AccessEvent.Action.AGGREGATE).get()
    assert read.ground == AccessEvent.Ground.STAFF and "scope=caseload" in read.detail
    _response, theirs = get_json(login(world["colleague"]))
    assert theirs["total"]["completed"] == 5
    assert [row["unit_name"] for row in theirs["rows"]] == ["Nabokommune"]


def test_other_organisations_citizens_and_anonymous_are_refused(client, login, gp, make_citizen, coordinator, scored):
    assert client.get(reverse("insights:report")).status_code == 302
    assert client.get(reverse("insights:outcomes_json")).status_code == 401
    assert login(gp).get(reverse("insights:report")).status_code == 403
    assert login(gp).get(reverse("insights:outcomes_json")).status_code == 403
    citizen = make_citizen(coordinator, "Selv", with_login=True)
    for name in ("insights:report", "insights:outcomes_csv", "insights:outcomes_pdf"):
        assert login(citizen.user).get(reverse(name)).status_code == 403
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.AGGREGATE).exists()


def test_a_bearer_token_reads_the_json(client, leader, scored):
    token = ApiToken.issue(leader)
    response = client.get(reverse("insights:outcomes_json"), HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and json.loads(response.content)["total"]["completed"] == 8
    assert client.get(reverse("insights:outcomes_json"), HTTP_AUTHORIZATION="Bearer nope").status_code == 401


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"from": "2026-06-01", "to": "2026-01-01"}, "end", "must be on or after its start"),
        ({"from": "2026-13-45"}, "start", "YYYY-MM-DD"),
        ({"unit": "999999"}, "unit", "Choose one of the units"),
        ({"unit": "abc"}, "unit", "Choose one of the units"),
        ({"pathway": "nope"}, "pathway", "Choose one of the pathways"),
    ],
)
def test_bad_filters_are_a_clear_message_never_a_500(login, leader, world, query, field, message):
    client = login(leader)
    response = client.get(reverse("insights:report"), query)
    assert response.status_code == 400
    assert message in response.content.decode()
    for value in query.values():
        assert value in response.content.decode()  # what was typed is kept
    response, data = get_json(client, **query)
    assert response.status_code == 400
    assert {"end": "to", "start": "from"}.get(field, field) in data["errors"]
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.AGGREGATE).exists()


def test_a_unit_the_leader_does_not_lead_is_refused_as_a_form_error(login, leader, world):
    response = login(leader).get(reverse("insights:report"), {"unit": world["other_unit"].pk})
    assert response.status_code == 400 and "Choose one of the units" in response.content.decode()


def test_csv_is_the_published_table_and_pdf_renders(login, leader, scored):
    client = login(leader)
    response = client.get(reverse("insights:outcomes_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("Unit;Pathway;Referrals")
    assert "under 5" in text and "hidden" in text
    assert lines[1].split(";")[5] == "8"  # completed
    for episode in scored["episodes"]:
        assert episode.citizen.given_name not in text
    pdf = client.get(reverse("insights:outcomes_pdf"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    kinds = set(AccessEvent.objects.filter(action="aggregate").values_list("detail", flat=True))
    assert any("as=csv" in k for k in kinds) and any("as=pdf" in k for k in kinds)


def test_the_query_count_does_not_grow_with_the_citizens(
    login, leader, scored, make_citizen, coordinator, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(leader)
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("insights:outcomes_json"))
    client.get(reverse("insights:report"))  # warm: the menu's permission answer is cached after the first page
    with CaptureQueriesContext(connection) as page_before:
        client.get(reverse("insights:report"))
    for n in range(15):
        citizen = make_citizen(coordinator, f"Ny{n}")
        Episode.objects.create(
            citizen=citizen,
            template=scored["guided"],
            unit=scored["episodes"][0].unit,
            status="active",
            referral_received=ago(20),
            referral_source="gp",
            referral_reason="Test",
            first_contact_on=ago(15),
        )
        ScheduledQuestionnaire.objects.create(
            citizen=citizen,
            episode=Episode.objects.filter(citizen=citizen).get(),
            questionnaire_key="user-evaluation",
            reason="evaluation",
            due_on=ago(1),
        )
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("insights:outcomes_json"))
    assert len(after) == len(before)
    with CaptureQueriesContext(connection) as page_after:
        client.get(reverse("insights:report"))
    assert len(page_after) == len(page_before)
    with django_assert_max_num_queries(len(before)):
        client.get(reverse("insights:outcomes_json"))


def test_a_name_that_looks_like_a_formula_is_not_one_in_the_csv(login, leader, scored):
    scored["guided"].name = "=1+1"
    scored["guided"].save(update_fields=["name"])
    text = login(leader).get(reverse("insights:outcomes_csv")).content.decode("utf-8-sig")
    assert text.splitlines()[1].split(";")[1] == "'=1+1"


@pytest.fixture
def rated(scored, coordinator, phq9):
    """Goals rated twice for six citizens, and user evaluations for the ended episodes: five answered
    "much better", two "about the same", the rest not answered."""
    from measures import actions as measures_actions
    from people import access

    pairs = [(2, 6), (3, 3), (4, 7), (1, 5), (5, 4), (2, 9)]
    for made, (first, last) in zip(scored["episodes"][:6], pairs, strict=True):
        grant = access.grant_for(coordinator, made.citizen)
        goal = measures_actions.add_goal(grant, acting_user=coordinator, text="Sove bedre")
        for days_ago, rating in ((30, first), (8, last)):
            when = timezone.now() - datetime.timedelta(days=days_ago)
            measures_actions.rate_goals(grant, {goal.pk: rating}, acting_user=coordinator, rated_at=when)
    unit = scored["episodes"][0].unit
    ended = [made for made in scored["episodes"] if made.status in Episode.ENDED and made.unit == unit]
    for index, made in enumerate(ended):
        asked = ScheduledQuestionnaire.objects.create(
            citizen=made.citizen, episode=made, questionnaire_key="user-evaluation", reason="evaluation", due_on=ago(4)
        )
        if index < 7:
            response = QuestionnaireResponse.objects.create(
                citizen=made.citizen,
                questionnaire=phq9,  # what matters here is the evaluation's "change" answer
                status="completed",
                authored_at=timezone.now(),
                answers={"change": ["much-better" if index < 5 else "about-the-same"]},
            )
            asked.response, asked.answered_at = response, response.authored_at
            asked.save(update_fields=["response", "answered_at"])
    return scored


def test_a_leaders_day_tables_and_a_caseloads_kept_rows_give_the_same_report(login, leader, coordinator, rated):
    """The leader's report sums the day tables; the coordinator's caseload is counted from its kept rows
    and evaluations. Here both count the same episodes, so every published figure must agree."""
    from insights import kept

    assert kept.differences() == []
    _response, theirs = get_json(login(leader))
    _response, mine = get_json(login(coordinator))
    assert theirs["rows"] == mine["rows"] and theirs["total"] == mine["total"]
    row = theirs["rows"][0]
    assert row["user_evaluations"] == 7  # of 13 ended: 6 unanswered
    assert row["perceived_benefit_mean"] == 2.83  # (34 − 17) / 6 goals of 6 citizens
    page = login(leader).get(reverse("insights:report")).content.decode()
    assert '<span data-cell="shown">2.8</span>' in page  # one decimal on the page


def test_coordination_is_shares_of_the_reports_citizens(login, leader, scored):
    """20 citizens in the leader's unit, all with the coordinator; six with a plan in effect (made in the
    last year); none in a group. The colleague's five in the other unit are not the report's."""
    from plans.models import PlanVersion

    for made in scored["episodes"][:6] + scored["episodes"][-5:]:  # six of ours, the colleague's five
        PlanVersion.objects.create(
            citizen=made.citizen, number=1, status=PlanVersion.Status.ACTIVE, activated_at=timezone.now()
        )
    from insights import report, scope

    built = report.build(scope.report_scope(leader), report.Filters(*report.default_period()))
    assert built.citizens.value == 20
    assert built.coordination == {
        "coordinator": Decimal("100.0"),
        "plan": Decimal("30.0"),
        "plan_revised": Decimal("30.0"),
        "group": Decimal("0.0"),
        "meeting": Decimal("0.0"),
    }
    page = login(leader).get(reverse("insights:report")).content.decode()
    assert "30 %" in page or "30.0 %" in page
