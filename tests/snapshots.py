"""Replay the rows a test-data builder wrote, instead of building again.

`tests.factories.District` goes through the real services (validation, paths, audit chain,
outbox, summary tables): about 700 statements, a tenth of a second on SQLite and a third on
PostgreSQL, and some 1,400 tests start from one. The first build in a test process is
recorded — every row it inserted or changed, with its primary key, read back as the
database holds it — and later builds insert those rows again with one statement per table.
Each test still gets its own rows (inside its own transaction) and its own model instances.

A recording is replayed only where the build would write the same rows:
- the database is as migrated (`baseline`): no unit, person, audit or outbox row yet, so
  the audit chain continues from the same head and the same keys are free;
- the same day, and the clock within an hour of the recording (a test that travels in time
  builds for real).
Anything else builds through the services as before."""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection
from django.db.models import Model
from django.utils import timezone

# The table a statement writes, for the order of the replay (a trigger may read a row
# inserted before it): INSERT [OR …] INTO, UPDATE, DELETE FROM, COPY at its start. What was
# written is found by comparing every table before and after the build, so a statement this
# misses (a CTE) is still recorded, in the end of the order.
_WRITE = re.compile(
    r'^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM|COPY)\s+"?(\w+)"?',
    re.IGNORECASE,
)


def baseline() -> bool:
    """The database holds what migrations loaded and nothing a builder writes."""
    from edudx.audit.models import AuditEvent  # noqa: PLC0415
    from edudx.core.models import OutboxEvent  # noqa: PLC0415
    from edudx.org.models import OrgUnit  # noqa: PLC0415
    from edudx.people.models import Person  # noqa: PLC0415

    return not any(m.objects.exists() for m in (OrgUnit, Person, AuditEvent, OutboxEvent))


def _columns(model) -> list:
    return [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def _rows(model) -> dict:
    cols = [f.attname for f in _columns(model)]
    rows = model._base_manager.order_by("pk").values_list("pk", *cols)
    return {row[0]: row for row in rows}


@dataclass
class Recording:
    vendor: str
    day: dt.date
    at: dt.datetime
    inserts: list = field(default_factory=list)  # (model, [row, ...]) in insert order
    updates: list = field(default_factory=list)  # (model, [row, ...]) rows that existed
    objects: dict = field(default_factory=dict)  # attribute -> (model, pk)

    def fits(self) -> bool:
        now = timezone.now()
        return (
            self.vendor == connection.vendor
            and self.day == timezone.localdate()
            and dt.timedelta(0) <= now - self.at <= dt.timedelta(hours=1)
        )

    def replay(self) -> dict:
        """Write the recorded rows; returns fresh instances for the recorded attributes."""
        with connection.cursor() as cur:
            for model, rows in self.inserts:
                fields = _columns(model)
                table = connection.ops.quote_name(model._meta.db_table)
                names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
                marks = ", ".join(["%s"] * len(fields))
                cur.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
                    [_prepared(fields, row[1:]) for row in rows],
                )
            for model, rows in self.updates:
                fields = _columns(model)
                table = connection.ops.quote_name(model._meta.db_table)
                sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
                pk = connection.ops.quote_name(model._meta.pk.column)
                cur.executemany(
                    f"UPDATE {table} SET {sets} WHERE {pk} = %s",  # noqa: S608
                    [[*_prepared(fields, row[1:]), row[0]] for row in rows],
                )
        by_model: dict = {}
        for model, pk in self.objects.values():
            by_model.setdefault(model, set()).add(pk)
        loaded = {m: m._base_manager.in_bulk(list(pks)) for m, pks in by_model.items()}
        return {name: loaded[model][pk] for name, (model, pk) in self.objects.items()}


def _prepared(fields, values) -> list:
    return [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]


def record(build) -> tuple[object, Recording | None]:
    """Run `build()` (from the baseline) and record what it wrote. Returns the built object
    and the recording, or None when a table without a model was written (nothing to replay
    it with)."""
    models = {m._meta.db_table: m for m in apps.get_models() if not m._meta.proxy}
    before = {table: _rows(model) for table, model in models.items()}
    written: list[str] = []

    def watch(execute, sql, params, many, context):
        if (m := _WRITE.match(sql)) and m.group(1) not in written:
            written.append(m.group(1))
        return execute(sql, params, many, context)

    at, day = timezone.now(), timezone.localdate()
    with connection.execute_wrapper(watch):
        built = build()
    rec = Recording(vendor=connection.vendor, day=day, at=at)
    if any(table not in models for table in written):
        return built, None
    order = {table: i for i, table in enumerate(written)}
    for table in sorted(models, key=lambda t: order.get(t, len(order))):
        model = models[table]
        after = _rows(model)
        old = before[table]
        if set(old) - set(after):
            return built, None  # the build deleted rows: not recorded
        new = [row for pk, row in after.items() if pk not in old]
        changed = [row for pk, row in after.items() if pk in old and old[pk] != row]
        if new:
            rec.inserts.append((model, new))
        if changed:
            rec.updates.append((model, changed))
    for name, value in vars(built).items():
        if isinstance(value, Model):
            rec.objects[name] = (type(value), value.pk)
    return built, rec
