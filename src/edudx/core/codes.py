"""Tracking codes handed to people without an account (a dossier's "HS…", an
application's "TS…", a feedback's "PH…"): a prefix and random characters from an alphabet
without 0/O and 1/I, because codes are read out over the phone and typed from paper."""

import secrets

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_code(prefix: str, length: int = 8) -> str:
    """`prefix` and `length` characters from CODE_ALPHABET (secrets: not guessable)."""
    return prefix + "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
