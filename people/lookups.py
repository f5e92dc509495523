"""``field__among=[ids]``: ``IN`` for a list of ids, sent as one parameter instead of one per id.

The worklist asks several tables about the same few dozen citizens. With ``__in`` Django prepares,
and the driver adapts, every id of every list one by one, and each list makes a different SQL
text; that was a measurable part of the page's time (docs/benchmarks.md). ``__among`` sends the
list as one value: a PostgreSQL array (``= ANY(%s)``), or a JSON array on SQLite.
"""

import json

from django.db import models


class Among(models.Lookup):
    lookup_name = "among"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [int(value) for value in self.rhs]

    # ``lhs`` is the column as Django compiled it; the ids are always a parameter.
    def as_postgresql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*params, self.rhs]

    def as_sqlite(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*params, json.dumps(self.rhs)]  # noqa: S608


def register():
    for field in (models.IntegerField, models.ForeignKey):
        field.register_lookup(Among)
