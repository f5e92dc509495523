# The access log's trigger from django-pgtrigger obeyed the session setting `pgtrigger.ignore`, which
# any role may set, and did not guard TRUNCATE. Plain triggers instead (audit.append_only).

import pgtrigger.migrations
from django.db import migrations

from audit.append_only import AppendOnly


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_aggregate_and_system_grounds"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="accessevent",
            name="append_only",
        ),
        AppendOnly("audit_accessevent"),
    ]
