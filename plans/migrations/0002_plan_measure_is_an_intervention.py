"""The plan's tiltak are interventions, not "measures" (the measures app has questionnaires and scores).

The table is renamed, its rows kept; comments about them move to the new topic key.
"""

from django.db import migrations


def comments_to(key_from, key_to):
    def move(apps, schema_editor):
        apps.get_model("plans", "PlanComment").objects.filter(section=key_from).update(section=key_to)

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0001_initial"),
    ]

    operations = [
        migrations.RenameModel(old_name="PlanMeasure", new_name="PlanIntervention"),
        migrations.RunPython(comments_to("measures", "interventions"), comments_to("interventions", "measures")),
    ]
