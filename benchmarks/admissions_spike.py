"""Opening-day admissions spike: the real server (granian, several WSGI workers, PostgreSQL)
under an open-arrival load from a separate process, against the floor — a minimal endpoint
that does one INSERT — on the same server and database in the same run.

Side A, the platform: POST /api/v1/admissions/rounds/<id>/applications — validation
(personal ID, age for the grade, zone, priorities), the residence look-up, and the
application row, its audit event (deferred into the hash chain) and the Idempotency-Key
record with the response written together, behind the submission gate (503 + Retry-After
when saturated). Anonymous applications take the hot path before Django's middleware
(`eservices.live`); the server is `edudx.wsgi:application`, what `make demo` serves.
Side B, the floor: POST /services/bench/insert/ — one prepared INSERT, served the same way
(the same gate, before Django's middleware), same server (only routed with
EDUDX_ESERVICES_BENCH=1).

The load generator (a separate process: asyncio with the minimal keep-alive HTTP/1.1
client of benchmarks/rawhttp.py — httpx cost ~1 ms of CPU per request, taken from the
server on this 2-core machine) schedules arrivals at a fixed
rate (Poisson gaps, seeded) for the duration; each arrival is one applicant who takes one
of N client connections and submits until it succeeds, retrying with the same
Idempotency-Key on 503 (after Retry-After) and on timeouts or dropped connections.
Latencies are per HTTP attempt (p50/p95/p99) and per applicant from arrival to success.
Afterwards the database is checked: exactly one application per child that got a 201,
with the code the client was given; none for the others; no duplicates.

    python benchmarks/admissions_spike.py --duration 120 --floor-rate 3000 --rate auto

Targets (issue 4): A sustains ≥30 % of B's throughput, 2,000 clients, p95 < 1 s, zero lost
and zero duplicated. Needs PostgreSQL (EDUDX_BENCH_PG, default
postgres://postgres@127.0.0.1:5432) — the database `edudx_bench_spike` is recreated."""

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("EDUDX_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "edudx_bench_spike"
DB_URL = f"{PG}/{DB_NAME}"
WARM_REQUESTS = 10  # per warm-up client thread and endpoint


# --- load generator (its own process) --------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def run_load(args) -> dict:
    from rawhttp import Conn  # noqa: PLC0415 — benchmarks/ is the script's directory

    children = json.loads(Path(args.children).read_text())[: args.arrivals]
    rng = random.Random(7)  # noqa: S311 — arrival gaps, not secrets
    host, port = args.base.removeprefix("http://").split(":")
    # N client connections (keep-alive), opened when first used; an arrival takes a free one.
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(args.clients):
        pool.put_nowait(Conn(host, int(port)))
    attempts_lat: list[float] = []
    series: list[tuple[float, float]] = []  # (attempt start since t0, latency)
    fresh_lat: list[float] = []  # attempts that opened their connection
    e2e: list[float] = []
    outcome: dict[str, int] = {}
    results: dict[str, str] = {}  # child personal ID → code returned with 201
    done_times: list[float] = []

    def count(key: str) -> None:
        outcome[key] = outcome.get(key, 0) + 1

    async def applicant(child: dict, arrived: float) -> None:
        key = str(uuid.uuid4())
        body = json.dumps(child).encode()
        headers = {"Idempotency-Key": key}
        conn = await pool.get()
        try:
            for _attempt in range(args.max_attempts):
                start = time.perf_counter()
                fresh = conn.w is None  # this attempt opens the TCP connection
                try:
                    status, payload = await asyncio.wait_for(
                        conn.request("POST", args.path, headers, body), args.timeout
                    )
                except (TimeoutError, OSError, asyncio.IncompleteReadError):
                    conn.close()  # a timed-out connection may still get the old answer
                    attempts_lat.append(time.perf_counter() - start)
                    series.append((start - t0, attempts_lat[-1]))
                    count("timeout_or_conn")
                    await asyncio.sleep(0.5 + rng.random())
                    continue
                attempts_lat.append(time.perf_counter() - start)
                series.append((start - t0, attempts_lat[-1]))
                if fresh:
                    fresh_lat.append(attempts_lat[-1])
                if status == 201:
                    count("201")
                    if conn.last_headers.get("idempotent-replayed"):
                        count("201_replayed")
                    data = json.loads(payload)
                    results[child.get("child_personal_id", key)] = str(
                        data.get("code", data.get("id"))
                    )
                    now = time.perf_counter()
                    e2e.append(now - arrived)
                    done_times.append(now - t0)
                    return
                if status == 503:
                    count("503")
                    wait = float(conn.last_headers.get("retry-after", "1"))
                    await asyncio.sleep(wait * (0.5 + rng.random()))
                    continue
                count(str(status))
                return
            count("gave_up")
        finally:
            pool.put_nowait(conn)

    # Arrival times first (seeded), then one dispatcher starts each applicant at its time.
    # (Creating every applicant up front, each sleeping until its turn, stalled the event
    # loop for the first second — ~100,000 coroutines starting at once — and released the
    # first arrivals in a burst, late: a tail of the load generator, not of the server.)
    # Latencies from arrival count from the scheduled time, so a late dispatcher counts
    # against the server, never for it.
    times, at = [], 0.0
    for _ in children:
        times.append(at)
        at += rng.expovariate(args.rate)
    cpu0 = time.process_time()
    tasks = []
    t0 = time.perf_counter()
    for child, at in zip(children, times, strict=True):
        delay = at - (time.perf_counter() - t0)
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(applicant(child, t0 + at)))
    await asyncio.gather(*tasks)
    load_cpu = time.process_time() - cpu0
    while not pool.empty():
        pool.get_nowait().close()
    span = (max(done_times) if done_times else 0.0) or 1e-9
    ok = outcome.get("201", 0)
    attempts = sum(v for k, v in outcome.items() if k != "201_replayed" and k != "gave_up")
    return {
        "arrivals": len(children),
        "offered_rate": args.rate,
        "successes": ok,
        "throughput": ok / span,
        "span_s": span,
        "attempt_p50": pct(attempts_lat, 50),
        "attempt_p95": pct(attempts_lat, 95),
        "attempt_p99": pct(attempts_lat, 99),
        "e2e_p50": pct(e2e, 50),
        "e2e_p95": pct(e2e, 95),
        "e2e_p99": pct(e2e, 99),
        "attempts": attempts,
        "error_rate": 1 - ok / attempts if attempts else 0.0,
        "outcome": outcome,
        "results": results,
        "load_cpu": load_cpu,
        "timeline": timeline(series),
        "timeline_start": timeline([x for x in series if x[0] < 15], 1.0),
        "fresh": f"{len(fresh_lat)} attempts on a new connection, p50/p95 "
        f"{pct(fresh_lat, 50) * 1000:.0f}/{pct(fresh_lat, 95) * 1000:.0f} ms (of which the "
        f"TCP connect p50/p95 {pct(Conn.connect_times, 50) * 1000:.0f}/"
        f"{pct(Conn.connect_times, 95) * 1000:.0f} ms)",
    }


