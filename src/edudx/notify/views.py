"""The inbox (/notifications/), channel preferences, and the Web Push subscription calls
made by static/notify/push.js. Thin: everything goes through selectors and services."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edudx.core.errors import DomainError, NotFound

from . import channels, conf, selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def inbox_view(request):
    if request.method == "POST" and request.POST.get("action") == "read_all":
        n = services.mark_read(actor=request.user)
        messages.success(request, _("Đã đánh dấu %(n)s thông báo là đã đọc.") % {"n": n})
        return redirect("notify:inbox")
    unread = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox(request.user, unread=unread), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notify/inbox.html",
        {"page": page, "unread": unread, "unread_total": selectors.unread_count(request.user)},
    )


@login_required
@require_POST
def open_view(request, notification_id: int):
    try:
        n = services.notification_open(actor=request.user, notification_id=notification_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if n.url and url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()}):
        return redirect(n.url)
    return redirect("notify:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences_view(request):
    if request.method == "POST":
        services.preference_update(
            actor=request.user,
            email="email" in request.POST,
            webpush="webpush" in request.POST,
            sms="sms" in request.POST,
            zalo="zalo" in request.POST,
        )
        messages.success(request, _("Đã lưu cách nhận thông báo."))
        return redirect("notify:preferences")
    return render(
        request,
        "notify/preferences.html",
        {
            "pref": channels.preference_of(request.user),
            "subscriptions": request.user.push_subscriptions.count(),
        },
    )


@login_required
@require_GET
def push_key_view(request):
    return JsonResponse({"publicKey": conf.vapid_public_key()})


@login_required
@require_POST
def push_subscribe_view(request):
    try:
        data = json.loads(request.body or b"{}")
        keys = data.get("keys") or {}
        services.push_subscribe(
            actor=request.user,
            endpoint=str(data.get("endpoint", "")),
            p256dh=str(keys.get("p256dh", "")),
            auth=str(keys.get("auth", "")),
        )
    except (ValueError, AttributeError):
        return JsonResponse(
            {"code": "notify.push.json", "message": _("Dữ liệu không hợp lệ.")}, status=400
        )
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=400)
    return JsonResponse({"ok": True}, status=201)
