from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = _("People and care teams")

    def ready(self):
        from django.db.backends.signals import connection_created

        from samplan import pg_loaders

        from . import lookups, sections

        lookups.register()
        sections.register()
        # Every PostgreSQL connection reads timestamps the fast way (samplan.pg_loaders).
        connection_created.connect(pg_loaders.on_connection_created, dispatch_uid="samplan.pg_loaders")
