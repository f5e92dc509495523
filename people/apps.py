from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = _("People and care teams")

    def ready(self):
        from . import lookups, sections

        lookups.register()
        sections.register()
