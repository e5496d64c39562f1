"""One hot statement, prepared once per connection on PostgreSQL.

Django's PostgreSQL backend binds parameters on the client (psycopg's ClientCursor), so the
server parses and plans every statement it is sent. For the few statements a spike sends
thousands of times a second (an exam's autosave upsert and first start), this runs them
through psycopg's server-side binding with `prepare=True`: planned once per connection,
then executed. Measured on this machine with the autosave upsert: server CPU ~150 → ~37 µs
and client CPU ~100 → ~47 µs per call. On SQLite it is Django's cursor (the statement cache
of the sqlite3 module already keeps it compiled).

The statement runs on the connection Django manages, inside whatever transaction is open
(autocommit outside one), with Django's `%s` placeholders; it is not seen by Django's
query logging (CaptureQueriesContext), so keep it to statements that need the speed."""

import psycopg
from django.conf import settings
from django.db import connections

EXPLICIT_ONLY = 1 << 30


def fetchone(sql: str, params: list | tuple, *, using: str = "default"):
    """Execute `sql` and return its first row (or None)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()
    connection.ensure_connection()
    pg = connection.connection
    if pg.prepare_threshold is None and settings.DATABASE_PREPARED:
        # Django opens its connections with prepared statements off (prepare_threshold
        # None), and then psycopg ignores prepare=True too. A threshold never reached
        # prepares only what asks for it, below; Django's own cursors (client-side
        # binding) never prepare anything.
        pg.prepare_threshold = EXPLICIT_ONLY
    # psycopg.Cursor, not the connection's cursor factory (Django's ClientCursor). A
    # choices member goes as its value, as with Django's cursor (tests/core/test_hotsql.py).
    with connection.wrap_database_errors, psycopg.Cursor(pg) as cur:
        cur.execute(sql, params, prepare=settings.DATABASE_PREPARED)
        return cur.fetchone()


def release_connections() -> None:
    """For a hot path served before Django (exams.live, eservices.live): what Django's
    request_finished does for the database — persistent connections are kept, broken or
    expired ones closed."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:  # (tests wrap everything in a transaction)
            conn.close_if_unusable_or_obsolete()
