"""Page tests sign in honestly: a real TOTP device, marked verified in the session exactly as
django_otp.login() does, so the staff two-factor middleware lets the request through."""

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def otp_login(client, user):
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def login(client):
    def _login(user):
        return otp_login(client, user)

    return _login


@pytest.fixture
def teacher_client(client, district):
    return otp_login(client, district.teacher_user())
