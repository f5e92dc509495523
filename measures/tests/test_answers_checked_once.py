"""One questionnaire POST, walked once: the view parses and checks the answers, the action stores them.

The web form and ``POST /fhir/QuestionnaireResponse`` refuse a broken rule with the same message,
a refused send keeps the draft in one transaction, and an action called directly still checks
what it is given.
"""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import ApiToken
from audit.models import AccessEvent
from measures import actions, fhir_forms
from measures.models import QuestionnaireResponse, Score
from people.access import grant_for

CODES = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}
CHECKIN = {"mood": "6", "calm": "5", "sleep": "4", "substance": "not-applicable", "hope": "7"}
CHECKIN_SYSTEM = "https://samplan.no/fhir/CodeSystem/checkin-answers"
TOO_LONG = "x" * (fhir_forms.MAX_TEXT + 1)


def phq9_form(values):
    return {f"phq9-{n}": CODES[v] for n, v in enumerate(values, start=1) if v is not None}


def fhir_item(link_id, **answer):
    return {"linkId": link_id, "answer": [answer]}


@pytest.fixture
def fhir_post(client, coordinator):
    token = ApiToken.issue(coordinator)

    def post(body):
        return client.post(
            "/fhir/QuestionnaireResponse",
            json.dumps(body),
            content_type="application/fhir+json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    return post


def checkin_body(citizen, note):
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "https://samplan.no/fhir/Questionnaire/checkin",
        "subject": {"reference": f"Patient/{citizen.pk}"},
        "item": [
            *(fhir_item(link_id, valueCoding={"system": CHECKIN_SYSTEM, "code": c}) for link_id, c in CHECKIN.items()),
            fhir_item("note", valueString=note),
        ],
    }


def test_a_too_long_note_is_refused_with_the_same_message_on_the_web_and_in_fhir(
    login, coordinator, citizen, shipped, fhir_post
):
    message = f"Write at most {fhir_forms.MAX_TEXT} characters."
    client = login(coordinator)
    client.post(reverse("measures:start", args=[citizen.pk, shipped["checkin"].pk]))
    draft = QuestionnaireResponse.objects.get()
    page = client.post(draft.get_absolute_url(), {**CHECKIN, "note": TOO_LONG})
    assert page.status_code == 400
    assert page.context["form"].errors == {"note": [message]}  # next to the note, and only there
    assert 'href="#id_note">' in page.text
    draft.refresh_from_db()
    assert draft.status == "in-progress" and set(draft.answers) == set(CHECKIN)  # the rest is kept

    outcome = fhir_post(checkin_body(citizen, TOO_LONG))
    assert outcome.status_code == 422
    assert [issue["diagnostics"] for issue in outcome.json()["issue"]] == [f"note: {message}"]
    assert QuestionnaireResponse.objects.count() == 1 and not Score.objects.exists()


def test_a_missing_answer_is_named_alike_on_the_web_and_in_fhir(login, citizen, phq9, fhir_post):
    client = login(citizen.user)
    client.post(reverse("measures:start", args=[citizen.pk, phq9.pk]))
    draft = QuestionnaireResponse.objects.get()
    page = client.post(draft.get_absolute_url(), phq9_form([1] * 8 + [None]))
    assert page.context["form"].errors == {"phq9-9": ["Answer this question."]}

    body = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": f"{phq9.url}|{phq9.version}",
        "subject": {"reference": f"Patient/{citizen.pk}"},
        "item": [fhir_item(f"phq9-{n}", valueCoding={"code": CODES[1]}) for n in range(1, 9)],
    }
    outcome = fhir_post(body)
    assert outcome.status_code == 422
    assert [issue["diagnostics"] for issue in outcome.json()["issue"]] == ["phq9-9: Answer this question."]


def test_a_refused_send_keeps_the_draft_in_one_transaction(login, citizen, phq9, django_assert_max_num_queries):
    client = login(citizen.user)
    client.post(reverse("measures:start", args=[citizen.pk, phq9.pk]))
    draft = QuestionnaireResponse.objects.get()
    # session, user, citizen, read event, response; then one transaction: savepoint, response
    # locked (with its questionnaire), the draft saved, write event, release; the session saved (3).
    with django_assert_max_num_queries(13):
        page = client.post(draft.get_absolute_url(), phq9_form([1] * 8 + [None]))
    assert page.status_code == 400
    draft.refresh_from_db()
    assert draft.status == "in-progress" and len(draft.answers) == 8
    details = list(AccessEvent.objects.filter(action="write").order_by("pk").values_list("detail", flat=True))
    assert details == [f"started PHQ-9 (response {draft.pk})", f"saved draft of response {draft.pk}"]


