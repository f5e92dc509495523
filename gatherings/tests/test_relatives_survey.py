"""Relatives' surveys (seed 001's goal for relatives and network): Samplan's own questionnaire, a gathering
of the kind "relatives" answered anonymously with cards, its report suppressed as every evaluation, and the
leader's section of the outcome report (insights), logged as an aggregate read and shown to no one else."""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire

from audit.models import AccessEvent
from gatherings import actions, reports
from gatherings.demo import demo_relatives_survey
from gatherings.models import RELATIVES_SATISFACTION_URL, CourseAnswer, EvaluationCard, Gathering
from gatherings.relatives_surveys import for_leader
from measures import fhir_forms
from measures.models import Questionnaire
from people.models import Organisation, UnitLeadership

FILE = Path(__file__).resolve().parents[2] / "measures" / "questionnaires" / "relatives_satisfaction.json"
SCALE = ["listened", "information", "crisis_contact", "own_conversation", "able_to_help", "overall"]
EXCLUSION = "https://samplan.no/fhir/CodeSystem/answer-exclusion"
TODAY = timezone.localdate()


def relatives_answers(values, comment=""):
    answers = {link_id: [str(value)] for link_id, value in zip(SCALE, values, strict=True)}
    if comment:
        answers["comments"] = [comment]
    return answers


@pytest.fixture
def survey(shipped, unit, course_leader):
    return actions.create_gathering(
        acting_user=course_leader,
        unit=unit,
        title="Pårørendekveld mars",
        held_on=TODAY - datetime.timedelta(days=10),
        kind=Gathering.Kind.RELATIVES,
    )


@pytest.fixture
def answered(survey, course_leader):
    """Hand ``n`` relatives a card each and let them answer."""

    def give(n, values=(6, 5, 4, 5, 3, 5), comment=""):
        for code in actions.issue_cards(survey, n, acting_user=course_leader):
            actions.answer_with_code(code, survey, relatives_answers(values, comment))

    return give


def aggregate_events(section):
    return AccessEvent.objects.filter(action=AccessEvent.Action.AGGREGATE, section=section)


# The questionnaire ------------------------------------------------------------------------------------


def test_the_questionnaire_is_valid_fhir_pretty_printed_and_has_bokmal_for_every_text():
    raw = FILE.read_text(encoding="utf-8")
    resource = json.loads(raw)
    FhirQuestionnaire.model_validate(resource)
    assert raw == json.dumps(resource, indent=2, ensure_ascii=False) + "\n"
    assert resource["id"] == "relatives-satisfaction" and resource["url"] == RELATIVES_SATISFACTION_URL
    assert resource["version"] == "1.0.0" and resource["status"] == "active" and "Samplan" in resource["copyright"]
    (group, comments) = resource["item"]
    assert [item["linkId"] for item in group["item"]] == SCALE
    assert comments["type"] == "text" and comments.get("required", False) is False

    def nb(element):
        (translation,) = element["extension"]
        parts = {part["url"]: part for part in translation["extension"]}
        assert parts["lang"]["valueCode"] == "nb"
        return parts["content"]["valueString"]

    assert nb(resource["_title"]) == "Pårørendes tilfredshet"
    assert nb(group["_text"]) and nb(comments["_text"])
    for item in group["item"]:
        assert item["type"] == "choice" and item["required"] is True
        assert nb(item["_text"]).strip()
        numeric, excluded = [], []
        for option in item["answerOption"]:
            coding = option["valueCoding"]
            assert nb(coding["_display"]).strip()
            (excluded if coding["system"] == EXCLUSION else numeric).append((option, coding["code"]))
        # The course evaluation's 1-6 scale with its ordinal values, and the two exclusions with none.
        assert [code for _o, code in numeric] == ["1", "2", "3", "4", "5", "6"]
        assert [o["extension"][0]["valueDecimal"] for o, _c in numeric] == [1, 2, 3, 4, 5, 6]
        assert [code for _o, code in excluded] == ["not-relevant", "dont-know"]
        assert all("extension" not in o for o, _c in excluded)


