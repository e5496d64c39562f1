"""Rows of hand-written SQL, converted as the ORM converts them.

For the few reads where building and compiling the ORM query costs more than the database
spends (the API's student list, token authentication: docs/benchmarks.md, "Scoped list").
Each selected column is named with the model field it holds, or None for a value used as
the driver returns it; the backend's and the field's converters are applied as
`QuerySet.values()` would apply them (SQLite's text dates, UUIDs and booleans, JSON
fields, aware datetimes), so the values are those of the ORM on either engine."""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Field


def fetch(sql: str, params: Sequence, fields: Sequence[Field | None]) -> list[list]:
    """Run `sql` (Django's `%s` placeholders) and return its rows as lists, column i
    converted for `fields[i]`."""
    converters = []
    for i, field in enumerate(fields):
        if field is None:
            continue
        col = field.get_col(field.model._meta.db_table)
        funcs = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
        if funcs:
            converters.append((i, col, funcs))
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = [list(row) for row in cur.fetchall()]
    for row in rows:
        for i, col, funcs in converters:
            value = row[i]
            for func in funcs:
                value = func(value, col, connection)
            row[i] = value
    return rows


def columns(alias: str, fields: Sequence[Field]) -> str:
    """`alias.column, …` of `fields`, quoted for the engine."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in fields)
