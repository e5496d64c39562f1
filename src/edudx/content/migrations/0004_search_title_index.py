"""Faster search (content.search, docs/benchmarks.md "Repository search").

PostgreSQL: a second stored generated tsvector, `search_title_vector` (the folded title
only), and its GIN index content_resource_title_fts; both vectors also hold the filter
tokens of `search_facets` (subject, grade, type, language, topics) as lexemes marked "#",
so the GIN index intersects the words with the filters, as FTS5 does on SQLite. Tier 1 ("the title holds every
word") was a weight-A query on `search_vector`, which a GIN index cannot answer alone: every
row holding the words anywhere had to be rechecked (a title-only match among common body
words read most of the table). Not in the model state, like `search_vector`.

SQLite: likewise a title-only FTS5 table, content_resource_title_fts (the folded title and
the filter tokens, external content, its own three triggers), for tier 1: a title match
among words common in the bodies no longer walks their doclists of every column. And
content_resource_fts rebuilt with prefix indexes for prefixes of 1 to 6
characters (was 2 and 3). Every query word is a prefix; FTS5 answers a prefix whose length
has no prefix index by merging the doclists of every term that starts with it, in full,
before returning the first row, so a common word cost the whole doclist even when the page
stopped after 20 rows. Folded Vietnamese syllables are at most 7 letters, so nearly every
word typed is now read lazily from a prefix index (index 1.45x larger: 55 MB instead of 38
MB for 50,000 resources). The triggers of 0002 name the table and keep working."""

from django.db import migrations

# The filter tokens of search_facets as lexemes marked "#" ('#j12', '#g6'…): a query word
# (\w+ of folded text) never holds "#", so a word cannot match a filter token.
_FACETS = (
    "array_to_tsvector(string_to_array("
    "regexp_replace(coalesce(search_facets, ''), '(\\S+)', '#\\1', 'g'), ' '))"
)
PG_FORWARD = [
    "ALTER TABLE content_resource DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE content_resource ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, coalesce(search_title, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(search_text, '')), 'B') || "
    f"{_FACETS}) STORED",
    "CREATE INDEX content_resource_fts ON content_resource USING gin (search_vector)",
    "ALTER TABLE content_resource ADD COLUMN search_title_vector tsvector GENERATED ALWAYS AS ("
    f"to_tsvector('simple'::regconfig, coalesce(search_title, '')) || {_FACETS}) STORED",
    "CREATE INDEX content_resource_title_fts ON content_resource USING gin (search_title_vector)",
    "ANALYZE content_resource",
]
PG_REVERSE = [
    "DROP INDEX IF EXISTS content_resource_title_fts",
    "ALTER TABLE content_resource DROP COLUMN IF EXISTS search_title_vector",
    "ALTER TABLE content_resource DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE content_resource ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, coalesce(search_title, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(search_text, '')), 'B')) STORED",
    "CREATE INDEX content_resource_fts ON content_resource USING gin (search_vector)",
]


def _fts(prefix: str) -> list[str]:
    return [
        "DROP TABLE IF EXISTS content_resource_fts",
        "CREATE VIRTUAL TABLE content_resource_fts USING fts5("
        "search_title, search_text, search_facets, content='content_resource', "
        f"content_rowid='id', tokenize='unicode61', prefix='{prefix}')",
        "INSERT INTO content_resource_fts(content_resource_fts) VALUES ('rebuild')",
    ]


_COLS = "search_title, search_facets"
_NEW = "new.search_title, new.search_facets"
_OLD = "old.search_title, old.search_facets"
SQLITE_TITLE = [
    "CREATE VIRTUAL TABLE content_resource_title_fts USING fts5("
    f"{_COLS}, content='content_resource', content_rowid='id', tokenize='unicode61', "
    "prefix='1 2 3 4 5 6')",
    "INSERT INTO content_resource_title_fts(content_resource_title_fts) VALUES ('rebuild')",
    "CREATE TRIGGER content_resource_title_fts_insert AFTER INSERT ON content_resource BEGIN "
    f"INSERT INTO content_resource_title_fts(rowid, {_COLS}) VALUES (new.id, {_NEW}); END",
    "CREATE TRIGGER content_resource_title_fts_delete AFTER DELETE ON content_resource BEGIN "
    f"INSERT INTO content_resource_title_fts(content_resource_title_fts, rowid, {_COLS}) "
    f"VALUES ('delete', old.id, {_OLD}); END",
    f"CREATE TRIGGER content_resource_title_fts_update AFTER UPDATE OF id, {_COLS} "
    "ON content_resource BEGIN "
    f"INSERT INTO content_resource_title_fts(content_resource_title_fts, rowid, {_COLS}) "
    f"VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO content_resource_title_fts(rowid, {_COLS}) VALUES (new.id, {_NEW}); END",
]
SQLITE_TITLE_REVERSE = [
    "DROP TRIGGER IF EXISTS content_resource_title_fts_insert",
    "DROP TRIGGER IF EXISTS content_resource_title_fts_delete",
    "DROP TRIGGER IF EXISTS content_resource_title_fts_update",
    "DROP TABLE IF EXISTS content_resource_title_fts",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("content", "0003_load_topics")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": _fts("1 2 3 4 5 6") + SQLITE_TITLE}),
            _run({"postgresql": PG_REVERSE, "sqlite": SQLITE_TITLE_REVERSE + _fts("2 3")}),
        )
    ]
