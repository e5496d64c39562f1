import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 takes ~0.4 s per user on purpose; these tests are not about passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
