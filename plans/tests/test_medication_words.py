"""The citizen's own words on their medicine, beside the individual plan: the citizen writes them, readers with the
MEDICATION section see them, others are refused and the refusal is logged."""

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from people.access import grant_for
from people.models import CareTeamMember, Section
from plans import actions
from plans.models import MedicationWords

WORDS = {
    "purpose": "Den hjelper meg å sove, og stemmene blir roligere.",
    "effects": "Jeg sover bedre. Jeg er trøtt om morgenen og har gått opp i vekt.",
    "wishes": "Ta den tidligere på kvelden. Snakke med legen om lavere dose.",
}


@pytest.fixture
def plan(coordinator, citizen):
    return actions.start_draft(grant_for(coordinator, citizen), acting_user=coordinator)


def gp_with(citizen, gp, gp_office, sections):
    return CareTeamMember.objects.create(
        citizen=citizen, user=gp, role=CareTeamMember.Role.GP, organisation=gp_office, sections=sections
    )


def write(client, citizen, based_on="", **words):
    return client.post(reverse("plans:medication_words", args=[citizen.pk]), {**words, "based_on": based_on})


def events(action, section=Section.MEDICATION, **filters):
    return AccessEvent.objects.filter(action=action, section=section, **filters)


def test_the_citizen_writes_and_the_team_reads_it_under_the_medication_plan(login, citizen, coordinator, plan):
    client = login(citizen.user)
    page = client.get(reverse("plans:medication_words", args=[citizen.pk]))
    assert page.status_code == 200 and 'name="purpose"' in page.text
    reply = write(client, citizen, **WORDS)
    assert reply.status_code == 302
    words = MedicationWords.objects.get()
    assert (words.purpose, words.effects, words.wishes, words.written_by) == (*WORDS.values(), citizen.user)
    assert events("write", actor_id=citizen.user.pk, detail=f"wrote own words on medication {words.pk}").exists()

    own_plan = client.get(reverse("plans:plan", args=[citizen.pk]))
    assert "My medicine in my own words" in own_plan.text and WORDS["purpose"] in own_plan.text

    team_page = login(coordinator).get(reverse("plans:plan", args=[citizen.pk]))
    assert WORDS["effects"] in team_page.text
    assert "Ingrid's own words on the medicine" in team_page.text
    assert events("read", actor_id=coordinator.pk).exists()


def test_a_gp_whose_scope_has_medication_sees_them(login, citizen, gp, gp_office, plan):
    actions.write_medication_words(grant_for(citizen.user, citizen), acting_user=citizen.user, based_on=None, **WORDS)
    gp_with(citizen, gp, gp_office, [Section.OVERVIEW, Section.PLAN, Section.MEDICATION])
    client = login(gp)
    assert WORDS["wishes"] in client.get(reverse("plans:plan", args=[citizen.pk])).text
    page = client.get(reverse("plans:medication_words", args=[citizen.pk]))
    assert page.status_code == 200 and WORDS["wishes"] in page.text
    assert 'name="purpose"' not in page.text  # the GP reads; only the citizen writes
    assert events("read", actor_id=gp.pk).count() == 2


def test_a_gp_without_medication_does_not_see_them_and_is_refused_logged(login, citizen, gp, gp_office, plan):
    actions.write_medication_words(grant_for(citizen.user, citizen), acting_user=citizen.user, based_on=None, **WORDS)
    gp_with(citizen, gp, gp_office, [Section.OVERVIEW, Section.PLAN])
    client = login(gp)
    plan_page = client.get(reverse("plans:plan", args=[citizen.pk]))
    assert plan_page.status_code == 200
    assert WORDS["purpose"] not in plan_page.text and 'data-testid="medication-words"' not in plan_page.text
    assert not events("read", actor_id=gp.pk).exists()
    page = client.get(reverse("plans:medication_words", args=[citizen.pk]))
    assert page.status_code == 403 and WORDS["purpose"] not in page.text
    assert events("denied", actor_id=gp.pk, detail="own words on medication").count() == 1


def test_only_the_citizen_writes_their_own_words(login, citizen, coordinator):
    client = login(coordinator)
    reply = write(client, citizen, **WORDS)
    assert reply.status_code == 403
    assert not MedicationWords.objects.exists()
    assert events("denied", actor_id=coordinator.pk, detail="write own words on medication").exists()


