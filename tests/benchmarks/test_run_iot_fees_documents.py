"""Benchmarks of IoT, fees and signed documents run (tests/benchmarks/runner.py)."""

from .runner import benchmark_test

RUNS = [
    (
        "iot_ingest.py",
        ["--devices", "3", "--minutes", "10", "--batch-minutes", "5", "--repeat", "1"],
        "ratio A/B time",
    ),
    ("reconcile.py", ["--lines", "300", "--invoices", "600", "--repeat", "1"], "Ratio A/B"),
    ("sign_pdf.py", ["--docs", "3", "--verify", "2"], "A / B"),
    ("transcripts.py", ["--classes", "1", "--size", "3", "--verify", "1"], "A / B"),
]


test_benchmark_runs = benchmark_test(RUNS)
