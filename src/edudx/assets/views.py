"""Asset pages: thin — parse, call a selector or a service, render. Staff pages sit behind the
staff two-factor middleware (accounts.middleware); writes check `selectors.may_write`."""

import datetime as dt
from itertools import chain

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from edudx.core.api_errors import Forbidden
from edudx.core.errors import (
    DomainError,
    DomainErrors,
    ErrorItem,
    field_messages,
    first_invalid,
)
from edudx.core.params import int_param
from edudx.core.tables import table_download
from edudx.core.validators import parse_date

from . import selectors, services
from .models import SEEN_CONDITIONS, Condition, Funding, RoomCondition, RoomKind

PAGE_SIZE = 50
LABELS = {
    "tag": gettext_lazy("Mã tài sản"),
    "name": gettext_lazy("Tên"),
    "category_id": gettext_lazy("Loại tài sản"),
    "room_id": gettext_lazy("Phòng"),
    "location": gettext_lazy("Vị trí"),
    "serial": gettext_lazy("Số sê-ri"),
    "acquired_on": gettext_lazy("Ngày đưa vào sử dụng"),
    "value": gettext_lazy("Nguyên giá"),
    "funding": gettext_lazy("Nguồn kinh phí"),
    "condition": gettext_lazy("Tình trạng"),
    "kind": gettext_lazy("Loại phòng"),
    "floor_area": gettext_lazy("Diện tích"),
    "disposed_on": gettext_lazy("Ngày thanh lý"),
    "reason": gettext_lazy("Lý do"),
    "check_date": gettext_lazy("Ngày kiểm kê"),
    "note": gettext_lazy("Ghi chú"),
}
FORM_NAMES = {"category_id": "category", "room_id": "room"}  # service field → form field
ROOM_ORDER = ("name", "kind", "floor_area", "condition")  # assets/_room_fields.html
# The item form's fields top to bottom (assets/_item_fields.html): the first in error is
# focused.
ITEM_ORDER = (
    "tag", "name", "category", "room", "location", "serial", "acquired_on", "value", "funding",
    "condition", "notes",
)  # fmt: skip


def _errors(request, exc: DomainError) -> dict[str, list[str]]:
    """Flash every message, led by its field's label (core.errors.field_messages); return
    them by the form's field name (the service's `category_id` is the form's `category`)
    to show under each field."""
    by_field = field_messages(exc, LABELS, FORM_NAMES)
    for text in chain.from_iterable(by_field.values()):
        messages.error(request, text)
    return by_field


def _guard(view):
    """Domain errors of a page: NotFound → 404, Forbidden → 403."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except DomainError as exc:
            if exc.status == 404:
                raise Http404(str(exc)) from exc
            raise

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return login_required(wrapped)


def _school_context(request) -> dict:
    """The school picked (?school=) among those the actor reads, and whether they write."""
    schools = selectors.schools_for(request.user)
    if not schools:
        raise PermissionDenied(_("Trang này dành cho cán bộ trường và cán bộ quản lý."))
    school_id = int_param(request.GET.get("school") or request.POST.get("school"))
    school = next((s for s in schools if s.pk == school_id), schools[0])
    return {
        "schools": schools,
        "school": school,
        "may_write": selectors.may_write(request.user, school),
    }


def _school_url(name: str, school, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"school": school.pk, **params}.items())
    return f"{reverse(name)}?{query}"


def _money_in(text: str):
    """ "12.500.000", "12 500 000 đ" → 12500000; "" → None; junk → the text (refused)."""
    cleaned = "".join(ch for ch in (text or "") if ch not in ". ,đ\u00a0").strip()
    if not cleaned:
        return None
    return int(cleaned) if cleaned.isdigit() else text


def _item_form(post) -> dict:
    """The item form as the service's data; a field that cannot be parsed is refused with
    the same field name the service uses."""
    errors = []
    data = {
        "tag": post.get("tag", ""),
        "name": post.get("name", ""),
        "category_id": int_param(post.get("category")),
        "room_id": int_param(post.get("room")),
        "location": post.get("location", ""),
        "serial": post.get("serial", ""),
        "funding": post.get("funding", ""),
        "condition": post.get("condition", "") or Condition.GOOD,
        "notes": post.get("notes", ""),
        "acquired_on": None,
        "value": _money_in(post.get("value", "")),
    }
    if (post.get("acquired_on") or "").strip():
        try:
            data["acquired_on"] = parse_date(post["acquired_on"], field="acquired_on")
        except DomainError as exc:
            errors.append(exc.item)
    if isinstance(data["value"], str):
        errors.append(
            ErrorItem("asset.value", _("Nguyên giá là số nguyên đồng, không âm."), "value")
        )
    if errors:
        raise DomainErrors(errors)
    return data


def _item_values(item) -> dict:
    """The edit form's values (strings, as a POST would carry them)."""
    return {
        "tag": item.tag,
        "name": item.name,
        "category": str(item.category_id),
        "room": str(item.room_id or ""),
        "location": item.location,
        "serial": item.serial,
        "acquired_on": f"{item.acquired_on:%d/%m/%Y}" if item.acquired_on else "",
        "value": "" if item.value is None else str(item.value),
        "funding": item.funding,
        "condition": item.condition,
        "notes": item.notes,
    }


