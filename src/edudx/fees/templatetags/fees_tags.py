from django import template

from edudx.fees.services import money as _money

register = template.Library()


@register.filter
def money(value) -> str:
    """1250000 → "1.250.000 đ" on a page: the amount and "đ" joined by a no-break space, so a
    narrow phone never wraps the unit onto the next line (text elsewhere — notifications,
    SMS, exports — keeps the plain space of `services.money`)."""
    return _money(value).replace(" đ", "\u00a0đ")
