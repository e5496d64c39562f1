"""`{% unread_badge %}`: the header's link to the inbox with the number of unread items."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from edudx.notify.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_badge(context) -> str:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return ""
    n = unread_count(user)
    label = _("Thông báo")
    if not n:
        return format_html(
            '<a class="notify-link" href="{}">{}</a>', reverse("notify:inbox"), label
        )
    return format_html(
        '<a class="notify-link" href="{}">{} '
        '<span class="notify-badge" aria-label="{}">{}</span></a>',
        reverse("notify:inbox"),
        label,
        _("%(n)s chưa đọc") % {"n": n},
        n,
    )
