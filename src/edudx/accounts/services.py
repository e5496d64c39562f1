"""Sign-in, throttling and two-factor enrolment."""

import base64
import io
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from edudx.audit.services import audit_record
from edudx.core import ratelimit
from edudx.core.errors import DomainError
from edudx.core.text import fold

from .models import Role, RoleAssignment, User


def _keys(username: str, ip: str | None) -> list[str]:
    keys = [f"login-fail:user:{fold(username)}"]
    if ip:
        keys.append(f"login-fail:ip:{ip}")
    return keys


def _locked(keys: list[str]) -> bool:
    limit = settings.LOGIN_MAX_FAILURES
    # Per IP the limit is wider: a school shares one address behind NAT.
    return any(ratelimit.hits(k) >= (limit if ":user:" in k else limit * 10) for k in keys)


def _fail(keys: list[str]) -> None:
    for k in keys:
        ratelimit.count(k, settings.LOGIN_LOCKOUT_SECONDS)


def login_check(*, request, username: str, password: str) -> User:
    """Authenticate, with lockout after LOGIN_MAX_FAILURES failures for LOGIN_LOCKOUT_SECONDS.
    A locked account is refused even with the right password."""
    ip = request.META.get("REMOTE_ADDR")
    keys = _keys(username, ip)
    minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
    if _locked(keys):
        raise DomainError(
            "login.locked",
            _("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(m)s phút.") % {"m": minutes},
            field="username",
        )
    user = authenticate(request, username=username, password=password)
    if user is None:
        _fail(keys)
        if _locked(keys):
            audit_record(
                actor=None,
                action="lockout",
                object_type="accounts.user",
                object_id=fold(username)[:64],
                object_repr=username[:150],
            )
            raise DomainError(
                "login.locked",
                _("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(m)s phút.") % {"m": minutes},
                field="username",
            )
        raise DomainError(
            "login.invalid", _("Tên đăng nhập hoặc mật khẩu không đúng."), field="password"
        )
    cache.delete(keys[0])
    audit_record(
        actor=user,
        action="login",
        object_type="accounts.user",
        object_id=user.pk,
        object_repr=user.username,
    )
    return user


def language_remember(*, user: User, language: str | None) -> str:
    """The user's language after a sign-in or a switch: a language chosen on this device
    (`language`, from the switch or its cookie) is stored on the account, so it follows the
    user to other devices and to answers given before Django reads the session (the
    admissions gate reads only the cookie); with no choice here, the stored one applies."""
    codes = {code for code, _name in settings.LANGUAGES}
    language = (language or "").lower().split("-")[0]
    if language not in codes:
        return user.language if user.language in codes else settings.LANGUAGE_CODE
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return language


def needs_second_factor(user: User) -> bool:
    return settings.REQUIRE_2FA and user.is_staff_role


def has_device(user: User) -> bool:
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or StaticDevice.objects.filter(user=user, confirmed=True).exists()
    )


@dataclass
class Enrolment:
    device: TOTPDevice
    secret: str  # base32, for typing into an authenticator app
    uri: str
    qr_svg: str  # data: URI, allowed by the CSP's img-src


def totp_enrolment(user: User) -> Enrolment:
    """The pending (unconfirmed) TOTP device for `user`, created on first call."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="EduDX", confirmed=False)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    uri = device.config_url
    img = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    img.save(buf)
    svg = "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()
    return Enrolment(device=device, secret=secret, uri=uri, qr_svg=svg)


def second_factor_verify(*, user: User, token: str):
    """Check a TOTP or backup code. Confirms a pending TOTP device on first success."""
    token = "".join((token or "").split())
    device = match_token(user, token) if token else None
    if device is None:
        pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if pending is not None and token and pending.verify_token(token):
            with transaction.atomic():
                pending.confirmed = True
                pending.save(update_fields=["confirmed"])
                audit_record(
                    actor=user,
                    action="update",
                    object_type="accounts.user",
                    object_id=user.pk,
                    object_repr=user.username,
                    changes={"totp": [None, "enrolled"]},
                )
            return pending
        raise DomainError(
            "otp.invalid", _("Mã xác thực không đúng hoặc đã hết hạn."), field="token"
        )
    return device


def role_grant(*, actor, user: User, role: str, unit) -> RoleAssignment:
    if role not in Role.values:
        raise DomainError("role.invalid", _("Vai trò không hợp lệ."), field="role")
    with transaction.atomic():
        ra, _created = RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit)
        audit_record(
            actor=actor,
            action="create",
            object_type="accounts.role",
            object_id=ra.pk,
            object_repr=f"{user.username} {role}",
            changes={"unit": [None, str(getattr(unit, "pk", None))]},
        )
    return ra
