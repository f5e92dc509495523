"""The project's own wiring: every app's tests are collected by `make test`."""

import tomllib
from pathlib import Path

from django.conf import settings


def test_every_test_folder_is_in_testpaths():
    base = Path(settings.BASE_DIR)
    testpaths = set(tomllib.loads((base / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["testpaths"])
    folders = {path.parent.parent.name for path in base.glob("*/tests/__init__.py")}
    missing = sorted(folders - testpaths)
    assert not missing, f"pyproject.toml [tool.pytest.ini_options] testpaths leaves out {missing}"
