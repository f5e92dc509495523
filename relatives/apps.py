from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelativesConfig(AppConfig):
    name = "relatives"
    verbose_name = _("Relatives and children")

    def ready(self):
        from people import panels

        from . import sections
        from .panels import relatives_panel

        sections.register()
        panels.register(relatives_panel)
