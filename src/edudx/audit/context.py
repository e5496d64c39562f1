"""The request's client IP for audit events, set by middleware, read by `audit.services`."""

from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("edudx_audit_ip", default=None)


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(request.META.get("REMOTE_ADDR"))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
