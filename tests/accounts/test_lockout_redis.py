"""Login lockout on the real shared cache (Redis), as a multi-worker deployment runs it."""

import os
import socket

import pytest
from django.core.cache import caches
from django.test import override_settings

from edudx.accounts.models import Role

REDIS_URL = os.environ.get("EDUDX_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(
    not redis_up() and os.environ.get("CI") != "true",
    reason="Redis is not running on 127.0.0.1:6379 (CI starts it)",
)

REDIS_CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
}


@override_settings(CACHES=REDIS_CACHES, LOGIN_MAX_FAILURES=2, LOGIN_LOCKOUT_SECONDS=120)
def test_lockout_is_shared_through_redis(client, district):
    caches["default"].clear()
    user = district.user(Role.GUARDIAN, None, username="ph-redis")
    for _ in range(2):
        client.post("/accounts/login/", {"username": user.username, "password": "sai"})
    assert caches["default"].get("login-fail:user:ph-redis") == 2
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": "mat-khau-dai-123"}
    )
    assert response.status_code == 400
    assert "Vui lòng thử lại sau 2 phút." in response.content.decode()
    caches["default"].clear()
