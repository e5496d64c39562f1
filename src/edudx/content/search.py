"""Full-text search of resources, one interface over two engines.

Both engines index the folded columns `search_title` and `search_text` (core.text.fold:
lower case, no diacritics, đ→d), so a query typed with or without diacritics finds the same
rows, and no `unaccent` extension is needed:
- SQLite: FTS5 tables content_resource_fts (title, text, filter tokens) and
  content_resource_title_fts (title, filter tokens), external content over
  content_resource, kept in step by triggers, prefix indexes for prefixes of 1–6
  characters (migrations 0002, 0004);
- PostgreSQL: stored generated columns content_resource.search_vector (title weight A,
  text weight B) and search_title_vector (title), each with a GIN index, both also holding
  the filter tokens as "#"-marked lexemes (migration 0004).

Every word of the query must match, as a prefix ("phan so" finds "phân số", "phan s" too).

Ranking: results whose title holds every word come first (tier 1, from the title-only
index), then those matching in the description, body, author or topic names (tier 2);
newest first within a tier. A tier is read as ids in id order with an early stop, never
scored in full: a bm25 / ts_rank order has to score every match first (60 ms median for
bm25 on 50,000 resources, against under 1 ms for the id walk). FTS5 hands rows over in
rowid order; on PostgreSQL, where neither the primary key walk nor the GIN bitmap is right
for every query, `_pg_tier_ids` reads bounded id ranges (docs/benchmarks.md "Repository
search"). Only the page's ids then fetch their rows (joins, prefetches, without the long
texts)"""

import re

from django.db import connection, transaction
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


# PostgreSQL: a word of up to this many letters is matched by its prefix token (migration
# 0006: "^" + the first 1–6 letters of every word is a lexeme of the vectors).
PG_PREFIX_TOKENS = 6


def tsquery(words: list[str]) -> str:
    """Every word as a prefix, as a `tsquery` literal: the exact token `'^word'` for a word
    of up to PG_PREFIX_TOKENS letters (GIN intersects exact entries by skipping; a `:*`
    prefix is first the union of every lexeme it begins), `'word':*` for a longer one. The
    words are runs of letters and digits of folded text, so they need no quoting."""
    return " & ".join(f"'^{w}'" if len(w) <= PG_PREFIX_TOKENS else f"'{w}':*" for w in words)


def facet_query(groups: list[list[str]]) -> str:
    """`search_facets : (a OR b) AND search_facets : (c)`: every group must match."""
    parts = []
    for alternatives in groups:
        tokens = " OR ".join(f'"{t}"' for t in alternatives) if alternatives else '"none"'
        parts.append(f"search_facets : ({tokens})")
    return " AND ".join(parts)


# PostgreSQL: how many of the newest rows a tier reads in id order before it asks the GIN
# index instead (see _pg_tier_ids).
PG_WINDOW = 1000
# How many times the missing rows a later range should hold by the density seen so far.
RANGE_AIM = 8


def facet_tsquery(groups: list[list[str]]) -> str:
    """The filter tokens as a tsquery over the "#"-marked lexemes (migration 0004)."""
    return " & ".join(
        "(" + " | ".join(f"'#{t}'" for t in alternatives or ["none"]) + ")"
        for alternatives in groups
    )


def _pg_where(
    table: str, words: list[str], tier: int, facets: list[list[str]]
) -> tuple[list[str], list[str]]:
    q = tsquery(words)
    # Tier 1 reads the title-only vector (migration 0004): a GIN index answers it exactly,
    # where a weight-A query on search_vector had every body match rechecked.
    title = f"{table}.search_title_vector @@ %s::tsquery"
    with_facets = "(%s::tsquery && %s::tsquery)"
    if tier == 1:
        if facets:
            return [f"{table}.search_title_vector @@ {with_facets}"], [q, facet_tsquery(facets)]
        return [title], [q]
    if facets:
        where = f"{table}.search_vector @@ {with_facets}"
        return [where, f"NOT ({title})"], [q, facet_tsquery(facets), q]
    return [f"{table}.search_vector @@ %s::tsquery", f"NOT ({title})"], [q, q]


def _pg_tier_ids(
    qs: QuerySet, words: list[str], tier: int, facets: list[list[str]], limit: int
) -> list[int]:
    """The first `limit` ids of a tier, newest first, at a bounded cost whatever the words.

    Left to itself the planner picks one plan for `ORDER BY id DESC LIMIT n`: walk the
    primary key backwards testing each row (fast when matches are dense, a walk of the
    whole table when they are rare), or the GIN bitmap then a sort (fast when rare, a heap
    read of every match when they are dense), and its estimate for several prefix words is
    often wrong (docs/benchmarks.md). So the ids are read in ranges, newest first:
    1. the newest PG_WINDOW ids, planner's choice (both plans are bounded by the range);
       dense matches fill the page here;
    2. otherwise the density seen so far says how far back the missing rows should be: the
       next range is twice that (all the older rows if nothing matched yet), read from the
       GIN index (which also holds the filters, migration 0004) and ANDed with the id
       range, the candidates materialised behind an `OFFSET 0` fence, so the planner cannot
       turn the ordered LIMIT back into a walk of the primary key, and only they are
       sorted. About twice the missing rows are read per range; repeat until the page is
       full or the table has no older rows."""
    table = qs.model._meta.db_table
    where, params = _pg_where(table, words, tier, facets)
    matching = qs.extra(where=where, params=params).order_by()  # noqa: S610 — bound words
    top = qs.model.objects.order_by("-id").values_list("id", flat=True).first()
    if top is None:
        return []
    lo = max(0, top + 1 - PG_WINDOW)
    window = matching.filter(id__gte=lo).order_by("-id").values_list("id", flat=True)[:limit]
    with transaction.atomic(), connection.cursor() as c:
        # The newest PG_WINDOW rows by walking the primary key and testing each row's
        # vector (a few ms): the GIN bitmap would first expand every query word as a
        # prefix over the whole table, 25-80 ms for short words at 200,000 rows.
        c.execute("SET LOCAL enable_bitmapscan = off")
        c.execute("SET LOCAL enable_seqscan = off")
        found = list(window)
    while len(found) < limit and lo > 0:
        need, scanned = limit - len(found), top + 1 - lo
        # Each range costs the GIN prefix expansion again, whatever its size, while a
        # wider range only reads a few more matching rows: aim at 8 times the missing rows.
        span = lo if not found else RANGE_AIM * need * scanned // len(found) + 1
        new_lo = 0 if span >= lo // 2 else lo - span
        sql, sql_params = (
            matching.filter(id__gte=new_lo, id__lt=lo).values_list("id", flat=True).query
        ).sql_with_params()
        with transaction.atomic(), connection.cursor() as c:
            # The planner estimates prefix words on GIN as costly and walks the id range
            # instead, testing every row's vector (8,000 rows: 60 ms); here we know the
            # matches are sparse, so only bitmap plans are allowed, for this query alone.
            c.execute("SET LOCAL enable_indexscan = off")
            c.execute("SET LOCAL enable_seqscan = off")
            c.execute(
                f"SELECT id FROM ({sql} OFFSET 0) AS candidates "  # noqa: S608
                "ORDER BY id DESC LIMIT %s",
                [*sql_params, need],
            )
            found += [row[0] for row in c.fetchall()]
        lo = new_lo
    return found


