"""Phone numbers as people type them ("0912 345 678", "0912.345.678", "+84 912-345-678").

`normalise_phone` gives the one form stored and compared: spaces, dots, dashes and
brackets dropped, the international prefix (+84, 0084, or 84 before the 9 or 10 digits of
a number whose national form would be 10 or 11 digits long: a national number always
starts with 0, so "84912345678" can only be international) written as the national 0. Any other
character is kept, so each caller's validation rejects it rather than silently reading
digits out of garbage."""

import re

_FORMATTING = re.compile(r"[\s.\-()]")


def normalise_phone(value) -> str:
    text = _FORMATTING.sub("", str(value or ""))
    if text.startswith("+84"):
        return "0" + text[3:]
    if text.startswith("0084"):
        return "0" + text[4:]
    if text.startswith("84") and text.isdigit() and len(text) in (11, 12):
        return "0" + text[2:]
    return text