def test_too_long_text_is_named_where_it_was_typed_and_kept(login, citizen):
    client = login(citizen.user)
    long_text = "Jeg merker " + "x" * 2000
    page = write(client, citizen, purpose=WORDS["purpose"], effects=long_text, wishes="")
    assert page.status_code == 400
    errors = page.context["form"].errors
    assert errors == {"effects": [f"Write at most 2000 characters here (you wrote {len(long_text)})."]}
    assert 'href="#id_effects"' in page.text  # the error summary points at the box
    assert WORDS["purpose"] in page.text and long_text in page.text  # nothing typed is lost
    assert not MedicationWords.objects.exists()
    assert not events("write").exists()


def test_nothing_written_is_a_clear_message(login, citizen):
    page = write(login(citizen.user), citizen, purpose="  ", effects="", wishes="")
    assert page.status_code == 400
    assert page.context["form"].non_field_errors() == ["Write something in at least one of the three boxes."]
    assert not MedicationWords.objects.exists()


def test_changing_the_words_keeps_the_earlier_ones_and_a_double_tap_stores_once(login, citizen, coordinator):
    client = login(citizen.user)
    write(client, citizen, **WORDS)
    first = MedicationWords.objects.get()
    changed = {**WORDS, "wishes": "Ingen endring nå, det går bra."}
    write(client, citizen, based_on=first.pk, **changed)
    write(client, citizen, based_on=first.pk, **changed)  # the same words sent again
    assert MedicationWords.objects.count() == 2
    newest = MedicationWords.objects.first()
    assert newest.wishes == changed["wishes"]
    page = login(coordinator).get(reverse("plans:medication_words", args=[citizen.pk]))
    assert changed["wishes"] in page.context["newest"].wishes
    assert [w.pk for w in page.context["earlier"]] == [first.pk]
    assert WORDS["wishes"] in page.text  # the earlier words are still readable


def test_words_saved_from_another_phone_are_never_overwritten(login, citizen):
    client = login(citizen.user)
    write(client, citizen, **WORDS)
    first = MedicationWords.objects.get()
    write(client, citizen, based_on=first.pk, **{**WORDS, "effects": "Mindre trøtt nå."})  # the other phone
    page = write(client, citizen, based_on=first.pk, **{**WORDS, "wishes": "Prøve en annen medisin."})
    assert page.status_code == 409
    assert "Mindre trøtt nå." in page.text and "Prøve en annen medisin." in page.text
    assert MedicationWords.objects.count() == 2 and MedicationWords.objects.first().effects == "Mindre trøtt nå."
    again = write(
        client, citizen, based_on=page.context["conflict"].pk, **{**WORDS, "wishes": "Prøve en annen medisin."}
    )
    assert again.status_code == 302 and MedicationWords.objects.count() == 3


def test_the_words_stand_beside_every_version_of_the_plan(login, citizen, coordinator, plan):
    """Not versioned: a new proposal neither copies nor hides them, and the citizen's approval does not touch them."""
    actions.write_medication_words(grant_for(citizen.user, citizen), acting_user=citizen.user, based_on=None, **WORDS)
    client = login(coordinator)
    shown = client.get(reverse("plans:plan", args=[citizen.pk]) + f"?version={plan.pk}")
    assert WORDS["purpose"] in shown.text
    assert shown.context["medication_words"]["newest"].purpose == WORDS["purpose"]
    assert plan.texts.get(key="medication").text == ""  # the agreed medication plan is its own text


def test_with_no_plan_yet_the_citizen_still_finds_them(login, citizen):
    client = login(citizen.user)
    page = client.get(reverse("plans:plan", args=[citizen.pk]))
    assert "There is no plan yet." in page.text and reverse("plans:medication_words", args=[citizen.pk]) in page.text


@pytest.mark.parametrize("rows", [1, 20])
def test_the_page_stays_within_its_query_budget(rows, login, citizen, coordinator, django_assert_max_num_queries):
    grant = grant_for(citizen.user, citizen)
    for number in range(rows):
        newest = MedicationWords.objects.first()
        actions.write_medication_words(
            grant, acting_user=citizen.user, based_on=newest.pk if newest else None, **{**WORDS, "wishes": str(number)}
        )
    client = login(coordinator)
    # The same count with 1 and 20 rows: the history is one query, cut at MEDICATION_HISTORY.
    with django_assert_max_num_queries(13):
        page = client.get(reverse("plans:medication_words", args=[citizen.pk]))
    assert page.status_code == 200 and len(page.context["earlier"]) == rows - 1