def test_import_shipped_loads_it_and_a_gathering_can_use_it(db):
    out = io.StringIO()
    call_command("import_questionnaire", "--shipped", stdout=out)
    assert "relatives_satisfaction.json: Relatives' satisfaction 1.0.0 imported" in out.getvalue()
    questionnaire = Questionnaire.objects.current().get(url=RELATIVES_SATISFACTION_URL)
    items = fhir_forms.questionnaire_items(questionnaire, "nb")
    assert [item.link_id for item in reports.scale_questions(items)] == SCALE
    assert reports.scale_questions(items)[0].text == "Hvordan de ansatte lyttet til det jeg hadde å si"
    call_command("import_questionnaire", "--shipped", stdout=(again := io.StringIO()))
    assert "relatives_satisfaction.json: Relatives' satisfaction 1.0.0 already there" in again.getvalue()


def test_a_citizen_is_not_offered_the_relatives_questionnaire_in_their_own_measures(login, citizen, shipped):
    html = login(citizen.user).get(reverse("measures:overview", args=[citizen.pk])).content.decode()
    assert "Relatives' satisfaction" not in html
    assert "Check-in" in html


# Creating a survey ----------------------------------------------------------------------------------


def test_a_relatives_survey_is_answered_with_the_relatives_questionnaire(survey, shipped):
    assert survey.kind == "relatives" and survey.is_relatives_survey
    assert survey.questionnaire == shipped["relatives_satisfaction"]
    course = actions.create_gathering(
        acting_user=survey.created_by, unit=survey.unit, title="Kurs", held_on=TODAY, kind=Gathering.Kind.COURSE
    )
    assert course.questionnaire == shipped["course_evaluation"]


def test_the_create_form_offers_the_survey_and_makes_it(login, course_leader, unit, shipped):
    browser = login(course_leader)
    page = browser.get(reverse("gatherings:create")).content.decode()
    assert 'value="relatives"' in page and "Relatives&#x27; survey" in page
    assert "relatives&#x27; satisfaction questionnaire" in page
    made = browser.post(
        reverse("gatherings:create"),
        {"unit": unit.pk, "title": "Pårørendeundersøkelse 2027", "held_on": "2027-01-20", "kind": "relatives"},
    )
    survey = Gathering.objects.get()
    assert made["Location"] == reverse("gatherings:cards", args=[survey.pk])
    assert survey.questionnaire.url == RELATIVES_SATISFACTION_URL
    printed = browser.post(reverse("gatherings:cards", args=[survey.pk]), {"count": 2}).content.decode()
    assert printed.count('data-testid="card"') == 2 and "Evaluation of Pårørendeundersøkelse 2027" in printed


