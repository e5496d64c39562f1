from django.conf import settings
from django.test import Client

from edudx.accounts.models import Role
from edudx.accounts.tokens import token_create


def test_pages_stay_vietnamese_for_an_english_browser(client, db):
    page = client.get("/accounts/login/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="vi"' in page.content.decode()
    assert "Đăng nhập" in page.content.decode()


def test_the_switch_turns_pages_english(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/")
    assert '<html lang="en"' in page.content.decode()
    assert "<h1>Sign in</h1>" in page.content.decode()


def test_api_honours_accept_language(client, district):
    officer = district.user(Role.PROVINCE_OFFICER, district.province)
    _t, raw = token_create(actor=None, user=officer, name="t", scopes=["read"])
    auth = {"Authorization": f"Bearer {raw}"}
    vi = client.get("/api/v1/students/999999", headers=auth)
    en = client.get("/api/v1/students/999999", headers={**auth, "Accept-Language": "en"})
    assert vi.json()["message"] == "Không tìm thấy học sinh."
    assert en.json()["message"] == "Student not found."


def _guardian(district, username):
    from edudx.accounts.models import User

    user = district.user(Role.GUARDIAN, None, username=username)
    user.set_password("mat-khau-dai-123")
    user.save()
    return User.objects.get(pk=user.pk)


def test_a_signed_in_switch_is_stored_and_follows_the_user(client, district):
    """English chosen on one phone: the account keeps it, and signing in on another
    device (no language cookie there) gives English pages and the cookie the admissions
    gate reads before Django."""
    user = _guardian(district, "ph_lang")
    client.post("/accounts/login/", {"username": "ph_lang", "password": "mat-khau-dai-123"})
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"

    other = Client()
    response = other.post(
        "/accounts/login/", {"username": "ph_lang", "password": "mat-khau-dai-123"}
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en"' in other.get("/accounts/login/").content.decode()


def test_a_choice_made_before_signing_in_is_stored(client, district):
    user = _guardian(district, "ph_lang2")
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert user.language == "vi"
    client.post("/accounts/login/", {"username": "ph_lang2", "password": "mat-khau-dai-123"})
    user.refresh_from_db()
    assert user.language == "en"
    # Back to Vietnamese while signed in: stored again.
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    user.refresh_from_db()
    assert user.language == "vi"


def test_an_unknown_language_changes_nothing(client, district):
    user = _guardian(district, "ph_lang3")
    client.post("/accounts/login/", {"username": "ph_lang3", "password": "mat-khau-dai-123"})
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    user.refresh_from_db()
    assert user.language == "vi"
    assert '<html lang="vi"' in client.get("/accounts/login/").content.decode()
