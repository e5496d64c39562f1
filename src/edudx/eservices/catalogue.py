"""The procedure catalogue and the admission priority categories are data
(data/procedures.json, data/priorities.json): `catalogue_load` writes them into the tables,
updating by code. The data migration calls it; so do the demo and the tests (a test
database flushed by a transactional test has lost what the migration loaded)."""

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
PROCEDURE_FIELDS = (
    "name",
    "kind",
    "level",
    "legal_basis",
    "unit_kind",
    "school_levels",
    "grade",
    "fee",
    "processing_days",
    "fields",
    "attachments",
    "steps",
    "audience",
)


def read_procedures() -> list[dict]:
    return json.loads((DATA / "procedures.json").read_text(encoding="utf-8"))


def read_priorities() -> list[dict]:
    return json.loads((DATA / "priorities.json").read_text(encoding="utf-8"))


def catalogue_load(procedure_model=None, priority_model=None) -> int:
    """Insert or update every procedure and priority category; returns the procedures
    count. Models may be passed in (historical models in a migration)."""
    if procedure_model is None:
        from .models import PriorityCategory, Procedure  # noqa: PLC0415

        procedure_model, priority_model = Procedure, PriorityCategory
    rows = read_procedures()
    for row in rows:
        defaults = {f: row.get(f) for f in PROCEDURE_FIELDS if f in row}
        defaults.setdefault("grade", None)
        procedure_model.objects.update_or_create(code=row["code"], defaults=defaults)
    for row in read_priorities():
        priority_model.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "rank": row["rank"]}
        )
    return len(rows)
