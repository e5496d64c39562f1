"""Phone numbers as people type them ("0912 345 678", "0912.345.678", "+84 912-345-678").

`normalise_phone` gives the one form stored and compared: spaces, dots, dashes and
brackets dropped, the international prefix +84 written as the national 0. Any other
character is kept, so each caller's validation rejects it rather than silently reading
digits out of garbage."""

import re

_FORMATTING = re.compile(r"[\s.\-()]")


def normalise_phone(value) -> str:
    text = _FORMATTING.sub("", str(value or ""))
    if text.startswith("+84"):
        text = "0" + text[3:]
    return text
