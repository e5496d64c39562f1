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

from typing import NamedTuple

from django.db import DataError, connections, models, transaction
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery

from .hotsql import fetchone

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


class _NotAll(Exception):
    """A row of `insert_all` met a unique constraint: roll the others back."""


_all_texts: dict[tuple, str] = {}


def _columns(model, with_pk: bool):
    return [
        f
        for f in model._meta.local_concrete_fields
        if not getattr(f, "generated", False) and (with_pk or not f.primary_key)
    ]


# Fields whose Python value is what PostgreSQL gets (the statement casts every parameter
# to its column's type): the value is sent as it is, without Django's per-field
# preparation — a third of the hot path's Python. Anything else (dates and times, JSON,
# IP addresses, auto_now…) goes through pre_save and get_db_prep_save.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.BooleanField,
    models.DateField,
    models.ForeignKey,
)
_prepared: dict[type, list] = {}


def _preparers(model) -> list[tuple]:
    found = _prepared.get(model)
    if found is None:
        found = _prepared[model] = [
            (f, type(f) in _PLAIN and type(f).pre_save is models.Field.pre_save)
            for f in _columns(model, with_pk=False)
        ]
    return found


class Guard(NamedTuple):
    """A condition the rows of `insert_all` go in under, checked in the same statement:
    `sql` is a SELECT (with `%s` parameters `params`) that returns one row — the rows go
    in, and the first object's fields named in `fills` take the values of the columns of
    the same names — or no row: nothing is written. `name` identifies the SQL text."""

    name: str
    sql: str
    params: list
    fills: tuple[str, ...] = ()


def _all_sql(model_types: tuple, connection, guard: Guard | None) -> str:
    """One statement inserting one row per model (PostgreSQL): a chain of data-modifying
    CTEs, each later row inserted only when the first one went in, every one ON CONFLICT
    DO NOTHING; the final SELECT divides by the product of the rows inserted, so a
    conflict anywhere aborts the whole statement (division by zero) and nothing stays.
    With a guard, the first row is inserted from the guard's row (none: nothing)."""
    qn = connection.ops.quote_name
    ctes, counts = [], []
    if guard is not None:
        ctes.append(f"g AS ({guard.sql})")
    fills = set(guard.fills) if guard is not None else set()
    for i, model in enumerate(model_types):
        fields = _columns(model, with_pk=False)
        columns = ", ".join(qn(f.column) for f in fields)
        values = ", ".join(
            f"g.{qn(f.attname)}"
            if i == 0 and f.attname in fills
            else f"%s::{f.cast_db_type(connection)}"
            for f in fields
        )
        if i > 0:
            source = f"SELECT {values} FROM c0"
        elif guard is not None:
            source = f"SELECT {values} FROM g"
        else:
            source = f"VALUES ({values})"
        ctes.append(
            f"c{i} AS (INSERT INTO {qn(model._meta.db_table)} ({columns}) {source} "
            f"ON CONFLICT DO NOTHING RETURNING {qn(model._meta.pk.column)})"
        )
        counts.append(f"(SELECT count(*) FROM c{i})")
    ids = ", ".join(
        f"(SELECT {qn(m._meta.pk.column)} FROM c{i})" for i, m in enumerate(model_types)
    )
    filled = "".join(f", (SELECT g.{qn(name)} FROM g)" for name in (guard.fills if guard else ()))
    return f"WITH {', '.join(ctes)} SELECT {ids}, 1 / ({' * '.join(counts)}){filled}"


def insert_all(objs, *, guard: Guard | None = None, using: str = "default") -> bool:
    """Insert every one of `objs` (new instances, one row each) or none: False, with
    nothing written, when any of them meets a unique constraint or the `guard` returns no
    row. On PostgreSQL this is one statement — one round trip, prepared once per
    connection (`core.hotsql`), atomic on its own in autocommit; elsewhere the guard's
    SELECT and `insert_unless_taken` in a transaction. Each object's pk is set when
    True."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        try:
            with transaction.atomic(using=using):
                if guard is not None:
                    with connection.cursor() as cursor:
                        cursor.execute(guard.sql, guard.params)
                        names = [c[0] for c in cursor.description]
                        row = cursor.fetchone()
                    if row is None:
                        raise _NotAll
                    for name in guard.fills:
                        setattr(objs[0], name, row[names.index(name)])
                for obj in objs:
                    if not insert_unless_taken(obj, using=using):
                        raise _NotAll
        except _NotAll:
            for obj in objs:
                obj.pk = None
            return False
        return True
    key = (tuple(type(o) for o in objs), using, guard.name if guard else None)
    text = _all_texts.get(key)
    if text is None:
        text = _all_texts[key] = _all_sql(key[0], connection, guard)
    params = list(guard.params) if guard is not None else []
    fills = set(guard.fills) if guard is not None else set()
    for i, obj in enumerate(objs):
        for f, plain in _preparers(type(obj)):
            if i == 0 and f.attname in fills:
                continue
            if plain:
                params.append(getattr(obj, f.attname))
                continue
            value = f.pre_save(obj, True)
            if hasattr(value, "resolve_expression"):
                raise ValueError(f"insert_all: {f} is an expression")
            params.append(f.get_db_prep_save(value, connection=connection))
    try:
        if connection.in_atomic_block:
            # Inside a transaction the aborted statement must not take it down with it.
            with transaction.atomic(using=using):
                row = fetchone(text, params, using=using)
        else:
            row = fetchone(text, params, using=using)
    except DataError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != "22012":  # division_by_zero
            raise
        return False
    for obj, pk in zip(objs, row, strict=False):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using
    if guard is not None:
        for name, value in zip(guard.fills, row[len(objs) + 1 :], strict=True):
            setattr(objs[0], name, value)
    return True
