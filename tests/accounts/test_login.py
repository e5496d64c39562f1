import time

import pytest
from django.core.cache import cache
from django.test import override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from edudx.accounts.models import Role
from edudx.audit.models import AuditEvent

PASSWORD = "mat-khau-dai-123"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def totp_now(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def post_login(client, username, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_wrong_password_message_is_vietnamese(client, district):
    user = district.user(Role.GUARDIAN, None, username="ph1")
    response = post_login(client, user.username, "sai-mat-khau")
    assert response.status_code == 400
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.content.decode()


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_SECONDS=600)
def test_lockout_after_failures_refuses_even_the_right_password(client, district):
    user = district.user(Role.GUARDIAN, None, username="ph2")
    for _ in range(2):
        assert post_login(client, user.username, "sai").status_code == 400
    third = post_login(client, user.username, "sai")
    assert "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 10 phút." in third.content.decode()
    right = post_login(client, user.username)
    assert right.status_code == 400
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="lockout", object_repr="ph2").count() == 1


def test_guardian_logs_in_without_second_factor(client, district):
    user = district.user(Role.GUARDIAN, None, username="ph3")
    response = post_login(client, user.username)
    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="login", actor=user).count() == 1


def test_teacher_must_enrol_totp_then_is_let_in(client, district):
    user = district.teacher_user()
    response = post_login(client, user.username)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/otp/")
    # Any page redirects to the second factor until it is passed.
    blocked = client.get("/people/students/")
    assert blocked.status_code == 302
    assert blocked.url.startswith("/accounts/otp/?next=/people/students/")
    page = client.get("/accounts/otp/")
    assert page.status_code == 200
    assert "Khóa bí mật" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    bad = client.post(
        "/accounts/otp/", {"token": "000000" if totp_now(device) != "000000" else "111111"}
    )
    assert bad.status_code == 400
    assert (
        '<p class="alert alert-error" id="otp-error" role="alert">Mã xác thực không đúng hoặc '
        "đã hết hạn.</p>"
    ) in bad.content.decode()
    assert (  # the code field says it was refused, and why
        'autocomplete="one-time-code" required autofocus aria-invalid="true" '
        'aria-describedby="otp-error">'
    ) in bad.content.decode()
    time.sleep(1.1)  # django-otp throttles a device for 1 s after a failure
    ok = client.post("/accounts/otp/", {"token": totp_now(device), "next": "/people/students/"})
    assert ok.status_code == 302
    assert ok.url == "/people/students/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/people/students/").status_code == 200


def test_backup_code_passes_second_factor_once(client, district):
    user = district.teacher_user()
    static = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    static.token_set.create(token="abc12345")
    post_login(client, user.username)
    assert client.post("/accounts/otp/", {"token": "abc12345"}).status_code == 302
    client.post("/accounts/logout/")
    post_login(client, user.username)
    assert client.post("/accounts/otp/", {"token": "abc12345"}).status_code == 400


def test_open_redirect_is_refused(client, district):
    user = district.user(Role.GUARDIAN, None, username="ph4")
    response = client.post(
        "/accounts/login/?next=https://evil.example/",
        {"username": user.username, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert "evil" not in response.url


@pytest.mark.real_hashers
def test_passwords_are_hashed_with_argon2(district):
    user = district.user(Role.GUARDIAN, None, username="ph5")
    assert user.password.startswith("argon2")


def test_unverified_staff_can_still_open_the_public_verify_page(client, district):
    user = district.teacher_user()
    post_login(client, user.username)  # password passed, second factor not yet
    response = client.get("/verify/")
    assert response.status_code == 200


def test_logout_clears_the_offline_copies_on_the_device(client, district):
    district.user(Role.GUARDIAN, None, username="ph_logout")
    assert post_login(client, "ph_logout").status_code == 302
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/contact/").status_code == 302  # signed out: back to the login page
