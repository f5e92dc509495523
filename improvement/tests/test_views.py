"""The improvement pages as the people around a team meet them: the leader and the members get in,
everyone else is refused without learning whether the team exists; bad input is said next to the
field with what was typed kept; the run charts mark every cycle at its month, and each view of them
is logged as an aggregate read."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from improvement import actions
from improvement.models import ChecklistAnswer, Cycle, Team
from improvement.sections import TEAM_CHARTS

from .conftest import backdate, cycle_text, months_ago

MISSING = 987654


def _plain(response):
    """The page without its CSRF tokens (masked anew on every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def team_urls(team, cycle):
    return {
        "team": reverse("improvement:team", args=[team.pk]),
        "cycle_new": reverse("improvement:cycle_new", args=[team.pk]),
        "cycle": reverse("improvement:cycle", args=[team.pk, cycle.pk]),
        "checklist": reverse("improvement:checklist", args=[team.pk]),
        "team_edit": reverse("improvement:team_edit", args=[team.pk]),
    }


@pytest.fixture
def cycle(team, member):
    return actions.add_cycle(team, acting_user=member, text=cycle_text())


def test_members_and_the_leader_open_every_page(client, login, team, cycle, member, unit_leader):
    login(member)
    for name, url in team_urls(team, cycle).items():
        assert client.get(url).status_code == (403 if name == "team_edit" else 200), name
    login(unit_leader)
    for name, url in team_urls(team, cycle).items():
        assert client.get(url).status_code == 200, name
    assert client.get(reverse("improvement:teams")).status_code == 200
    assert client.get(reverse("improvement:team_new")).status_code == 200


@pytest.mark.parametrize("who", ["coordinator", "gp", "other_leader"])
def test_everyone_else_gets_404_whether_or_not_the_team_exists(request, client, login, team, cycle, who):
    login(request.getfixturevalue(who))
    for name, url in team_urls(team, cycle).items():
        response = client.get(url)
        assert response.status_code == 404, name
        assert "Raskere" not in response.content.decode()
        missing_url = url.replace(f"/teams/{team.pk}/", f"/teams/{MISSING}/")
        missing = client.get(missing_url)
        assert missing.status_code == 404  # the same page but for its own address (the language form's)
        assert _plain(missing).replace(missing_url, url) == _plain(response)
    assert client.post(team_urls(team, cycle)["cycle_new"], {"change": "x"}).status_code == 404
    assert not AccessEvent.objects.filter(section=TEAM_CHARTS).exists()
    assert Cycle.objects.count() == 1


def test_a_huge_id_is_a_404_not_an_error(client, login, member, team):
    login(member)
    assert client.get(f"/improvement/teams/{2**64}/").status_code == 404
    assert client.get(f"/improvement/teams/{team.pk}/cycles/{2**64}/").status_code == 404


def test_citizens_are_refused_and_anonymous_users_sent_to_log_in(client, login, citizen, team, cycle):
    urls = [reverse("improvement:teams"), reverse("improvement:team_new"), *team_urls(team, cycle).values()]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    login(citizen.user)
    for url in urls:
        assert client.get(url).status_code == 403, url


def test_the_team_list_is_for_leaders_and_members(client, login, team, coordinator, other_leader, member):
    login(coordinator)
    assert client.get(reverse("improvement:teams")).status_code == 403
    assert client.get(reverse("improvement:team_new")).status_code == 403
    login(other_leader)  # leads a unit, not this one
    response = client.get(reverse("improvement:teams"))
    assert response.status_code == 200 and "Raskere" not in response.content.decode()
    login(member)
    response = client.get(reverse("improvement:teams"))
    assert "Raskere" in response.content.decode() and 'data-testid="new-team"' not in response.content.decode()


def test_every_view_of_the_run_charts_is_an_aggregate_read(client, login, team, cycle, member, municipality):
    login(member)
    client.get(reverse("improvement:team", args=[team.pk]))
    client.get(reverse("improvement:cycle", args=[team.pk, cycle.pk]))
    events = list(AccessEvent.objects.filter(section=TEAM_CHARTS).order_by("pk"))
    assert [(e.action, e.actor_id, e.citizen_id) for e in events] == [("aggregate", member.pk, None)] * 2
    assert f"team={team.pk}" in events[0].detail and f"units={municipality.pk}" in events[0].detail
    assert "cycle=1" in events[1].detail


def _team_post(member, **changes):
    values = {
        "name": "Raskere første kontakt",
        "members": [str(member.pk)],
        "aim_text": "90 % første kontakt innen 7 dager innen juni",
        "aim_measure": "first_contact_within_deadline",
        "target_value": "90",
        "target_date": (timezone.localdate() + datetime.timedelta(days=120)).isoformat(),
        "measures": ["completed_share"],
    }
    return values | changes


def test_a_leader_makes_a_team_through_the_form(client, login, unit_leader, member):
    login(unit_leader)
    response = client.post(reverse("improvement:team_new"), _team_post(member))
    team = Team.objects.get()
    assert response.status_code == 302 and response["Location"] == team.get_absolute_url()
    assert list(team.measures.values_list("measure", flat=True)) == ["first_contact_within_deadline", "completed_share"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"aim_measure": ""}, "An aim needs a measure"),
        ({"aim_measure": "happiness"}, "Choose one of the measures in the list."),
        ({"measures": ["completed_share", "nonsense"]}, "Choose one of the measures in the list."),
        ({"target_date": "2001-01-01"}, "must be after today"),
        ({"target_date": "31.02.2027"}, "Write the date as dd.mm.yyyy"),
        ({"target_value": "NaN"}, "Write the target as a number"),
        ({"target_value": "150"}, "from 0 to 100"),
        ({"members": [str(2**70)]}, "Choose from the list."),
        ({"members": ["abc"]}, "Choose from the list."),
        ({"unit": str(2**70)}, "Choose from the list."),
        ({"aim_text": ""}, "Write the aim"),
    ],
)
def test_bad_input_is_said_where_it_is_and_nothing_is_saved(client, login, unit_leader, member, changes, message):
    login(unit_leader)
    response = client.post(reverse("improvement:team_new"), _team_post(member, **changes))
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert 'value="Raskere første kontakt"' in page  # what was typed is kept
    assert not Team.objects.exists()


