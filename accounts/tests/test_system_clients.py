"""An administrator registers a system client: which units' citizens it may see, which sections."""

from django.urls import reverse

from accounts.models import SystemClient
from people import access
from people.models import Section


def test_admin_registers_a_system_client_that_then_sees_what_its_unit_serves(admin_client, municipality, citizen):
    url = reverse("admin:accounts_systemclient_add")
    refused = admin_client.post(url, {"name": "Register", "units": [municipality.pk], "sections": ["nonsense"]})
    assert refused.status_code == 200 and "nonsense" in refused.text
    assert not SystemClient.objects.exists()

    saved = admin_client.post(
        url,
        {
            "name": "Register",
            "units": [municipality.pk],
            "sections": [Section.MEASURES, Section.OVERVIEW],
            "scopes": "system/*.rs",
            "jwks_url": "https://register.example/jwks.json",
        },
    )
    assert saved.status_code == 302
    client = SystemClient.objects.get()
    assert client.sections == [Section.OVERVIEW, Section.MEASURES]  # stored in the registry's order
    assert client.created_by.username == "admin"
    assert list(access.visible_to(client)) == [citizen]
