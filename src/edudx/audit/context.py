"""The request's client IP for audit events, set by middleware, read by `audit.services`."""

import functools
import ipaddress
from contextvars import ContextVar

from django.utils.ipv6 import clean_ipv6_address

current_ip: ContextVar[str | None] = ContextVar("edudx_audit_ip", default=None)


@functools.lru_cache(maxsize=4096)
def normalise_ip(value: str | None) -> str | None:
    """The address exactly as the database will give it back, or None if it is not one.

    The hash of an audit event covers its IP, so the value hashed must be the value stored:
    Django rewrites IPv6 text on save (`2001:0db8::0001` → `2001:db8::1`) and PostgreSQL's
    `inet` refuses anything that is not an address, which would fail the audited write."""
    text = (value or "").strip()
    if not text:
        return None
    text = text.split("%", 1)[0]  # IPv6 zone index ("fe80::1%eth0"): not storable
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6:
        return clean_ipv6_address(str(address))
    return str(address)


class AuditContextMiddleware:
    """Puts REMOTE_ADDR in `current_ip` for the request. Behind a reverse proxy the proxy
    must set REMOTE_ADDR to the client's address (granian/nginx `real_ip` configuration)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(normalise_ip(request.META.get("REMOTE_ADDR")))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