def test_a_survey_without_a_name_or_day_says_so_and_keeps_what_was_typed(login, course_leader, unit, shipped):
    page = login(course_leader).post(
        reverse("gatherings:create"), {"unit": unit.pk, "title": " ", "held_on": "", "kind": "relatives"}
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert "Write the name of the survey" in html and "Choose the day the survey starts." in html
    assert 'value="relatives" id="id_kind_2" required checked' in html
    assert Gathering.objects.count() == 0


def test_without_the_questionnaire_installed_the_survey_is_refused_with_a_message(unit, course_leader, shipped):
    Questionnaire.objects.filter(url=RELATIVES_SATISFACTION_URL).delete()
    with pytest.raises(ValidationError) as refused:
        actions.create_gathering(
            acting_user=course_leader, unit=unit, title="P", held_on=TODAY, kind=Gathering.Kind.RELATIVES
        )
    assert "relatives' satisfaction questionnaire is not installed" in str(refused.value)


# Answering ------------------------------------------------------------------------------------------


@pytest.fixture
def code(survey, course_leader):
    return actions.issue_cards(survey, 1, acting_user=course_leader)[0]


def test_a_relative_answers_with_a_card_and_no_login(client, survey, code):
    first = client.get(reverse("gatherings:answer_code", args=[code]))
    html = first.content.decode()
    assert first.status_code == 200
    assert "Hvordan de ansatte lyttet" not in html  # English pages in tests
    assert "How the staff listened to what I had to say" in html
    assert "nothing you answer is linked to you or to the person you are close to" in html
    given = dict(zip(SCALE, ["6", "5", "not-relevant", "4", "5", "6"], strict=True))
    data = {"code": code, "gathering": survey.pk, **given}
    sent = client.post(reverse("gatherings:answer"), {**data, "comments": "Takk"})
    assert sent.status_code == 302
    (stored,) = CourseAnswer.objects.filter(gathering=survey)
    assert stored.answers["information"] == ["5"] and stored.answers["comments"] == ["Takk"]
    assert set(stored.answers) == {*SCALE, "comments"}
    assert EvaluationCard.objects.get().used is True


def test_an_answer_out_of_range_is_refused_where_it_was_given_and_the_card_stays_unused(client, survey, code):
    data = {"code": code, "gathering": survey.pk, **dict.fromkeys(SCALE, "5"), "crisis_contact": "7"}
    page = client.post(reverse("gatherings:answer"), data)
    assert page.status_code == 400
    html = page.content.decode()
    assert 'id="id_crisis_contact_error">Select a valid choice. 7 is not one of the available choices.' in html
    assert 'value="5" id="id_listened_4" checked' in html  # what was given is kept
    assert CourseAnswer.objects.count() == 0 and EvaluationCard.objects.get().used is False


def test_a_missing_answer_names_the_question(client, survey, code):
    data = {"code": code, "gathering": survey.pk, **dict.fromkeys(SCALE[:-1], "5")}
    page = client.post(reverse("gatherings:answer"), data)
    assert page.status_code == 400
    assert 'id="id_overall' in page.content.decode()
    assert CourseAnswer.objects.count() == 0


def test_a_used_code_gets_a_clear_message_and_nothing_more_is_saved(client, survey, code):
    data = {"code": code, "gathering": survey.pk, **dict.fromkeys(SCALE, "5")}
    assert client.post(reverse("gatherings:answer"), data).status_code == 302
    again = client.post(reverse("gatherings:answer"), {**data, "overall": "1"})
    assert again.status_code == 400
    assert "This code has already been used. Each card gives one answer." in again.content.decode()
    assert client.get(reverse("gatherings:answer_code", args=[code])).status_code == 400
    assert CourseAnswer.objects.count() == 1


def test_a_course_card_cannot_answer_the_relatives_survey(client, survey, unit, course_leader, shipped):
    course = actions.create_gathering(acting_user=course_leader, unit=unit, title="Kurs", held_on=TODAY)
    (course_code,) = actions.issue_cards(course, 1, acting_user=course_leader)
    data = {"code": course_code, "gathering": survey.pk, **dict.fromkeys(SCALE, "5")}
    page = client.post(reverse("gatherings:answer"), data)
    assert page.status_code == 400 and "belongs to another evaluation" in page.content.decode()
    assert CourseAnswer.objects.count() == 0


# Reporting ------------------------------------------------------------------------------------------


def _report(survey):
    return reports.gathering_report(survey, fhir_forms.questionnaire_items(survey.questionnaire, "en"))


def test_four_answers_show_no_mean_and_no_count_five_show_every_mean(survey, answered):
    answered(4, comment="Fint")
    report = _report(survey)
    assert report.answers.withheld == "small"
    assert all(q.mean is None and q.n.withheld == "small" for q in report.questions)
    assert report.comments is None
    answered(1, values=(3, 5, 4, 5, 3, "dont-know"))
    report = _report(survey)
    means = {q.link_id: q.mean for q in report.questions}
    assert str(means["listened"]) == "5.40"  # 6·4 + 3 over 5
    assert str(means["able_to_help"]) == "3.00"
    assert means["overall"] is None  # 4 numeric answers, one "don't know"
    overall = next(q for q in report.questions if q.link_id == "overall")
    assert overall.n.withheld == "small" and overall.excluded.withheld == "small"
    assert report.answers.withheld == "hidden"  # 5 beside an n of "under 5" would give the small one back
    assert report.comments == ["Fint"] * 4


def test_the_survey_page_is_logged_as_a_relatives_survey_read(login, course_leader, survey, answered):
    answered(5)
    html = login(course_leader).get(reverse("gatherings:gathering", args=[survey.pk])).content.decode()
    assert "Relatives&#x27; survey" in html and "5.00" in html and "How the staff listened" in html
    (event,) = aggregate_events("relatives_surveys")
    assert f"gathering={survey.pk}" in event.detail and event.citizen_id is None
    assert not aggregate_events("course_evaluations").exists()


def test_the_course_comparison_leaves_relatives_surveys_out(login, course_leader, survey, answered, unit):
    answered(5)
    course = actions.create_gathering(acting_user=course_leader, unit=unit, title="Kurs", held_on=TODAY)
    html = login(course_leader).get(reverse("gatherings:compare")).content.decode()
    assert f'data-testid="row-{course.pk}"' in html and f'data-testid="row-{survey.pk}"' not in html


# Insights ---------------------------------------------------------------------------------------------


def test_the_leader_sees_the_surveys_on_the_outcome_report_and_the_read_is_logged(login, unit_leader, survey, answered):
    answered(5)
    page = login(unit_leader).get(reverse("insights:report"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="relatives-surveys"' in html
    assert f'data-testid="relatives-survey-{survey.pk}"' in html and "Pårørendekveld mars" in html
    assert "How the staff listened to what I had to say" in html
    assert '<span data-cell="shown">5.00</span>' in html  # the mean of "own conversation", n 5
    assert "Fint" not in html  # comments only on the survey's page
    (event,) = aggregate_events("relatives_surveys")
    assert event.actor_id == unit_leader.pk and event.citizen_id is None
    assert f"surveys={survey.pk}" in event.detail and "as=insights" in event.detail


def test_four_answers_on_the_outcome_report_are_under_5_with_no_mean(login, unit_leader, survey, answered):
    answered(4)
    html = login(unit_leader).get(reverse("insights:report")).content.decode()
    section = html.split('data-testid="relatives-surveys"', 1)[1]
    assert "under 5" in section and 'data-cell="not-shown"' in section
    assert "6.00" not in section and "5.00" not in section


def test_a_survey_outside_the_period_or_of_another_unit_is_not_shown(login, unit_leader, survey, answered, shipped):
    answered(5)
    other = Organisation.objects.create(name="Nabokommune", org_type=Organisation.Type.MUNICIPAL)
    Gathering.objects.create(
        unit=other,
        title="Nabo pårørende",
        held_on=TODAY,
        kind=Gathering.Kind.RELATIVES,
        questionnaire=shipped["relatives_satisfaction"],
    )
    old = TODAY - datetime.timedelta(days=90)
    period = {"from": old.isoformat(), "to": (old + datetime.timedelta(days=30)).isoformat()}
    html = login(unit_leader).get(reverse("insights:report"), period).content.decode()
    assert 'data-testid="no-relatives-surveys"' in html and "Pårørendekveld" not in html
    assert not aggregate_events("relatives_surveys").exists()  # nothing shown, nothing read
    html = login(unit_leader).get(reverse("insights:report")).content.decode()
    assert "Pårørendekveld mars" in html and "Nabo pårørende" not in html


def test_a_coordinator_gets_no_section_and_no_read_and_outsiders_are_refused(
    login, coordinator, gp, citizen, survey, answered
):
    answered(5)
    html = login(coordinator).get(reverse("insights:report")).content.decode()
    assert 'data-testid="relatives-surveys"' not in html
    assert login(gp).get(reverse("insights:report")).status_code == 403
    assert login(citizen.user).get(reverse("insights:report")).status_code == 403
    assert not aggregate_events("relatives_surveys").exists()


def test_the_section_costs_a_fixed_number_of_queries(
    rf, unit_leader, unit, course_leader, shipped, django_assert_max_num_queries
):
    for n in range(8):
        made = actions.create_gathering(
            acting_user=course_leader, unit=unit, title=f"P{n}", held_on=TODAY, kind=Gathering.Kind.RELATIVES
        )
        for code in actions.issue_cards(made, 5, acting_user=course_leader):
            actions.answer_with_code(code, made, relatives_answers((5, 5, 5, 5, 5, 5)))
    request = rf.get("/insights/")
    request.user = unit_leader
    # The leader's units, the surveys, one query per survey shown (at most LIMIT), and the log.
    with django_assert_max_num_queries(12):
        section = for_leader(request, TODAY - datetime.timedelta(days=30), TODAY)
    assert len(section.surveys) == 6 and section.more is True


# Demo -----------------------------------------------------------------------------------------------


def test_the_demo_survey_has_enough_answers_to_be_shown(shipped, unit, unit_leader):
    survey = demo_relatives_survey(unit, unit_leader)
    assert survey.kind == Gathering.Kind.RELATIVES
    assert CourseAnswer.objects.filter(gathering=survey).count() >= 5
    report = _report(survey)
    assert any(q.mean is not None for q in report.questions)
    assert UnitLeadership.objects.filter(user=unit_leader, organisation=unit).exists()