def _sqlite_tier(qs: QuerySet, words: list[str], tier: int, facets: list[list[str]]) -> QuerySet:
    table = qs.model._meta.db_table
    phrase = fts5_query(words)
    title = f"search_title : ({phrase})"
    # Tier 1 from the title-only index (migration 0004): small doclists, so a rare title
    # match among common body words is found without walking the body's doclists.
    fts = "content_resource_title_fts" if tier == 1 else "content_resource_fts"
    match = title if tier == 1 else f"({{search_title search_text}} : ({phrase}) NOT {title})"
    if facets:
        # The filters as index terms too: FTS5 intersects them with the words, so only
        # rows that pass reach the table (the queryset's own filters still apply).
        match = f"({match}) AND {facet_query(facets)}"
    return qs.extra(  # noqa: S610
        tables=[fts],
        where=[f"{fts}.rowid = {table}.id", f"{fts} MATCH %s"],
        params=[match],
        # Ordering by the FTS table's rowid lets FTS5 hand rows over in that order, so a
        # page stops after its rows instead of sorting every match.
        order_by=[f"-{fts}.rowid"],
    )


def tier_matches(qs: QuerySet, words: list[str], tier: int, facets: list[list[str]]) -> QuerySet:
    """The rows of a tier, unordered."""
    if connection.vendor == "postgresql":
        where, params = _pg_where(qs.model._meta.db_table, words, tier, facets)
        return qs.extra(where=where, params=params)  # noqa: S610 — words are bound parameters
    return _sqlite_tier(qs, words, tier, facets).order_by()


def tier_ids(qs: QuerySet, words: list[str], tier: int, facets: list[list[str]], limit: int):
    """Ids of the first `limit` rows of a tier (1: the title holds every word; 2: the rest),
    newest first. Ids only: the rows' columns and joins are read for the page alone."""
    if limit <= 0:
        return []
    if connection.vendor == "postgresql":
        return _pg_tier_ids(qs, words, tier, facets, limit)
    tier_qs = _sqlite_tier(qs, words, tier, facets)
    return list(tier_qs.values_list("id", flat=True)[:limit])


class SearchResults:
    """The ranked matches as a lazy sequence (what Paginator and the API's `paginate` need:
    `count()` and slices). Tier 1 rows, then tier 2 rows."""

    def __init__(self, qs: QuerySet, words: list[str], facets: list[list[str]]):
        self.words = words
        self.facets = facets
        # Filters only; the rows of a page are read through `rows` (joins, prefetches).
        self.filtered = qs.select_related(None).prefetch_related(None)
        # A result list shows titles and descriptions: the long texts stay in the table.
        self.rows = qs.defer("body", "search_title", "search_text", "search_facets")
        self._counts: list[int] | None = None

    def prefetch_related(self, *lookups) -> "SearchResults":
        self.rows = self.rows.prefetch_related(*lookups)
        return self

    def select_related(self, *fields) -> "SearchResults":
        self.rows = self.rows.select_related(*fields)
        return self

    def counts(self) -> list[int]:
        if self._counts is None:
            # No order needed: the planner (or FTS5) stops after COUNT_CAP matches.
            self._counts = [
                tier_matches(self.filtered, self.words, tier, self.facets)
                .values("pk")[:COUNT_CAP]
                .count()
                for tier in (1, 2)
            ]
        return self._counts

    def count(self) -> int:
        return min(sum(self.counts()), COUNT_CAP)

    @property
    def capped(self) -> bool:
        return sum(self.counts()) >= COUNT_CAP

    def __len__(self) -> int:
        return self.count()

    def ids(self, start: int, stop: int) -> list[int]:
        """Ids of ranks [start, stop): tier 1 then tier 2."""
        if stop <= start:
            return []
        first = tier_ids(self.filtered, self.words, 1, self.facets, stop)
        if len(first) >= stop:
            return first[start:stop]
        rest = tier_ids(self.filtered, self.words, 2, self.facets, stop - len(first))
        return (first + rest)[start:stop]

    def _slice(self, start: int, stop: int) -> list:
        ids = self.ids(start, stop)
        if not ids:
            return []
        by_id = self.rows.order_by().in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

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
