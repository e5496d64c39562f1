from django.conf import settings
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods
from django.views.i18n import set_language
from django_otp import login as otp_login

from edudx.core.errors import DomainError

from . import services


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
