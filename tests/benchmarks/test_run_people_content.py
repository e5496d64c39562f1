"""Benchmarks of people, search and the contact book run (tests/benchmarks/runner.py)."""

from .runner import benchmark_test

RUNS = [
    ("bulk_import.py", ["--rows", "300", "--repeat", "1"], "ratio service / raw"),
    ("search.py", ["--resources", "300", "--queries", "20"], "ratio of medians"),
    ("contact.py", ["--guardians", "20", "--runs", "1"], "SMS send  baseline"),
    ("opendata.py", ["--rows", "300", "--schools", "5", "--repeat", "1"], "x sql"),
]


test_benchmark_runs = benchmark_test(RUNS)
