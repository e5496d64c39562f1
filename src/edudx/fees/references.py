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
from bisect import bisect_right
from itertools import accumulate

from edudx.core.text import fold

PREFIX = "HP"
BODY_DIGITS = 7
LENGTH = len(PREFIX) + BODY_DIGITS + 1
MIN_TRUNCATED_DIGITS = 4

# After folding and upper-casing: "HP" then ASCII digits possibly broken by separators
# (`\d` would also take other scripts' digits, e.g. Arabic-Indic, which no reference has).
_CANDIDATE = re.compile(r"HP[\s.\-_/:]*((?:[0-9][\s.\-_/:]?){3,12})")
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
_CHECK = "0987654321"  # the check digit for a sum ending in 0, 1, …, 9


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of a digit string (catches any single-digit error and most
    swaps of neighbours)."""
    if len(digits) == BODY_DIGITS:
        total = _HEAD[digits[:3]] + _TAIL[digits[3:]]
    else:
        total = _luhn_sum(digits)
    return _CHECK[total % 10]


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
    return candidates_many([content])[0]


_JOIN = "\x00"  # between contents: no digit, letter or separator to the pattern


class _FoldUpper(dict):
    """For str.translate: each character as `fold(c).upper()` (a whitespace character as
    one space), filled as characters are met. A content translated by it and its spaces
    collapsed reads as `fold(content).upper()` to the pattern — NFD's reordering of
    combining marks across a whole string, the only difference, never moves the ASCII
    letters, digits and separators the pattern reads — in half the time of fold()."""

    def __missing__(self, cp: int) -> str:
        ch = chr(cp)
        value = " " if ch.isspace() else fold(ch).upper()
        self[cp] = value
        return value


_FOLD_UPPER = _FoldUpper()


def candidates_many(contents: list[str]) -> list[tuple[set[str], set[str]]]:
    """`candidates` of each content, with one regex scan over them all (joined by NUL, which
    no match can span): a statement's 100,000 contents cost one `finditer`, not 100,000."""
    # fold() then upper(): for ASCII, fold's lower() is undone by upper(), so skipped;
    # otherwise character by character (`_FoldUpper`).
    texts = [
        " ".join(c.split()).upper() if c.isascii() else " ".join(c.translate(_FOLD_UPPER).split())
        for c in contents
    ]
    text = _JOIN.join(texts)
    if text.count(_JOIN) != len(texts) - 1:
        # A NUL inside a content: any other character that is neither digit, letter nor
        # separator is the same to the pattern.
        texts = [t.replace(_JOIN, "\x01") for t in texts]
        text = _JOIN.join(texts)
    ends = list(accumulate(texts, lambda end, t: end + 1 + len(t), initial=-1))[1:]
    out: list[tuple[set[str], set[str]]] = [(set(), set()) for _ in texts]
    for m in _CANDIDATE.finditer(text):
        digits = m.group(1)
        if not digits.isdigit():
            if digits[:-1].isdigit():  # the one separator the pattern takes after a digit
                digits = digits[:-1]
            else:
                digits = _SEPARATORS.sub("", digits)
        if len(digits) >= BODY_DIGITS + 1:
            # "HP" + 8 digits: is_valid() reduced to luhn_digit()'s table look-ups.
            total = _HEAD[digits[:3]] + _TAIL[digits[3:BODY_DIGITS]]
            if _CHECK[total % 10] == digits[BODY_DIGITS]:
                out[bisect_right(ends, m.start())][0].add(PREFIX + digits[: BODY_DIGITS + 1])
        elif len(digits) >= MIN_TRUNCATED_DIGITS:
            k = bisect_right(ends, m.start())
            if not text[m.end() : ends[k]].strip(" .-_/:"):
                # Only at the very end: that is where the bank cut the content.
                out[k][1].add(PREFIX + digits)
    return out
