"""Exam spike: N students released at the same instant into one 40-question online test.

Side A, the platform, end to end: the real server (granian, `edudx.wsgi:application`,
several workers) on PostgreSQL, driven by a separate load process (a minimal HTTP/1.1
keep-alive client on asyncio streams, one connection per student, open arrivals). Before
t0 each student opens the test page (`GET /api/v1/exams/my/attempts`, the ordinary Django
path) and gets its signed start ticket; while waiting it asks the live clock every 20 s as
the page does (keeping its connection open); at t0 every student POSTs the live start
(`/exams/live/<attempt>/start`), then for each of the 40 questions waits a compressed think
time and PUTs the answer with the attempt token (autosave, one request per answer with its
sequence number), then POSTs submit. Printed: p50/p95/p99 of the ticket (before t0), start,
autosave and submit, the error rate, the offered and achieved answer rates, the load
generator's CPU, and afterwards the database check that every answer the server
acknowledged is stored (same or newer seq). Targets (issue 8, 2-core machine, server +
database + load generator together): start p95 < 2 s, autosave p95 < 300 ms, zero
acknowledged answers lost.

Side B, in one process on the same database, without HTTP: the platform's autosave write
(one guarded upsert of one row) against the common baseline, read-modify-write of the
attempt's whole answer sheet as one JSON document under a row lock; medians and their ratio.
Side C, in one process: one autosave through the WSGI application by the ordinary API and by
the live path (median wall and CPU time per request).

    .venv/bin/python benchmarks/exam_spike.py --students 5000 --think 5.0

The database edudx_exam_spike on EDUDX_BENCH_PG (default postgres://postgres@127.0.0.1:5432)
is dropped and created afresh. Setup (students, tokens, bank, paper, test) is outside the
timings."""

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rawhttp import Conn  # benchmarks/ is the script's directory
from rawhttp import run as rawhttp_run

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("EDUDX_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "edudx_exam_spike"
DB_URL = f"{PG}/{DB_NAME}"


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


# --- the load process -------------------------------------------------------------------------
# One keep-alive connection per student (a browser keeps one open to the site).


_QV = re.compile(rb'"qv": (\d+)')
_PAPER = b', "paper": '


def _start_state(payload: bytes) -> dict:
    """The start answer as the load process needs it: the state (token) and the paper's
    question ids in order. The whole body is received; only the small state head is
    decoded as JSON and the 40 ids are read by a regular expression, which on this machine
    costs ~20 µs instead of ~120-200 µs for decoding the ~19 KB paper — CPU the load process
    would otherwise take from the server during the start burst (a student's browser
    decodes it on the student's own device). The paper's shape is still checked: 40 ids,
    each once, and the body ends the JSON object."""
    cut = payload.index(_PAPER)
    state = json.loads(payload[:cut] + b"}")
    qvs = [int(x) for x in _QV.findall(payload, cut)]
    if len(qvs) != 40 or len(set(qvs)) != 40 or not payload.endswith(b"}"):
        raise ValueError(f"start answer without a whole 40-question paper: {payload[:200]!r}")
    state["qvs"] = qvs
    return state


async def _student(
    conn: Conn, plan: dict, think: float, rng: random.Random, out: dict, go: asyncio.Event
) -> None:
    device = f"bench-device-{plan['attempt']}"
    base = f"/exams/live/{plan['attempt']}"

    async def call(
        kind: str, method: str, url: str, headers: dict, body: dict | None = None, parse=json.loads
    ):
        raw = json.dumps(body).encode() if body is not None else b""
        t = time.perf_counter()
        try:
            status, payload = await conn.request(method, url, headers, raw)
        except (OSError, asyncio.IncompleteReadError) as exc:
            out["errors"].append([kind, type(exc).__name__])
            return None
        out[kind].append(time.perf_counter() - t)
        if status != 200:
            out["errors"].append([kind, status])
            return None
        return parse(payload)

    # Before the window: the student signs in and opens the test page, which carries the
    # signed start ticket (the ordinary Django path, bearer token here).
    async with out["waiting_room"]:
        mine = await call(
            "ticket",
            "GET",
            "/api/v1/exams/my/attempts",
            {"Authorization": f"Bearer {plan['token']}"},
        )
    if mine is None:
        await go.wait()
        return
    ticket = next(x["ticket"] for x in mine if x["attempt"] == plan["attempt"])
    # The waiting room: the page asks the server's clock every 20 s until the window opens
    # (which also keeps its connection open: the server closes one idle for 30 s).
    while not go.is_set():
        try:
            await asyncio.wait_for(go.wait(), timeout=20)
        except TimeoutError:
            await call("clock", "GET", f"{base}/clock", {"X-Exam-Ticket": ticket})
    # t0: everyone presses "start" at once
    state = await call(
        "start",
        "POST",
        f"{base}/start",
        {"X-Exam-Ticket": ticket, "X-Device-Token": device},
        parse=_start_state,
    )
    if state is None:
        return
    headers = {"X-Attempt-Token": state["token"], "X-Device-Token": device}
    for seq, qv in enumerate(state["qvs"], start=1):
        await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
        answer = rng.choice(["a", "b", "c", "d"])
        body = await call(
            "autosave",
            "PUT",
            f"{base}/answers/{qv}",
            headers,
            {"response": answer, "seq": seq},
        )
        if body is not None:
            out["acked"].append([plan["attempt"], body["position"], seq, answer])
            out["acked_at"].append(time.perf_counter())
    await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
    await call("submit", "POST", f"{base}/submit", headers)
    conn.close()


async def _load(base_url: str, plans: list[dict], think: float, seed: int) -> dict:
    host, port = base_url.removeprefix("http://").split(":")
    out: dict = {
        "ticket": [],
        "clock": [],
        "start": [],
        "autosave": [],
        "submit": [],
        "errors": [],
        "acked": [],
        "acked_at": [],
        "waiting_room": asyncio.Semaphore(32),
    }
    go = asyncio.Event()
    tasks = [
        asyncio.create_task(
            _student(Conn(host, int(port)), p, think, random.Random(seed + i), out, go)  # noqa: S311
        )
        for i, p in enumerate(plans)
    ]
    # Wait until every student has the test page (its ticket), then release them together.
    while len(out["ticket"]) + sum(1 for k, _ in out["errors"] if k == "ticket") < len(plans):
        await asyncio.sleep(0.05)
    cpu0 = time.process_time()
    opened0 = Conn.opened
    t0 = time.perf_counter()
    go.set()
    await asyncio.gather(*tasks)
    out["wall"] = time.perf_counter() - t0
    out["load_cpu"] = time.process_time() - cpu0
    out["reconnects"] = Conn.opened - opened0
    out["acked_at"] = [t - t0 for t in out["acked_at"]]
    del out["waiting_room"]
    return out


def load_main(args) -> None:
    plans = json.loads(Path(args.plan).read_text())
    result = rawhttp_run(_load(args.base, plans, args.think, args.seed))
    Path(args.out).write_text(json.dumps(result))


# --- setup, server, check -----------------------------------------------------------------------


def _fresh_database() -> None:
    import psycopg  # noqa: PLC0415

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def _setup_django(tmp: str) -> None:
    os.environ["EDUDX_DATABASE_URL"] = DB_URL
    os.environ["EDUDX_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edudx.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django  # noqa: PLC0415

    django.setup()


def build(n: int) -> tuple[list[dict], object]:
    """A school, a class of n students (each with an API token), a teacher, a 40-question
    bank, a paper in 4 versions and a test open now."""
    import datetime as dt  # noqa: PLC0415
    import secrets  # noqa: PLC0415

    from django.core.management import call_command  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from edudx.accounts.models import ApiToken, Role, RoleAssignment, User  # noqa: PLC0415
    from edudx.exams import services  # noqa: PLC0415
    from edudx.org import services as org_services  # noqa: PLC0415
    from edudx.org.models import UnitKind  # noqa: PLC0415
    from edudx.people import services as people_services  # noqa: PLC0415
    from edudx.people.models import Person, Student  # noqa: PLC0415
    from edudx.people.services import PersonData  # noqa: PLC0415
    from edudx.records.models import Subject  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    ministry = org_services.unit_create(
        actor=None, kind=UnitKind.MINISTRY, name="Bộ Giáo dục và Đào tạo"
    )
    province = org_services.unit_create(
        actor=None, kind=UnitKind.PROVINCE, name="Tỉnh Đắk Nông", code="67", parent=ministry
    )
    commune = org_services.unit_create(
        actor=None, kind=UnitKind.COMMUNE, name="Xã Nam Bình", code="24730", parent=province
    )
    school = org_services.school_create(
        actor=None,
        name="Trường THCS Lê Lợi",
        code="67000101",
        parent=commune,
        level="lower_secondary",
    ).unit
    year = org_services.school_year_create(
        actor=None, code="2025-2026", start_date=dt.date(2025, 9, 5), end_date=dt.date(2026, 5, 31)
    )
    cls = org_services.class_create(
        actor=None, school=school, school_year_code=year.code, name="6A1", grade_number=6
    )
    staff = people_services.staff_create(
        actor=None,
        data=PersonData(full_name="Lê Thị Hoa", date_of_birth=dt.date(1985, 3, 2), sex="F"),
        unit=school,
        kind="teacher",
    )
    people_services.teaching_assign(actor=None, staff=staff, class_group=cls, subject="Toán")
    teacher = User.objects.create(username="teacher", person=staff.person)
    RoleAssignment.objects.create(user=teacher, role=Role.TEACHER, unit=school)
    maths = Subject.objects.get(code="toan")
    for i in range(40):
        services.question_create(
            actor=teacher,
            data=services.QuestionIn(
                kind="single",
                stem=f"Câu {i + 1}: Tính $\\frac{{{i + 2}}}{{2}} + {i}$.",
                data={
                    "options": [
                        {"id": "a", "text": str(i + 2), "fraction": 1},
                        {"id": "b", "text": str(i + 3), "fraction": 0},
                        {"id": "c", "text": str(i + 4), "fraction": 0},
                        {"id": "d", "text": str(i + 5), "fraction": 0},
                    ]
                },
                subject_id=maths.pk,
                grade=6,
                topic_code="so-tu-nhien",
                level="nb",
                points=0.25,
            ),
        )
    matrix = services.matrix_create(
        actor=teacher,
        name="40 câu",
        subject_id=maths.pk,
        grade=6,
        cells=[{"topic": "so-tu-nhien", "level": "nb", "count": 40, "points": "0.25"}],
    )
    paper = services.paper_generate(
        actor=teacher, matrix=matrix, title="Khảo sát", versions=4, seed=1
    )
    persons = Person.objects.bulk_create(
        [
            Person(
                full_name=f"Học Sinh {i:05d}",
                search_name=f"hoc sinh {i:05d}",
                date_of_birth=dt.date(2013, 1, 1),
                sex="M" if i % 2 else "F",
            )
            for i in range(n)
        ],
        batch_size=1000,
    )
    Student.objects.bulk_create(
        [
            Student(
                person=p,
                status="studying",
                current_school=school,
                current_class=cls,
                search_name=p.search_name,
            )
            for p in persons
        ],
        batch_size=1000,
    )
    users = User.objects.bulk_create(
        [
            User(username=f"hs{i:05d}", person=p, password="!")  # noqa: S106 — unusable
            for i, p in enumerate(persons)
        ],
        batch_size=1000,
    )
    raws = []
    tokens = []
    for u in users:
        prefix = secrets.token_hex(4)
        raw = f"edx_{prefix}_{secrets.token_urlsafe(24)}"
        raws.append(raw)
        tokens.append(
            ApiToken(
                name="bench",
                user=u,
                token_hash=ApiToken.hash(raw),
                prefix=prefix,
                scopes=["read", "write"],
            )
        )
    ApiToken.objects.bulk_create(tokens, batch_size=1000)
    now = timezone.now()
    test = services.test_schedule(
        actor=teacher,
        paper=paper,
        class_group=cls,
        opens_at=now - dt.timedelta(minutes=1),
        closes_at=now + dt.timedelta(hours=3),
        duration_minutes=120,
    )
    by_person = dict(test.attempts.values_list("person_id", "pk"))
    plans = [
        {"attempt": by_person[u.person_id], "token": raw}
        for u, raw in zip(users, raws, strict=True)
    ]
    return plans, test


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("granian did not start")


def _warm_up(base: str, plan: dict, n: int) -> None:
    """Load every worker's code paths before t0, as a running server would have them."""
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    import httpx  # noqa: PLC0415

    bearer = {"Authorization": f"Bearer {plan['token']}"}
    url = f"{base}/exams/live/{plan['attempt']}"

    def hit(i: int) -> None:
        with httpx.Client(timeout=120) as c:
            mine = c.get(f"{base}/api/v1/exams/my/attempts", headers=bearer).json()
            headers = {"X-Exam-Ticket": mine[0]["ticket"], "X-Device-Token": "warm-up-device"}
            state = c.post(f"{url}/start", headers=headers).json()
            headers["X-Attempt-Token"] = state["token"]
            qv = state["paper"]["questions"][0]["qv"]
            c.put(f"{url}/answers/{qv}", headers=headers, json={"response": "a", "seq": i + 1})

    with ThreadPoolExecutor(n) as pool:
        list(pool.map(hit, range(n * 3)))


def check(acked: list) -> dict:
    """Every acknowledged answer is in the database with the same or a newer seq."""
    from edudx.exams.models import AttemptAnswer  # noqa: PLC0415

    stored = {
        (a, p): (seq, resp)
        for a, p, seq, resp in AttemptAnswer.objects.values_list(
            "attempt_id", "position", "seq", "response"
        )
    }
    lost = 0
    for attempt, position, seq, answer in acked:
        row = stored.get((attempt, position))
        if row is None or row[0] < seq or (row[0] == seq and row[1] != answer):
            lost += 1
    return {"acknowledged": len(acked), "rows": len(stored), "lost": lost}


def side_b(test, ops: int) -> dict:
    """In-process: the platform's autosave vs read-modify-write of one JSON answer sheet."""
    import datetime as dt  # noqa: PLC0415

    from django.db import connection, transaction  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from edudx.accounts.models import User  # noqa: PLC0415
    from edudx.exams import services  # noqa: PLC0415
    from edudx.exams.models import Attempt, AttemptStatus  # noqa: PLC0415

    attempt = Attempt.objects.filter(test=test).order_by("pk").last()
    user = User.objects.get(person_id=attempt.person_id)
    # An attempt that runs for the whole measurement (the spike has submitted them all).
    now = timezone.now()
    Attempt.objects.filter(pk=attempt.pk).update(
        status=AttemptStatus.STARTED,
        device_token="side-b-device",  # noqa: S106
        started_at=now,
        deadline=now + dt.timedelta(hours=1),
    )
    attempt.refresh_from_db()
    items = attempt.version.items
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS bench_sheet "
            "(attempt_id bigint PRIMARY KEY, answers jsonb NOT NULL)"
        )
        cur.execute(
            "INSERT INTO bench_sheet VALUES (%s, '{}'::jsonb) ON CONFLICT DO NOTHING", [attempt.pk]
        )
    a_times, b_times = [], []
    seq0 = 10**6
    for i in range(ops):
        qv = items[i % len(items)]["qv"]
        t = time.perf_counter()
        services.answer_save(
            actor=user,
            attempt_id=attempt.pk,
            device_token=attempt.device_token,
            question=qv,
            response="abcd"[i % 4],
            seq=seq0 + i,
        )
        a_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "SELECT answers FROM bench_sheet WHERE attempt_id = %s FOR UPDATE", [attempt.pk]
            )
            sheet = cur.fetchone()[0]
            sheet = json.loads(sheet) if isinstance(sheet, str) else sheet
            sheet[str(i % len(items))] = {
                "response": "abcd"[i % 4],
                "seq": seq0 + i,
                "at": timezone.now().isoformat(),
            }
            cur.execute(
                "UPDATE bench_sheet SET answers = %s::jsonb WHERE attempt_id = %s",
                [json.dumps(sheet), attempt.pk],
            )
        b_times.append(time.perf_counter() - t)
    return {"a": statistics.median(a_times), "b": statistics.median(b_times)}


