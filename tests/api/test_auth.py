"""Sessions and API tokens: CSRF, TOTP for staff sessions, token scopes, revocation."""

import datetime as dt

import pytest
from django.test import Client

from edudx.accounts.models import ApiToken, Role, User
from edudx.accounts.scope import build_scope
from edudx.accounts.tokens import token_authenticate, token_create, token_revoke
from edudx.core.errors import DomainError
from edudx.org.models import OrgUnit
from tests.factories import UserFactory, grant

from .conftest import API, session_client, token_client

NEW_STUDENT = {"full_name": "Lò Thị Mai", "date_of_birth": "2013-01-02", "sex": "F"}


def test_token_create_stores_only_the_hash(district):
    user = district.user(Role.CLERK, district.school_a)
    token, raw = token_create(actor=user, user=user, name="SMAS sync", scopes=["write", "read"])
    prefix = raw.split("_", 2)[1]
    assert raw.startswith(f"edx_{prefix}_")
    assert token.prefix == prefix
    assert token.scopes == ["read", "write"]
    assert token.token_hash == ApiToken.hash(raw)
    assert not ApiToken.objects.filter(token_hash=raw).exists()
    assert raw not in str(ApiToken.objects.values().get(pk=token.pk))


@pytest.mark.parametrize(
    ("name", "scopes", "code"),
    [("", ["read"], "token.name"), ("x", [], "token.scopes"), ("x", ["admin"], "token.scopes")],
    ids=["no-name", "no-scope", "unknown-scope"],
)
def test_token_create_rejects_bad_input(district, name, scopes, code):
    user = district.user(Role.CLERK, district.school_a)
    with pytest.raises(DomainError) as exc:
        token_create(actor=user, user=user, name=name, scopes=scopes)
    assert exc.value.code == code


def test_token_use_updates_last_used_at(district):
    user = district.user(Role.CLERK, district.school_a)
    token, raw = token_create(actor=None, user=user, name="sync", scopes=["read"])
    assert token.last_used_at is None
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get(f"{API}/students")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_read_only_token_gets_403_on_post_and_patch(district):
    client = token_client(district.user(Role.CLERK, district.school_a), scopes=["read"])
    created = client.post(
        f"{API}/students",
        {**NEW_STUDENT, "school_id": district.school_a.pk, "class_id": district.class_a.pk},
        content_type="application/json",
    )
    patched = client.patch(
        f"{API}/students/{district.student_a1.pk}",
        {"phone": "0912345678"},
        content_type="application/json",
    )
    expected = {
        "code": "auth.token_scope",
        "message": "Mã truy cập API này chỉ có quyền đọc, không được ghi.",
        "field": None,
        "row": None,
    }
    assert (created.status_code, created.json()) == (403, expected)
    assert (patched.status_code, patched.json()) == (403, expected)
    assert client.get(f"{API}/students").status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Bearer edx_00000000_nope", "Bearer not-a-token", "Token abc"],
    ids=["unknown", "malformed", "other-scheme"],
)
def test_bad_tokens_get_401(district, header):
    response = Client(headers={"Authorization": header}).get(f"{API}/students")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"


def test_revoked_token_gets_401(district):
    user = district.user(Role.CLERK, district.school_a)
    token, raw = token_create(actor=None, user=user, name="old", scopes=["read"])
    token_revoke(actor=user, token=token)
    assert token_authenticate(raw) is None
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get(f"{API}/students")
    assert response.status_code == 401


def test_token_of_inactive_user_gets_401(district):
    user = district.user(Role.CLERK, district.school_a)
    _token, raw = token_create(actor=None, user=user, name="x", scopes=["read"])
    user.is_active = False
    user.save()
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get(f"{API}/students")
    assert response.status_code == 401


def test_last_used_at_is_not_rewritten_on_every_call(district):
    user = district.user(Role.CLERK, district.school_a)
    token, raw = token_create(actor=None, user=user, name="x", scopes=["read"])
    first = token_authenticate(raw).last_used_at
    assert token_authenticate(raw).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=5))
    assert token_authenticate(raw).last_used_at > first - dt.timedelta(minutes=5)