def test_a_cycle_through_the_form_and_an_act_without_a_note(client, login, team, member):
    login(member)
    response = client.post(
        reverse("improvement:cycle_new", args=[team.pk]),
        {
            "change": "Ringe samme dag",
            "prediction": "Flere innen fristen",
            "starts_on": timezone.localdate().isoformat(),
        },
    )
    cycle = Cycle.objects.get()
    assert response.status_code == 302 and response["Location"] == team.get_absolute_url()
    url = reverse("improvement:cycle", args=[team.pk, cycle.pk])
    form = {
        "version": cycle.updated_at.isoformat(),
        "change": "Ringe samme dag",
        "prediction": "Flere innen fristen",
        "starts_on": cycle.starts_on.isoformat(),
        "do_notes": "Gjort i fire uker",
        "act": "adapt",
    }
    response = client.post(url, form)
    assert response.status_code == 400
    assert "say why you chose this" in response.content.decode()
    assert "Gjort i fire uker" in response.content.decode()
    cycle.refresh_from_db()
    assert (cycle.act, cycle.do_notes) == ("", "")
    response = client.post(url, form | {"act_note": "Vi prøver med tekstmelding også"})
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.act == "adapt" and cycle.status == Cycle.Status.DECIDED
    # A forged decision, and the same form sent again after that save: said, not a 500.
    assert client.post(url, form | {"act": "explode", "version": cycle.updated_at.isoformat()}).status_code == 400
    stale = client.post(url, form | {"act_note": "Gammel fane"})
    assert stale.status_code == 409 and 'data-testid="conflict"' in stale.content.decode()


def test_a_cycle_before_the_team_was_made_is_refused(client, login, team, member):
    login(member)
    response = client.post(
        reverse("improvement:cycle_new", args=[team.pk]),
        {"change": "Ringe", "prediction": "Bedre", "starts_on": "2020-01-01"},
    )
    assert response.status_code == 400 and "before the team was made" in response.content.decode()
    assert not Cycle.objects.exists()


