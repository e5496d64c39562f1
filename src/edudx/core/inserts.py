"""One-row INSERT … ON CONFLICT DO NOTHING RETURNING id for hot paths.

`insert_unless_taken(obj)` inserts a model instance in one round trip and says whether a
unique constraint already held such a row — without a savepoint around the INSERT (two
more round trips) and without aborting the surrounding transaction, which a plain INSERT
hitting a unique index would do on PostgreSQL. On a conflict with a row another
transaction has not committed yet, PostgreSQL waits for it: the answer is the committed
truth. No model signals are sent (nothing on these models listens)."""

from django.db import connections
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery


def insert_unless_taken(obj, *, using: str = "default") -> bool:
    """Insert `obj`; True (and `obj.pk` set) when inserted, False when a unique
    constraint already held such a row (then nothing is written)."""
    meta = type(obj)._meta
    fields = [
        f
        for f in meta.local_concrete_fields
        if not getattr(f, "generated", False) and not (f.primary_key and obj.pk is None)
    ]
    query = InsertQuery(type(obj), on_conflict=OnConflict.IGNORE)
    query.insert_values(fields, [obj])
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = [meta.pk]
    ((text, params),) = compiler.as_sql()
    with connections[using].cursor() as cursor:
        cursor.execute(text, params)
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = using
    return True
