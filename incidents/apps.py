from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Violent episodes")

    def ready(self):
        from people import panels

        from . import sections
        from .panels import citizen_home_panel, incident_panel

        sections.register()
        panels.register(incident_panel)
        panels.register_citizen_home(citizen_home_panel)
