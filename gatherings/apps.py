from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatheringsConfig(AppConfig):
    name = "gatherings"
    verbose_name = _("Evaluations")

    def ready(self):
        from people import panels

        from . import sections
        from .panels import interview_panel

        sections.register()
        panels.register(interview_panel)
