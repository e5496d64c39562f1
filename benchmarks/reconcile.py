"""Bank reconciliation: a 100,000-line statement against 300,000 open invoices.

Side A is the platform's path: `fees.services.statement_import` per school account (ten
schools, one CSV statement each): read the CSV, find the references in the transfer content
(tolerant of case, spaces, diacritics, bank junk and truncation), look them up in bulk,
record every bank line, the payments and their receipts, recompute the invoices, audit and
emit, in one transaction per statement. Side B, the baseline, is plain SQL on the same
database with the references already clean: load the lines into a staging table, one
INSERT … SELECT joining them to the invoices on the reference for the payments, one UPDATE
for the invoices' paid total, status and updated_at (the columns A's refresh writes). B0
is the join alone (SELECT COUNT(*) … JOIN), printed for scale.
Each run is rolled back, so every repeat starts from the same open invoices; medians.

    .venv/bin/python benchmarks/reconcile.py                     # SQLite in a temp folder
    EDUDX_DATABASE_URL=postgres://postgres@127.0.0.1:5432/edudx \\
        .venv/bin/python benchmarks/reconcile.py                 # PostgreSQL

With a PostgreSQL URL the script works in a scratch database next to it
(`<name>_bench_reconcile`, dropped at the end), never in the named one.
Targets: A under 30 s, and A within 3x of B."""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
TMP = tempfile.TemporaryDirectory(prefix="edudx-bench-reconcile-")
os.environ["EDUDX_VAR_DIR"] = TMP.name
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edudx.settings")
os.environ.setdefault("EDUDX_TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")

TARGET_URL = os.environ.get("EDUDX_DATABASE_URL", "")
SCRATCH_PG = None
if TARGET_URL.startswith(("postgres://", "postgresql://")):
    parts = urlsplit(TARGET_URL)
    SCRATCH_PG = (parts.path.lstrip("/") or "edudx") + "_bench_reconcile"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    import psycopg  # noqa: E402

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_PG}"')
        conn.execute(f'CREATE DATABASE "{SCRATCH_PG}"')
    os.environ["EDUDX_DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{SCRATCH_PG}"))
else:
    os.environ["EDUDX_DATABASE_URL"] = f"sqlite:///{TMP.name}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from edudx.fees import references, services  # noqa: E402
from edudx.fees.models import BankAccount, Invoice, InvoiceStatus  # noqa: E402
from edudx.org import services as org_services  # noqa: E402
from edudx.org.models import UnitKind  # noqa: E402
from edudx.people.models import Person, Student  # noqa: E402

SCHOOLS = 10
PERIODS = [f"T{m}" for m in (9, 10, 11, 12, 1, 2, 3, 4, 5, 6)]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "H'Nie"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hằng", "Khánh", "Linh", "Nhung", "Phúc", "Tuyết"]


class Rollback(Exception):
    pass


def build(invoices_n: int, rng: random.Random):
    ministry = org_services.unit_create(actor=None, kind=UnitKind.MINISTRY, name="Bộ GDĐT")
    province = org_services.unit_create(
        actor=None, kind=UnitKind.PROVINCE, name="Tỉnh Lâm Đồng", code="68", parent=ministry
    )
    commune = org_services.unit_create(
        actor=None, kind=UnitKind.COMMUNE, name="Xã Đắk Song", code="24733", parent=province
    )
    year = org_services.school_year_create(
        actor=None, code="2025-2026", start_date=dt.date(2025, 9, 5), end_date=dt.date(2026, 5, 31)
    )
    schools, accounts = [], []
    for i in range(SCHOOLS):
        school = org_services.school_create(
            actor=None,
            name=f"Trường THCS số {i + 1}",
            code=f"680000{i + 10}",
            parent=commune,
            level="lower_secondary",
        ).unit
        schools.append(school)
        accounts.append(
            BankAccount.objects.create(
                school=school,
                code=f"bench-{i}",
                bank_bin="970436",
                bank_name="Vietcombank",
                account_number=f"10{i:08d}",
                account_name=f"TRUONG THCS SO {i + 1}",
            )
        )
    n_students = invoices_n // len(PERIODS)
    persons = [
        Person(
            full_name=f"{FAMILY[i % 10]} Văn {GIVEN[(i // 10) % 10]}",
            search_name=f"{FAMILY[i % 10]} van {GIVEN[(i // 10) % 10]}".lower(),
            date_of_birth=dt.date(2012, 1, 1) + dt.timedelta(days=i % 365),
            sex="M",
        )
        for i in range(n_students)
    ]
    Person.objects.bulk_create(persons, batch_size=2000)
    students = [
        Student(
            person=p,
            current_school=schools[i % SCHOOLS],
            search_name=p.search_name,
            status="studying",
        )
        for i, p in enumerate(persons)
    ]
    Student.objects.bulk_create(students, batch_size=2000)
    refs = references.random_references(n_students * len(PERIODS), rng=rng)
    rows = []
    k = 0
    for s in students:
        for period in PERIODS:
            total = rng.choice((450_000, 650_000, 900_000, 1_250_000))
            rows.append(
                Invoice(
                    reference=refs[k],
                    student_id=s.pk,
                    school_id=s.current_school_id,
                    school_year=year,
                    period=period,
                    title=f"Học phí {period}",
                    total=total,
                )
            )
            k += 1
            if len(rows) == 5000:
                Invoice.objects.bulk_create(rows)
                rows = []
    Invoice.objects.bulk_create(rows)
    return accounts


