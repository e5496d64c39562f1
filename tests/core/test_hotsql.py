"""core.hotsql: the prepared hot statement sends what Django's cursor would."""

import datetime as dt

import pytest
from django.utils import timezone

from edudx.core import hotsql
from edudx.exams.models import AttemptStatus

pytestmark = pytest.mark.django_db


def test_choices_members_go_as_their_values_and_rows_come_back():
    # A TextChoices member is a str: it goes as its value, not its name.
    assert hotsql.fetchone("SELECT %s, %s", [AttemptStatus.STARTED, 7]) == ("started", 7)
    assert hotsql.fetchone("SELECT 1 WHERE 1 = %s", [2]) is None


def test_the_same_statement_twice_with_other_values():
    when = timezone.make_aware(dt.datetime(2026, 11, 29, 8, 0))
    first = hotsql.fetchone("SELECT %s, %s", ["a", when])
    second = hotsql.fetchone("SELECT %s, %s", ["b", when])
    assert (first[0], second[0]) == ("a", "b")


def _prepared(connection) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def test_prepared_on_postgresql_only_what_asks_for_it(settings):
    from django.db import connection  # noqa: PLC0415

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (SQLite: Django's cursor)")
    hotsql.fetchone("SELECT 1", [])  # the connection is open and set up
    before = _prepared(connection)
    sql = "SELECT %s::int + 40 AS answer"
    assert hotsql.fetchone(sql, [2]) == (42,)
    assert hotsql.fetchone(sql, [3]) == (43,)
    with connection.cursor() as cursor:  # Django's own cursor: never prepared
        cursor.execute("SELECT %s::int + 1", [1])
        cursor.execute("SELECT %s::int + 1", [1])
    assert _prepared(connection) - before == {"SELECT $1::int + 40 AS answer"}
    settings.DATABASE_PREPARED = False  # behind a transaction-pooling proxy
    assert hotsql.fetchone("SELECT %s::int + 50", [1]) == (51,)
    assert _prepared(connection) - before == {"SELECT $1::int + 40 AS answer"}
