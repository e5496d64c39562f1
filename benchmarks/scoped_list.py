"""Scoped student list: a province officer's paginated, searched student list over the
province-scale demo (~300,000 students). Side A is the platform's path — GET
/api/v1/students through django.test.Client with a read-only API token of the demo province
officer (`so_gddt`, scope: Tỉnh Lâm Đồng), i.e. auth, scope, selector, COUNT, page and JSON.
Side B is the SQL a DBA would write for the same page on each engine, using the same indexes
(trigram, name): a COUNT of at most 10,001 matches, then the page planned from it.
Prints p50/p95 in ms for both and the ratio A/B. Target: A's p95 under 150 ms and within 3x
of B.

    .venv/bin/python benchmarks/scoped_list.py --db sqlite      # var/bench-province.sqlite3
    .venv/bin/python benchmarks/scoped_list.py --db postgres    # database edudx_bench_province

The demo database is built on first use (`edudx demo --scale province`, a few minutes) and
kept for later runs; --rebuild starts again. --explain prints the query plans of side B."""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_PATH = ROOT / "var" / "bench-province.sqlite3"
PG_URL = os.environ.get(
    "EDUDX_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/edudx_bench_province"
)


def database_url(db: str) -> str:
    return f"sqlite:///{SQLITE_PATH}" if db == "sqlite" else PG_URL


