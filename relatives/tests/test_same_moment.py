"""Two relatives choosing one username at the same moment: the second waits on the first's unique key and
gets the form error, not a 500. On PostgreSQL only: SQLite writes one at a time anyway."""

import pytest
from django.db import connection
from django.urls import reverse

from conftest import PASSWORD
from people import access
from relatives import actions
from relatives.models import RelativeInvitation
from tests.concurrency import page_client, replies_at_once


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks; SQLite writes one at a time anyway")
@pytest.mark.django_db(transaction=True)
def test_two_relatives_choosing_one_username_at_the_same_moment_the_second_gets_a_form_error(citizen):
    own = access.grant_for(citizen.user, citizen)
    codes = []
    for name in ("Odd Innbygger", "Eva Innbygger"):
        relative = actions.add_relative(own, acting_user=citizen.user, name=name, relation="sibling", phone="99")
        codes.append(actions.invite_relative(own, relative, acting_user=citizen.user)[0])

    def activate(code):
        data = {"code": code, "username": "odd", "password1": PASSWORD, "password2": PASSWORD}
        return page_client().post(reverse("relatives:activate"), data)

    responses, failures = replies_at_once(
        lambda: activate(codes[0]), lambda: activate(codes[1]), hold=(actions, "record")
    )
    assert failures == []
    second = responses["second"]
    assert [responses["first"].status_code, second.status_code] == [302, 200]
    assert "This username is taken. Choose another." in second.text
    assert 'href="#id_username"' in second.text
    assert 'value="odd"' in second.text  # what was typed is kept
    assert RelativeInvitation.objects.filter(used_at__isnull=True).count() == 1  # the second code can still be used
