"""Sentences the platform writes about its own data and stores — an alert ("3 thiết bị IoT
không gửi dữ liệu quá 6 giờ …"), a DX criterion's pre-filled note ("3/4 lớp có sổ điểm …
năm học 2025-2026") — kept readable in every language of the pages, whoever wrote them.

Such a sentence is stored as its Vietnamese msgid (marked with `gettext_noop`, with
`%(name)s` placeholders) and its parameters as JSON, and `note_text` renders it at read
time in the reader's language. A parameter is a plain str or int, or:
- `number(value, places)`: a number in the reader's notation ("68,89" / "68.89");
- `term(msgid)`: a fixed word of the platform, translated ("dạy, học");
- `both(vi, en)`: a word from the data that exists in both languages (a rule's message).
Dates are dd/mm/yyyy in every language, so they are plain strings.

`Note(msgid, **params)` is the same pair as a value: `str(note)` renders it in the active
language (and it compares equal to that text), so a service can hand one to a page or a
test without storing it."""

import logging
from decimal import Decimal
from typing import Any

from django.template.defaultfilters import floatformat
from django.utils import formats, translation
from django.utils.translation import gettext

log = logging.getLogger(__name__)


def plain_number(value, places: int | None = None) -> str:
    """A number as the active language writes it, without trailing zeros (100, 68,89,
    30,8): exact, or rounded to `places` decimals (the charts' labels)."""
    text = f"{float(value):.{places}f}" if places is not None else f"{Decimal(str(value)):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", formats.get_format("DECIMAL_SEPARATOR"))


def number(value, places: int | None = None) -> dict:
    """A number parameter: exact without trailing zeros (`plain_number`), or as Django's
    `floatformat:places` (-2: up to two decimals, kept when there are any)."""
    return {"num": str(value), "places": places}


def term(msgid: str) -> dict:
    """A parameter that is itself a platform word, translated when read."""
    return {"term": msgid}


def both(vi: str, en: str) -> dict:
    """A parameter given in both languages; an empty English falls back to Vietnamese."""
    return {"vi": vi, "en": en}


def in_language(vi: str, en: str) -> str:
    """A text the data gives in both languages (an indicator's or a criterion's name), in
    the active language: the English on an English page where given, else the Vietnamese."""
    if en and (translation.get_language() or "").startswith("en"):
        return en
    return vi


def _param(value, language: str):
    if not isinstance(value, dict):
        return value
    if "num" in value:
        places = value.get("places")
        if places is None:
            return plain_number(value["num"])
        return floatformat(value["num"], places)
    if "term" in value:
        return gettext(value["term"])
    return value.get(language) or value.get("vi", "")


def note_text(msgid: str, params: dict | None, fallback: str = "") -> str:
    """`msgid` translated into the active language and filled with `params`. Without a
    msgid (a row stored before there was one), or when the parameters no longer fit it (a
    msgid changed since; the next writer stores it anew), the stored `fallback`."""
    if not msgid:
        return fallback
    language = (translation.get_language() or "vi")[:2]
    try:
        return gettext(msgid) % {k: _param(v, language) for k, v in (params or {}).items()}
    except (KeyError, TypeError, ValueError):
        log.warning("core.note_text_failed", extra={"msgid": msgid})
        return fallback


class Note:
    """A msgid and its parameters, rendered by `str()` in the active language."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, **params: Any):
        self.msgid = msgid
        self.params = params

    def __str__(self) -> str:
        return note_text(self.msgid, self.params)

    def __eq__(self, other) -> bool:
        """Equal to the same msgid and parameters, or to its text in the active language
        (as Django's lazy strings are)."""
        if isinstance(other, Note):
            return (self.msgid, self.params) == (other.msgid, other.params)
        if isinstance(other, str):
            return str(self) == other
        return NotImplemented

    __hash__ = None  # equal to texts that differ by language: not a dictionary key

    def __repr__(self) -> str:
        return f"Note({self.msgid!r}, **{self.params!r})"

    def vietnamese(self, limit: int | None = None) -> str:
        """The Vietnamese text (what is stored beside the msgid for search and fallback)."""
        with translation.override("vi"):
            return str(self)[:limit]