def drop(db: str) -> None:
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    base, name = PG_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def ensure_pg_database() -> None:
    import psycopg

    base, name = PG_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def build_if_missing(db: str) -> float:
    """Migrate and build the province demo in a subprocess (progress goes to the terminal)."""
    if db == "postgres":
        ensure_pg_database()
    env = {**os.environ, "EDUDX_DATABASE_URL": database_url(db)}
    edudx = [sys.executable, "-m", "edudx.cli"]
    subprocess.run([*edudx, "migrate", "--noinput", "-v", "0"], env=env, check=True)  # noqa: S603
    t0 = time.monotonic()
    subprocess.run(  # noqa: S603 — our own CLI, fixed arguments
        [*edudx, "demo", "--if-empty", "--scale", "province"], env=env, check=True
    )
    return time.monotonic() - t0


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--iterations", "-n", type=int, default=30)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--explain", action="store_true")
    args = ap.parse_args()

    if args.rebuild:
        drop(args.db)
    build_seconds = build_if_missing(args.db)

    os.environ["EDUDX_DATABASE_URL"] = database_url(args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edudx.settings")
    os.environ.setdefault("EDUDX_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from edudx.accounts.models import User
    from edudx.accounts.tokens import token_create
    from edudx.demo.logins import _demo_school
    from edudx.org.models import OrgUnit, path_upper
    from edudx.people.models import Student

    total = Student.objects.count()
    if total < 200_000:
        print(f"The database holds {total} students, not the province scale: use --rebuild.")
        return 2
    with connection.cursor() as cur:  # statistics and visibility map, as autovacuum keeps them
        cur.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")

    officer = User.objects.get(username="so_gddt")
    _token, raw = token_create(actor=None, user=officer, name="benchmark", scopes=["read"])
    province = OrgUnit.objects.get(pk=officer.role_assignments.get().unit_id)
    lo, hi = province.path, path_upper(province.path)
    school = _demo_school()
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    cases = [
        ("no search, page 1", {}),
        ("q=nguyen van", {"q": "nguyen van"}),
        ("q=thi hoa", {"q": "thi hoa"}),
        ("q=y", {"q": "y"}),
        ("q=nguyen, page 20", {"q": "nguyen", "page": 20}),
        ("school filter", {"school_id": school.pk}),
        ("school + q=thi", {"school_id": school.pk, "q": "thi"}),
    ]
    page_size = 50
    cap = 10_000  # people.selectors.COUNT_CAP
    vendor = connection.vendor
    like = "LIKE %s ESCAPE '\\'" if vendor == "sqlite" else "LIKE %s"
    person_cols = (
        "p.source_id, p.full_name, p.date_of_birth, p.sex, p.ethnicity, p.commune_id, "
        "p.address, p.personal_id, p.moet_id, p.phone, p.email, p.updated_at"
    )

    def sql_for(params: dict, count: int | None = None) -> tuple[str, list]:
        """The SQL a DBA would write for the same result, with the same indexes (migration
        people 0003): without `count`, the COUNT of at most cap + 1 matches; with it, the
        page, planned from it as the selector does (many matches: walk the name index in
        order; few: collect them through the trigram index and sort them)."""
        q = params.get("q", "")
        wide = "school_id" not in params
        walk = count is not None and (count > cap or not q)
        school = "s.current_school_id + 0" if vendor == "sqlite" and walk else "s.current_school_id"
        where = [
            f"{school} IN (SELECT id FROM org_orgunit WHERE path >= %s AND path < %s)",
            "s.status = 'studying'",
        ]
        values: list = [lo, hi]
        if "school_id" in params:
            where.append("s.current_school_id = %s")
            values.append(params["school_id"])
        if q:
            # A school's list on PostgreSQL: filter the school's rows by name rather than
            # let the planner AND the trigram bitmap with the school's (as the selector).
            unindexed = vendor == "postgresql" and not wide
            name = "(s.search_name || '')" if unindexed else "s.search_name"
            where.append(f"{name} {like}")
            values.append(f"%{q}%")
            if vendor == "sqlite" and wide and len(q) >= 3 and not walk:
                where.append(
                    "s.id IN (SELECT rowid FROM student_name_fts WHERE student_name_fts MATCH %s)"
                )
                values.append(f'"{q}"')
        body = f"FROM people_student s WHERE {' AND '.join(where)}"
        if count is None:
            return f"SELECT COUNT(*) FROM (SELECT 1 {body} LIMIT {cap + 1}) m", values
        order = "s.search_name || ''" if vendor == "postgresql" and not walk else "s.search_name"
        page = int(params.get("page", 1))
        return (
            f"WITH ids AS (SELECT s.id {body} ORDER BY {order}, s.id "
            f"LIMIT {page_size} OFFSET {(page - 1) * page_size}) "
            "SELECT s.id, s.source_id, s.student_code, s.status, s.current_school_id, "
            f"s.current_class_id, s.updated_at, {person_cols} "
            "FROM ids JOIN people_student s ON s.id = ids.id "
            "JOIN people_person p ON p.id = s.person_id ORDER BY s.search_name, s.id"
        ), values

    def run_api(params):
        r = client.get("/api/v1/students", {**params, "page_size": page_size}, **auth)
        assert r.status_code == 200, r.content[:300]
        return r.json()

    def run_sql(params):
        with connection.cursor() as cur:
            cur.execute(*sql_for(params))
            count = cur.fetchone()[0]
            cur.execute(*sql_for(params, count))
            rows = cur.fetchall()
        return count, rows

    print(
        f"\nScoped student list — {connection.vendor}, {total:,} students, officer so_gddt "
        f"({province.name}), page size {page_size}, {args.iterations} iterations"
        + (f"; demo built in {build_seconds:.0f}s" if build_seconds > 5 else "")
    )
    header = (
        f"{'case':<20} {'rows':>7}  {'API p50':>8} {'API p95':>8}  "
        f"{'SQL p50':>8} {'SQL p95':>8}  {'p95 ratio':>9}"
    )
    print(header)
    print("-" * len(header))
    worst = 0.0
    misses = []
    for label, params in cases:
        body = run_api(params)
        count, rows = run_sql(params)
        assert (body["count"], body["count_capped"]) == (min(count, cap), count > cap), label
        assert [i["id"] for i in body["items"]] == [r[0] for r in rows], label
        for _ in range(3):  # warm up
            run_api(params)
            run_sql(params)
        a, b = [], []
        for _ in range(args.iterations):
            t = time.perf_counter()
            run_api(params)
            a.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            run_sql(params)
            b.append((time.perf_counter() - t) * 1000)
        a50, a95, b50, b95 = pct(a, 0.5), pct(a, 0.95), pct(b, 0.5), pct(b, 0.95)
        ratio = a95 / b95 if b95 else float("inf")
        worst = max(worst, a95)
        if a95 > 150 or ratio > 3:
            misses.append(label)
        shown = f">{cap}" if count > cap else str(count)
        print(
            f"{label:<20} {shown:>7}  {a50:8.1f} {a95:8.1f}  {b50:8.1f} {b95:8.1f}  {ratio:8.2f}x"
        )
        if args.explain:
            for sql, values in (sql_for(params), sql_for(params, count)):
                with connection.cursor() as cur:
                    prefix = "EXPLAIN QUERY PLAN " if vendor == "sqlite" else "EXPLAIN "
                    cur.execute(prefix + sql, values)
                    for row in cur.fetchall():
                        print("      ", row[-1])
    print(
        f"\nTarget: API p95 < 150 ms and within 3x of SQL. Worst API p95 {worst:.1f} ms; "
        + ("all cases meet it." if not misses else f"missed: {', '.join(misses)}.")
    )
    _token.delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
