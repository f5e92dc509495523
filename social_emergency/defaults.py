"""The topics and kinds of help a new register starts with (migration 0002 puts them in the database; an
administrator edits them there). Their names are msgids, so a shipped entry is shown in the reader's language."""

from django.utils.translation import gettext_noop

TOPICS = [
    gettext_noop("Anxiety or panic"),
    gettext_noop("Low mood"),
    gettext_noop("Thoughts of suicide or self-harm"),
    gettext_noop("Loneliness"),
    gettext_noop("Alcohol or drugs"),
    gettext_noop("Family or relationships"),
    gettext_noop("Housing or money"),
    gettext_noop("Sleep"),
    gettext_noop("Voices or unusual experiences"),
    gettext_noop("Violence or threats"),
    gettext_noop("Something else"),
]

HELP_KINDS = [
    gettext_noop("Someone to talk to"),
    gettext_noop("Calming down"),
    gettext_noop("Advice or information"),
    gettext_noop("Practical help"),
    gettext_noop("A safe place to stay the night"),
    gettext_noop("Contact with family or network"),
    gettext_noop("A plan for the next days"),
]


def ensure_lists():
    """Put the shipped entries back where a list is empty (a test database flushed after migration 0002)."""
    from .models import HelpKind, Topic

    for model, names in ((Topic, TOPICS), (HelpKind, HELP_KINDS)):
        if not model.objects.exists():
            model.objects.bulk_create(model(name=name, order=order * 10) for order, name in enumerate(names, start=1))
