class ContentSecurityPolicyMiddleware:
    """Only our own origin: no CDN, no inline script (htmx and our JS are static files)."""

    POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
        "frame-ancestors 'none'; form-action 'self'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/v1/docs"):
            return response
        response.headers.setdefault("Content-Security-Policy", self.POLICY)
        return response
