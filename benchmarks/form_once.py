"""What "a form sent twice runs once" costs (core.formonce.FormOnceMiddleware): the same page
POST — a guardian's reply in a contact-book conversation (message, audit entry,
notification), answered by a redirect — sent with a `_once` value, as every browser form
now is (side A: the middleware records the form in the view's transaction), and without
one (side B: the middleware only looks), alternating post by post in rounds through
django.test.Client in one process, on a copy of the district demo's SQLite database
(`make demo`'s, or --source). Prints the median ms per POST of each side and the ratio
A/B, and checks that a resent form wrote nothing.

    .venv/bin/python benchmarks/form_once.py --posts 200 --rounds 5
"""

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", default=str(ROOT / "var" / "edudx.sqlite3"))
    ap.add_argument("--posts", type=int, default=200, help="POSTs per side per round")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="edudx-bench-formonce-")
    db = Path(tmp.name) / "demo.sqlite3"
    shutil.copyfile(args.source, db)
    os.environ["EDUDX_DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["EDUDX_VAR_DIR"] = tmp.name
    os.environ["EDUDX_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edudx.settings")
    import django  # noqa: PLC0415

    django.setup()
    from django.test import Client  # noqa: PLC0415

    from edudx.contact.models import Message, Thread  # noqa: PLC0415

    thread = Thread.objects.select_related("guardian").order_by("id").first()
    if thread is None:
        sys.exit("no contact thread in the demo database (run `make demo` first)")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(thread.guardian)
    url = f"/contact/messages/{thread.pk}/"

    def post(n: int, once: bool) -> float:
        data = {"body": f"Phụ huynh xin hỏi lần {n}."}
        if once:
            data["_once"] = secrets.token_hex(16)
        t0 = time.perf_counter()
        r = client.post(url, data)
        elapsed = time.perf_counter() - t0
        assert r.status_code == 302, r.status_code  # noqa: S101 — a benchmark's own check
        return elapsed

    for n in range(20):  # warm up both paths
        post(n, n % 2 == 0)
    # A and B alternate post by post, so what drifts during the run (the thread and the
    # audit chain grow, the machine is shared) weighs on both alike.
    sides: dict[str, list[float]] = {"A": [], "B": []}
    n = 0
    for _round in range(args.rounds):
        times: dict[str, list[float]] = {"A": [], "B": []}
        for _i in range(args.posts):
            for side, once in (("A", True), ("B", False)):
                n += 1
                times[side].append(post(n, once))
        for side in sides:
            sides[side].append(statistics.median(times[side]) * 1000)
    before = Message.objects.count()
    resent = {"body": "Gửi hai lần.", "_once": secrets.token_hex(16)}
    client.post(url, resent)
    client.post(url, resent)
    a, b = statistics.median(sides["A"]), statistics.median(sides["B"])
    rounds = {k: [round(x, 2) for x in v] for k, v in sides.items()}
    wrote = Message.objects.count() - before
    print(f"contact reply POST, {args.posts} per side x {args.rounds} rounds (demo copy, SQLite)")
    print(f"  A with _once (recorded): median {a:.2f} ms  (round medians {rounds['A']})")
    print(f"  B without _once        : median {b:.2f} ms  (round medians {rounds['B']})")
    print(f"  ratio A/B: {a / b:.2f}   the resent form wrote {wrote} message (expected 1)")
    tmp.cleanup()


if __name__ == "__main__":
    main()
