import pytest
from django.utils import translation

from .factories import District


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings, request):
    """Argon2 costs ~0.4 s per user on purpose; tests that are not about passwords use MD5.
    A test marked `real_hashers` keeps the production setting."""
    if request.node.get_closest_marker("real_hashers") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def district(db):
    return District()


@pytest.fixture(autouse=True)
def _vietnamese(request):
    """Each test starts in Vietnamese: a request in English leaves the thread's language
    activated (LocaleMiddleware does not reset it), which would leak into the next test."""
    translation.activate("vi")
    yield
    translation.activate("vi")
