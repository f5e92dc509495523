from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = _("Peer support and personal development plan")

    def ready(self):
        from . import sections

        sections.register()
