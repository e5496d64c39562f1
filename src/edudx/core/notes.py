"""Text the platform writes about its own data (a DX criterion's pre-filled note: "3/4 lớp có
sổ điểm … năm học 2025-2026"), kept readable in every language of the pages.

A note is built lazily — `note(gettext_lazy("{k}/{n} lớp …"), k=3, n=4)` — with numbers
from `number(...)`, which writes the active language's decimal separator ("68,89" in
Vietnamese, "68.89" in English). `in_languages(text)` renders it once per language for
storage (Vietnamese in the record's own column, the others beside it), so a page in English
shows the English note without recomputing the data."""

from decimal import Decimal

from django.conf import settings
from django.utils import formats, translation
from django.utils.functional import lazy
from django.utils.text import format_lazy


def plain_number(value, places: int | None = None) -> str:
    """A number as the active language writes it, without trailing zeros (100, 68,89,
    30,8): exact, or rounded to `places` decimals (the charts' labels)."""
    text = f"{float(value):.{places}f}" if places is not None else f"{Decimal(str(value)):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", formats.get_format("DECIMAL_SEPARATOR"))


number = lazy(plain_number, str)  # rendered in the language active when it is read


def note(message, **params):
    """`message` (a gettext_lazy text with {name} placeholders) with its parameters, as a
    lazy string rendered in the language active when it is read."""
    return format_lazy(message, **params)


def in_languages(text) -> dict[str, str]:
    """{language code: text} for each language of settings.LANGUAGES."""
    out = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            out[code] = str(text)
    return out
