"""Django's ``migrate``, then, when run as the tables' owner (``DATABASE_ROLE=owner``), the
runtime role's grants again: new tables and newly append-only ones get exactly their privileges
(``samplan.db_roles``)."""

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, connections

from samplan import db_roles


class Command(migrate.Command):
    def handle(self, *args, **options):
        super().handle(*args, **options)
        connection = connections[options["database"]]
        if (
            options["plan"]
            or options["check_unapplied"]
            or options["database"] != DEFAULT_DB_ALIAS
            or connection.vendor != "postgresql"
            or settings.DATABASE_ROLE != "owner"
        ):
            return
        runtime = settings.DATABASE_RUNTIME["USER"]
        try:
            with connection.cursor() as cursor:
                db_roles.grant(cursor, runtime=runtime)
        except db_roles.RoleError as error:
            raise CommandError(f"Migrated, but the runtime role's grants were not applied: {error}") from error
        if options["verbosity"]:
            self.stdout.write(f"Grants for the runtime role {runtime} applied.")