def test_staff_session_without_totp_gets_403(district):
    client = session_client(district.user(Role.PRINCIPAL, district.school_a), verify=False)
    response = client.get(f"{API}/students")
    assert response.status_code == 403
    assert response.json() == {
        "code": "auth.otp_required",
        "message": "Tài khoản cán bộ phải xác thực hai lớp (OTP) trước khi dùng API.",
        "field": None,
        "row": None,
    }


def test_staff_session_after_totp_is_let_in(district):
    client = session_client(district.user(Role.PRINCIPAL, district.school_a))
    assert client.get(f"{API}/students").json()["count"] == 2


def test_totp_not_required_when_2fa_is_off(district, settings):
    settings.REQUIRE_2FA = False
    client = session_client(district.user(Role.PRINCIPAL, district.school_a), verify=False)
    assert client.get(f"{API}/students").status_code == 200


def test_session_post_needs_csrf_token(district):
    user = district.user(Role.PRINCIPAL, district.school_a)
    client = session_client(user, enforce_csrf_checks=True)
    body = {**NEW_STUDENT, "school_id": district.school_a.pk, "class_id": district.class_a.pk}

    refused = client.post(f"{API}/students", body, content_type="application/json")
    client.get(f"{API}/docs")  # sets the csrftoken cookie
    accepted = client.post(
        f"{API}/students",
        body,
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )

    assert refused.status_code == 403
    assert refused.json()["code"] == "auth.csrf"
    assert accepted.status_code == 201


def test_token_requests_need_no_csrf(district):
    user = district.user(Role.PRINCIPAL, district.school_a)
    _token, raw = token_create(actor=None, user=user, name="x", scopes=["read", "write"])
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})
    body = {**NEW_STUDENT, "school_id": district.school_a.pk, "class_id": district.class_a.pk}
    assert client.post(f"{API}/students", body, content_type="application/json").status_code == 201


def test_token_reads_token_user_and_scope_in_one_query(district, django_assert_num_queries):
    """The token, its user and the user's role assignments come in one query, and the scope
    built from them is the one the user's own query builds: several roles, a unit that no
    longer exists (a merged commune), taught classes (one more query, as for a session)."""
    user = district.teacher_user()
    grant(user, Role.CLERK, district.school_b)
    grant(user, Role.COMMUNE_OFFICER, district.commune_a)
    OrgUnit.objects.filter(pk=district.commune_a.pk).update(valid_to=dt.date(2025, 7, 1))
    token, raw = token_create(actor=None, user=user, name="x", scopes=["read"])
    token_authenticate(raw)  # stamps last_used_at: the next call writes nothing
    with django_assert_num_queries(2):  # the token with all of it; the taught classes
        found = token_authenticate(raw)
        scope = found.user.scope
    assert (found.pk, found.user.pk, found.user.person_id, found.scopes) == (
        token.pk,
        user.pk,
        district.teacher_a.person_id,
        ["read"],
    )
    fresh = build_scope(User.objects.get(pk=user.pk))
    assert scope == fresh
    assert scope.unit_paths == (district.school_b.path,)
    assert scope.class_ids == frozenset({district.class_a.pk})
    assert scope.roles == frozenset({Role.TEACHER, Role.CLERK, Role.COMMUNE_OFFICER})


def test_token_of_a_user_without_roles_sees_nothing(district, django_assert_num_queries):
    user = UserFactory()
    _token, raw = token_create(actor=None, user=user, name="x", scopes=["read"])
    token_authenticate(raw)
    with django_assert_num_queries(1):
        scope = token_authenticate(raw).user.scope
    assert scope.is_empty
    assert scope.roles == frozenset()
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get(f"{API}/students")
    assert (response.status_code, response.json()["count"]) == (200, 0)
