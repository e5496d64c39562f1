from django import template

from edudx.fees.services import money as _money

register = template.Library()


@register.filter
def money(value) -> str:
    """1250000 → "1.250.000 đ"."""
    return _money(value)
