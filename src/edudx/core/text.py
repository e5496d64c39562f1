"""Vietnamese text helpers. Search is diacritic-insensitive: "nguyen van" finds "Nguyễn Văn"."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


class _MarkTable(dict):
    """For str.translate: a non-spacing mark (category Mn) maps to None (dropped), any
    other character to itself. Filled as characters are met, so the C loop of translate
    does the work after the first few names (a full table costs 0.16 s at import)."""

    def __missing__(self, cp: int):
        value = None if unicodedata.category(chr(cp)) == "Mn" else cp
        self[cp] = value
        return value


_DROP_MARKS = _MarkTable()


def fold(text: str | None) -> str:
    """Lower-case, strip Vietnamese diacritics (đ→d included) and collapse whitespace."""
    if not text:
        return ""
    if text.isascii():  # NFD leaves ASCII as it is and it has no marks
        return " ".join(text.split()).lower()
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    # str.split() and re's \s agree on what whitespace is (str.isspace).
    return " ".join(decomposed.translate(_DROP_MARKS).split()).lower()


def clean_name(text: str | None) -> str:
    """Normalise a personal name for storage: NFC, single spaces, no outer blanks."""
    if not text:
        return ""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())
