"""/accounts/tokens/: a unit's officer issues an API token for a system (shown once), sees
when it was used, revokes it; others' tokens are out of reach."""

import re

import pytest
from django.conf import settings
from django.test import Client

from edudx.accounts.models import ApiToken, Role
from edudx.audit.models import AuditEvent
from tests.pages.conftest import otp_login

pytestmark = pytest.mark.django_db

PAGE = "/accounts/tokens/"


@pytest.fixture
def officer(district):
    return district.user(Role.COMMUNE_OFFICER, district.commune_a)


def test_issue_use_and_revoke_a_token(district, officer):
    client = otp_login(Client(), officer)
    assert "Bạn chưa cấp mã truy cập nào." in client.get(PAGE).content.decode()

    response = client.post(PAGE, {"action": "create", "name": "CSDL ngành tỉnh", "scope": "read"})
    assert (response.status_code, response.url) == (302, PAGE)  # a reload cannot issue twice
    body = client.get(PAGE).content.decode()
    raw = re.search(r'<code class="secret" id="raw-token">(edx_[^<]+)</code>', body).group(1)
    token = ApiToken.objects.get(user=officer)
    assert (token.name, token.scopes, raw.split("_")[1]) == (
        "CSDL ngành tỉnh",
        ["read"],
        token.prefix,
    )
    assert AuditEvent.objects.filter(object_type="accounts.api_token", action="create").count() == 1

    # The system syncs with it; the page then says when it was last used, never the token.
    system = Client(headers={"Authorization": f"Bearer {raw}"})
    feed = system.get("/api/v1/students/changes")
    assert feed.status_code == 200
    assert sorted(i["full_name"] for i in feed.json()["items"]) == [
        "Nguyễn Văn An",
        "Trần Thị Bình",
    ]
    assert system.post("/api/v1/students", {}, content_type="application/json").status_code == 403
    page = client.get(PAGE).content.decode()
    assert raw not in page and f"edx_{token.prefix}_…" in page and "Chỉ đọc" in page
    token.refresh_from_db()
    assert token.last_used_at is not None

    assert client.post(PAGE, {"action": "revoke", "token_id": token.pk}).status_code == 302
    assert system.get("/api/v1/students/changes").status_code == 401
    assert "Đã thu hồi lúc" in client.get(PAGE).content.decode()


def test_a_write_token_and_a_missing_name(officer):
    client = otp_login(Client(), officer)
    client.post(PAGE, {"action": "create", "name": "Phần mềm trường", "scope": "write"})
    assert ApiToken.objects.get(user=officer).scopes == ["read", "write"]
    missing = client.post(PAGE, {"action": "create", "name": "  ", "scope": "write"})
    assert missing.status_code == 400
    # The name marked and focused, its error under it; the rights as chosen.
    assert (
        'value="  " aria-invalid="true" aria-describedby="e-name" autofocus>\n    <p '
        'class="field-error" id="e-name" role="alert">Tên mã truy cập không được để trống.</p>'
    ) in missing.content.decode()
    assert '<input type="radio" name="scope" value="write" checked>' in missing.content.decode()
    # Longer than the column: an error at the name on both engines (PostgreSQL raised).
    long = client.post(PAGE, {"action": "create", "name": "x" * 101, "scope": "read"})
    assert long.status_code == 400
    assert (
        '<p class="field-error" id="e-name" role="alert">Tên mã truy cập dài tối đa 100 ký tự.</p>'
    ) in long.content.decode()
    assert ApiToken.objects.filter(user=officer).count() == 1


def test_others_tokens_and_roles_without_tokens(district, officer):
    other = district.user(Role.PRINCIPAL, district.school_b)
    client = otp_login(Client(), other)
    client.post(PAGE, {"action": "create", "name": "Phần mềm trường B", "scope": "read"})
    theirs = ApiToken.objects.get(user=other)
    mine = otp_login(Client(), officer)
    assert mine.post(PAGE, {"action": "revoke", "token_id": theirs.pk}).status_code == 404
    assert "Phần mềm trường B" not in mine.get(PAGE).content.decode()
    theirs.refresh_from_db()
    assert theirs.revoked_at is None

    teacher = otp_login(Client(), district.teacher_user())
    assert teacher.get(PAGE).status_code == 403
    assert Client().get(PAGE).status_code == 302  # to the login page


def test_the_page_in_english(officer):
    client = otp_login(Client(), officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(PAGE).content.decode()
    assert "<h1>API access tokens</h1>" in body
    assert "You have not issued any access token yet." in body
