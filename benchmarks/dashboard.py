"""Operations centre on the province-scale demo (~295,000 students, 479 schools).

(i) Recompute every indicator of the plan (T01–T26) for the whole province, one report
    year: per-school queries, self-reports, roll-up up the tree of the report's day, the
    summary table IndicatorValue rewritten. Target under 60 s.
(ii) The province officer's dashboard page (GET /monitoring/?year=…) and its API
    (GET /api/v1/monitoring/values?unit=…&year=…) through django.test.Client, p50/p95 over
    N requests. Target p95 under 100 ms. Both read the summary tables only.
(iii) Baseline, in the same run: the plain SQL GROUP BY a DBA would write to get the
    province's computed figures (T09 learners with a digital record and ID, T10 teachers with
    an ID) straight from the raw tables (enrolments, students, persons, staff, placements of
    the report's day) — checked equal to the platform's numbers — timed the same way.
Prints both sides and the ratios (medians and p95).

    .venv/bin/python benchmarks/dashboard.py                       # var/bench-province.sqlite3
    .venv/bin/python benchmarks/dashboard.py --db postgres         # edudx_bench_province
    .venv/bin/python benchmarks/dashboard.py -n 50 --baseline-n 5  # a quick look

The SQLite database is copied (online backup) from var/bench-province.sqlite3 (build it with
`EDUDX_DATABASE_URL=sqlite:///$PWD/var/bench-province.sqlite3 edudx demo --scale province`)
to var/bench-dashboard.sqlite3 and migrated; PostgreSQL uses a TEMPLATE copy of
edudx_bench_province named edudx_bench_dashboard."""

import argparse
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "var" / "bench-province.sqlite3"
TARGET = ROOT / "var" / "bench-dashboard.sqlite3"
PG_BASE = os.environ.get("EDUDX_BENCH_PG_BASE", "postgres://postgres@127.0.0.1:5432")
PG_SOURCE, PG_TARGET = "edudx_bench_province", "edudx_bench_dashboard"


def prepare(db: str, rebuild: bool, source: Path = SOURCE, pg_source: str = PG_SOURCE) -> str:
    if db == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
            if rebuild:
                conn.execute(f'DROP DATABASE IF EXISTS "{PG_TARGET}"')
            if not conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [PG_TARGET]
            ).fetchone():
                conn.execute(f'CREATE DATABASE "{PG_TARGET}" TEMPLATE "{pg_source}"')
        return f"{PG_BASE}/{PG_TARGET}"
    if not source.exists():
        sys.exit(f"{source} is missing: build the province demo first (see the docstring).")
    if rebuild or not TARGET.exists():
        TARGET.unlink(missing_ok=True)
        src, dst = sqlite3.connect(source), sqlite3.connect(TARGET)
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
    return f"sqlite:///{TARGET}"


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


