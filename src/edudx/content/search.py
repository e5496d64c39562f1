"""Full-text search of resources, one interface over two engines.

Both engines index the folded columns `search_title` and `search_text` (core.text.fold:
lower case, no diacritics, đ→d), so a query typed with or without diacritics finds the same
rows, and no `unaccent` extension is needed:
- SQLite: FTS5 table content_resource_fts (external content over content_resource, kept in
  step by triggers; migration 0002);
- PostgreSQL: stored generated column content_resource.search_vector (the title's words
  with weight A, the description/body/author/topics with weight B) and its GIN index
  content_resource_fts.

Every word of the query must match, as a prefix ("phan so" finds "phân số", "phan s" too).

Ranking: results whose title holds every word come first (tier 1), then those matching in
the description, body, author or topic names (tier 2); newest first within a tier. Each
tier is read in id order straight from the index (FTS5 walks its doclists by rowid; on
PostgreSQL the GIN bitmap or the primary key), so the first page costs about the same for
a rare word and for one that half the repository contains — a bm25 / ts_rank order has to
score every match first (benchmarks/search.py and docs/content.md "Benchmarks" measured
60 ms median for bm25 on 50,000 resources, against under 1 ms for the id walk)."""

import re

from django.db import connection
from django.db.models import Q, QuerySet

from edudx.core.text import fold

MAX_TERMS = 8
# Counts stop here: a page says "more than 1,000" rather than count every match.
COUNT_CAP = 1000
_WORD = re.compile(r"\w+")


def terms(text: str | None) -> list[str]:
    return _WORD.findall(fold(text))[:MAX_TERMS]


def fts5_query(words: list[str]) -> str:
    return " ".join(f'"{w}"*' for w in words)


def tsquery(words: list[str], weight: str = "") -> str:
    return " & ".join(f"{w}:*{weight}" for w in words)


def facet_query(groups: list[list[str]]) -> str:
    """`search_facets : (a OR b) AND search_facets : (c)`: every group must match."""
    parts = []
    for alternatives in groups:
        tokens = " OR ".join(f'"{t}"' for t in alternatives) if alternatives else '"none"'
        parts.append(f"search_facets : ({tokens})")
    return " AND ".join(parts)


def _match(qs: QuerySet, words: list[str], tier: int, facets: list[list[str]]) -> QuerySet:
    table = qs.model._meta.db_table
    if connection.vendor == "postgresql":
        everywhere, title = tsquery(words), tsquery(words, "A")
        where = [f"{table}.search_vector @@ to_tsquery('simple', %s)"]
        params = [title if tier == 1 else everywhere]
        if tier == 2:
            where.append(f"NOT ({table}.search_vector @@ to_tsquery('simple', %s))")
            params.append(title)
        # noqa S610: constant SQL; the words are bound parameters.
        return qs.extra(where=where, params=params).order_by("-id")  # noqa: S610
    phrase = fts5_query(words)
    title = f"search_title : ({phrase})"
    match = title if tier == 1 else f"({{search_title search_text}} : ({phrase}) NOT {title})"
    if facets:
        # The filters as index terms too: FTS5 intersects them with the words, so only
        # rows that pass reach the table (the queryset's own filters still apply).
        match = f"({match}) AND {facet_query(facets)}"
    return qs.extra(  # noqa: S610
        tables=["content_resource_fts"],
        where=[f"content_resource_fts.rowid = {table}.id", "content_resource_fts MATCH %s"],
        params=[match],
        # Ordering by the FTS table's rowid lets FTS5 hand rows over in that order, so a
        # page stops after its rows instead of sorting every match.
        order_by=["-content_resource_fts.rowid"],
    )


class SearchResults:
    """The ranked matches as a lazy sequence (what Paginator and the API's `paginate` need:
    `count()` and slices). Tier 1 rows, then tier 2 rows."""

    def __init__(self, qs: QuerySet, words: list[str], facets: list[list[str]]):
        self.words = words
        self.tiers = [_match(qs, words, 1, facets), _match(qs, words, 2, facets)]
        self._counts: list[int] | None = None

    def prefetch_related(self, *lookups) -> "SearchResults":
        self.tiers = [t.prefetch_related(*lookups) for t in self.tiers]
        return self

    def select_related(self, *fields) -> "SearchResults":
        self.tiers = [t.select_related(*fields) for t in self.tiers]
        return self

    def counts(self) -> list[int]:
        if self._counts is None:
            self._counts = [t.values("pk")[:COUNT_CAP].count() for t in self.tiers]
        return self._counts

    def count(self) -> int:
        return min(sum(self.counts()), COUNT_CAP)

    @property
    def capped(self) -> bool:
        return sum(self.counts()) >= COUNT_CAP

    def __len__(self) -> int:
        return self.count()

    def _slice(self, start: int, stop: int) -> list:
        """Rows [start, stop) of tier 1 followed by tier 2."""
        if stop <= start:
            return []
        out = list(self.tiers[0][start:stop])
        if len(out) == stop - start:
            return out
        # Tier 1 ends inside this window: n1 is its length, where tier 2 starts.
        if out or start == 0:
            n1 = start + len(out)
        else:
            n1 = self.tiers[0].values("pk")[:start].count()
        return out + list(self.tiers[1][max(0, start - n1) : stop - n1])

    def __getitem__(self, key):
        if isinstance(key, slice):
            start, stop = key.start or 0, key.stop if key.stop is not None else COUNT_CAP
            return self._slice(start, min(stop, COUNT_CAP))
        return self._slice(key, key + 1)[0]

    def __iter__(self):
        return iter(self._slice(0, COUNT_CAP))


def ranked(
    qs: QuerySet, text: str | None, facets: list[list[str]] | None = None
) -> QuerySet | SearchResults:
    """`qs` narrowed to rows matching `text`, ranked; newest first when there are no words.
    `facets` repeats `qs`'s filters as index tokens (`services.search_facets`), each group a
    list of alternatives."""
    words = terms(text)
    if not words:
        return qs.order_by("-published_at", "-id")
    return SearchResults(qs, words, facets or [])


def like_scan(qs: QuerySet, text: str | None) -> QuerySet:
    """The baseline the benchmark compares with: every word as `LIKE '%word%'` over the
    folded columns (what a search without an index does)."""
    for w in terms(text):
        qs = qs.filter(Q(search_title__contains=w) | Q(search_text__contains=w))
    return qs.order_by("-published_at", "-id")
