"""Invoice references and finding them in bank transfer content (pure, no database).

A reference is "HP" + 7 digits + a Luhn check digit ("HP12345674"): ten characters, so it
survives the 25-character purpose field of a VietQR code and the banks that cut transfer
content short, and it has no letters that apps mix up (O/0, I/1) beyond the prefix. The
check digit rejects a mistyped or half-truncated number instead of matching the wrong
invoice.

Banking apps mangle the content the payer sends: upper or lower case, diacritics removed
or not, spaces or dots inserted ("HP 1234 5674", "hp.1234.5674"), the bank's own prefix
and suffix glued on ("MBVCB.3312.HP12345674.CT tu 0123"), and the end cut off. So the
content is folded (core.text.fold), separators between digits are dropped, and every
"HP" followed by digits is a candidate: 8 digits with a valid check digit is a full
reference; 3-7 digits at the very end of the content is a truncated one (a prefix)."""

import random
import re

from edudx.core.text import fold

PREFIX = "HP"
BODY_DIGITS = 7
LENGTH = len(PREFIX) + BODY_DIGITS + 1
MIN_TRUNCATED_DIGITS = 4

# After folding and upper-casing: "HP" then digits possibly broken by separators.
_CANDIDATE = re.compile(r"HP[\s.\-_/:]*((?:\d[\s.\-_/:]?){3,12})")
_SEPARATORS = re.compile(r"[\s.\-_/:]")


_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # Luhn: a doubled digit, its digits summed


def _luhn_sum(digits: str) -> int:
    rev = digits[::-1]
    return sum(_DOUBLED[ord(c) - 48] for c in rev[0::2]) + sum(ord(c) - 48 for c in rev[1::2])


# A 7-digit body is read as its first 3 and last 4 digits, each summed by table look-up
# (the hot path of reconciling a 100,000-line statement).
_HEAD = {
    f"{i:03d}": sum(_DOUBLED[int(c)] if k != 1 else int(c) for k, c in enumerate(f"{i:03d}"))
    for i in range(1000)
}
_TAIL = {f"{i:04d}": _luhn_sum(f"{i:04d}") for i in range(10000)}


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of a digit string (catches any single-digit error and most
    swaps of neighbours)."""
    if len(digits) == BODY_DIGITS:
        total = _HEAD[digits[:3]] + _TAIL[digits[3:]]
    else:
        total = _luhn_sum(digits)
    return str((10 - total % 10) % 10)


def make_reference(number: int) -> str:
    body = f"{number:0{BODY_DIGITS}d}"
    return f"{PREFIX}{body}{luhn_digit(body)}"


def is_valid(reference: str) -> bool:
    return (
        len(reference) == LENGTH
        and reference.startswith(PREFIX)
        and reference[2:].isdigit()
        and luhn_digit(reference[2:-1]) == reference[-1]
    )


def random_references(n: int, *, rng: random.Random | None = None, taken=()) -> list[str]:
    """n distinct fresh references not in `taken` (the caller re-checks in the database)."""
    rng = rng or random.SystemRandom()
    taken = set(taken)
    out: list[str] = []
    while len(out) < n:
        ref = make_reference(rng.randrange(1, 10**BODY_DIGITS))
        if ref not in taken:
            taken.add(ref)
            out.append(ref)
    return out


def candidates(content: str) -> tuple[set[str], set[str]]:
    """(full references, truncated prefixes) found in transfer content."""
    # fold() then upper(); for ASCII, fold's lower() is undone by upper(): skipped.
    text = (" ".join(content.split()) if content.isascii() else fold(content)).upper()
    full: set[str] = set()
    prefixes: set[str] = set()
    if PREFIX not in text:
        return full, prefixes
    for m in _CANDIDATE.finditer(text):
        digits = m.group(1)
        if not digits.isdigit():  # separators inside
            digits = _SEPARATORS.sub("", digits)
        if len(digits) >= BODY_DIGITS + 1:
            # "HP" + 8 digits: is_valid() reduced to its check-digit test.
            if luhn_digit(digits[:BODY_DIGITS]) == digits[BODY_DIGITS]:
                full.add(PREFIX + digits[: BODY_DIGITS + 1])
        elif len(digits) >= MIN_TRUNCATED_DIGITS and not text[m.end() :].strip(" .-_/:"):
            # Only at the very end: that is where the bank cut the content.
            prefixes.add(PREFIX + digits)
    return full, prefixes
