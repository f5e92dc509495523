# The notes' triggers from django-pgtrigger obeyed the session setting `pgtrigger.ignore`, which any
# role may set, and did not guard TRUNCATE. Plain triggers instead (audit.append_only): a signed note
# is never updated, no note is ever deleted, the table is never emptied.

import pgtrigger.migrations
from django.db import migrations

from audit.append_only import AppendOnly


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_append_only_without_bypass"),
        ("journal", "0002_note_appointment"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="note",
            name="signed_note_is_locked",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="note",
            name="notes_are_never_deleted",
        ),
        AppendOnly("journal_note", refuse_update_when='OLD."signed_at" IS NOT NULL'),
    ]
