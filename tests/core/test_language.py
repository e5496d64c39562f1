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
