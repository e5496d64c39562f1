"""A fixed-window request counter in the cache (Redis in production, so every process
shares it): what public pages that do real work per request — verifying an uploaded PDF —
use to turn away a client that floods them."""

from django.core.cache import cache


def over_limit(key: str, limit: int, window: int = 60) -> bool:
    """Count one more hit on `key` in its current window of `window` seconds; True once the
    hits in the window exceed `limit`."""
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key) > limit
    except ValueError:  # the window expired between add and incr: this hit opens a new one
        cache.add(key, 1, timeout=window)
        return False


def client_key(request, scope: str) -> str:
    """`scope` and the client's address (REMOTE_ADDR: behind a proxy, the proxy sets it)."""
    return f"{scope}:{request.META.get('REMOTE_ADDR', '')}"
