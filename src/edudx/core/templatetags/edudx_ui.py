"""Site-wide presentation helpers: the role-based menu, role labels, masking of identifiers.

The menu is computed from `nav_roles` (accounts.context_processors.navigation): a set of role
strings. Entries whose page does not exist yet (the import pages of `exchange`) are left out
rather than breaking every page with NoReverseMatch."""

from django import template
from django.apps import apps
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()

STAFF_ROLES = frozenset(
    {
        "system_admin",
        "province_officer",
        "commune_officer",
        "principal",
        "clerk",
        "teacher",
        "homeroom_teacher",
    }
)
UNIT_WIDE_ROLES = frozenset(
    {"system_admin", "province_officer", "commune_officer", "principal", "clerk"}
)
IMPORT_ROLES = UNIT_WIDE_ROLES
IMPORT_PATH = "/import/"


def _roles(context) -> set[str]:
    roles = set(context.get("nav_roles") or ())
    user = context.get("user")
    if user is not None and getattr(user, "is_superuser", False):
        roles.add("system_admin")
    return roles


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _import_url() -> str | None:
    """The import pages live under /import/ (app `exchange`); shown once they exist."""
    try:
        resolve(IMPORT_PATH)
    except Resolver404:
        return None
    return IMPORT_PATH


@register.simple_tag(takes_context=True)
def nav_items(context) -> list[dict]:
    """Menu entries for the acting user's roles, each {label, url, active}."""
    roles = _roles(context)
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    section = (match.namespace or match.url_name) if match else ""
    items = [("home", _("Trang chủ"), _url("home"))]
    if roles & STAFF_ROLES:
        items.append(("org", _("Cơ cấu tổ chức"), _url("org:index")))
        items.append(("students", pgettext("menu", "Học sinh"), _url("people:student_list")))
    if roles & STAFF_ROLES:
        items.append(("attendance", _("Điểm danh"), _url("records:attendance")))
        items.append(("marks", _("Nhập điểm"), _url("records:marks")))
    if roles & {"guardian"}:
        items.append(("leave", _("Đơn xin nghỉ"), _url("records:leave")))
    if roles & UNIT_WIDE_ROLES:
        items.append(("staff", _("Cán bộ"), _url("people:staff_list")))
    if roles & IMPORT_ROLES:
        items.append(("exchange", _("Nhập dữ liệu"), _import_url()))
    for config in apps.get_app_configs():
        entries = getattr(config, "nav_entries", None)
        if entries is not None:
            items.extend((key, label, _url(name)) for key, label, name in entries(roles))
    if section == "people":
        section = "staff" if match.url_name.startswith("staff") else "students"
    elif section == "records":
        name = match.url_name
        section = (
            "leave"
            if name == "leave"
            else "marks"
            if name.startswith(("marks", "class_results"))
            else "attendance"
        )
    return [
        {"key": key, "label": label, "url": url, "active": key == section}
        for key, label, url in items
        if url
    ]


@register.filter
def role_labels(roles) -> str:
    """'Giáo viên, Giáo viên chủ nhiệm' for a set of role strings, in the active language."""
    field = apps.get_model("accounts", "RoleAssignment")._meta.get_field("role")
    labels = dict(field.flatchoices)
    return ", ".join(str(labels.get(r, r)) for r in sorted(roles or ()))


@register.filter
def mask_id(value, visible: int = 3) -> str:
    """067******123: the province prefix and the last digits, the rest hidden."""
    text = str(value or "")
    if len(text) <= visible * 2:
        return "•" * len(text)
    return text[:visible] + "•" * (len(text) - 2 * visible) + text[-visible:]


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (pagination links)."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