def side_c(test, plans_by_attempt: dict, ops: int) -> dict:
    """In-process, one thread: one autosave through the whole WSGI application, by the
    ordinary API (middleware, bearer-token user, ninja) and by the live path (signed token,
    no middleware). Median wall and CPU time per request, database write included."""
    import io  # noqa: PLC0415

    from edudx.exams import live  # noqa: PLC0415
    from edudx.exams.models import Attempt  # noqa: PLC0415
    from edudx.wsgi import application  # noqa: PLC0415

    attempt = Attempt.objects.filter(test=test).order_by("pk").last()  # side B's, started
    qvs = [i["qv"] for i in attempt.version.items]
    token = live.token_for(
        attempt=attempt.pk,
        person=attempt.person_id,
        version=attempt.version_id,
        deadline=attempt.deadline,
        device=attempt.device_token,
    )
    bearer = plans_by_attempt[attempt.pk]

    def run(path: str, headers: dict, seq: int) -> int:
        body = json.dumps({"response": "abcd"[seq % 4], "seq": seq}).encode()
        environ = {
            "REQUEST_METHOD": "PUT",
            "PATH_INFO": path,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/json",
            **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()},
        }
        status = []
        b"".join(application(environ, lambda st, h: status.append(st)))
        return int(status[0].split()[0])

    out = {}
    seq = 2 * 10**6
    for name, prefix, headers in (
        (
            "api",
            f"/api/v1/exams/attempts/{attempt.pk}/answers/",
            {"Authorization": f"Bearer {bearer}", "X-Device-Token": attempt.device_token},
        ),
        (
            "live",
            f"/exams/live/{attempt.pk}/answers/",
            {"X-Attempt-Token": token, "X-Device-Token": attempt.device_token},
        ),
    ):
        wall, cpu = [], []
        for i in range(ops):
            seq += 1
            t, c = time.perf_counter(), time.process_time()
            code = run(prefix + str(qvs[i % len(qvs)]), headers, seq)
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            assert code == 200, (name, code)
        out[name] = (statistics.median(wall), statistics.median(cpu))
    return out


