"""Filling in on a phone: answers saved as given, one response per submit, the right score."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from measures.models import QuestionnaireResponse, Score
from people.access import grant_for


def phq9_answers(values):
    """Form data choosing the option with each item value (codes are LOINC answer codes)."""
    codes = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}
    return {f"phq9-{n}": codes[v] for n, v in enumerate(values, start=1) if v is not None}


@pytest.fixture
def started(login, citizen, phq9):
    client = login(citizen.user)
    response = client.post(reverse("measures:start", args=[citizen.pk, phq9.pk]))
    assert response.status_code == 302
    return client, QuestionnaireResponse.objects.get(citizen=citizen)


def test_each_answer_is_saved_as_given_and_survives_a_reload(started):
    client, response = started
    url = reverse("measures:autosave", args=[response.citizen_id, response.pk])
    reply = client.post(url, phq9_answers([1, 2]), HTTP_HX_REQUEST="true")
    assert reply.status_code == 200 and "Saved at" in reply.text
    page = client.get(response.get_absolute_url())
    assert 'value="LA6570-1"' in page.text and "checked" in page.text
    response.refresh_from_db()
    assert response.answers == {"phq9-1": ["LA6569-3"], "phq9-2": ["LA6570-1"]}


def test_submitting_twice_stores_one_response_and_one_score(started):
    client, response = started
    data = phq9_answers([2, 2, 2, 2, 2, 0, 0, 0, 0])
    first = client.post(response.get_absolute_url(), data)
    second = client.post(response.get_absolute_url(), data)
    assert first.status_code == second.status_code == 302
    assert QuestionnaireResponse.objects.count() == 1
    score = Score.objects.get()
    assert (score.total, score.band) == (10, "moderate")
    assert score.result["caseness"] is True


def test_a_missing_required_answer_is_named_and_nothing_typed_is_lost(started):
    client, response = started
    page = client.post(response.get_absolute_url(), phq9_answers([1, 1, 1, 1, 1, 1, 1, 1, None]))
    assert page.status_code == 400
    assert "Answer this question." in page.text
    assert 'href="#id_phq9-9' in page.text  # error summary links to the question
    response.refresh_from_db()
    assert response.status == "in-progress"
    assert len(response.answers) == 8
    assert not Score.objects.exists()


def test_an_answer_that_is_not_an_option_is_refused_and_the_rest_kept(started):
    client, response = started
    data = {**phq9_answers([1] * 9), "phq9-3": "LA9999-9"}
    page = client.post(response.get_absolute_url(), data)
    assert page.status_code == 400
    response.refresh_from_db()
    assert "phq9-3" not in response.answers and len(response.answers) == 8


def test_item_9_alert_is_shown_to_the_citizen_with_where_to_get_help(started):
    client, response = started
    client.post(response.get_absolute_url(), phq9_answers([0, 0, 0, 0, 0, 0, 0, 0, 1]))
    page = client.get(response.get_absolute_url())
    assert "113" in page.text and "116 123" in page.text


def test_staff_filling_in_on_behalf_is_recorded(login, coordinator, citizen, phq9):
    client = login(coordinator)
    client.post(reverse("measures:start", args=[citizen.pk, phq9.pk]))
    response = QuestionnaireResponse.objects.get()
    client.post(response.get_absolute_url(), phq9_answers([0] * 9))
    response.refresh_from_db()
    assert response.entered_on_behalf and response.author == coordinator
    assert AccessEvent.objects.filter(actor_id=coordinator.pk, section="measures", action="write").exists()


def test_gp_without_the_measures_section_is_refused_and_logged(login, gp, citizen, care_team_member, phq9):
    care_team_member.sections = ["overview"]
    care_team_member.save()
    assert login(gp).get(reverse("measures:overview", args=[citizen.pk])).status_code == 403
    assert AccessEvent.objects.filter(actor_id=gp.pk, action="denied", section="measures").exists()


def test_check_in_is_offered_at_login_once_a_day(client, citizen, shipped):
    from conftest import PASSWORD

    citizen.user.set_password(PASSWORD)
    citizen.user.save()
    login_url = reverse("accounts:login")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        reply = client.post(login_url, {"username": citizen.user.username, "password": PASSWORD})
        assert reply["Location"] == reverse("measures:checkin")
        reply = client.get(reply["Location"])
        response = QuestionnaireResponse.objects.get(questionnaire__title="Check-in")
        data = {"mood": "6", "calm": "5", "sleep": "4", "substance": "not-applicable", "hope": "7"}
        assert client.post(response.get_absolute_url(), data).status_code == 302
        client.logout()
        clock.shift(datetime.timedelta(hours=2))
        reply = client.post(login_url, {"username": citizen.user.username, "password": PASSWORD})
        assert reply["Location"] == reverse("home")
        client.logout()
        clock.shift(datetime.timedelta(hours=23))
        reply = client.post(login_url, {"username": citizen.user.username, "password": PASSWORD})
        assert reply["Location"] == reverse("measures:checkin")


def test_not_applicable_is_left_out_of_the_check_in_chart(login, citizen, shipped):
    client = login(citizen.user)
    client.get(reverse("measures:checkin"))
    response = QuestionnaireResponse.objects.get()
    data = {"mood": "6", "calm": "5", "sleep": "4", "substance": "not-applicable", "hope": "7"}
    client.post(response.get_absolute_url(), data)
    page = client.get(reverse("measures:overview", args=[citizen.pk]))
    charts = {chart.chart_id: chart for chart in page.context["checkin_charts"]}
    assert "checkin-substance" not in charts  # only "does not apply" so far: no chart, never a 10
    assert charts["checkin-mood"].points[0].value == 6


class TestProgress:
    def complete_phq9(self, citizen, values, when):
        from measures import actions

        grant = grant_for(citizen.user, citizen)
        questionnaire = QuestionnaireResponse._meta.get_field("questionnaire").related_model.objects.get(title="PHQ-9")
        with time_machine.travel(when, tick=False):
            response = actions.start_response(grant, questionnaire, acting_user=citizen.user)
            answers = {k: [v] for k, v in phq9_answers(values).items()}
            return actions.submit_response(grant, response, answers, acting_user=citizen.user)

    def test_reliable_deterioration_is_flagged_on_the_coordinators_overview(self, login, coordinator, citizen, phq9):
        start = timezone.now() - datetime.timedelta(days=30)
        self.complete_phq9(citizen, [1, 1, 1, 1, 1, 0, 0, 0, 0], start)  # 5
        self.complete_phq9(citizen, [2, 2, 2, 2, 1, 1, 1, 0, 0], start + datetime.timedelta(days=14))  # 11
        page = login(coordinator).get(citizen.get_absolute_url())
        assert "PHQ-9 is reliably worse than at the first measurement." in page.text
        assert "No check-in for 14 days or more." in page.text

    def test_chart_has_a_text_alternative_and_a_table(self, login, citizen, phq9):
        self.complete_phq9(citizen, [3, 3, 3, 3, 3, 0, 0, 0, 0], timezone.now() - datetime.timedelta(days=7))
        self.complete_phq9(citizen, [1, 1, 1, 1, 1, 0, 0, 0, 0], timezone.now())
        page = login(citizen.user).get(reverse("measures:overview", args=[citizen.pk]))
        assert '<svg viewBox="0 0 480 240" role="img"' in page.text
        assert '<desc id="chart-phq9-desc">2 scores from' in page.text
        assert "Reliably better" in page.text
        assert '<th scope="col">Value</th>' in page.text


@pytest.mark.parametrize("responses", [1, 12])
def test_overview_query_count_does_not_grow_with_responses(
    login, citizen, phq9, shipped, responses, django_assert_max_num_queries
):
    for _ in range(responses):
        TestProgress().complete_phq9(citizen, [1] * 9, timezone.now())
    client = login(citizen.user)
    with django_assert_max_num_queries(22):
        assert client.get(reverse("measures:overview", args=[citizen.pk])).status_code == 200


def test_chart_coordinates_are_not_localised_in_norwegian(login, citizen, phq9, settings):
    """Bokmål writes 175,0 for 175.0; SVG coordinates must keep the dot."""
    import re

    settings.LANGUAGE_CODE = "nb"
    TestProgress().complete_phq9(citizen, [3, 3, 3, 3, 3, 0, 0, 0, 0], timezone.now() - datetime.timedelta(days=7))
    TestProgress().complete_phq9(citizen, [1, 1, 1, 1, 1, 0, 0, 0, 0], timezone.now())
    page = login(citizen.user).get(reverse("measures:overview", args=[citizen.pk]))
    svg = page.text[page.text.index("<svg") : page.text.index("</svg>")]
    assert not re.search(r'(x|y|cx|cy|height|width|y1|y2)="\d+,\d', svg)
    assert re.search(r'cy="\d+\.\d"', svg)


def test_a_risk_answer_emails_the_coordinator_without_health_details(
    started, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    coordinator.email = "kari@example.org"
    coordinator.save()
    client, response = started
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.get_absolute_url(), phq9_answers([0, 0, 0, 0, 0, 0, 0, 0, 2]))
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["kari@example.org"]
    assert response.citizen.given_name not in mail.body and "PHQ" not in mail.body and "PHQ" not in mail.subject


def test_the_coordinator_sees_the_risk_answer_on_the_overview(started, login, client, coordinator):
    client_, response = started
    client_.post(response.get_absolute_url(), phq9_answers([0, 0, 0, 0, 0, 0, 0, 0, 1]))
    client_.logout()
    page = login(coordinator).get(response.citizen.get_absolute_url())
    assert 'data-testid="risk-alert"' in page.text


def test_no_email_without_a_risk_answer(started, coordinator, mailoutbox, django_capture_on_commit_callbacks):
    coordinator.email = "kari@example.org"
    coordinator.save()
    client, response = started
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.get_absolute_url(), phq9_answers([3, 3, 3, 3, 3, 3, 3, 3, 0]))
    assert mailoutbox == []


def test_a_made_up_answer_in_an_optional_question_is_refused_not_dropped(started):
    """Item 10 (how difficult) is optional; a code no option has must not vanish on the way."""
    client, response = started
    data = {**phq9_answers([1, 1, 1, 1, 1, 1, 1, 1, 0]), "phq9-10": "LA-made-up"}
    page = client.post(response.get_absolute_url(), data)
    assert page.status_code == 400
    response.refresh_from_db()
    assert response.status == "in-progress"
    assert len(response.answers) == 9  # what was valid is kept as the draft
    assert not Score.objects.exists()


def test_answers_the_published_rules_cannot_score_get_a_message_not_a_500(login, citizen, phq9):
    """An edited PHQ-9 whose first option weighs 7: the published rules refuse to score it."""
    import copy

    from measures.actions import import_questionnaire

    resource = copy.deepcopy(phq9.resource)
    resource.update(url="https://example.org/phq9-edited", version="x")
    first = next(item for item in resource["item"] if item["linkId"] == "phq9-1")
    first["answerOption"][1]["extension"][0]["valueDecimal"] = 7
    edited, _created = import_questionnaire(resource)
    client = login(citizen.user)
    client.post(reverse("measures:start", args=[citizen.pk, edited.pk]))
    response = QuestionnaireResponse.objects.get(citizen=citizen, questionnaire=edited)
    page = client.post(response.get_absolute_url(), phq9_answers([1, 0, 0, 0, 0, 0, 0, 0, 0]))
    assert page.status_code == 400
    assert "cannot be scored" in page.text
    response.refresh_from_db()
    assert response.status == "in-progress" and len(response.answers) == 9  # nothing typed is lost
    assert not Score.objects.exists()
