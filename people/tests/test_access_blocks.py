"""A block ends access that was given before it: a care-team role or an emergency access."""

from people import access, actions


def test_a_block_after_emergency_access_ends_it(outsider, citizen):
    actions.start_emergency_access(acting_user=outsider, citizen=citizen, reason="Innbygger er på legevakten nå")
    assert access.grant_for(outsider, citizen).ground == "emergency"
    actions.block_user(access.grant_for(citizen.user, citizen), outsider, acting_user=citizen.user)
    assert access.grant_for(outsider, citizen) is None


def test_a_lifted_block_gives_the_role_back(care_team_member, gp, citizen):
    own = access.grant_for(citizen.user, citizen)
    block = actions.block_user(own, gp, acting_user=citizen.user)
    assert access.grant_for(gp, citizen) is None
    actions.lift_block(own, block, acting_user=citizen.user)
    assert access.grant_for(gp, citizen).roles == (care_team_member.role,)
