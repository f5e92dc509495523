import pytest

from accounts.models import ApiToken


@pytest.fixture
def ask(client, coordinator):
    """GET as the coordinator with a bearer token: ``ask(url, data=None, **headers)``."""
    token = ApiToken.issue(coordinator)

    def request(url, data=None, **headers):
        return client.get(url, data, HTTP_AUTHORIZATION=f"Bearer {token}", **headers)

    return request
