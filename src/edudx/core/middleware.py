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


class VietnameseFirstMiddleware:
    """Pages are Vietnamese unless the reader chose English with the switch (language
    cookie): many Vietnamese phones are set to English, and their owners still expect the
    platform in Vietnamese. The API keeps honouring `Accept-Language` (systems ask for it).
    Must sit before django.middleware.locale.LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
