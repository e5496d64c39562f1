"""Fixed-window counters in the cache (Redis in production, so every process shares them):
how public pages that do real work per request turn away a client that floods them (the
PDF checks, anonymous feedback) and how failed attempts are counted towards a lockout
(sign-in, the public-service status look-up)."""

from django.core.cache import cache


def count(key: str, window: int) -> int:
    """One more hit on `key` in its window of `window` seconds (the window starts at the
    first hit); the hits so far in it."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window expired between add and incr: this hit opens a new one
        cache.set(key, 1, timeout=window)
        return 1


def hits(key: str) -> int:
    """The hits counted on `key` in its current window (0 when none)."""
    return cache.get(key) or 0


def over_limit(key: str, limit: int, window: int = 60) -> bool:
    """Count one more hit on `key`; True once the hits in its window exceed `limit`."""
    return count(key, window) > limit


def client_key(request, scope: str) -> str:
    """`scope` and the client's address (REMOTE_ADDR: behind a proxy, the proxy sets it)."""
    return f"{scope}:{request.META.get('REMOTE_ADDR', '')}"
