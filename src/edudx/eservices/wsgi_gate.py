"""The submission gate in front of Django, for the admissions window. `edudx.wsgi`
serves through it (`gated`), so `granian --interface wsgi edudx.wsgi:application` has it;
`edudx.eservices.wsgi_gate:application` is the same application, kept for existing
deployments.

POSTs to the submission paths (the API's and the admission form page's) take a slot of
the same per-process gate as the views (`eservices.gate`) before Django runs; without one
they are answered 503 with Retry-After in microseconds — no middleware, no session, no
database — so a crowd of retries costs the server almost nothing and the admitted
submissions keep the CPU. With a slot, an anonymous API application is served by the hot
path (`eservices.live`) when it can be, by Django otherwise. Everything else goes straight
to Django. The 503 is JSON for the API and a small HTML page for a browser, in Vietnamese
unless the client asks for English (`gate.busy_language`)."""

import re

GATED = re.compile(
    r"^/(api/v1/(admissions/rounds/\d+/applications|dossiers)"
    r"|services/(admissions/\d+/apply/|bench/insert/))$"
)


def gated(django_application):
    """`django_application` behind the gate (and the hot path). Called once Django is set
    up (the modules below need the app registry; this one must not: granian imports it
    by name before anything else)."""
    from . import live  # noqa: PLC0415
    from .gate import HELD, _gate, busy_body, busy_headers, busy_language, wants_html  # noqa: PLC0415
    from .services import setting  # noqa: PLC0415

    def application(environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST" or not GATED.match(environ.get("PATH_INFO", "")):
            return django_application(environ, start_response)
        gate = _gate()
        if not gate.acquire(timeout=setting("SUBMIT_WAIT_MS", 250) / 1000):
            path = environ.get("PATH_INFO", "")
            language = busy_language(
                path=path,
                cookie=environ.get("HTTP_COOKIE", ""),
                accept_language=environ.get("HTTP_ACCEPT_LANGUAGE", ""),
            )
            retry_after = setting("RETRY_AFTER", 1)
            content_type, body = busy_body(
                language, wants_html(path=path, accept=environ.get("HTTP_ACCEPT", "")), retry_after
            )
            start_response(
                "503 Service Unavailable", busy_headers(content_type, body, retry_after, language)
            )
            return [body]
        environ[HELD] = True
        try:
            fast = live.serve(environ, start_response)
            if fast is not None:
                return fast
            # The body is produced, and the response closed (request_finished: the database
            # connection goes back), before the slot is released.
            result = django_application(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            return [body]
        finally:
            gate.release()

    return application


def __getattr__(name: str):
    # `edudx.wsgi` imports this module to build its application, which is this one.
    if name == "application":
        from edudx.wsgi import application  # noqa: PLC0415

        return application
    raise AttributeError(name)
