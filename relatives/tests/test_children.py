"""The children question (Health Personnel Act § 10 a) and the coordinator's worklist."""

import pytest
from django.urls import reverse
from django.utils import timezone

from people import access
from relatives.models import Child, ChildrenQuestion
from worklist.items import worklist_for


@pytest.fixture
def unasked(make_citizen, coordinator):
    return make_citizen(coordinator, "Per", children_asked=False)


def children_items(user):
    return [item for item in worklist_for(user) if item.kind == "children"]


def test_an_unasked_question_is_on_the_worklist_until_the_children_are_seen_to(unasked, coordinator, login):
    assert [item.text for item in children_items(coordinator)] == ["Ask whether the citizen has children under 18"]
    client = login(coordinator)
    url = reverse("relatives:children", args=[unasked.pk])
    assert client.post(url, {"answer": "1", "has_children": "yes"}).status_code == 302
    assert [item.text for item in children_items(coordinator)] == [
        "The children's need for information and follow-up is not yet seen to"
    ]
    year = timezone.localdate().year
    for name, born in (("Mia", year - 9), ("Jon", year - 4)):
        response = client.post(url, {"add_child": "1", "name": name, "birth_year": born, "lives_with": "shared"})
        assert response.status_code == 302
    assert len(children_items(coordinator)) == 1
    mia, jon = Child.objects.order_by("-birth_year").reverse()
    for child in (mia, jon):
        response = client.post(
            reverse("relatives:child", args=[unasked.pk, child.pk]),
            {
                "name": child.name,
                "birth_year": child.birth_year,
                "lives_with": "shared",
                "needs_addressed_on": timezone.localdate().isoformat(),
                "how_addressed": "Samtale med barnet og helsesykepleier på skolen følger opp",
            },
        )
        assert response.status_code == 302, response.content
    assert children_items(coordinator) == []


def test_no_children_closes_the_question(unasked, coordinator, login):
    login(coordinator).post(reverse("relatives:children", args=[unasked.pk]), {"answer": "1", "has_children": "no"})
    assert children_items(coordinator) == []
    assert ChildrenQuestion.objects.get(citizen=unasked).answered_by == coordinator


@pytest.mark.parametrize(
    ("born", "message"),
    [(1, "cannot be in the future"), (-19, "is 18 or older")],
)
def test_a_child_born_in_the_future_or_grown_up_is_refused(unasked, coordinator, login, born, message):
    year = timezone.localdate().year + born
    response = login(coordinator).post(
        reverse("relatives:children", args=[unasked.pk]),
        {"add_child": "1", "name": "Mia", "birth_year": year, "lives_with": "citizen"},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'value="Mia"' in response.content.decode()
    assert not Child.objects.exists()


def test_seen_to_needs_a_word_on_how(unasked, coordinator, login):
    response = login(coordinator).post(
        reverse("relatives:children", args=[unasked.pk]),
        {
            "add_child": "1",
            "name": "Mia",
            "birth_year": timezone.localdate().year - 5,
            "lives_with": "citizen",
            "needs_addressed_on": timezone.localdate().isoformat(),
        },
    )
    assert "Say how the child" in response.content.decode()
    assert not Child.objects.exists()


def test_the_citizen_sees_the_answer_but_does_not_record_it(unasked, coordinator, login, make_citizen):
    citizen = make_citizen(coordinator, "Kari", with_login=True)
    assert login(citizen.user).get(reverse("relatives:list", args=[citizen.pk])).status_code == 200
    assert login(citizen.user).post(reverse("relatives:children", args=[citizen.pk])).status_code == 403
    assert access.grant_for(citizen.user, citizen).is_self
