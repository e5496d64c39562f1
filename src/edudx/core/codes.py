"""Tracking codes handed to people without an account (a dossier's "HS…", an
application's "TS…", a feedback's "PH…"): a prefix and random characters from an alphabet
without 0/O and 1/I, because codes are read out over the phone and typed from paper."""

import secrets

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


assert len(CODE_ALPHABET) == 32  # noqa: S101 — a byte's low five bits pick a letter evenly


def new_code(prefix: str, length: int = 8) -> str:
    """`prefix` and `length` characters from CODE_ALPHABET (secrets: not guessable), from
    one read of the system's random source."""
    return prefix + "".join(CODE_ALPHABET[b & 31] for b in secrets.token_bytes(length))
