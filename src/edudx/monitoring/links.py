"""Links to monitoring pages that work before and after the integrator mounts the app's
URLs (`path("monitoring/", include("edudx.monitoring.urls"))`)."""

from django.urls import NoReverseMatch, reverse

PATHS = {
    "dashboard": "/monitoring/",
    "report": "/monitoring/report/",
    "consolidated": "/monitoring/consolidated/",
    "dx": "/monitoring/dx/",
    "map": "/monitoring/map.geojson",
}


def page(name: str) -> str:
    try:
        return reverse(f"monitoring:{name}")
    except NoReverseMatch:
        return PATHS[name]
