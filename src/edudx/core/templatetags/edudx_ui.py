"""Site-wide presentation helpers: the role-based menu, role labels, masking of identifiers.

The menu is computed from `nav_roles` (accounts.context_processors.navigation): a set of role
strings. Entries whose page does not exist yet (the import pages of `exchange`) are left out
rather than breaking every page with NoReverseMatch."""

from django import template
from django.apps import apps
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

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
IMPORT_NAME = "exchange:"  # the import pages have no single URL name; found by path


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


# Menu areas, in the order they are shown: (key, label). Above NAV_FLAT_MAX entries the menu is
# grouped by area (a clerk or principal sees ~18 entries); a teacher or a parent with fewer
# reads one short list and never an area with a single link.
NAV_FLAT_MAX = 10
NAV_GROUPS = (
    ("students", pgettext_lazy("menu", "Học sinh & lớp")),
    ("learning", pgettext_lazy("menu", "Học tập")),
    ("finance", pgettext_lazy("menu", "Tài chính")),
    ("eservices", pgettext_lazy("menu", "Dịch vụ công")),
    ("management", pgettext_lazy("menu", "Quản lý")),
)
# The area of an app's entry: by its URL name, else by its URL namespace; others go last.
NAV_GROUP_OF_URL = {
    "people:student_list": "students",
    "people:staff_list": "management",
    # Feedback from citizens and parents is answered like a public-service dossier.
    "contact:feedback_inbox": "eservices",
    "contact:feedback_new": "eservices",
}
NAV_GROUP_OF_NAMESPACE = {
    "records": "students",
    "contact": "students",
    "content": "learning",
    "learning": "learning",
    "exams": "learning",
    "fees": "finance",
    "eservices": "eservices",
    "org": "management",
    "exchange": "management",
    "monitoring": "management",
}


def _group_of(url_name: str) -> str:
    if url_name in NAV_GROUP_OF_URL:
        return NAV_GROUP_OF_URL[url_name]
    return NAV_GROUP_OF_NAMESPACE.get(url_name.partition(":")[0], "management")


def _section(match) -> str:
    """The menu key of the page being shown (the URL namespace, or finer for people/records)."""
    if match is None:
        return ""
    section = match.namespace or match.url_name
    if section == "people":
        return "staff" if match.url_name.startswith("staff") else "students"
    if section == "records":
        name = match.url_name
        if name == "leave":
            return "leave"
        return "marks" if name.startswith(("mark", "class_results")) else "attendance"
    if section == "accounts":  # signing in (login, OTP) is no entry of the menu
        return "accounts" if match.url_name == "tokens" else ""
    return section


@register.simple_tag(takes_context=True)
def nav_items(context) -> list[dict]:
    """Menu entries for the acting user's roles, each {key, label, url, name, group, active}.

    One entry at most is active: among the entries of the page's section (or app), the one
    whose URL is the longest prefix of the page's path (the contact book and the feedback
    inbox share the key `contact`; /monitoring/report/ is "Báo cáo năm", not the dashboard)."""
    roles = _roles(context)
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    entries = [("home", _("Trang chủ"), "home")]
    if roles & STAFF_ROLES:
        entries.append(("org", _("Cơ cấu tổ chức"), "org:index"))
        entries.append(("students", pgettext("menu", "Học sinh"), "people:student_list"))
        entries.append(("attendance", _("Điểm danh"), "records:attendance"))
        entries.append(("marks", _("Nhập điểm"), "records:marks"))
    if roles & {"guardian"}:
        entries.append(("leave", _("Đơn xin nghỉ"), "records:leave"))
    if roles & UNIT_WIDE_ROLES:
        entries.append(("staff", _("Cán bộ"), "people:staff_list"))
    if roles & IMPORT_ROLES:
        entries.append(("exchange", _("Nhập dữ liệu"), IMPORT_NAME))
    for config in apps.get_app_configs():
        app_entries = getattr(config, "nav_entries", None)
        if app_entries is not None:
            entries.extend(app_entries(roles))
    if roles & UNIT_WIDE_ROLES:
        # Last: a setting of one's own account (tokens for systems that sync).
        entries.append(("accounts", _("Mã truy cập API"), "accounts:tokens"))
    items = []
    for key, label, name in entries:
        url = _import_url() if name == IMPORT_NAME else _url(name)
        if url:
            group = None if key == "home" else _group_of(name)
            items.append({"key": key, "label": label, "url": url, "group": group, "name": name})
    section = _section(match)
    namespace = match.namespace if match is not None else ""
    path = getattr(request, "path", "")
    # An app's page: any of its entries (fees:accounts under /fees/accounts/ is not `fees`).
    same_app = f"{namespace}:" if namespace and namespace == section else None
    candidates = [
        item
        for item in items
        if item["key"] == section or (same_app and item["name"].startswith(same_app))
    ]
    # The entry with the longest URL the page's path starts with; else the section's own one.
    best = max(
        candidates,
        key=lambda i: (len(i["url"]) if path.startswith(i["url"]) else -1, i["key"] == section),
        default=None,
    )
    for item in items:
        item["active"] = item is best
    return items


@register.simple_tag(takes_context=True)
def nav_menu(context) -> dict:
    """The menu as shown: {groups: [{key, label, items}], current: the active entry or None}.

    Up to NAV_FLAT_MAX entries: one group without a label. Beyond: "Trang chủ" alone first,
    then one labelled group per area that has entries, in NAV_GROUPS order."""
    items = nav_items(context)
    current = next((item for item in items if item["active"]), None)
    if len(items) <= NAV_FLAT_MAX:
        return {"groups": [{"key": "all", "label": None, "items": items}], "current": current}
    groups = [{"key": "home", "label": None, "items": [i for i in items if i["group"] is None]}]
    for key, label in NAV_GROUPS:
        members = [item for item in items if item["group"] == key]
        if members:
            groups.append({"key": key, "label": label, "items": members})
    return {"groups": [g for g in groups if g["items"]], "current": current}


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


@register.simple_tag(takes_context=True)
def invalid(context, key: str, also: str = "") -> str:
    """A field's attributes when its form was refused for it (`errors`, `focus` from
    core.errors.form_errors): marked invalid, described by its error, focused if first.
    `also`: the id of what describes the field anyway (a hint, a suggestion), kept in its
    aria-describedby after the error — a field carries one such attribute."""
    refused = bool((context.get("errors") or {}).get(key))
    ids = " ".join(i for i in (f"e-{key}" if refused else "", also) if i)
    return format_html(
        "{}{}{}",
        mark_safe(' aria-invalid="true"') if refused else "",  # noqa: S308 — a constant
        format_html(' aria-describedby="{}"', ids) if ids else "",
        " autofocus" if context.get("focus") == key else "",
    )


@register.simple_tag(takes_context=True)
def field_errors(context, key: str) -> str:
    """The errors of a refused form's field (`errors[key]`: a list, or one message), under
    it; the first carries the id the field's aria-describedby names."""
    messages = (context.get("errors") or {}).get(key) or []
    if isinstance(messages, str):  # one message per field (the public-service forms)
        messages = [messages]
    return format_html_join(
        "",
        '<p class="field-error"{} role="alert">{}</p>',
        ((format_html(' id="e-{}"', key) if i == 0 else "", m) for i, m in enumerate(messages)),
    )
