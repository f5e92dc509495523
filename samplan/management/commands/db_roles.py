"""Create the two PostgreSQL roles and give the runtime role its privileges (``samplan.db_roles``).

# once, as a superuser (DATABASE_URL naming the superuser and the app's database):
manage.py db_roles --create --owner samplan_owner --runtime samplan_app
# after a migration, as the owner (``migrate`` does this itself with DATABASE_ROLE=owner):
DATABASE_ROLE=owner manage.py db_roles
# or print the SQL, to read it or pipe it into psql:
manage.py db_roles --create --owner samplan_owner --runtime samplan_app --sql
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from samplan import db_roles


class Command(BaseCommand):
    help = "Create the owner and runtime roles (--create, as a superuser) and apply the runtime role's grants."

    def add_arguments(self, parser):
        parser.add_argument("--create", action="store_true", help="Create both roles and the database if missing.")
        parser.add_argument("--owner", help="The role that owns the tables (default: DATABASE_OWNER_URL's user).")
        parser.add_argument("--runtime", help="The role the app connects as (default: DATABASE_URL's user).")
        parser.add_argument("--createdb", action="store_true", help="Let the owner create databases (test machines).")
        parser.add_argument("--sql", action="store_true", help="Print the statements instead of running them.")

    def handle(self, *args, create, owner, runtime, createdb, sql, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are for PostgreSQL; DATABASE_URL names another database.")
        runtime = runtime or settings.DATABASE_RUNTIME["USER"]
        owner = owner or (settings.DATABASE_OWNER or {}).get("USER")
        database = connection.settings_dict["NAME"]
        try:
            if (create or sql) and not owner:
                raise db_roles.RoleError("--create and --sql need --owner (or DATABASE_OWNER_URL)")
            if sql:
                return self._print(create=create, owner=owner, runtime=runtime, createdb=createdb, database=database)
            if create:
                self._create(owner=owner, runtime=runtime, createdb=createdb, database=database)
            with connection.cursor() as cursor:
                db_roles.grant(cursor, runtime=runtime, owner=owner)
        except db_roles.RoleError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"]:
            self.stdout.write(f"Grants for the runtime role {runtime} applied in {database}.")

    def _create(self, *, owner, runtime, createdb, database):
        with connection._nodb_cursor() as cursor:
            for statement in db_roles.create_roles_sql(owner=owner, runtime=runtime, createdb=createdb):
                cursor.execute(statement)
            cursor.execute("SELECT EXISTS (SELECT FROM pg_database WHERE datname = %s)", [database])
            if cursor.fetchone()[0]:
                cursor.execute(f"ALTER DATABASE {db_roles.quote(database)} OWNER TO {db_roles.quote(owner)}")
            else:
                cursor.execute(f"CREATE DATABASE {db_roles.quote(database)} OWNER {db_roles.quote(owner)}")
        self.stdout.write(f"Roles {owner} (owner) and {runtime} (runtime) ready; {database} belongs to {owner}.")

    def _print(self, *, create, owner, runtime, createdb, database):
        statements = []
        if create:
            statements += db_roles.create_roles_sql(owner=owner, runtime=runtime, createdb=createdb)
            statements.append(
                f"-- if missing: CREATE DATABASE {db_roles.quote(database)} OWNER {db_roles.quote(owner)}"
            )
            statements.append(f"ALTER DATABASE {db_roles.quote(database)} OWNER TO {db_roles.quote(owner)}")
            statements.append(f"\\connect {db_roles.quote(database)}")
        statements += db_roles.grant_sql(owner=owner, runtime=runtime, database=database)
        for statement in statements:
            self.stdout.write(statement if statement.startswith(("--", "\\")) else f"{statement};")
