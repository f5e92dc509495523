"""FHIR Group: a unit's citizens or a coordinator's caseload, with only the members the reader may
open, each logged as read; a search lists the reader's Groups without members and logs nothing."""

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.group import Group

from audit.models import AccessEvent
from people.models import Block, Organisation


@pytest.fixture
def unit_world(municipality, coordinator, make_staff, make_citizen):
    elsewhere = Organisation.objects.create(name="Annen kommune", org_type=Organisation.Type.MUNICIPAL)
    mine = [make_citizen(coordinator, f"Min{i}") for i in range(3)]
    colleague = make_staff("kollega")
    theirs = make_citizen(colleague, "Kollegas")  # served by the unit, but not on the coordinator's team
    other = make_citizen(make_staff("annen", elsewhere), "Annen")
    return {"mine": mine, "theirs": theirs, "other": other, "colleague": colleague, "elsewhere": elsewhere}


def test_the_search_lists_the_readers_groups_without_members_and_logs_nothing(ask, municipality, unit_world):
    data = ask("/fhir/Group").json()
    bundle = Bundle.model_validate(data)
    groups = {entry.resource.id: entry.resource for entry in bundle.entry}
    assert set(groups) == {f"unit-{municipality.pk}", f"caseload-{unit_world['mine'][0].care_team.first().user_id}"}
    assert all(group.member is None for group in groups.values())
    assert groups[f"unit-{municipality.pk}"].quantity == 3  # the colleague's citizen is not the reader's to see
    assert not AccessEvent.objects.exists()


def test_a_read_lists_the_members_the_reader_may_open_and_logs_each(ask, coordinator, municipality, unit_world):
    response = ask(f"/fhir/Group/unit-{municipality.pk}")
    group = Group.model_validate(response.json())
    listed = [member.entity.reference for member in group.member]
    assert listed == [f"Patient/{citizen.pk}" for citizen in unit_world["mine"]]
    reads = AccessEvent.objects.filter(actor_id=coordinator.pk, action="read")
    assert sorted(reads.values_list("citizen_id", flat=True)) == sorted(c.pk for c in unit_world["mine"])
    assert response["ETag"].startswith('W/"')
    caseload = Group.model_validate(ask(f"/fhir/Group/caseload-{coordinator.pk}").json())
    assert len(caseload.member) == 3


def test_a_blocked_member_leaves_the_group(ask, coordinator, municipality, unit_world):
    blocked = unit_world["mine"][0]
    Block.objects.create(citizen=blocked, blocked_user=coordinator)
    group = ask(f"/fhir/Group/unit-{municipality.pk}").json()
    assert f"Patient/{blocked.pk}" not in [member["entity"]["reference"] for member in group["member"]]
    assert group["quantity"] == 2


def test_another_units_or_users_group_is_not_found_and_reads_nobody(ask, coordinator, unit_world):
    for group_id in (f"unit-{unit_world['elsewhere'].pk}", f"caseload-{unit_world['colleague'].pk}", "unit-x", "x"):
        response = ask(f"/fhir/Group/{group_id}")
        assert response.status_code == 404, group_id
    assert not AccessEvent.objects.filter(action="read").exists()


def test_the_search_takes_no_parameters_of_its_own(ask, unit_world):
    response = ask("/fhir/Group", {"name": "x"})
    assert response.status_code == 400 and response.json()["issue"][0]["expression"] == ["name"]
    assert ask("/fhir/Group", {"_summary": "count"}).json()["total"] == 2
