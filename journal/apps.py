from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JournalConfig(AppConfig):
    name = "journal"
    verbose_name = _("Journal notes")

    def ready(self):
        from people import panels

        from .panels import notes_panel

        panels.register(notes_panel)
