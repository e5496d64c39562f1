"""Test URLconf: the site's URLs plus monitoring's pages and API, until the integrator
registers them in src/edudx/urls.py (path "monitoring/") and src/edudx/api.py (router).
Once registered there, the site's own patterns come first and these are never reached."""

from django.urls import include, path
from ninja import NinjaAPI

from edudx.accounts.tokens import TokenAuth, VerifiedSessionAuth
from edudx.core import api_errors
from edudx.monitoring.api import router
from edudx.urls import urlpatterns as site

api = NinjaAPI(
    title="EduDX monitoring (tests)",
    version="1",
    auth=[TokenAuth(), VerifiedSessionAuth()],
    urls_namespace="api-v1-monitoring-tests",
    docs_url=None,
)
api_errors.install(api)
api.add_router("", router, url_name_prefix="monitoring-tests")

mounted = any(str(getattr(p, "pattern", "")) == "monitoring/" for p in site)
urlpatterns = [
    *site,
    *([] if mounted else [path("monitoring/", include("edudx.monitoring.urls"))]),
    path("api/v1/", api.urls),
]