def test_sending_stores_and_scores_within_budget(login, citizen, phq9, django_assert_max_num_queries):
    client = login(citizen.user)
    client.post(reverse("measures:start", args=[citizen.pk, phq9.pk]))
    draft = QuestionnaireResponse.objects.get()
    # session, user, citizen, read event, response; savepoint, response locked (with its
    # questionnaire), response saved, score, the citizen's episodes (insights' kept summary), write
    # event, listeners (pathways), release; session (3).
    with django_assert_max_num_queries(16):
        assert client.post(draft.get_absolute_url(), phq9_form([2] * 5 + [0] * 4)).status_code == 302
    assert Score.objects.get(response=draft).total == 10
    assert AccessEvent.objects.filter(action="write", detail__startswith="completed PHQ-9").count() == 1


def test_autosave_within_budget(login, citizen, phq9, django_assert_max_num_queries):
    client = login(citizen.user)
    client.post(reverse("measures:start", args=[citizen.pk, phq9.pk]))
    draft = QuestionnaireResponse.objects.get()
    url = reverse("measures:autosave", args=[citizen.pk, draft.pk])
    # session, user, citizen, response; savepoint, response locked (with its questionnaire),
    # draft saved, write event, release; session (3).
    with django_assert_max_num_queries(12):
        assert client.post(url, phq9_form([1, 2]), HTTP_HX_REQUEST="true").status_code == 200
    draft.refresh_from_db()
    assert draft.answers == {"phq9-1": [CODES[1]], "phq9-2": [CODES[2]]}


class TestTheActionGuards:
    """Called directly, an action still refuses what a view would not hand it."""

    @pytest.fixture
    def setting(self, citizen, phq9):
        grant = grant_for(citizen.user, citizen)
        return grant, actions.start_response(grant, phq9, acting_user=citizen.user)

    def test_checked_answers_are_stored_as_they_are(self, setting, citizen, phq9):
        grant, draft = setting
        answers = fhir_forms.check_answers(phq9, {f"phq9-{n}": [CODES[1]] for n in range(1, 10)}, complete=True)
        actions.submit_response(grant, draft, answers, acting_user=citizen.user)
        draft.refresh_from_db()
        assert draft.is_completed and draft.answers == answers.values
        assert Score.objects.get(response=draft).total == 9

    def test_plain_answers_are_checked_by_the_action(self, setting, citizen):
        grant, draft = setting
        with pytest.raises(ValidationError) as error:
            actions.submit_response(grant, draft, {"phq9-1": ["LA0000-0"]}, acting_user=citizen.user)
        assert error.value.message_dict["phq9-1"] == ["Choose one of the answers shown."]
        assert error.value.message_dict["phq9-9"] == ["Answer this question."]
        draft.refresh_from_db()
        assert not draft.is_completed

    def test_answers_with_errors_do_not_complete_a_response(self, setting, citizen, phq9):
        grant, draft = setting
        answers = fhir_forms.check_answers(phq9, {"phq9-1": [CODES[1]]}, complete=True)
        with pytest.raises(ValidationError):
            actions.submit_response(grant, draft, answers, acting_user=citizen.user)
        draft.refresh_from_db()
        assert not draft.is_completed

    def test_answers_checked_as_a_draft_cannot_complete_a_response(self, setting, citizen, phq9):
        grant, draft = setting
        answers = fhir_forms.check_answers(phq9, {"phq9-1": [CODES[1]]}, complete=False)
        assert answers.errors == {}
        with pytest.raises(ValueError, match="as a draft"):
            actions.submit_response(grant, draft, answers, acting_user=citizen.user)
        draft.refresh_from_db()
        assert not draft.is_completed

    def test_answers_checked_for_another_questionnaire_are_refused(self, setting, citizen, shipped):
        grant, draft = setting
        answers = fhir_forms.check_answers(shipped["checkin"], CHECKIN, complete=False)
        with pytest.raises(ValueError, match="another questionnaire"):
            actions.save_draft(grant, draft, answers, acting_user=citizen.user)
        with pytest.raises(ValueError, match="another questionnaire"):
            actions.record_response(
                grant, draft.questionnaire, answers, acting_user=citizen.user, idempotency_key="k", status="in-progress"
            )
        draft.refresh_from_db()
        assert draft.answers == {}
