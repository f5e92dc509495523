"""The topics and kinds of help a register starts with (social_emergency/defaults.py, copied here so that this
migration never changes). English msgids: shown translated; an administrator edits or adds to them."""

from django.db import migrations

TOPICS = [
    "Anxiety or panic",
    "Low mood",
    "Thoughts of suicide or self-harm",
    "Loneliness",
    "Alcohol or drugs",
    "Family or relationships",
    "Housing or money",
    "Sleep",
    "Voices or unusual experiences",
    "Violence or threats",
    "Something else",
]

HELP_KINDS = [
    "Someone to talk to",
    "Calming down",
    "Advice or information",
    "Practical help",
    "A safe place to stay the night",
    "Contact with family or network",
    "A plan for the next days",
]


def add_lists(apps, schema_editor):
    for model_name, names in (("Topic", TOPICS), ("HelpKind", HELP_KINDS)):
        model = apps.get_model("social_emergency", model_name)
        for order, name in enumerate(names, start=1):
            model.objects.get_or_create(name=name, defaults={"order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("social_emergency", "0001_initial")]

    operations = [migrations.RunPython(add_lists, migrations.RunPython.noop)]
