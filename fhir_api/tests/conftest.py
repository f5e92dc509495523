import pytest

from accounts.models import ApiToken


@pytest.fixture
def ask(client, coordinator):
    """GET as the coordinator with a bearer token: ``ask(url, data=None, **headers)``."""
    token = ApiToken.issue(coordinator)

    def request(url, data=None, **headers):
        return client.get(url, data, HTTP_AUTHORIZATION=f"Bearer {token}", **headers)

    return request


@pytest.fixture(autouse=True)
def bulk_export_dir(settings, tmp_path):
    """Each test's bulk export files in its own folder (deleted with it)."""
    settings.BULK_EXPORT_DIR = tmp_path / "exports"
    return settings.BULK_EXPORT_DIR
