"""``demo_improvement`` makes the team ``make demo`` shows, through the actions."""

from improvement import actions
from improvement.demo import demo_improvement


def test_the_demo_team(unit_leader, municipality, member, second_member, client, login):
    team = demo_improvement(municipality, unit_leader, [member, second_member])
    assert team.aim.measure == "first_contact_within_deadline" and team.aim.target_value == 90
    first, second = team.cycles.order_by("number")
    assert (first.act, second.act) == ("adopt", "")
    assert (second.starts_on - first.starts_on).days > 90
    assert team.checklist.count() == 4
    login(member)
    response = client.get(team.get_absolute_url())
    assert [m.label for m in response.context["charts"][0].drawing.markers] == ["PDSA 1", "PDSA 2"]


def test_who_gets_the_menu_link(team, unit_leader, member, coordinator, gp, citizen):
    assert actions.may_see_improvement(unit_leader) and actions.may_see_improvement(member)
    assert not any(actions.may_see_improvement(user) for user in (coordinator, gp, citizen.user))
