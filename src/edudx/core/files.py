"""Files written once per installation — the secret key, the demo PKI's passphrase, the
Web Push key. Several processes can start together on a fresh `var/` (granian's workers,
the task worker, test workers): the first writer wins and every process reads what it
wrote, never a half-written file nor a second, different key.

No Django import here: `settings` uses it."""

import os
import secrets
from pathlib import Path


def _temporary(path: Path, data: bytes) -> Path:
    """`data` in a new owner-only file beside `path`, under a name of its own."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return tmp


def write_private(path: Path, data: bytes) -> None:
    """`data` into `path` atomically (a temporary name, then a rename), owner-only."""
    os.replace(_temporary(path, data), path)


def write_once(path: Path, make) -> bytes:
    """The content of `path`, created owner-only from `make()` if it does not exist yet.

    The new file is written under a temporary name and hard-linked into place; the link
    fails if another process got there first, and then that process's content is read."""
    path = Path(path)
    if not path.exists():
        tmp = _temporary(path, make())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes()
