from django import template

from edudx.assets.services import money as _money

register = template.Library()


@register.filter
def dong(value) -> str:
    """1250000 → "1.250.000 đ", the unit joined by a no-break space (never wrapped alone)."""
    if value is None or value == "":
        return "—"
    return _money(value).replace(" đ", "\u00a0đ")
