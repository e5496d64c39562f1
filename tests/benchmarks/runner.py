"""Every benchmark that needs no prepared demo database still runs (tests/benchmarks/
test_run_*.py): each at a tiny size, in its own process and scratch database, and prints
both sides. benchmarks/search.py had stopped running (it called a selector removed sessions
earlier) and nothing noticed. They run once, on the SQLite pass; dashboard, scoped_list,
year_end and change_feed read a built demo district and the two spikes drive a server for
minutes, so they are left to their commands in docs/benchmarks.md."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(script: str, args: list[str], both_sides: str, tmp_path: Path) -> None:
    """Run benchmarks/`script` with `args` in a scratch directory; it must end well and
    print `both_sides` (the line that shows the platform and its baseline were both run)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDUDX_")}
    env["EDUDX_VAR_DIR"] = str(tmp_path)
    done = subprocess.run(  # noqa: S603 — our own scripts, fixed arguments
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert both_sides in done.stdout, done.stdout[-2000:]


def benchmark_test(runs: list[tuple[str, list[str], str]]):
    """The test of a module's `runs` (script, arguments, the line showing both sides): one
    case each, skipped on the PostgreSQL pass — the scripts use their own scratch
    databases, so once is enough. Split over modules so that test processes share them."""

    @pytest.mark.skipif(
        os.environ.get("EDUDX_TEST_DATABASE_URL", "").startswith("postgres"),
        reason="the benchmarks use their own scratch databases: run once, on the SQLite pass",
    )
    @pytest.mark.parametrize(("script", "args", "both_sides"), runs, ids=[r[0] for r in runs])
    def test_benchmark_runs(script, args, both_sides, tmp_path):
        run(script, args, both_sides, tmp_path)

    return test_benchmark_runs
