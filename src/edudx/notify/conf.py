"""Notification settings: each read from Django settings if defined there, else from an
EDUDX_* environment variable, else a default that works on a laptop (no secret committed).

- NOTIFY_BACKENDS: {channel: dotted path}; SMS and Zalo default to the file backend, which
  appends one JSON line per message to VAR_DIR/notify/<channel>.jsonl (EDUDX_NOTIFY_SMS_BACKEND,
  EDUDX_NOTIFY_ZALO_BACKEND, EDUDX_NOTIFY_EMAIL_BACKEND, EDUDX_NOTIFY_WEBPUSH_BACKEND).
- VAPID keys for Web Push: EDUDX_VAPID_PRIVATE_KEY (PEM) and EDUDX_VAPID_SUBJECT; without
  them a key pair is generated once into VAR_DIR/vapid_private.pem (mode 600)."""

import base64
import os
from pathlib import Path

from django.conf import settings

from edudx.core.files import write_once

DEFAULT_BACKENDS = {
    "email": "edudx.notify.backends.EmailBackend",
    "webpush": "edudx.notify.backends.WebPushBackend",
    "sms": "edudx.notify.backends.FileBackend",
    "zalo": "edudx.notify.backends.FileBackend",
}


def backend_path(channel: str) -> str:
    configured = getattr(settings, "NOTIFY_BACKENDS", None) or {}
    if channel in configured:
        return configured[channel]
    return os.environ.get(f"EDUDX_NOTIFY_{channel.upper()}_BACKEND", DEFAULT_BACKENDS[channel])


def outbox_dir() -> Path:
    path = Path(getattr(settings, "NOTIFY_FILE_DIR", "") or settings.VAR_DIR / "notify")
    path.mkdir(parents=True, exist_ok=True)
    return path


def vapid_subject() -> str:
    return getattr(settings, "VAPID_SUBJECT", "") or os.environ.get(
        "EDUDX_VAPID_SUBJECT", "mailto:hotro@edudx.vn"
    )


def _private_key_pem() -> bytes:
    if pem := (
        getattr(settings, "VAPID_PRIVATE_KEY", "") or os.environ.get("EDUDX_VAPID_PRIVATE_KEY")
    ):
        return pem.encode() if isinstance(pem, str) else pem
    return write_once(Path(settings.VAR_DIR) / "vapid_private.pem", _new_private_key_pem)


def _new_private_key_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415

    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def vapid_private_key():
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    return serialization.load_pem_private_key(_private_key_pem(), password=None)


def vapid_private_key_b64() -> str:
    """The private key as pywebpush wants it: base64url DER (PKCS#8)."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    der = vapid_private_key().private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return base64.urlsafe_b64encode(der).decode().rstrip("=")


def vapid_public_key() -> str:
    """The application server key for `pushManager.subscribe`: base64url of the uncompressed
    P-256 point (65 bytes)."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    raw = (
        vapid_private_key()
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