def _choices() -> dict:
    return {
        "categories": selectors.categories(),
        "fundings": Funding.choices,
        "conditions": [(v, lbl) for v, lbl in Condition.choices if v in SEEN_CONDITIONS],
        "all_conditions": Condition.choices,
        "room_kinds": RoomKind.choices,
        "room_conditions": RoomCondition.choices,
    }


@_guard
def index_view(request):
    """Officers over several schools: the summary; school staff: their register."""
    if len(selectors.schools_for(request.user, limit=2)) > 1:
        return redirect("assets:summary")
    return redirect("assets:items")


@_guard
def summary_view(request):
    """Per school in scope, for a school year (?year=2025: 2025-2026; default the current)."""
    current = selectors.school_year_bounds(timezone.localdate())[0].year
    year = int_param(request.GET.get("year"))
    # Any past school year by its link; the menu offers the last five.
    year = year if year is not None and 2000 <= year <= current else current
    rows = selectors.summary(actor=request.user, day=dt.date(year, 9, 1))
    if not rows:
        raise PermissionDenied(_("Trang này dành cho cán bộ trường và cán bộ quản lý."))
    totals = {
        k: sum(r[k] for r in rows) for k in ("items", "value", "checked", "recorded", "computers")
    }
    years = [(y, f"{y}-{y + 1}") for y in range(current, current - 5, -1)]
    return render(
        request,
        "assets/summary.html",
        {"rows": rows, "totals": totals, "year": year, "years": years},
    )


@_guard
def items_view(request):
    ctx = _school_context(request)
    school = ctx["school"]
    filters = selectors.ItemFilters(
        school_id=school.pk,
        room_id=int_param(request.GET.get("room")),
        category_id=int_param(request.GET.get("category")),
        condition=request.GET.get("condition", ""),
        q=request.GET.get("q", "")[:100],
    )
    qs = selectors.item_list(actor=request.user, filters=filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "assets/items.html",
        {
            **ctx,
            **_choices(),
            "page": page,
            "filters": filters,
            "rooms": selectors.rooms_of(school),
            "query": params.urlencode(),
        },
    )


@_guard
def export_view(request):
    """The school's register as CSV (UTF-8 with BOM; dd/mm/yyyy; whole đồng), disposed
    items included, with the filters of the page."""
    ctx = _school_context(request)
    school = ctx["school"]
    filters = selectors.ItemFilters(
        school_id=school.pk,
        room_id=int_param(request.GET.get("room")),
        category_id=int_param(request.GET.get("category")),
        condition=request.GET.get("condition", "") or "all",
        q=request.GET.get("q", "")[:100],
    )
    head = [
        _("Mã tài sản"),
        _("Tên"),
        _("Loại"),
        _("Phòng / vị trí"),
        _("Số sê-ri"),
        _("Ngày đưa vào sử dụng"),
        _("Nguyên giá (đồng)"),
        _("Nguồn kinh phí"),
        _("Tình trạng"),
        _("Ngày thanh lý"),
        _("Lý do thanh lý"),
        _("Ghi chú"),
    ]
    rows = [
        [
            i.tag,
            i.name,
            i.category.name,
            i.room.name if i.room_id else i.location,
            i.serial,
            f"{i.acquired_on:%d/%m/%Y}" if i.acquired_on else "",
            "" if i.value is None else str(i.value),
            i.get_funding_display(),
            i.get_condition_display(),
            f"{i.disposed_on:%d/%m/%Y}" if i.disposed_on else "",
            i.disposal_reason,
            i.notes,
        ]
        for i in selectors.item_list(actor=request.user, filters=filters).iterator(2000)
    ]
    name = f"tai-san-{school.code or school.pk}-{timezone.localdate():%Y%m%d}"
    return table_download("csv", name, [(school.name, head, rows)])