BASELINE_T09 = """
SELECT COUNT(DISTINCT e.student_id),
       COUNT(DISTINCT CASE WHEN p.personal_id IS NOT NULL AND p.personal_id <> ''
                           THEN e.student_id END)
FROM people_enrolment e
JOIN people_student s ON s.id = e.student_id
JOIN people_person p ON p.id = s.person_id
JOIN org_orgplacement sp ON sp.unit_id = e.school_id
 AND (sp.valid_from IS NULL OR sp.valid_from <= %(day)s)
 AND (sp.valid_to IS NULL OR sp.valid_to > %(day)s)
WHERE e.school_year_id = %(sy)s AND sp.path >= %(lo)s AND sp.path < %(hi)s
"""
BASELINE_T10 = """
SELECT COUNT(DISTINCT m.person_id),
       COUNT(DISTINCT CASE WHEN p.personal_id IS NOT NULL AND p.personal_id <> ''
                           THEN m.person_id END)
FROM people_staffmember m
JOIN people_person p ON p.id = m.person_id
JOIN org_orgplacement sp ON sp.unit_id = m.unit_id
 AND (sp.valid_from IS NULL OR sp.valid_from <= %(day)s)
 AND (sp.valid_to IS NULL OR sp.valid_to > %(day)s)
JOIN org_orgunit u ON u.id = m.unit_id AND u.kind = 'school'
WHERE m.kind = 'teacher' AND (m.start_date IS NULL OR m.start_date <= %(day)s)
  AND (m.end_date IS NULL OR m.end_date > %(day)s)
  AND sp.path >= %(lo)s AND sp.path < %(hi)s
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("-n", "--iterations", type=int, default=200)
    ap.add_argument("--baseline-n", type=int, default=20)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--source", type=Path, default=SOURCE, help="SQLite demo to copy")
    ap.add_argument("--pg-source", default=PG_SOURCE, help="PostgreSQL demo to copy")
    args = ap.parse_args()

    os.environ["EDUDX_DATABASE_URL"] = prepare(args.db, args.rebuild, args.source, args.pg_source)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edudx.settings")
    os.environ.setdefault("EDUDX_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from edudx.accounts.models import User
    from edudx.accounts.tokens import token_create
    from edudx.monitoring.models import IndicatorValue
    from edudx.monitoring.services import indicators_recompute, report_as_of
    from edudx.org.models import OrgUnit, SchoolYear, path_upper
    from edudx.org.selectors import as_of
    from edudx.people.models import Student

    call_command("migrate", verbosity=0)
    students = Student.objects.count()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

    settings.ALLOWED_HOSTS = ["*"]

    year = args.year
    print(f"{args.db}: {students} students; report year {year}", flush=True)
    # (i) recompute
    t0 = time.perf_counter()
    n_values = indicators_recompute(year=year)
    recompute = time.perf_counter() - t0
    print(f"recompute all indicators: {recompute:.1f} s ({n_values} values)", flush=True)

    officer = User.objects.get(username="so_gddt")
    province = OrgUnit.objects.get(pk=officer.role_assignments.get().unit_id)
    day = report_as_of(year)
    place = as_of(day).placement(province)
    sy = SchoolYear.objects.get(code=f"{year}-{year + 1}")
    params = {"day": day, "sy": sy.pk, "lo": place.path, "hi": path_upper(place.path)}

    def baseline():
        out = []
        with connection.cursor() as cur:
            for sql in (BASELINE_T09, BASELINE_T10):
                cur.execute(sql, params)
                out.append(cur.fetchone())
        return out

    (t09_den, t09_num), (t10_den, t10_num) = baseline()
    mine = {
        v.indicator.code: (int(v.numerator), int(v.denominator))
        for v in IndicatorValue.objects.filter(
            unit=province, year=year, indicator__code__in=["T09", "T10"]
        ).select_related("indicator")
    }
    assert mine == {"T09": (t09_num, t09_den), "T10": (t10_num, t10_den)}, (mine, baseline())
    print(f"same numbers: T09 {t09_num}/{t09_den}, T10 {t10_num}/{t10_den}", flush=True)

    page = Client()
    page.force_login(officer)
    device, _c = TOTPDevice.objects.get_or_create(
        user=officer, name="bench", defaults={"confirmed": True}
    )
    session = page.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    _t, raw = token_create(actor=None, user=officer, name="bench-dashboard", scopes=["read"])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    page_url = f"/monitoring/?year={year}"
    api_url = f"/api/v1/monitoring/values?unit={province.pk}&year={year}"
    for client, url in ((page, page_url), (api, api_url)):
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        for _ in range(3):
            client.get(url)

    from django.core.cache import cache

    def cold():
        cache.clear()  # sessions live in the database, not in the cache
        t0 = time.perf_counter()
        page.get(page_url)
        return (time.perf_counter() - t0) * 1000

    a_cold = [cold() for _ in range(max(10, args.iterations // 4))]
    a_page = timed(lambda: page.get(page_url), args.iterations)
    a_api = timed(lambda: api.get(api_url), args.iterations)
    b_sql = timed(baseline, args.baseline_n)
    print()
    print(f"{'case':34}{'p50 ms':>10}{'p95 ms':>10}")
    for name, xs in (
        ("A dashboard page", a_page),
        ("A dashboard page, cache cold", a_cold),
        ("A API /monitoring/values", a_api),
        ("B SQL GROUP BY (T09+T10, raw)", b_sql),
    ):
        print(f"{name:34}{statistics.median(xs):>10.1f}{pct(xs, 0.95):>10.1f}")
    print()
    print(
        f"ratio page/SQL  p50 {statistics.median(a_page) / statistics.median(b_sql):.2f}x"
        f"  p95 {pct(a_page, 0.95) / pct(b_sql, 0.95):.2f}x"
    )
    print(
        f"ratio API/SQL   p50 {statistics.median(a_api) / statistics.median(b_sql):.2f}x"
        f"  p95 {pct(a_api, 0.95) / pct(b_sql, 0.95):.2f}x"
    )
    ok = recompute < 60 and pct(a_page, 0.95) < 100 and pct(a_api, 0.95) < 100
    print(
        f"ratio cold page/SQL p50 {statistics.median(a_cold) / statistics.median(b_sql):.2f}x"
        f"  p95 {pct(a_cold, 0.95) / pct(b_sql, 0.95):.2f}x"
    )
    print(f"targets (recompute < 60 s, page and API p95 < 100 ms): {'met' if ok else 'NOT met'}")
    try:
        load = os.getloadavg()
        print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
