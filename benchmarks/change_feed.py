"""Change feed: a full sync of a unit's students through GET /api/v1/students/changes,
page by page (1,000 per page) with the cursor. Side A is the platform's path through
django.test.Client with a read-only API token (auth, scope, keyset selector, the audit event
each page writes, JSON). Side B is the keyset SQL a DBA would write for the same pages on
the same indexes (student_changed; the scope as current school or any enrolment in the
unit's subtree, or a merged-away duplicate whose survivor was enrolled there), rows fetched
as tuples. Both sides must return the same ids in the same
order. Prints the median and max ms per page for each and the ratio A/B of the medians.

    .venv/bin/python benchmarks/change_feed.py                      # var/edudx.sqlite3 (make demo)
    .venv/bin/python benchmarks/change_feed.py --url postgres://postgres@127.0.0.1:5432/edudx_feed

The database is migrated and, when empty, given the district demo (`edudx demo`)."""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = 1000
USERS = ("so_gddt", "phong_gddt", "hieu_truong")


def prepare(url: str) -> None:
    if url.startswith("postgres"):
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "EDUDX_DATABASE_URL": url}
    edudx = [sys.executable, "-m", "edudx.cli"]
    # Our own CLI with fixed arguments.
    subprocess.run([*edudx, "migrate", "-v", "0"], check=True, env=env, cwd=ROOT)  # noqa: S603
    subprocess.run([*edudx, "demo", "--if-empty"], check=True, env=env, cwd=ROOT)  # noqa: S603


SQL = """
SELECT s.id, s.updated_at, s.source_id, s.student_code, s.status, s.current_school_id,
       s.current_class_id, p.source_id, p.full_name, p.date_of_birth, p.sex, p.ethnicity,
       p.commune_id, p.address, p.personal_id, p.moet_id, p.phone, p.email, p.updated_at,
       survivor.source_id
FROM people_student s JOIN people_person p ON p.id = s.person_id
LEFT JOIN people_student survivor ON survivor.person_id = p.merged_into_id
WHERE (s.current_school_id IN (SELECT id FROM org_orgunit WHERE path >= %s AND path < %s)
       OR EXISTS (SELECT 1 FROM people_enrolment e WHERE e.student_id = s.id AND e.school_id IN
                  (SELECT id FROM org_orgunit WHERE path >= %s AND path < %s))
       OR (p.merged_into_id IS NOT NULL AND EXISTS (
             SELECT 1 FROM people_enrolment e JOIN people_student es ON es.id = e.student_id
             WHERE es.person_id = p.merged_into_id AND e.school_id IN
                   (SELECT id FROM org_orgunit WHERE path >= %s AND path < %s))))
  AND (s.updated_at > %s OR (s.updated_at = %s AND s.id > %s))
ORDER BY s.updated_at, s.id
LIMIT %s
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=f"sqlite:///{ROOT / 'var' / 'edudx.sqlite3'}")
    parser.add_argument("--repeat", type=int, default=3, help="full syncs per side and user")
    args = parser.parse_args()
    prepare(args.url)
    os.environ["EDUDX_DATABASE_URL"] = args.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edudx.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import datetime as dt

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from edudx.accounts.models import User
    from edudx.accounts.tokens import token_create
    from edudx.core.scope import scope_of
    from edudx.org.models import path_upper

    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    print(f"{connection.vendor}, {PAGE} per page, {args.repeat} full syncs per side")
    print(f"{'user':12} {'rows':>6} {'pages':>5}  A median/max ms  B median/max ms  A/B")
    for username in USERS:
        user = User.objects.get(username=username)
        _t, raw = token_create(actor=None, user=user, name="bench", scopes=("read",))
        client = Client(headers={"Authorization": f"Bearer {raw}"})
        (path,) = scope_of(user).unit_paths
        a_times, b_times, a_ids, b_ids = [], [], [], []
        for _ in range(args.repeat):
            params, a_ids = {"limit": PAGE}, []
            while True:
                t = time.perf_counter()
                body = client.get("/api/v1/students/changes", params).json()
                a_times.append((time.perf_counter() - t) * 1000)
                a_ids += [i["id"] for i in body["items"]]
                if not body["more"]:
                    break
                params = {"limit": PAGE, **body["cursor"]}
            since, after, b_ids = epoch, 0, []
            while True:
                t = time.perf_counter()
                with connection.cursor() as c:
                    c.execute(
                        SQL,
                        [*(path, path_upper(path)) * 3, since, since, after, PAGE],
                    )
                    rows = c.fetchall()
                b_times.append((time.perf_counter() - t) * 1000)
                b_ids += [r[0] for r in rows]
                if len(rows) < PAGE:
                    break
                since, after = rows[-1][1], rows[-1][0]
                if isinstance(since, str):  # SQLite hands the text back
                    since = dt.datetime.fromisoformat(since)
        assert a_ids == b_ids, f"{username}: the sides disagree"
        a, b = statistics.median(a_times), statistics.median(b_times)
        pages = len(a_times) // args.repeat
        print(
            f"{username:12} {len(a_ids):>6} {pages:>5}  {a:7.1f} / {max(a_times):6.1f}"
            f"  {b:7.1f} / {max(b_times):6.1f}  {a / b:4.2f}x"
        )


if __name__ == "__main__":
    main()
