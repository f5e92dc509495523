"""The staff menu: who sees "Review emergency access", and what asking costs."""

from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

REVIEW_LINK = reverse("people:emergency_review_list")


def test_only_those_who_may_review_emergency_access_see_the_menu_link(login, leader, coordinator):
    assert f'href="{REVIEW_LINK}"' in login(leader).get(reverse("worklist:worklist")).text
    assert f'href="{REVIEW_LINK}"' not in login(coordinator).get(reverse("worklist:worklist")).text


def test_the_permission_is_asked_once_then_kept_and_the_page_itself_always_asks(login, leader):
    client = login(leader)
    client.get(reverse("worklist:worklist"))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("worklist:worklist"))
    assert f'href="{REVIEW_LINK}"' in page.text
    assert not [q for q in queries.captured_queries if "auth_permission" in q["sql"]]

    # Taken away: the menu may show the link for a few minutes more, but the page refuses at once.
    leader.user_permissions.remove(Permission.objects.get(codename="review_emergencyaccess"))
    assert client.get(REVIEW_LINK).status_code == 403
