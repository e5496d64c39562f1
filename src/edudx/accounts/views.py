from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods
from django.views.i18n import set_language
from django_otp import login as otp_login

from edudx.core.errors import DomainError, NotFound, field_messages, first_invalid
from edudx.core.params import int_param

from . import services, tokens


def _next(request, default="home"):
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, {request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return default


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def login_view(request):
    error = None
    if request.method == "POST":
        try:
            user = services.login_check(
                request=request,
                username=request.POST.get("username", "").strip(),
                password=request.POST.get("password", ""),
            )
        except DomainError as exc:
            error = exc
        else:
            login(request, user)
            if services.needs_second_factor(user):
                response = redirect(f"/accounts/otp/?next={_next(request, '/')}")
            else:
                response = redirect(_next(request))
            return _with_language(response, user, request)
    return render(
        request,
        "accounts/login.html",
        {"error": error, "next": _next(request, ""), "username": request.POST.get("username", "")},
        status=400 if error else 200,
    )


def _with_language(response, user, request):
    language = services.language_remember(
        user=user, language=request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    )
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
    )
    return response


@require_http_methods(["POST"])
def language_view(request):
    """Django's language switch; a signed-in user's choice is also stored on the account."""
    response = set_language(request)
    if request.user.is_authenticated and request.POST.get("language"):
        services.language_remember(user=request.user, language=request.POST["language"])
    return response


@never_cache
@require_http_methods(["POST", "GET"])
def logout_view(request):
    if request.method == "POST":
        logout(request)
        response = redirect("accounts:login")
        # The PWA keeps the last pages seen for offline use (contact/sw.js); on a shared
        # phone the next person must not find the previous user's pages there.
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
    return render(request, "accounts/logout.html")


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def otp_view(request):
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    user = request.user
    if user.is_verified():
        return redirect(_next(request))
    enrolment = None if services.has_device(user) else services.totp_enrolment(user)
    error = None
    if request.method == "POST":
        try:
            device = services.second_factor_verify(user=user, token=request.POST.get("token", ""))
        except DomainError as exc:
            error = exc
        else:
            otp_login(request, device)
            return redirect(_next(request))
    return render(
        request,
        "accounts/otp.html",
        {"error": error, "enrolment": enrolment, "next": _next(request, "")},
        status=400 if error else 200,
    )


NEW_TOKEN_KEY = "accounts.new_token"  # noqa: S105 — a session key, not a secret


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens_view(request):
    """The user's API tokens for systems that sync with the platform: issue one (shown once,
    on the page the issuing redirects to), see when each was last used, revoke."""
    user = request.user
    if not tokens.may_hold_tokens(user):
        raise PermissionDenied(
            _("Chỉ cán bộ quản lý (Sở, phòng/xã, trường) mới cấp mã truy cập API.")
        )
    created = error = None
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                token = tokens.token_revoke_own(
                    actor=user, token_id=int_param(request.POST.get("token_id"))
                )
                messages.success(request, _("Đã thu hồi mã truy cập %(p)s.") % {"p": token.prefix})
                return redirect("accounts:tokens")
            scopes = ["read", "write"] if request.POST.get("scope") == "write" else ["read"]
            token, raw = tokens.token_create(
                actor=user, user=user, name=request.POST.get("name", ""), scopes=scopes
            )
            # Post/redirect/get: reloading the page must not issue a second token. The raw
            # value waits in the session for the one answer that shows it.
            request.session[NEW_TOKEN_KEY] = {"id": token.pk, "raw": raw}
            return redirect("accounts:tokens")
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        except DomainError as exc:
            error, status = exc, 400
    mine = tokens.tokens_of(user)
    if request.method == "GET" and (new := request.session.pop(NEW_TOKEN_KEY, None)):
        token = next((t for t in mine if t.pk == new["id"]), None)
        created = {"token": token, "raw": new["raw"]} if token is not None else None
    # A refused token: the form again with the name and rights as chosen, an error about
    # the name under it (decision 30); any other (a revoke, the rights) at the top.
    sent = request.POST if error is not None and request.POST.get("action") != "revoke" else {}
    errors = field_messages(error, {}) if sent else {}
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": mine,
            "created": created,
            "error": None if errors.get("name") else error,
            "sent": sent,
            "errors": errors,
            "focus": first_invalid(errors, ("name",)),
        },
        status=status,
    )
