from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialEmergencyConfig(AppConfig):
    name = "social_emergency"
    verbose_name = _("Social emergency service")

    def ready(self):
        from . import sections

        sections.register()
