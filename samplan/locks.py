"""Writers that check before they write take turns on a row that always exists.

At READ COMMITTED a check ("is there a draft already?") does not see a row another request has
written but not committed; locking the parent the new row belongs to first makes the second writer
wait for the first and then see its row (docs/architecture.md, "Two writers at the same moment").
"""


def lock_row(obj, *, no_key=True):
    """Lock ``obj``'s row until the transaction ends: ``SELECT … FOR NO KEY UPDATE`` (rows that refer to
    it can still be inserted), or ``FOR UPDATE`` with ``no_key=False``. Call it inside a transaction
    (SQLite, which writes one at a time, ignores it)."""
    model = obj._meta.model  # not type(obj): request.user is a lazy wrapper
    model._default_manager.select_for_update(no_key=no_key).filter(pk=obj.pk).values_list("pk").first()
