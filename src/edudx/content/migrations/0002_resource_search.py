"""Full-text search over resources (`content.search`), one engine at a time.

PostgreSQL: a stored generated column `search_vector` — the folded title with weight A and
the folded description/body/author/topics with weight B — and its GIN index
content_resource_fts. Generated, so every insert and update keeps it right; not in the
model state (Django never writes it).

SQLite: content_resource_fts, an FTS5 table (unicode61 tokens, prefix indexes for 2- and
3-character prefixes) over content_resource.search_title, search_text and search_facets
(filter tokens: status, scope units, subject, grade, type, language, topics), external
content (it stores the index, not the text), kept in step by three triggers.

NB: on SQLite, Django rebuilds a table for some schema changes; a later migration that does
so to content_resource drops the triggers with the old table and must run this migration's
SQLite part again (the search tests fail if it does not)."""

from django.db import migrations

PG_FORWARD = [
    "ALTER TABLE content_resource ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, coalesce(search_title, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(search_text, '')), 'B')) STORED",
    "CREATE INDEX content_resource_fts ON content_resource USING gin (search_vector)",
]
PG_REVERSE = [
    "DROP INDEX IF EXISTS content_resource_fts",
    "ALTER TABLE content_resource DROP COLUMN IF EXISTS search_vector",
]
_COLS = "search_title, search_text, search_facets"
_NEW = "new.search_title, new.search_text, new.search_facets"
_OLD = "old.search_title, old.search_text, old.search_facets"
SQLITE_FORWARD = [
    f"CREATE VIRTUAL TABLE content_resource_fts USING fts5({_COLS}, "
    "content='content_resource', content_rowid='id', tokenize='unicode61', prefix='2 3')",
    "INSERT INTO content_resource_fts(content_resource_fts) VALUES ('rebuild')",
    "CREATE TRIGGER content_resource_fts_insert AFTER INSERT ON content_resource BEGIN "
    f"INSERT INTO content_resource_fts(rowid, {_COLS}) VALUES (new.id, {_NEW}); END",
    "CREATE TRIGGER content_resource_fts_delete AFTER DELETE ON content_resource BEGIN "
    f"INSERT INTO content_resource_fts(content_resource_fts, rowid, {_COLS}) "
    f"VALUES ('delete', old.id, {_OLD}); END",
    f"CREATE TRIGGER content_resource_fts_update AFTER UPDATE OF id, {_COLS} "
    "ON content_resource BEGIN "
    f"INSERT INTO content_resource_fts(content_resource_fts, rowid, {_COLS}) "
    f"VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO content_resource_fts(rowid, {_COLS}) VALUES (new.id, {_NEW}); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS content_resource_fts_insert",
    "DROP TRIGGER IF EXISTS content_resource_fts_delete",
    "DROP TRIGGER IF EXISTS content_resource_fts_update",
    "DROP TABLE IF EXISTS content_resource_fts",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("content", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
