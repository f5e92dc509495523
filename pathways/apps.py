from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PathwaysConfig(AppConfig):
    name = "pathways"
    verbose_name = _("Pathways and appointments")

    def ready(self):
        from measures.signals import response_completed
        from people import panels

        from .panels import citizen_home_panel, pathway_panel
        from .receivers import mark_scheduled_answered

        panels.register(pathway_panel)
        panels.register_citizen_home(citizen_home_panel)
        response_completed.connect(mark_scheduled_answered, dispatch_uid="pathways.mark_scheduled_answered")
