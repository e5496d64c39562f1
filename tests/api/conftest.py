"""API test helpers: a client per caller, authenticated the two honest ways: a bearer token
made by the real token service, or a session that logged in and passed TOTP through the
real /accounts/otp/ page."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from edudx.accounts.models import Role
from edudx.accounts.tokens import token_create

API = "/api/v1"


def token_client(user, scopes=("read", "write"), **headers) -> Client:
    _token, raw = token_create(actor=None, user=user, name="test", scopes=scopes)
    return Client(headers={"Authorization": f"Bearer {raw}", **headers})


def otp_verify(client: Client, user) -> None:
    """Pass the second factor the way a person does: a TOTP code posted to the OTP page."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.get(reverse("accounts:otp"))  # sets the CSRF cookie, as the browser would
    response = client.post(
        reverse("accounts:otp"),
        {
            "token": f"{totp(device.bin_key):06d}",
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302, response.content


def session_client(user, *, verify=True, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    if verify:
        otp_verify(client, user)
    return client


@pytest.fixture
def officer(district):
    """A province officer: sees the whole province."""
    return district.user(Role.PROVINCE_OFFICER, district.province)


@pytest.fixture
def officer_api(officer):
    return token_client(officer)
