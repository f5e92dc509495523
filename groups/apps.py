from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = _("Responsibility groups")

    def ready(self):
        from people import panels

        from . import sections
        from .panels import citizen_home_panel, group_panel

        sections.register()
        panels.register(group_panel)
        panels.register_citizen_home(citizen_home_panel)