def statement(accounts, lines_n: int, rng: random.Random):
    """Per account: CSV bytes, and the clean (transaction id, amount, reference) rows."""
    invoices = list(Invoice.objects.values_list("reference", "school_id", "total"))
    rng.shuffle(invoices)
    by_school = {a.school_id: a for a in accounts}
    files: dict[int, list[str]] = {a.pk: [] for a in accounts}
    clean: list[tuple[str, int, int, str]] = []
    kinds = {"clean": 0, "mangled": 0, "truncated": 0, "none": 0, "two": 0}
    for i in range(lines_n):
        ref, school_id, total = invoices[i]
        account = by_school[school_id]
        amount = total if rng.random() < 0.9 else total // 2
        r = rng.random()
        if r < 0.70:
            kind, content = "clean", f"{ref} HOC PHI {rng.choice(GIVEN).upper()}"
        elif r < 0.87:
            kind = "mangled"
            content = (
                f"MBVCB.{rng.randrange(10**7)}.{ref[:2].lower()} {ref[2:6]} {ref[6:]}"
                f".CT tu 09{rng.randrange(10**8):08d} Đóng học phí"
            )
        elif r < 0.92:
            kind, content = "truncated", f"CHUYEN TIEN HOC PHI CHO CON {ref[:8]}"
            amount = total
        elif r < 0.97:
            kind, content = "none", f"ung ho quy lop {rng.randrange(100)}"
        else:
            other = invoices[(i + lines_n) % len(invoices)][0]
            kind, content = "two", f"{ref} {other}"
        kinds[kind] += 1
        txn = f"FT25{i:09d}"
        files[account.pk].append(f"06/10/2025 09:{i % 60:02d}:00,{txn},{content},{amount}")
        clean.append((txn, account.pk, amount, ref))
    header = "SAO KÊ TÀI KHOẢN\nNgày giao dịch,Số tham chiếu,Nội dung,Số tiền ghi có\n"
    csvs = {pk: (header + "\n".join(rows) + "\n").encode() for pk, rows in files.items()}
    return csvs, clean, kinds


def side_a(accounts, csvs) -> tuple[float, dict]:
    counts = {"matched": 0, "unmatched": 0}
    t0 = time.perf_counter()
    try:
        with transaction.atomic():
            for a in accounts:
                stmt = services.statement_import(
                    actor=None, bank_account=a, file_name=f"{a.code}.csv", content=csvs[a.pk]
                )
                counts["matched"] += stmt.lines_matched
                counts["unmatched"] += stmt.lines_unmatched
            elapsed = time.perf_counter() - t0
            raise Rollback
    except Rollback:
        pass
    return elapsed, counts