def timeline(series: list[tuple[float, float]], step: float = 5.0) -> str:
    """Per `step` seconds of the run: attempts started and their p95 in ms — whether the
    tail is spread over the run or comes in bursts (a checkpoint, a collection, a queue)."""
    buckets: dict[int, list[float]] = {}
    for start, lat in series:
        buckets.setdefault(int(start // step), []).append(lat)
    return " ".join(
        f"{int(k * step)}s:{len(v)}/{pct(v, 95) * 1000:.0f}" for k, v in sorted(buckets.items())
    )


# --- orchestration ---------------------------------------------------------------------------


def server_env(args) -> dict:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(ROOT / "src"),
        DJANGO_SETTINGS_MODULE="edudx.settings",
        EDUDX_DATABASE_URL=DB_URL,
        EDUDX_ESERVICES_BENCH="1",
        EDUDX_ESERVICES_SUBMIT_CONCURRENCY=str(args.gate),
        EDUDX_ESERVICES_SUBMIT_WAIT_MS=str(args.gate_wait_ms),
        EDUDX_ESERVICES_RETRY_AFTER="1",
        EDUDX_LOG_LEVEL="ERROR",
        EDUDX_VAR_DIR=args.var,
    )
    return env


def setup_database(args, n_children: int) -> tuple[int, Path]:
    """Recreate the database, migrate, build a commune with schools and an open round,
    and write the children (valid IDs, right age, in zone) for the load process."""
    import psycopg  # noqa: PLC0415

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    env = server_env(args)
    subprocess.run(
        [sys.executable, "-c", "from edudx.cli import main; main()", "migrate", "-v0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    os.environ.update({k: env[k] for k in ("EDUDX_DATABASE_URL", "EDUDX_VAR_DIR")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "edudx.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django  # noqa: PLC0415

    django.setup()
    from django.utils import timezone  # noqa: PLC0415

    from edudx.core.validators import personal_id_digit  # noqa: PLC0415
    from edudx.eservices import admissions  # noqa: PLC0415
    from edudx.eservices.models import Procedure  # noqa: PLC0415
    from edudx.org import services as org  # noqa: PLC0415
    from edudx.org.models import UnitKind  # noqa: PLC0415

    ministry = org.unit_create(actor=None, kind=UnitKind.MINISTRY, name="Bộ GDĐT")
    province = org.unit_create(
        actor=None, kind=UnitKind.PROVINCE, name="Tỉnh Lâm Đồng", code="68", parent=ministry
    )
    communes, schools = [], []
    for i in range(4):
        c = org.unit_create(
            actor=None, kind=UnitKind.COMMUNE, name=f"Phường {i + 1}", code=f"2{i:04d}",
            parent=province,
        )  # fmt: skip
        communes.append(c)
        schools.append(
            org.school_create(
                actor=None, name=f"Trường Tiểu học số {i + 1}", code=f"680001{i:02d}",
                parent=c, level="primary",
            ).unit
        )  # fmt: skip
    year = org.school_year_create(
        actor=None, code="2026-2027", start_date=dt.date(2026, 9, 5), end_date=dt.date(2027, 5, 31)
    )
    now = timezone.now()
    r = admissions.round_create(
        actor=None,
        procedure=Procedure.objects.get(code="admission_grade1"),
        unit=province,
        school_year=year,
        name="Tuyển sinh lớp 1 (benchmark)",
        opens_at=now - dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(hours=6),
        seed="bench-2026",
        schools=[(s, n_children) for s in schools],
        zones=[(s, c, "") for s, c in zip(schools, communes, strict=True)],
    )
    rng = random.Random(2026)  # noqa: S311 — test data
    children = []
    for i in range(n_children):
        sex = "M" if i % 2 else "F"
        dob = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(366))
        pid = f"068{personal_id_digit(2020, sex)}20{i:06d}"
        k = rng.randrange(4)
        children.append(
            {
                "child_personal_id": pid,
                "child_name": f"Nguyễn Văn Bé {i}",
                "date_of_birth": dob.isoformat(),
                "sex": sex,
                "commune": communes[k].pk,
                "school": schools[(k + (1 if rng.random() < 0.2 else 0)) % 4].pk,
                "priorities": ["poor_household"] if rng.random() < 0.05 else [],
                "applicant_name": f"Phụ huynh {i}",
                "phone": f"09{i:08d}",
            }
        )
    path = Path(args.var) / "children.json"
    path.write_text(json.dumps(children, ensure_ascii=False))
    # A second round open at the same time, for the warm-up's applications (other children),
    # so the measured round holds only the measured applicants.
    warm = admissions.round_create(
        actor=None,
        procedure=Procedure.objects.get(code="admission_grade1"),
        unit=province,
        school_year=year,
        name="Tuyển sinh lớp 1 (benchmark, warm-up)",
        opens_at=now - dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(hours=6),
        seed="bench-2026-warm",
        schools=[(s, 10_000) for s in schools],
        zones=[(s, c, "") for s, c in zip(schools, communes, strict=True)],
        allow_overlaps=True,
    )
    args.warm_round = warm.pk
    args.warm_children = [
        dict(
            c,
            child_personal_id=f"068{personal_id_digit(2020, c['sex'])}20{900_000 + i:06d}",
            phone=f"08{i:08d}",
        )
        for i, c in enumerate(children[: WARM_REQUESTS * 2 * args.threads])
    ]
    return r.pk, path


def _backpressure(args) -> int:
    """Granian's --backpressure bounds the connections a worker serves at once, not only the
    requests: below the number of keep-alive clients per worker, the connections past it
    wait in the listen queue while the server idles (session 2's runs with 16: most
    requests timed out). The submission gate bounds the concurrent work instead."""
    return args.clients // args.workers + 64


def start_server(args):
    cmd = [
        sys.executable, "-m", "granian", "--interface", "wsgi",
        "--workers", str(args.workers), "--blocking-threads", str(args.threads),
        "--backpressure", str(args.backpressure or _backpressure(args)),
        "--backlog", "4096", "--host", "127.0.0.1", "--port", str(args.port),
        "--no-ws", "--log-level", "error", "edudx.wsgi:application",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, env=server_env(args), cwd=ROOT, start_new_session=True)  # noqa: S603
    import httpx  # noqa: PLC0415

    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{args.port}/api/v1/procedures", timeout=2).status_code:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("granian did not start")


def warm_up(args) -> None:
    """Every worker thread imports, opens its database connection and serves gated POSTs —
    the floor's and applications to a second round — before the measured phases (a cold
    thread's first request is slow, and a cold server under 2,000 connections at once
    timed requests out)."""
    import threading  # noqa: PLC0415

    import httpx  # noqa: PLC0415

    base = f"http://127.0.0.1:{args.port}"

    apply = f"/api/v1/admissions/rounds/{args.warm_round}/applications"
    failed: list[str] = []

    def hit(i: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as c:
            for j in range(WARM_REQUESTS):
                c.get("/api/v1/procedures")
                c.post("/services/bench/insert/", json={}, headers={"Idempotency-Key": f"w{i}-{j}"})
                child = args.warm_children[i * WARM_REQUESTS + j]
                r = c.post(apply, json=child, headers={"Idempotency-Key": f"wa{i}-{j}"})
                if r.status_code != 201:
                    failed.append(f"{r.status_code} {r.text}")

    threads = [threading.Thread(target=hit, args=(i,)) for i in range(2 * args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failed:
        raise SystemExit(f"warm-up applications failed ({len(failed)}): {failed[0]}")


def sample_waits(stop, tally: dict) -> None:
    """What the server's database sessions wait on, sampled every 0.2 s (pg_stat_activity):
    e.g. Lock/tuple (a row lock such as the audit chain head) against IO/WALSync."""
    import psycopg  # noqa: PLC0415

    with psycopg.connect(DB_URL, autocommit=True) as conn:
        while not stop.is_set():
            for kind, event, state in conn.execute(
                "SELECT wait_event_type, wait_event, state FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (DB_NAME,),
            ).fetchall():
                key = f"{kind}/{event}" if kind else f"running ({state})"
                tally[key] = tally.get(key, 0) + 1
            stop.wait(0.2)


def settle() -> None:
    """Each phase starts from the same quiet database: the previous phase's dead tuples
    vacuumed and its dirty pages written out (otherwise the application side pays for the
    floor's 600,000 rows — autovacuum and a checkpoint landing in its two minutes)."""
    import psycopg  # noqa: PLC0415

    with psycopg.connect(DB_URL, autocommit=True) as conn:
        for table in ("eservices_benchrow", "eservices_admissionapplication"):
            conn.execute(f"VACUUM (ANALYZE) {table}")
        conn.execute("CHECKPOINT")


def load_phase(args, path: str, children: Path, arrivals: int) -> dict:
    settle()
    out = Path(args.var) / f"load-{abs(hash(path))}.json"
    cmd = [
        sys.executable, __file__, "--role", "load", "--base", f"http://127.0.0.1:{args.port}",
        "--path", path, "--children", str(children), "--arrivals", str(arrivals),
        "--clients", str(args.clients), "--rate", str(args.rate_now),
        "--timeout", str(args.timeout),
        "--max-attempts", str(args.max_attempts), "--out", str(out),
    ]  # fmt: skip
    import threading  # noqa: PLC0415

    stop, waits = threading.Event(), {}
    sampler = threading.Thread(target=sample_waits, args=(stop, waits), daemon=True)
    sampler.start()
    try:
        subprocess.run(cmd, check=True, cwd=ROOT)  # noqa: S603
    finally:
        stop.set()
        sampler.join(timeout=5)
    result = json.loads(out.read_text())
    top = sorted(waits.items(), key=lambda kv: -kv[1])[:6]
    result["db_waits"] = ", ".join(f"{k} {v}" for k, v in top)
    return result


def check_database(round_id: int, results: dict[str, str]) -> dict:
    from edudx.core.models import IdempotencyRecord  # noqa: PLC0415
    from edudx.eservices.models import AdmissionApplication  # noqa: PLC0415

    rows = dict(
        AdmissionApplication.objects.filter(round_id=round_id).values_list(
            "child_personal_id", "code"
        )
    )
    total = AdmissionApplication.objects.filter(round_id=round_id).count()
    lost = [p for p, code in results.items() if rows.get(p) != code]
    orphans = [p for p in rows if p not in results]
    return {
        "rows": total,
        "successes": len(results),
        "lost_or_mismatched": len(lost),
        "duplicates": total - len(rows),
        "rows_without_success": len(orphans),
        "idempotency_records": IdempotencyRecord.objects.filter(
            path__contains="/admissions/"
        ).count(),
    }


def fmt(r: dict) -> str:
    return (
        f"{r['successes']:>6} ok of {r['arrivals']:>6}  {r['throughput']:8.1f}/s  "
        f"attempt p50/p95/p99 {r['attempt_p50'] * 1000:6.0f}/{r['attempt_p95'] * 1000:6.0f}/"
        f"{r['attempt_p99'] * 1000:6.0f} ms  arrival→201 p95 {r['e2e_p95'] * 1000:6.0f} ms  "
        f"errors {r['error_rate'] * 100:5.1f}%  load generator CPU {r['load_cpu']:.1f} s  "
        f"{r['outcome']}"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--role", default="run", choices=["run", "load"])
    p.add_argument("--clients", type=int, default=2000, help="concurrent client connections")
    p.add_argument("--duration", type=float, default=120.0, help="seconds of arrivals per side")
    p.add_argument(
        "--rate",
        default="1200",
        help="arrivals/s offered to the application side; 'auto' = 32%% of the floor's "
        "achieved throughput in this run (the target's 30%% plus a margin)",
    )
    p.add_argument(
        "--floor-rate",
        type=float,
        default=0.0,
        help="arrivals/s offered to the floor (default: --rate)",
    )
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=16, help="granian blocking threads/worker")
    p.add_argument(
        "--backpressure",
        type=int,
        default=0,
        help="connections served at once per worker (default: clients / workers + 64)",
    )
    p.add_argument("--gate", type=int, default=4, help="submissions at once per worker")
    p.add_argument("--gate-wait-ms", type=int, default=5)
    p.add_argument(
        "--no-floor",
        action="store_true",
        help="skip the floor (an experiment on the application side alone, at --rate)",
    )
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--max-attempts", type=int, default=50)
    # load-process arguments
    p.add_argument("--base")
    p.add_argument("--path")
    p.add_argument("--children")
    p.add_argument("--arrivals", type=int)
    p.add_argument("--out")
    args = p.parse_args()
    if args.role == "load":
        args.rate = float(args.rate)
        result = asyncio.run(run_load(args))
        Path(args.out).write_text(json.dumps(result))
        return

    tmp = tempfile.TemporaryDirectory(prefix="edudx-bench-spike-")
    args.var = tmp.name
    floor_rate = args.floor_rate or (0 if args.rate == "auto" else float(args.rate))
    if not floor_rate:
        raise SystemExit("--rate auto needs --floor-rate (the floor's offered rate)")
    floor_arrivals = int(floor_rate * args.duration)
    print(
        f"admissions spike: {args.clients} clients, arrivals for {args.duration:.0f} s per "
        f"side: floor offered {floor_rate:.0f}/s ({floor_arrivals}), application offered "
        f"{args.rate}{'' if args.rate == 'auto' else '/s'}; granian {args.workers} "
        f"workers × {args.threads} threads "
        f"(backpressure {args.backpressure or _backpressure(args)}), "
        f"gate {args.gate}/worker, wait {args.gate_wait_ms} ms; PostgreSQL {DB_NAME}"
    )
    round_id, children = setup_database(args, floor_arrivals)
    server = start_server(args)
    try:
        warm_up(args)
        args.rate_now = floor_rate
        floor = {"throughput": 0.0}
        if not args.no_floor:
            floor = load_phase(args, "/services/bench/insert/", children, floor_arrivals)
            print("B floor (1 INSERT)  ", fmt(floor))
            print("   per 5 s (attempts/p95 ms):", floor["timeline"])
            print("   database sessions (samples):", floor["db_waits"])
        # "auto": offer the application path what the target asks it to sustain — 30 % of
        # the throughput the floor achieved in this run (plus 2 %), every arrival a new child.
        auto = args.rate == "auto" and not args.no_floor
        args.rate_now = 0.32 * floor["throughput"] if auto else float(args.rate)
        arrivals = min(int(args.rate_now * args.duration), floor_arrivals)
        print(f"   application side: {args.rate_now:.0f} arrivals/s offered ({arrivals})")
        path = f"/api/v1/admissions/rounds/{round_id}/applications"
        submit = load_phase(args, path, children, arrivals)
        print("A submission        ", fmt(submit))
        print("   per 5 s (attempts/p95 ms):", submit["timeline"])
        print("   first 15 s, per second:", submit["timeline_start"])
        print("  ", submit["fresh"])
        print("   database sessions (samples):", submit["db_waits"])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    check = check_database(round_id, submit["results"])
    ratio = submit["throughput"] / floor["throughput"] if floor["throughput"] else float("nan")
    print(f"ratio A/B throughput: {ratio:.2f} (target ≥ 0.30)")
    print(f"p95 per attempt A: {submit['attempt_p95'] * 1000:.0f} ms (target < 1000 ms)")
    print(f"database check: {check}")
    ok = check["lost_or_mismatched"] == 0 and check["duplicates"] == 0
    ok = ok and check["rows_without_success"] == 0 and check["rows"] == check["successes"]
    print("zero lost, zero duplicated:", "yes" if ok else "NO")


if __name__ == "__main__":
    main()
