"""Bulk import: the import service against the fastest raw load, side by side.

Loads the same N students (default 100,000)
  (i)   through people.bulk.students_import — validation with services.person_clean,
        duplicate checks against the database, Person + Student + Enrolment rows, one
        hash-chained audit entry per created record, one outbox event — from rows as the
        CSV parser hands them over (text values);
  (ii)  with the fastest raw load the database offers: PostgreSQL COPY, SQLite executemany
        in one transaction, of the same students as eight-column rows into a bare table;
  (ii') for reference, not the target: the same fastest load into the platform's real
        people_person table (16 columns, all its indexes and constraints, no validation, no
        audit, no student or enrolment rows), to show what the table alone costs;
  (ii'') for reference, not the target (PostgreSQL): the very rows the service stored in
        its run — people_person, people_student, people_enrolment and the audit events,
        read back with COPY TO — loaded again with COPY FROM in one transaction into the
        same tables (same indexes, same deferred foreign-key checks): the database's own
        cost of what one import stores, with no Python work at all, i.e. the ceiling of any
        service that stores the same rows;
  (iii) (with --file) through exchange.services.import_upload from the CSV bytes, i.e.
        (i) plus decoding and parsing the file;
each --repeat times on a fresh throwaway database (a temporary SQLite file, or a
PostgreSQL database created and dropped by this script), and prints the median rows/s and
the ratio service / raw. Target: (i) reaches at least 25% of (ii) on PostgreSQL.

    .venv/bin/python benchmarks/bulk_import.py --db postgres --rows 100000
    .venv/bin/python benchmarks/bulk_import.py --db sqlite --rows 100000
"""

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

RAW_COLUMNS = (
    "full_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "personal_id",
    "moet_id",
    "commune_code",
    "class_name",
)
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Đức", "Thu", "Quang", "Bảo"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hương", "Khánh", "Lan", "Ước"]
ETHNIC = ["Kinh", "Kinh", "Kinh", "Ê-đê", "Mnông", "Tày", "Nùng", "Mông", "12", "20"]