def _markers(svg_html):
    return re.findall(r'<line x1="([\d.]+)" x2="[\d.]+" y1="[\d.]+" y2="[\d.]+" class="run-chart__marker">', svg_html)


def test_the_run_charts_mark_every_cycle_at_its_month(client, login, team, member, episodes):
    backdate(team, 400)
    for n in range(1, 9):  # eight months with enough episodes for a figure
        episodes(months_ago(n, day=2), 6, days=3 if n <= 4 else 9)
    starts = [months_ago(6, day=15), months_ago(2, day=3)]
    for when in starts:
        actions.add_cycle(team, acting_user=member, text=cycle_text(starts_on=when))
    login(member)
    response = client.get(reverse("improvement:team", args=[team.pk]))
    page = response.content.decode()
    charts = response.context["charts"]
    assert [chart.measure.key for chart in charts] == ["first_contact_within_deadline", "completed_share"]
    for chart in charts:
        drawing = chart.drawing
        month_x = {point.month: point.x for point in drawing.points}
        assert [(m.label, m.x) for m in drawing.markers] == [
            ("PDSA 1", month_x[starts[0].replace(day=1)]),
            ("PDSA 2", month_x[starts[1].replace(day=1)]),
        ]
        rendered = page.split(f'data-testid="run-chart-{drawing.chart_id}"')[1].split("</figure>")[0]
        assert _markers(rendered) == [f"{m.x:g}" if m.x != int(m.x) else str(m.x) for m in drawing.markers]
        assert rendered.count("run-chart__marker-label") == 2 and "PDSA 2" in rendered
    # The aim: the latest month with a figure against the target (all within the deadline: 100 %).
    assert response.context["progress"].value == 100 and response.context["progress"].reached
    assert 'data-testid="cycle-2" data-start="' + starts[1].isoformat() + '"' in page


def test_a_cycle_page_marks_its_own_start_on_the_aims_chart(client, login, team, member):
    backdate(team, 100)
    cycle = actions.add_cycle(team, acting_user=member, text=cycle_text(starts_on=months_ago(1)))
    login(member)
    response = client.get(reverse("improvement:cycle", args=[team.pk, cycle.pk]))
    drawing = response.context["chart"].drawing
    assert [m.label for m in drawing.markers] == ["PDSA 1"]
    assert 'data-testid="run-chart-cycle-1"' in response.content.decode()


def test_the_checklist_saves_from_the_form(client, login, team, member):
    login(member)
    url = reverse("improvement:checklist", args=[team.pk])
    response = client.post(url, {"q1_answer": "yes", "q1_note": "Ringelister", "q4_answer": "partly"})
    assert response.status_code == 302
    assert dict(ChecklistAnswer.objects.values_list("question", "answer")) == {1: "yes", 4: "partly"}
    page = client.get(reverse("improvement:team", args=[team.pk])).content.decode()
    assert "2 of 10 questions answered" in page and "Ringelister" in page
    response = client.post(url, {"q2_note": "Uten svar", "q3_answer": "maybe"})
    assert response.status_code == 400
    assert (
        "so that the note is saved" in response.content.decode()
        or "Answer yes, partly or no" in response.content.decode()
    )
    assert "Uten svar" in response.content.decode()
    assert ChecklistAnswer.objects.count() == 2


def test_a_leader_changes_the_team_through_the_form(client, login, team, unit_leader, member, second_member):
    login(unit_leader)
    url = reverse("improvement:team_edit", args=[team.pk])
    page = client.get(url).content.decode()
    assert "90 % første kontakt" in page
    form = _team_post(member, members=[str(member.pk), str(second_member.pk)], aim_measure="")
    response = client.post(url, form)
    assert response.status_code == 400 and "An aim needs a measure" in response.content.decode()
    team.refresh_from_db()
    assert list(team.members.all()) == [member] and team.aim.measure == "first_contact_within_deadline"
    response = client.post(url, form | {"aim_measure": "first_contact_median_days", "target_value": "5"})
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.members.count() == 2 and team.aim.measure == "first_contact_median_days"
