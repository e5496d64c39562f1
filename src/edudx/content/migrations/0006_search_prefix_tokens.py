"""PostgreSQL search: prefix tokens in both vectors (docs/benchmarks.md "Repository search
at full size").

Every query word is a prefix. GIN answers `ba:*` by first building the union of every
lexeme that begins with "ba" — 45.8 ms for a three-word title query at 200,000 resources —
where an exact lexeme is intersected by skipping from the rarest entry (1.8 ms with the
tokens). So each word of the title and the text is also stored as "^" + its first 1 to 6
letters, and a query word of up to 6 letters is the exact token `'^word'`; a longer one
stays `'word':*`, which few lexemes begin. The same idea as FTS5's prefix indexes 1–6 on
SQLite (migration 0004). Words are split as `content.search.terms` splits the query
(`\\w+` of the folded text). SQLite: nothing to do. A migration is self-contained, so the
vectors' other parts are written out again as in 0004."""

from django.db import migrations

FUNCTION = (
    "CREATE OR REPLACE FUNCTION edudx_prefix_tokens(t text) RETURNS tsvector "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
    "SELECT coalesce(array_to_tsvector(array_agg(DISTINCT '^' || left(w, n))), ''::tsvector) "
    "FROM regexp_split_to_table(coalesce(t, ''), '\\W+') AS w, "
    "generate_series(1, least(6, length(w))) AS n WHERE w <> '' $$"
)
FACETS = (
    "array_to_tsvector(string_to_array("
    "regexp_replace(coalesce(search_facets, ''), '(\\S+)', '#\\1', 'g'), ' '))"
)
TITLE = "to_tsvector('simple'::regconfig, coalesce(search_title, ''))"
TEXT = "to_tsvector('simple'::regconfig, coalesce(search_text, ''))"


def columns(prefixes: bool) -> list[str]:
    title_tokens = " || edudx_prefix_tokens(search_title)" if prefixes else ""
    text_tokens = (
        " || edudx_prefix_tokens(coalesce(search_title, '') || ' ' || coalesce(search_text, ''))"
        if prefixes
        else ""
    )
    return [
        "DROP INDEX IF EXISTS content_resource_title_fts",
        "DROP INDEX IF EXISTS content_resource_fts",
        "ALTER TABLE content_resource DROP COLUMN IF EXISTS search_title_vector",
        "ALTER TABLE content_resource DROP COLUMN IF EXISTS search_vector",
        "ALTER TABLE content_resource ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
        f"setweight({TITLE}, 'A') || setweight({TEXT}, 'B'){text_tokens} || {FACETS}) STORED",
        "CREATE INDEX content_resource_fts ON content_resource USING gin (search_vector)",
        "ALTER TABLE content_resource ADD COLUMN search_title_vector tsvector GENERATED ALWAYS "
        f"AS ({TITLE}{title_tokens} || {FACETS}) STORED",
        "CREATE INDEX content_resource_title_fts ON content_resource USING gin "
        "(search_title_vector)",
        "ANALYZE content_resource",
    ]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("content", "0005_resource_file_text")]

    operations = [
        migrations.RunPython(
            _run([FUNCTION, *columns(prefixes=True)]),
            _run([*columns(prefixes=False), "DROP FUNCTION IF EXISTS edudx_prefix_tokens(text)"]),
        )
    ]