@require_http_methods(["GET", "POST"])
@_guard
def item_new_view(request):
    ctx = _school_context(request)
    school = ctx["school"]
    selectors.require_write(request.user, school)
    form = request.POST if request.method == "POST" else {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            item = services.item_create(
                actor=request.user, school=school, data=_item_form(request.POST)
            )
        except DomainError as exc:
            errors = _errors(request, exc)
        else:
            messages.success(request, _("Đã thêm tài sản %(t)s.") % {"t": item.tag})
            return redirect("assets:item", item_id=item.pk)
    return render(
        request,
        "assets/item_form.html",
        {
            **ctx,
            **_choices(),
            "rooms": selectors.rooms_of(school),
            "form": form,
            "item": None,
            "errors": errors,
            "focus": first_invalid(errors, ITEM_ORDER),
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
@_guard
def item_view(request, item_id: int):
    item = selectors.item_get(actor=request.user, item_id=item_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        selectors.require_write(request.user, item.school)
        try:
            services.item_update(actor=request.user, item=item, data=_item_form(request.POST))
        except DomainError as exc:
            errors = _errors(request, exc)
            item = selectors.item_get(actor=request.user, item_id=item_id)
        else:
            messages.success(request, _("Đã lưu tài sản %(t)s.") % {"t": item.tag})
            return redirect("assets:item", item_id=item.pk)
    values = request.POST if request.method == "POST" else _item_values(item)
    return _item_page(request, item, values=values, errors=errors)


def _item_page(request, item, *, values, errors, disposal=None):
    """The item's page: its record, inventory history, the edit form (`values`) and the
    disposal form (`disposal`: what was typed in it when it was refused). `errors` are
    keyed by field, the disposal form's "dispose_<field>"."""
    may_write = selectors.may_write(request.user, item.school)
    return render(
        request,
        "assets/item.html",
        {
            **_choices(),
            "item": item,
            "school": item.school,
            "may_write": may_write and item.condition != Condition.DISPOSED,
            "rooms": selectors.rooms_of(item.school),
            "history": selectors.item_history(item),
            "values": values,
            "disposal": disposal or {},
            "today": timezone.localdate(),
            "errors": errors,
            "focus": first_invalid(errors, (*ITEM_ORDER, "dispose_disposed_on", "dispose_reason")),
        },
        status=400 if errors else 200,
    )


@require_POST
@_guard
def item_dispose_view(request, item_id: int):
    item = selectors.item_get(actor=request.user, item_id=item_id)
    selectors.require_write(request.user, item.school)
    try:
        day = parse_date(request.POST.get("disposed_on"), field="disposed_on")
        services.item_dispose(
            actor=request.user, item=item, disposed_on=day, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        # The item's page again (400), the disposal form as typed, its errors under it.
        errors = {f"dispose_{k}": v for k, v in _errors(request, exc).items()}
        item = selectors.item_get(actor=request.user, item_id=item_id)
        return _item_page(
            request, item, values=_item_values(item), errors=errors, disposal=request.POST
        )
    messages.success(request, _("Đã thanh lý tài sản %(t)s.") % {"t": item.tag})
    return redirect("assets:item", item_id=item.pk)


def _room_form(post) -> dict:
    area = (post.get("floor_area") or "").strip().replace(",", ".")
    return {
        "name": post.get("name", ""),
        "kind": post.get("kind", ""),
        "floor_area": area or None,
        "condition": post.get("condition", "") or RoomCondition.GOOD,
    }


@require_http_methods(["GET", "POST"])
@_guard
def rooms_view(request):
    ctx = _school_context(request)
    school = ctx["school"]
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        selectors.require_write(request.user, school)
        try:
            room = services.room_create(
                actor=request.user, school=school, **_room_form(request.POST)
            )
        except DomainError as exc:
            errors = _errors(request, exc)
        else:
            messages.success(request, _("Đã thêm phòng %(n)s.") % {"n": room.name})
            return redirect(_school_url("assets:rooms", school))
    rooms = selectors.room_list(actor=request.user, school_id=school.pk)
    return render(
        request,
        "assets/rooms.html",
        {
            **ctx,
            **_choices(),
            "rooms": rooms,
            "values": request.POST if errors else None,
            "errors": errors,
            "focus": first_invalid(errors, ROOM_ORDER),
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
@_guard
def room_view(request, room_id: int):
    room = selectors.room_get(actor=request.user, room_id=room_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        selectors.require_write(request.user, room.school)
        try:
            services.room_update(actor=request.user, room=room, **_room_form(request.POST))
        except DomainError as exc:
            errors = _errors(request, exc)
            room = selectors.room_get(actor=request.user, room_id=room_id)
        else:
            messages.success(request, _("Đã lưu phòng %(n)s.") % {"n": room.name})
            return redirect("assets:room", room_id=room.pk)
    items = selectors.item_list(
        actor=request.user,
        filters=selectors.ItemFilters(school_id=room.school_id, room_id=room.pk),
    )[:500]
    return render(
        request,
        "assets/room.html",
        {
            **_choices(),
            "room": room,
            "school": room.school,
            "may_write": selectors.may_write(request.user, room.school),
            "items": items,
            "values": request.POST if errors else room,
            "errors": errors,
            "focus": first_invalid(errors, ROOM_ORDER),
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
@_guard
def checks_view(request):
    ctx = _school_context(request)
    school = ctx["school"]
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        selectors.require_write(request.user, school)
        try:
            day = parse_date(request.POST.get("check_date"), field="check_date")
            check = services.check_open(
                actor=request.user, school=school, check_date=day, note=request.POST.get("note", "")
            )
        except DomainError as exc:
            errors = _errors(request, exc)
        else:
            return redirect("assets:check", check_id=check.pk)
    return render(
        request,
        "assets/checks.html",
        {
            **ctx,
            "checks": selectors.checks_of(school),
            "open_check": selectors.open_check(school),
            "today": timezone.localdate(),
            "values": request.POST if errors else None,
            "errors": errors,
            "focus": first_invalid(errors, ("check_date", "note")),
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
@_guard
def check_view(request, check_id: int):
    check = selectors.check_get(actor=request.user, check_id=check_id)
    may_write = selectors.may_write(request.user, check.school)
    if request.method == "POST" and request.POST.get("action") == "close":
        selectors.require_write(request.user, check.school)
        try:
            services.check_close(actor=request.user, check=check)
        except DomainError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Đã kết thúc đợt kiểm kê."))
        return redirect("assets:check", check_id=check.pk)
    rooms = selectors.check_rooms(check)
    return render(
        request,
        "assets/check.html",
        {
            "check": check,
            "school": check.school,
            "may_write": may_write and check.is_open,
            "rooms": rooms,
            "total": sum(r["n"] for r in rooms),
            "done": sum(r["done"] for r in rooms),
        },
    )


def _room_of_key(check, room_key: str):
    """The room of a walk step ("none": items without a room), 404 outside the school."""
    if room_key == "none":
        return None, None
    room_id = int_param(room_key)
    rooms = {r.pk: r for r in selectors.rooms_of(check.school)}
    if room_id not in rooms:
        raise Http404
    return room_id, rooms[room_id]


@require_http_methods(["GET", "POST"])
@_guard
def check_room_view(request, check_id: int, room_key: str):
    """One room of the walk: tick each item found or not, and the condition seen."""
    check = selectors.check_get(actor=request.user, check_id=check_id)
    room_id, room = _room_of_key(check, room_key)
    items = selectors.check_room_items(check, room_id)
    may_write = selectors.may_write(request.user, check.school) and check.is_open
    if request.method == "POST":
        selectors.require_write(request.user, check.school)
        results = {}
        for item in items:
            answer = request.POST.get(f"found-{item.pk}")
            if answer in {"yes", "no"}:
                seen = request.POST.get(f"cond-{item.pk}") or item.condition
                results[item.pk] = (answer == "yes", seen)
        try:
            n = services.inventory_record(
                actor=request.user, check=check, room_id=room_id, results=results
            )
        except DomainError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Đã lưu %(n)s tài sản.") % {"n": n})
            return redirect("assets:check", check_id=check.pk)
        items = selectors.check_room_items(check, room_id)
    return render(
        request,
        "assets/check_room.html",
        {
            **_choices(),
            "check": check,
            "school": check.school,
            "room": room,
            "items": items,
            "may_write": may_write,
        },
    )