def side_b(clean) -> tuple[float, float, int]:
    """Plain SQL with clean references: staging insert, join insert, invoice update."""
    pg = connection.vendor == "postgresql"
    t0 = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "CREATE TEMP TABLE stage (txn varchar(64), account_id int, amount bigint, "
                "ref varchar(10))"
            )
            if pg:  # the same loading path as the platform's on PostgreSQL: COPY
                with cur.cursor.copy("COPY stage FROM STDIN") as copy:
                    for row in clean:
                        copy.write_row(row)
            else:
                cur.executemany("INSERT INTO stage VALUES (%s, %s, %s, %s)", clean)
            t_join = time.perf_counter()
            cur.execute("SELECT COUNT(*) FROM stage s JOIN fees_invoice i ON i.reference = s.ref")
            joined = cur.fetchone()[0]
            join_s = time.perf_counter() - t_join
            cur.execute(
                "INSERT INTO fees_payment (invoice_id, amount, method, received_at, note, "
                "created_at) SELECT i.id, s.amount, 'transfer', %s, s.txn, %s "
                "FROM stage s JOIN fees_invoice i ON i.reference = s.ref",
                [dt.datetime.now(dt.UTC), dt.datetime.now(dt.UTC)],
            )
            number = "'BL' || lpad(id::text, 10, '0')" if pg else "'BL' || printf('%%010d', id)"
            cur.execute(
                f"INSERT INTO fees_receipt (payment_id, number, issued_at) "  # noqa: S608
                f"SELECT id, {number}, created_at FROM fees_payment",
                [],
            )
            # The same columns as A's refresh: paid, status from it, updated_at.
            cur.execute(
                "UPDATE fees_invoice SET paid = t.paid, updated_at = %s, status = CASE "
                "WHEN t.paid > fees_invoice.total THEN 'overpaid' "
                "WHEN t.paid = fees_invoice.total THEN 'paid' "
                "WHEN t.paid > 0 THEN 'partial' ELSE 'open' END "
                "FROM (SELECT p.invoice_id, SUM(p.amount) AS paid FROM fees_payment p "
                "WHERE p.invoice_id IN "
                "(SELECT i.id FROM stage s JOIN fees_invoice i ON i.reference = s.ref) "
                "GROUP BY p.invoice_id) t WHERE fees_invoice.id = t.invoice_id",
                [connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            elapsed = time.perf_counter() - t0
            if pg:
                cur.execute("DROP TABLE stage")
            raise Rollback
    except Rollback:
        pass
    if not pg:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS temp.stage")
    return elapsed, join_s, joined


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument(
        "--profile", action="store_true", help="Run A once under cProfile and print the top 30."
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 — reproducible data, not secrets
    engine = "PostgreSQL" if SCRATCH_PG else "SQLite"
    print(f"Database: {engine} (scratch{': ' + SCRATCH_PG if SCRATCH_PG else ''})")
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    accounts = build(args.invoices, rng)
    csvs, clean, kinds = statement(accounts, args.lines, rng)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    print(
        f"Built {Invoice.objects.count():,} open invoices in {SCHOOLS} schools and a "
        f"{len(clean):,}-line statement ({kinds}) in {time.perf_counter() - t0:.1f} s"
    )
    if args.profile:
        import cProfile  # noqa: PLC0415
        import pstats  # noqa: PLC0415

        profiler = cProfile.Profile()
        profiler.enable()
        side_a(accounts, csvs)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        pstats.Stats(profiler).print_callers("execute|fetchall")
        return
    a_times, b_times, b0_times = [], [], []
    counts = {}
    for r in range(args.repeat):
        b, b0, joined = side_b(clean)
        a, counts = side_a(accounts, csvs)
        b_times.append(b)
        b0_times.append(b0)
        a_times.append(a)
        print(f"  run {r + 1}: A {a:.2f} s · B {b:.2f} s · B0 {b0:.3f} s (join rows {joined:,})")
    assert Invoice.objects.exclude(status=InvoiceStatus.OPEN).count() == 0  # rolled back
    a, b, b0 = (statistics.median(x) for x in (a_times, b_times, b0_times))
    n = len(clean)
    print(
        f"A platform (statement_import: parse, match, record, receipts): {a:.2f} s, "
        f"{n / a:,.0f} lines/s; matched {counts['matched']:,}, queued {counts['unmatched']:,}"
    )
    print(
        "B baseline (plain SQL, clean references: stage lines, join-insert payments, "
        f"receipts, update invoices): {b:.2f} s, "
        f"{n / b:,.0f} lines/s"
    )
    print(f"B0 join alone: {b0:.3f} s")
    print(
        f"Ratio A/B: {a / b:.2f}x (target ≤ 3x) · A/B0: {a / b0:.0f}x · "
        f"A under 30 s: {'yes' if a < 30 else 'NO'}"
    )


if __name__ == "__main__":
    try:
        main()
    finally:
        if SCRATCH_PG:
            from django.db import connections  # noqa: PLC0415

            connections.close_all()
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_PG}"')
