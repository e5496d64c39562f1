"""api_urls.hot_first moves the submission routes to the front; no route before them in
ninja's own order matches their URLs, so every URL resolves to the same view as before."""

from django.urls import Resolver404, URLResolver, resolve

from edudx.api import api
from edudx.api_urls import HOT_ROUTES, hot_first

URLS = {
    "admissions/rounds/<round_id>/applications": "admissions/rounds/7/applications",
    "dossiers": "dossiers",
}


def first_match(patterns, url: str) -> str:
    for p in patterns:
        if p.pattern.match(url):
            return p.name
    raise Resolver404(url)


def test_hot_routes_resolve_to_the_same_view_as_in_ninjas_order():
    patterns = api.urls[0]
    moved = hot_first(patterns)
    assert sorted(map(id, moved)) == sorted(map(id, patterns))
    assert [str(p.pattern) for p in moved[:2]] == list(HOT_ROUTES)
    assert set(URLS) == set(HOT_ROUTES)
    names = {url: first_match(patterns, url) for url in URLS.values()}
    assert names == {url: first_match(moved, url) for url in URLS.values()}
    assert names == {"admissions/rounds/7/applications": "apply", "dossiers": "submit_dossier"}
    assert resolve("/api/v1/admissions/rounds/7/applications").url_name == "apply"
    assert not isinstance(resolve("/api/v1/dossiers").func, URLResolver)
