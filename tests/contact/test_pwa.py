"""PWA plumbing: the service worker is served from /contact/ (its scope), the manifest
lists installable icons from our own origin, pages carry the time they were rendered."""

import json

import pytest

pytestmark = pytest.mark.django_db


def test_service_worker_is_served_with_its_scope(client):
    response = client.get("/contact/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/contact/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert "__VERSION__" not in body and 'addEventListener("fetch"' in body


def test_manifest(client):
    response = client.get("/contact/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert (data["start_url"], data["scope"], data["display"]) == (
        "/contact/",
        "/contact/",
        "standalone",
    )
    sizes = {i["sizes"] for i in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in data["icons"]:
        assert icon["src"].startswith("/static/")
        assert client.get(icon["src"]).status_code == 200


def test_pages_link_the_manifest_and_carry_their_render_time(district, guardian, as_user):
    page = as_user(guardian).get("/contact/")
    body = page.content.decode()
    assert '<link rel="manifest" href="/contact/manifest.webmanifest">' in body
    assert 'data-offline="0"' in body and "data-rendered-at=" in body
    assert page["Cache-Control"] == "private, no-cache"
    assert "https://" not in body.split("<body>")[0]  # no CDN in the head


def test_contact_book_in_english(district, guardian, as_user, settings):
    client = as_user(guardian)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(f"/contact/students/{district.student_a1.pk}/").content.decode()
    assert "Teachers&#x27; comments" in body or "Teachers' comments" in body
    assert "Nothing to pay." in body
    assert client.get("/contact/").content.decode().count("Electronic contact book") == 1
