import io

import pytest
from django.core.management import CommandError, call_command

from edudx.accounts.models import ApiToken, Role


def test_token_create_prints_a_working_token_once(client, district):
    officer = district.user(Role.PROVINCE_OFFICER, district.province, username="sync-so")
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "token",
        "create",
        "--user",
        "sync-so",
        "--name",
        "CSDL ngành",
        "--scope",
        "read",
        stdout=out,
        stderr=err,
    )
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(user=officer)
    assert token.scopes == ["read"]
    assert ApiToken.hash(raw) == token.token_hash
    response = client.get("/api/v1/students", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.json()["count"] == 3
    call_command("token", "revoke", token.prefix, stdout=io.StringIO())
    again = client.get("/api/v1/students", headers={"Authorization": f"Bearer {raw}"})
    assert again.status_code == 401


def test_token_for_unknown_user_fails(db):
    with pytest.raises(CommandError, match="Không có tài khoản 'khong-co'."):
        call_command("token", "create", "--user", "khong-co", "--name", "x", "--scope", "read")
