# A version of the personal development plan is never changed or deleted: writing the plan again adds
# the next version (recovery.actions.write_plan). On PostgreSQL the table refuses UPDATE, DELETE and
# TRUNCATE for every role but its owner (audit.append_only).

from django.db import migrations

from audit.append_only import AppendOnly


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_append_only_without_bypass"),
        ("recovery", "0001_initial"),
    ]

    operations = [AppendOnly("recovery_developmentplan")]
