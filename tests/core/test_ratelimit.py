"""core.ratelimit: fixed-window counters in the cache (shared by the PDF checks, feedback,
the sign-in lockout and the public-service look-up)."""

import datetime as dt

import time_machine
from django.core.cache import cache
from django.test import RequestFactory

from edudx.core import ratelimit


def test_a_window_counts_hits_until_it_expires():
    cache.delete("rl:test")
    start = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        assert [ratelimit.count("rl:test", 60) for _ in range(3)] == [1, 2, 3]
        assert ratelimit.hits("rl:test") == 3
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        assert ratelimit.count("rl:test", 60) == 4  # the window runs from the first hit
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        assert ratelimit.hits("rl:test") == 0
        assert ratelimit.count("rl:test", 60) == 1


def test_over_limit_after_limit_hits_per_client():
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    key = ratelimit.client_key(request, "rl-client")
    assert key == "rl-client:198.51.100.7"
    cache.delete(key)
    assert [ratelimit.over_limit(key, 2) for _ in range(4)] == [False, False, True, True]
