from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Individual plans")

    def ready(self):
        from people import panels

        from .panels import plan_panel

        panels.register(plan_panel)
