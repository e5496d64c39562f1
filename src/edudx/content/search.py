"""Full-text search of resources, one interface over two engines.

Both engines index the folded columns `search_title` and `search_text` (core.text.fold:
lower case, no diacritics, đ→d), so a query typed with or without diacritics finds the same
rows, and no `unaccent` extension is needed:
- SQLite: FTS5 table content_resource_fts (external content over content_resource, kept in
  step by triggers; migration 0002); rank = bm25 with the title weighted 10 : 1;
- PostgreSQL: stored generated column content_resource.search_vector
  (setweight(title, 'A') || setweight(text, 'B')) with GIN index content_resource_fts;
  rank = ts_rank (A weighs 1.0, B 0.4).
Every word of the query must match, as a prefix ("phan so" finds "phân số", "phan s"
too). The queryset is annotated with `rank`, higher is better on both engines."""

import re

from django.db import connection
from django.db.models import QuerySet

from edudx.core.text import fold

MAX_TERMS = 8
_WORD = re.compile(r"\w+")

# The same expression as the generated column (migration 0002), for reference in docs.
PG_VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, coalesce(search_title, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(search_text, '')), 'B')"
)


def terms(text: str | None) -> list[str]:
    return _WORD.findall(fold(text))[:MAX_TERMS]


def fts5_query(words: list[str]) -> str:
    return " ".join(f'"{w}"*' for w in words)


def tsquery(words: list[str]) -> str:
    return " & ".join(f"{w}:*" for w in words)


def ranked(qs: QuerySet, text: str | None) -> QuerySet:
    """`qs` narrowed to rows matching `text` and ordered by rank; unchanged ordering
    (newest first) when the query has no words."""
    words = terms(text)
    if not words:
        return qs.order_by("-published_at", "-id")
    table = qs.model._meta.db_table
    if connection.vendor == "postgresql":
        # noqa S610: constant SQL, the query text is a bound parameter.
        return qs.extra(  # noqa: S610
            select={"rank": f"ts_rank({table}.search_vector, to_tsquery('simple', %s))"},
            select_params=[tsquery(words)],
            where=[f"{table}.search_vector @@ to_tsquery('simple', %s)"],
            params=[tsquery(words)],
        ).order_by("-rank", "-id")
    return qs.extra(  # noqa: S610
        select={"rank": "-bm25(content_resource_fts, 10.0, 1.0)"},
        tables=["content_resource_fts"],
        where=[
            f"content_resource_fts.rowid = {table}.id",
            "content_resource_fts MATCH %s",
        ],
        params=[fts5_query(words)],
    ).order_by("-rank", "-id")


def like_scan(qs: QuerySet, text: str | None) -> QuerySet:
    """The baseline the benchmark compares with: every word as `LIKE '%word%'` over the
    folded columns (what a search without an index would do)."""
    from django.db.models import Q  # noqa: PLC0415

    for w in terms(text):
        qs = qs.filter(Q(search_title__contains=w) | Q(search_text__contains=w))
    return qs.order_by("-published_at", "-id")