class _PhaseHandler(logging.Handler):
    def emit(self, record):
        if record.msg == "people.bulk.phases":
            print(f"    phases (s): {record.phases}")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument(
        "--pg-url",
        default=os.environ.get("EDUDX_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server where this script may create and drop a database",
    )
    p.add_argument("--file", action="store_true", help="also time the full CSV upload path")
    p.add_argument("--profile", action="store_true", help="cProfile one service run")
    return p.parse_args()


def setup_database(args, tmp: Path) -> str:
    os.environ["EDUDX_VAR_DIR"] = str(tmp)
    os.environ["EDUDX_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    if args.db == "sqlite":
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    else:
        import psycopg

        name = f"edudx_bench_{os.getpid()}"
        with psycopg.connect(args.pg_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = args.pg_url.rsplit("/", 1)[0] + f"/{name}"
    os.environ["EDUDX_DATABASE_URL"] = url
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edudx.settings")
    django.setup()
    from django.core.management import call_command

    logging.getLogger("edudx.people.bulk").setLevel(logging.INFO)
    logging.getLogger("edudx.people.bulk").addHandler(_PhaseHandler())

    call_command("migrate", verbosity=0)
    return url


def drop_database(args, url: str) -> None:
    if args.db != "postgres":
        return
    import psycopg
    from django.db import connections

    connections.close_all()
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(args.pg_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_org():
    from edudx.org import services as org

    ministry = org.unit_create(actor=None, kind="ministry", name="Bộ Giáo dục và Đào tạo")
    province = org.unit_create(
        actor=None, kind="province", name="Tỉnh Lâm Đồng", code="68", parent=ministry
    )
    communes = [
        org.unit_create(
            actor=None, kind="commune", name=f"Xã {i}", code=f"{24700 + i}", parent=province
        )
        for i in range(10)
    ]
    school = org.school_create(
        actor=None,
        name="Trường THCS Bench",
        code="68000001",
        parent=communes[0],
        level="lower_secondary",
    ).unit
    year = org.school_year_create(
        actor=None, code="2025-2026", start_date=dt.date(2025, 9, 5), end_date=dt.date(2026, 5, 31)
    )
    classes = [
        org.class_create(
            actor=None,
            school=school,
            school_year_code="2025-2026",
            name=f"{6 + i % 4}A{i}",
            grade_number=6 + i % 4,
        ).name
        for i in range(40)
    ]
    return school, year, [c.code for c in communes], classes


def make_rows(n: int, communes: list[str], classes: list[str]) -> list[dict]:
    """Deterministic students with structurally valid, unique IDs."""
    from edudx.core.validators import personal_id_digit

    rows = []
    for i in range(n):
        sex = "M" if i % 2 == 0 else "F"
        dob = dt.date(2010, 1, 1) + dt.timedelta(days=i % 1460)
        name = f"{SURNAMES[i % 11]} {MIDDLE[(i // 11) % 10]} {GIVEN[(i // 110) % 11]}"
        rows.append(
            {
                "row": i + 2,
                "full_name": name,
                "date_of_birth": dob.strftime("%d/%m/%Y"),
                "sex": "Nam" if sex == "M" else "Nữ",
                "ethnicity": ETHNIC[i % 10],
                "personal_id": f"068{personal_id_digit(dob.year, sex)}{dob.year % 100:02d}{i:06d}",
                "moet_id": f"{6800000000 + i}",
                "commune": communes[i % len(communes)],
                "class_group": classes[i % len(classes)],
            }
        )
    return rows


def raw_tuples(rows: list[dict]) -> list[tuple]:
    out = []
    for r in rows:
        d, m, y = r["date_of_birth"].split("/")
        out.append(
            (
                r["full_name"],
                f"{y}-{m}-{d}",
                "M" if r["sex"] == "Nam" else "F",
                r["ethnicity"][:2],
                r["personal_id"],
                r["moet_id"],
                r["commune"],
                r["class_group"],
            )
        )
    return out


def reset_people() -> None:
    from django.db import connection

    tables = ["people_enrolment", "people_student", "people_person", "bench_raw_student"]
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for t in tables:
                c.execute(f"DELETE FROM {t}")
        c.execute("DELETE FROM core_outboxevent")


def raw_load(data: list[tuple]) -> float:
    from django.db import connection, transaction

    cols = ", ".join(RAW_COLUMNS)
    c0 = _cpu()
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as c:
        if connection.vendor == "postgresql":
            with c.cursor.copy(f"COPY bench_raw_student ({cols}) FROM STDIN") as copy:
                for r in data:
                    copy.write_row(r)
        else:
            marks = ", ".join(["%s"] * len(RAW_COLUMNS))
            c.executemany(f"INSERT INTO bench_raw_student ({cols}) VALUES ({marks})", data)
    elapsed = time.perf_counter() - t0
    _cpu_done("raw", c0)
    return elapsed


def person_table_load(data: list[tuple]) -> float:
    """Reference (ii'): the raw rows into people_person itself, committed."""
    import uuid

    from django.db import connection, transaction

    from edudx.org.models import OrgUnit
    from edudx.people.bulk import _PERSON_COLUMNS
    from edudx.people.models import Person

    communes = dict(OrgUnit.objects.filter(kind="commune").values_list("code", "id"))
    now = dt.datetime.now(dt.UTC)
    rows = [
        (i + 1, uuid.UUID(int=i + 1), now, now, r[0], r[0].lower(), r[1], r[2], "01")
        + (communes[r[6]], "", r[4], r[5], "", "", None)
        for i, r in enumerate(data)
    ]
    table = Person._meta.db_table
    cols = ", ".join(_PERSON_COLUMNS)
    c0 = _cpu()
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as c:
        if connection.vendor == "postgresql":
            with c.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            marks = ", ".join(["%s"] * len(_PERSON_COLUMNS))
            c.executemany(
                f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                [(r[0], r[1].hex, str(r[2]), str(r[3]), *r[4:]) for r in rows],
            )
    elapsed = time.perf_counter() - t0
    _cpu_done("person_table", c0)
    return elapsed


KINDS = ("service", "raw", "person_table", "same_rows", "file")
CPU: dict[str, list[float]] = {k: [] for k in KINDS}
SERVER_CPU: dict[str, list[float]] = {k: [] for k in KINDS}
STORED_TABLES = ("people_person", "people_student", "people_enrolment", "audit_auditevent")


def capture_stored(audit_from: int) -> dict[str, bytes]:
    """What the service just stored, as COPY text per table (audit: this run's events)."""
    from django.db import connection

    out = {}
    with connection.cursor() as c:
        for table in STORED_TABLES:
            where = f" WHERE id > {audit_from}" if table == "audit_auditevent" else ""
            buf = bytearray()
            query = f"COPY (SELECT * FROM {table}{where} ORDER BY id) TO STDOUT"  # noqa: S608
            with c.cursor.copy(query) as copy:
                for block in copy:
                    buf += block
            out[table] = bytes(buf)
    return out


def audit_top() -> int:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT COALESCE(MAX(id), 0) FROM audit_auditevent")
        return c.fetchone()[0]


def drop_audit_after(audit_from: int) -> None:
    """The bench's own clean-up of its audit rows (the app never deletes them)."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("DELETE FROM audit_auditevent WHERE id > %s", [audit_from])


def same_rows_load(stored: dict[str, bytes]) -> float:
    """Reference (ii''): the service's stored rows, COPYed back in one transaction."""
    from django.db import connection, transaction

    c0 = _cpu()
    t0 = time.perf_counter()
    phases = {}
    with transaction.atomic(), connection.cursor() as c:
        for table in STORED_TABLES:
            t = time.perf_counter()
            with c.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                copy.write(stored[table])
            phases[table] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
    phases["commit (deferred foreign-key checks)"] = round(time.perf_counter() - t, 2)
    elapsed = time.perf_counter() - t0
    _cpu_done("same_rows", c0)
    print(f"    same rows, seconds per table: {phases}")
    return elapsed


def _backend_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend (same machine: /proc), or None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()")
        pid = c.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu() -> tuple[float, float | None]:
    return time.process_time(), _backend_cpu()


def _cpu_done(kind: str, c0: tuple[float, float | None]) -> None:
    CPU[kind].append(time.process_time() - c0[0])
    server = _backend_cpu()
    if server is not None and c0[1] is not None:
        SERVER_CPU[kind].append(server - c0[1])


def service_load(rows, school, year) -> float:
    from edudx.people.bulk import students_import

    c0 = _cpu()
    t0 = time.perf_counter()
    result = students_import(
        actor=None, rows=rows, school=school, school_year=year, today=dt.date(2025, 10, 1)
    )
    elapsed = time.perf_counter() - t0
    _cpu_done("service", c0)
    assert result.created == len(rows), result
    return elapsed


def file_load(content: bytes, school, year) -> float:
    from edudx.accounts.models import User
    from edudx.exchange.services import import_upload

    actor = User.objects.filter(username="bench").first() or User.objects.create_superuser(
        "bench", password=None
    )
    c0 = _cpu()
    t0 = time.perf_counter()
    outcome = import_upload(
        actor=actor,
        kind="students",
        file_name="bench.csv",
        content=content,
        school=school,
        school_year=year,
        today=dt.date(2025, 10, 1),
    )
    elapsed = time.perf_counter() - t0
    _cpu_done("file", c0)
    assert outcome.batch.status == "succeeded", outcome.batch.errors[:5]
    return elapsed


def csv_content(rows) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        ["Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "CCCD", "Mã HS Bộ", "Mã xã", "Lớp"]
    )
    for r in rows:
        w.writerow(
            [
                r["full_name"],
                r["date_of_birth"],
                r["sex"],
                r["ethnicity"],
                r["personal_id"],
                r["moet_id"],
                r["commune"],
                r["class_group"],
            ]
        )
    return buf.getvalue().encode("utf-8-sig")


def main() -> None:
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="edudx-bench-"))
    url = setup_database(args, tmp)
    try:
        from django.db import connection

        with connection.cursor() as c:
            c.execute(
                "CREATE TABLE bench_raw_student (full_name varchar(200), date_of_birth date,"
                " sex varchar(1), ethnicity varchar(2), personal_id varchar(12),"
                " moet_id varchar(10), commune_code varchar(5), class_name varchar(50))"
            )
        school, year, communes, classes = build_org()
        rows = make_rows(args.rows, communes, classes)
        data = raw_tuples(rows)
        content = csv_content(rows) if args.file else b""
        if args.profile:
            import cProfile
            import pstats

            reset_people()
            prof = cProfile.Profile()
            prof.enable()
            service_load(rows, school, year)
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
            pstats.Stats(prof).sort_stats("tottime").print_stats(25)
            return
        times = {k: [] for k in KINDS}
        load_start = os.getloadavg()
        for _ in range(args.repeat):
            reset_people()
            times["raw"].append(raw_load(data))
            reset_people()
            times["person_table"].append(person_table_load(data))
            reset_people()
            audit_from = audit_top()
            times["service"].append(service_load(rows, school, year))
            if args.db == "postgres":
                stored = capture_stored(audit_from)
                reset_people()
                drop_audit_after(audit_from)
                times["same_rows"].append(same_rows_load(stored))
                del stored
            if args.file:
                reset_people()
                from edudx.exchange.models import ImportBatch

                ImportBatch.objects.all().delete()
                times["file"].append(file_load(content, school, year))
        n = args.rows
        med = {k: statistics.median(v) for k, v in times.items() if v}
        rate = {k: n / v for k, v in med.items()}
        print(f"bulk import, {n} students, {args.db}, median of {args.repeat}")
        print(
            f"  raw load ({'COPY' if args.db == 'postgres' else 'executemany'}, 8 columns):"
            f" {rate['raw']:>10,.0f} rows/s  ({med['raw']:.2f} s)"
        )
        print(
            f"  reference, not the target: same load into people_person (all indexes):"
            f" {rate['person_table']:>10,.0f} rows/s  ({med['person_table']:.2f} s)"
        )
        if "same_rows" in rate:
            print(
                f"  reference, not the target: the service's stored rows (4 tables, audit)"
                f" COPYed back: {rate['same_rows']:>10,.0f} rows/s  ({med['same_rows']:.2f} s)"
            )
        print(
            f"  import service (validation, duplicates, 3 tables, audit):"
            f" {rate['service']:>10,.0f} rows/s  ({med['service']:.2f} s)"
        )
        if "file" in rate:
            print(
                f"  CSV upload (decode, parse + service):"
                f" {rate['file']:>10,.0f} rows/s  ({med['file']:.2f} s)"
            )
        print(f"  ratio service / raw: {rate['service'] / rate['raw']:.1%}")
        if "same_rows" in rate:
            print(
                f"  ratio service / the same rows COPYed back:"
                f" {rate['service'] / rate['same_rows']:.1%};"
                f" same rows / raw: {rate['same_rows'] / rate['raw']:.1%}"
            )
        for k, v in times.items():
            if v:
                print(
                    f"  {k} runs, wall (s): {', '.join(f'{t:.2f}' for t in v)};"
                    f" this process's CPU (s): {', '.join(f'{t:.2f}' for t in CPU[k])}"
                    + (
                        f"; PostgreSQL backend CPU (s):"
                        f" {', '.join(f'{t:.2f}' for t in SERVER_CPU[k])}"
                        if SERVER_CPU[k]
                        else ""
                    )
                )
        print(
            f"  load average at the start: {', '.join(f'{x:.1f}' for x in load_start)};"
            f" at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}"
            f" on {os.cpu_count()} CPUs"
        )
    finally:
        drop_database(args, url)


if __name__ == "__main__":
    main()