def main(args) -> None:
    tmp = tempfile.mkdtemp(prefix="edudx-bench-exams-")
    _fresh_database()
    _setup_django(tmp)
    t = time.perf_counter()
    plans, test = build(args.students + 1)
    warm = plans.pop()  # one extra student warms the workers up (imports, URLconf, caches)
    print(
        f"setup: {args.students} students, 40 questions, 4 versions in "
        f"{time.perf_counter() - t:.1f} s"
    )
    plan_file = Path(tmp) / "plan.json"
    out_file = Path(tmp) / "out.json"
    plan_file.write_text(json.dumps(plans))
    port = _free_port()
    env = {
        **os.environ,
        "EDUDX_DATABASE_URL": DB_URL,
        "EDUDX_VAR_DIR": tmp,
        "EDUDX_SECRET_KEY": "bench-" + "x" * 50,
        "PYTHONPATH": str(ROOT / "src"),
    }
    server = subprocess.Popen(  # noqa: S603 — fixed argument list
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--blocking-threads",
            str(args.threads),
            "--backlog",
            "8192",
            "--no-ws",
            "edudx.wsgi:application",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(tmp) / "granian.log", "w"),  # noqa: SIM115
        start_new_session=True,
    )
    try:
        _wait(port)
        _warm_up(f"http://127.0.0.1:{port}", warm, args.threads * args.workers)
        t = time.perf_counter()
        cpu0 = os.times()
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                __file__,
                "--load",
                "--plan",
                str(plan_file),
                "--out",
                str(out_file),
                "--base",
                f"http://127.0.0.1:{port}",
                "--think",
                str(args.think),
                "--seed",
                str(args.seed),
            ],
            check=True,
        )
        wall = time.perf_counter() - t
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    cpu1 = os.times()
    children_cpu = (cpu1.children_user + cpu1.children_system) - (
        cpu0.children_user + cpu0.children_system
    )
    result = json.loads(out_file.read_text())
    requests = sum(len(result[k]) for k in ("start", "autosave", "submit"))
    errors = len(result["errors"])
    n_answers = len(result["acked"])
    span = max(result["acked_at"]) - min(result["acked_at"]) if n_answers > 1 else float("nan")
    print(
        f"A (platform, granian ×{args.workers} workers × {args.threads} threads, PostgreSQL, "
        f"{args.students} students, think {args.think} s): from t0 {result['wall']:.1f} s "
        f"(whole load process {wall:.1f} s), {requests} responses, {errors} errors "
        f"({errors / max(1, requests + errors):.2%})"
    )
    print(
        f"  offered: {args.students} starts at t0, then autosaves at up to "
        f"{args.students / args.think:.0f}/s (each student: think U(0.5, 1.5) × {args.think} s, "
        f"then waits for the answer); achieved {n_answers / span:.0f} acknowledged answers/s "
        f"over {span:.1f} s"
    )
    print(
        f"  CPU after t0: load generator {result['load_cpu']:.1f} s; load generator + server "
        f"(both children, incl. the ticket phase) {children_cpu:.1f} s"
    )
    print(
        f"  connections: {len(plans)} opened before t0 (one per student), "
        f"{result['reconnects']} opened again after t0"
    )
    for kind in ("ticket", "clock", "start", "autosave", "submit"):
        v = [x * 1000 for x in result[kind]]
        label = f"{kind}*" if kind in ("ticket", "clock") else kind
        print(
            f"  {label:9s} n={len(v):6d}  p50 {pct(v, 50):8.1f} ms  p95 {pct(v, 95):8.1f} ms  "
            f"p99 {pct(v, 99):8.1f} ms"
        )
    print(
        "  (* before t0: ticket = the test page via the ordinary Django path, 32 at a time; "
        "clock = the waiting room's clock every 20 s)"
    )
    if result["errors"]:
        kinds: dict = {}
        for kind, code in result["errors"]:
            kinds[f"{kind}:{code}"] = kinds.get(f"{kind}:{code}", 0) + 1
        print(f"  errors by kind: {kinds}")
    c = check(result["acked"])
    print(
        f"  database check: {c['acknowledged']} acknowledged answers, {c['rows']} rows, "
        f"lost {c['lost']}"
    )
    b = side_b(test, args.side_b_ops)
    print(
        f"B (in-process autosave write, {args.side_b_ops} ops): platform upsert median "
        f"{b['a'] * 1000:.2f} ms, baseline read-modify-write of a JSON sheet "
        f"{b['b'] * 1000:.2f} ms, "
        f"ratio baseline/platform {b['b'] / b['a']:.2f}"
    )
    cc = side_c(test, {p["attempt"]: p["token"] for p in [*plans, warm]}, args.side_b_ops)
    print(
        f"C (in-process, one autosave through the WSGI app, {args.side_b_ops} ops): ordinary API "
        f"median {cc['api'][0] * 1000:.2f} ms (CPU {cc['api'][1] * 1000:.2f} ms), live path "
        f"{cc['live'][0] * 1000:.2f} ms (CPU {cc['live'][1] * 1000:.2f} ms)"
    )
    targets = {
        "start p95 < 2 s": pct(result["start"], 95) < 2,
        "autosave p95 < 300 ms": pct(result["autosave"], 95) < 0.3,
        "zero lost": c["lost"] == 0,
    }
    print(
        "targets: " + ", ".join(f"{k}: {'met' if ok else 'NOT met'}" for k, ok in targets.items())
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=4, help="granian blocking threads per worker"
    )
    parser.add_argument("--think", type=float, default=1.0, help="mean think time per answer, s")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--side-b-ops", type=int, default=1000)
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load_main(args)
    else:
        main(args)
