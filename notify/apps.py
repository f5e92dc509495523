from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "notify"
    verbose_name = _("Calendar feeds and reminders")

    def ready(self):
        from pathways.signals import appointments_changed

        from .receivers import plan_reminders_soon

        appointments_changed.connect(plan_reminders_soon, dispatch_uid="notify.plan_reminders_soon")
