"""One-row INSERTs for hot paths, in one round trip.

`insert_unless_taken(obj)` is INSERT … ON CONFLICT DO NOTHING RETURNING id: it says
whether a unique constraint already held such a row — without a savepoint around the
INSERT (two more round trips) and without aborting the surrounding transaction, which a
plain INSERT hitting a unique index would do on PostgreSQL. On a conflict with a row
another transaction has not committed yet, PostgreSQL waits for it: the answer is the
committed truth. `insert_row(obj)` is the plain INSERT … RETURNING id.

Both build the statement's text with Django's insert compiler once per model and reuse
it (only the values change); a value that is an expression (F(), db_default) takes the
compiler every time. No model signals are sent (nothing on these models listens)."""

from django.db import connections
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery

_texts: dict[tuple, str] = {}


def _insert(obj, using: str, on_conflict) -> bool:
    model = type(obj)
    meta = model._meta
    with_pk = obj.pk is not None
    fields = [
        f
        for f in meta.local_concrete_fields
        if not getattr(f, "generated", False) and (with_pk or not f.primary_key)
    ]
    values = [f.pre_save(obj, True) for f in fields]
    connection = connections[using]
    key = (model, using, on_conflict, with_pk)
    text = _texts.get(key)
    if text is None or any(hasattr(v, "resolve_expression") for v in values):
        query = InsertQuery(model, on_conflict=on_conflict)
        query.insert_values(fields, [obj])
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = [meta.pk]
        ((text, params),) = compiler.as_sql()
        if not any(hasattr(v, "resolve_expression") for v in values):
            _texts[key] = text
    else:
        params = [
            f.get_db_prep_save(v, connection=connection)
            for f, v in zip(fields, values, strict=True)
        ]
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = using
    return True


def insert_unless_taken(obj, *, using: str = "default") -> bool:
    """Insert `obj`; True (and `obj.pk` set) when inserted, False when a unique
    constraint already held such a row (then nothing is written)."""
    return _insert(obj, using, OnConflict.IGNORE)


def insert_row(obj, *, using: str = "default") -> None:
    """Insert `obj` (a new instance) and set its pk."""
    _insert(obj, using, None)
