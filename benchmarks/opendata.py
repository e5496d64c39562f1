"""Open data: building and serving `students-by-grade` against the hand-written SQL.

Loads N students (default 100,000) into S schools (default 200; grades 6-9, two classes
each) of a throwaway database (a temporary SQLite file, or a PostgreSQL database created
and dropped here) through the bulk import service, then times, --repeat times each:
  build     edudx.core.opendata.built() with the cache off: the ORM aggregate (distinct
            students, girls, ethnic minority per school year, school, grade) and the
            small-count suppression;
  sql       the same aggregate as one hand-written GROUP BY through the same connection,
            rows fetched (the baseline);
  download  GET /open-data/edudx-students-by-grade.csv through django.test.Client with the
            cache off (build, CSV, ETag, middleware);
  cached    the same GET with the rows in the cache (what every request but one per 10
            minutes costs);
and prints the medians and the ratios to `sql`. Checks that every published count equals
the SQL's.

    .venv/bin/python benchmarks/opendata.py --db postgres
    .venv/bin/python benchmarks/opendata.py --db sqlite
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bulk_import as bi  # noqa: E402  (the benchmark's database set-up and rows)

SQL = """
SELECT sy.code, u.code, u.name, g.number,
       COUNT(DISTINCT e.student_id),
       COUNT(DISTINCT CASE WHEN p.sex = 'F' THEN e.student_id END),
       COUNT(DISTINCT CASE WHEN p.ethnicity <> '01' THEN e.student_id END)
FROM people_enrolment e
JOIN org_schoolyear sy ON sy.id = e.school_year_id
JOIN org_orgunit u ON u.id = e.school_id
JOIN org_classgroup c ON c.id = e.class_group_id
LEFT JOIN org_grade g ON g.id = c.grade_id
JOIN people_student s ON s.id = e.student_id
JOIN people_person p ON p.id = s.person_id
WHERE e.status IN ('active', 'completed')
GROUP BY sy.code, u.code, u.name, g.number
"""


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--schools", type=int, default=200)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument(
        "--pg-url",
        default=os.environ.get("EDUDX_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    return p.parse_args()


def load(n: int, schools: int) -> None:
    from edudx.org import services as org
    from edudx.people.bulk import students_import

    _school, year, communes, _classes = bi.build_org()
    province = _school.parent.parent
    targets = []
    for i in range(schools):
        unit = org.school_create(
            actor=None,
            name=f"Trường THCS Số {i + 1}",
            code=f"68{i + 100:06d}",
            parent=province,
            level="lower_secondary",
        ).unit
        for grade in (6, 7, 8, 9):
            for k in (1, 2):
                org.class_create(
                    actor=None,
                    school=unit,
                    school_year_code=year.code,
                    name=f"{grade}A{k}",
                    grade_number=grade,
                )
                targets.append((unit.code, f"{grade}A{k}"))
    rows = bi.make_rows(n, communes, [c for _s, c in targets])
    tail = min(80, len(targets) // 4)
    for i, r in enumerate(rows):
        # The last schools' classes get ~2 pupils each: grades small enough to be withheld.
        if i < n - 2 * tail:
            code, cls = targets[i % (len(targets) - tail)]
        else:
            code, cls = targets[len(targets) - tail + i % tail]
        r["school"], r["class_group"], r["school_year"] = code, cls, year.code
    t0 = time.perf_counter()
    students_import(actor=None, rows=rows, start_date=year.start_date)
    print(f"  loaded {n:,} students into {schools} schools in {time.perf_counter() - t0:.1f} s")


def median_ms(fn, repeat: int) -> tuple[float, object]:
    out = None
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), out


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = bi.setup_database(args, Path(tmp))
        try:
            return run(args)
        finally:
            bi.drop_database(args, url)


def run(args) -> int:
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from edudx.core import opendata

    load(args.rows, args.schools)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    ds = opendata.get("students-by-grade")
    client = Client()
    path = "/open-data/edudx-students-by-grade.csv"

    def sql():
        with connection.cursor() as c:
            c.execute(SQL)
            return c.fetchall()

    def build():
        return opendata.built(ds)

    def download():
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        return response

    settings.OPENDATA_CACHE_SECONDS = 0
    results = {}
    for name, fn in (("sql", sql), ("build", build), ("download", download)):
        fn()  # warm-up
        results[name] = median_ms(fn, args.repeat)
    settings.OPENDATA_CACHE_SECONDS = 600
    cache.clear()
    download()
    results["cached"] = median_ms(download, args.repeat)

    raw = {(r[0], r[1], r[3]): r[4:] for r in results["sql"][1]}
    published = results["build"][1].rows
    assert len(published) == len(raw), (len(published), len(raw))
    for r in published:
        expected = raw[(r[0], r[1], r[3])]
        for shown, exact in zip(r[4:], expected, strict=True):
            assert shown is None or shown == exact, (r, expected)
    withheld = sum(1 for r in published if r[4] is None)
    body = results["download"][1].content
    print(
        f"  {args.db}: {len(published):,} rows ({withheld} grades withheld), "
        f"CSV {len(body) / 1024:.0f} KiB; medians of {args.repeat}"
    )
    base = results["sql"][0]
    for name in ("sql", "build", "download", "cached"):
        ms = results[name][0]
        print(f"  {name:9} {ms:9.1f} ms   {ms / base:5.2f}x sql")
    return 0


if __name__ == "__main__":
    sys.exit(main())
