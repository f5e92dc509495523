"""A score's reference to its citizen is checked when the score is inserted, not at commit.

Django makes foreign keys on PostgreSQL DEFERRABLE INITIALLY DEFERRED, so their check (and the
FOR KEY SHARE lock it takes on the citizen's row) waits until the transaction commits. Checked at
once, the score's writer holds that lock from its INSERT on: an episode registered for the same
citizen at the same moment (FOR UPDATE on the citizen, pathways.actions.register_referral) waits for
the score's transaction, or the score for the registration, so the episode's kept outcome rows
(insights.kept) see the score. The check costs what it cost at commit.
"""

from django.db import migrations


def _score_citizen_constraint(schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "measures_score")
    (name,) = (
        name
        for name, constraint in constraints.items()
        if constraint["foreign_key"] == ("people_citizen", "id") and constraint["columns"] == ["citizen_id"]
    )
    return schema_editor.quote_name(name)


def checked_at(timing):
    def alter(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite writes one transaction at a time
        name = _score_citizen_constraint(schema_editor)
        schema_editor.execute(f"ALTER TABLE measures_score ALTER CONSTRAINT {name} {timing}")

    return alter


class Migration(migrations.Migration):
    dependencies = [("measures", "0003_goal_updated_at_rating_recorded_at")]

    operations = [
        migrations.RunPython(checked_at("NOT DEFERRABLE"), checked_at("DEFERRABLE INITIALLY DEFERRED")),
    ]
