"""Benchmarks of people, search and the contact book run (tests/benchmarks/runner.py)."""

import pytest

from .runner import ONCE, run

RUNS = [
    ("bulk_import.py", ["--rows", "300", "--repeat", "1"], "ratio service / raw"),
    ("search.py", ["--resources", "300", "--queries", "20"], "ratio of medians"),
    ("contact.py", ["--guardians", "20", "--runs", "1"], "SMS send  baseline"),
    ("opendata.py", ["--rows", "300", "--schools", "5", "--repeat", "1"], "x sql"),
]


@ONCE
@pytest.mark.parametrize(("script", "args", "both_sides"), RUNS, ids=[r[0] for r in RUNS])
def test_benchmark_runs(script, args, both_sides, tmp_path):
    run(script, args, both_sides, tmp_path)
