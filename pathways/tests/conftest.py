import datetime
import json

import pytest
from django.utils import timezone

from pathways.management.commands.import_pathways import SHIPPED, import_template
from pathways.models import PathwayTemplate
from people.access import grant_for


@pytest.fixture
def templates(db):
    for path in sorted(SHIPPED.glob("*.json")):
        import_template(json.loads(path.read_text(encoding="utf-8")))
    return {template.key: template for template in PathwayTemplate.objects.all()}


@pytest.fixture
def self_help(templates):
    return templates["guided-self-help"]


@pytest.fixture
def grant(coordinator, citizen):
    return grant_for(coordinator, citizen)


@pytest.fixture
def first_session():
    """Next Monday at 10:00, local time."""
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    return timezone.make_aware(datetime.datetime.combine(monday, datetime.time(10, 0)))
