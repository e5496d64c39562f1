"""API tokens for system-to-system calls, and the API's authentication and write checks.

A token reads `edx_<prefix>_<secret>`; only its SHA-256 is stored. It acts as its `user`
(whose role assignments scope every read) limited to its scopes: "read" allows GET,
"write" also POST/PATCH. Tokens bypass TOTP (a system has no phone); a browser session of a
staff role must have passed it, as on the web pages."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from edudx.audit.services import audit_record
from edudx.core import rows
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, NotFound
from edudx.core.scope import scope_of
from edudx.org.models import OrgUnit
from edudx.people.selectors import unit_visible

from .models import ApiToken, User
from .scope import ASSIGNMENT_COLUMNS, assignments_join, build_scope

SCOPES = ("read", "write")
TOKEN_PREFIX = "edx"  # noqa: S105 — the public marker of our tokens, not a secret
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# last_used_at is refreshed at most this often, so a busy sync does not write on every call.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _parse(raw: str) -> str | None:
    """The prefix of a well-formed token, else None."""
    parts = (raw or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != 8 or not parts[2]:
        return None
    return parts[1]


NAME_MAX = ApiToken._meta.get_field("name").max_length


def token_create(*, actor, user: User, name: str, scopes) -> tuple[ApiToken, str]:
    """Issue a token; returns it with the raw value, which is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError("token.name", _("Tên mã truy cập không được để trống."), field="name")
    if len(name) > NAME_MAX:  # the column's length: PostgreSQL refuses a longer one
        raise DomainError(
            "token.name_length",
            _("Tên mã truy cập dài tối đa %(n)s ký tự.") % {"n": NAME_MAX},
            field="name",
        )
    scopes = sorted(set(scopes or ()))
    if not scopes or any(s not in SCOPES for s in scopes):
        raise DomainError(
            "token.scopes",
            _("Phạm vi mã truy cập chỉ gồm: %(v)s.") % {"v": ", ".join(SCOPES)},
            field="scopes",
        )
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name, user=user, token_hash=ApiToken.hash(raw), prefix=prefix, scopes=scopes
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="accounts.api_token",
            object_id=token.pk,
            object_repr=f"{name} ({prefix}) → {user.username}",
            changes={"scopes": [None, ",".join(scopes)]},
        )
    return token, raw


def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor,
                action="update",
                object_type="accounts.api_token",
                object_id=token.pk,
                object_repr=str(token),
                changes={"revoked_at": [None, token.revoked_at.isoformat()]},
            )
    return token


def may_hold_tokens(user) -> bool:
    """Tokens act for a system that reads or writes a unit's data: whoever sees whole units
    (a unit-wide role: officer, principal, clerk, administrator) may issue its own."""
    if not getattr(user, "is_authenticated", False):
        return False
    scope = scope_of(user)
    return scope.everything or bool(scope.unit_paths)


def tokens_of(user) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones too, marked)."""
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))


def token_revoke_own(*, actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens; another's is 404, as if it did not exist."""
    token = ApiToken.objects.filter(pk=token_id, user=actor).first()
    if token is None:
        raise NotFound("token.not_found", _("Không tìm thấy mã truy cập."))
    return token_revoke(actor=actor, token=token)


_TOKEN_FIELDS = ApiToken._meta.concrete_fields
_USER_FIELDS = User._meta.concrete_fields


def token_authenticate(raw: str) -> ApiToken | None:
    """The live token for `raw`, or None (unknown, malformed or revoked). One query reads
    the token, its user and the user's role assignments, and the user's scope is built from
    them: every API call by a system starts here."""
    if _parse(raw) is None:
        return None
    sql = (
        f"SELECT {rows.columns('t', _TOKEN_FIELDS)}, {rows.columns('u', _USER_FIELDS)}, "
        f"{', '.join(ASSIGNMENT_COLUMNS)} FROM {ApiToken._meta.db_table} t "
        f"JOIN {User._meta.db_table} u ON u.id = t.user_id "
        f"{assignments_join('u.id')} "
        "WHERE t.token_hash = %s AND t.revoked_at IS NULL"
    )
    k = len(ASSIGNMENT_COLUMNS)  # the last k columns, as the driver returns them
    found = rows.fetch(
        sql, [ApiToken.hash(raw.strip())], [*_TOKEN_FIELDS, *_USER_FIELDS, *[None] * k]
    )
    if not found:
        return None
    first, n = found[0], len(_TOKEN_FIELDS)
    token = ApiToken.from_db(DEFAULT_DB_ALIAS, [f.attname for f in _TOKEN_FIELDS], first[:n])
    user = User.from_db(DEFAULT_DB_ALIAS, [f.attname for f in _USER_FIELDS], first[n:-k])
    if not user.is_active:
        return None
    token.user = user
    user.__dict__["scope"] = build_scope(user, [row[-k:] for row in found])
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer edx_<prefix>_<secret>`."""

    def authenticate(self, request, token: str):
        api_token = token_authenticate(token)
        if api_token is None:
            return None
        if request.method not in SAFE_METHODS and "write" not in api_token.scopes:
            raise Forbidden(
                "auth.token_scope", _("Mã truy cập API này chỉ có quyền đọc, không được ghi.")
            )
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


class VerifiedSessionAuth(SessionAuth):
    """Django session; CSRF-checked for unsafe methods; staff roles must have passed TOTP."""

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = request.user
        if not user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False):
            if check_csrf(request) is not None:
                raise Forbidden(
                    "auth.csrf", _("Thiếu hoặc sai mã CSRF; hãy tải lại trang rồi thử lại.")
                )
        if settings.REQUIRE_2FA and user.is_staff_role and not user.is_verified():
            raise Forbidden(
                "auth.otp_required",
                _("Tài khoản cán bộ phải xác thực hai lớp (OTP) trước khi dùng API."),
            )
        request.api_token = None
        return user


def actor_key(request) -> str:
    """Who is acting, for idempotency keys: the token if any, else the user."""
    token = getattr(request, "api_token", None)
    return f"token:{token.pk}" if token is not None else f"user:{request.user.pk}"


def require_unit_access(request, unit: OrgUnit | None) -> None:
    """Writes under `unit` need a unit-wide role covering it (principal, clerk, officer,
    admin). The tree is visible to every signed-in user, so refusing says nothing new: 403.
    A root unit (no parent) needs the whole tree."""
    if unit is None:
        allowed = scope_of(request.user).everything
    else:
        allowed = unit_visible(actor=request.user, unit=unit)
    if not allowed:
        raise Forbidden(
            "auth.unit_scope", _("Bạn không có quyền ghi dữ liệu tại đơn vị này."), field=None
        )
