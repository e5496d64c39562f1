"""Substring search on student names (`people.selectors.student_list`), one engine at a time.

PostgreSQL:
- student_name_trgm: a pg_trgm GIN index on people_student.search_name, so
  `search_name LIKE '%term%'` (terms of 3+ characters) is a bitmap index scan instead of a
  scan of every student. pg_trgm is a trusted extension: the database owner may create it.
- student_search_name becomes (search_name, id) INCLUDE (status, current_school_id): the
  ordered walk of a broad list ("every student of the province", "nguyen") checks the name,
  status and school in the index alone (an index-only scan) instead of fetching each row.
  Same name as the model's index, so the model state still describes it.

SQLite: student_name_fts, an FTS5 table with the trigram tokenizer over
people_student.search_name (external content: it stores the index, not the names), kept in
step by three triggers.

None of these is in the model state (they are engine-specific), so Django never touches
them. NB: on SQLite, Django rebuilds a table for some schema changes (copy, drop, rename);
a later migration that does so to people_student drops the triggers with the old table and
must run this migration's SQLite part again. The search tests fail if it does not (they
create students after the migrations and search for them)."""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX student_name_trgm ON people_student USING gin (search_name gin_trgm_ops)",
    "DROP INDEX student_search_name",
    "CREATE INDEX student_search_name ON people_student (search_name, id) "
    "INCLUDE (status, current_school_id)",
]
PG_REVERSE = [
    "DROP INDEX IF EXISTS student_name_trgm",
    "DROP INDEX student_search_name",
    "CREATE INDEX student_search_name ON people_student (search_name)",
]

SQLITE_FORWARD = [
    # columnsize=0: no per-row size table (only bm25 ranking needs it; we never rank).
    "CREATE VIRTUAL TABLE student_name_fts USING fts5(search_name, content='people_student', "
    "content_rowid='id', tokenize='trigram', columnsize=0)",
    "INSERT INTO student_name_fts(student_name_fts) VALUES ('rebuild')",
    "CREATE TRIGGER student_name_fts_insert AFTER INSERT ON people_student BEGIN "
    "INSERT INTO student_name_fts(rowid, search_name) VALUES (new.id, new.search_name); END",
    "CREATE TRIGGER student_name_fts_delete AFTER DELETE ON people_student BEGIN "
    "INSERT INTO student_name_fts(student_name_fts, rowid, search_name) "
    "VALUES ('delete', old.id, old.search_name); END",
    "CREATE TRIGGER student_name_fts_update AFTER UPDATE OF id, search_name ON people_student "
    "BEGIN "
    "INSERT INTO student_name_fts(student_name_fts, rowid, search_name) "
    "VALUES ('delete', old.id, old.search_name); "
    "INSERT INTO student_name_fts(rowid, search_name) VALUES (new.id, new.search_name); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS student_name_fts_insert",
    "DROP TRIGGER IF EXISTS student_name_fts_delete",
    "DROP TRIGGER IF EXISTS student_name_fts_update",
    "DROP TABLE IF EXISTS student_name_fts",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("people", "0002_fewer_indexes")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
