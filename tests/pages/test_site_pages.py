import re

import pytest

from edudx.accounts.models import Role

from .conftest import otp_login

EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//(?!testserver[/:"'])""")
EXTERNAL_ANY = re.compile(r"https?://(?!testserver)[\w.-]+")


def _pages(district) -> list[str]:
    return [
        "/",
        "/org/",
        f"/org/{district.district.pk}/",
        f"/org/{district.district.pk}/?as_of=30/06/2025",
        f"/org/{district.school_a.pk}/",
        "/people/students/",
        "/people/students/?q=nguyen+van",
        f"/people/students/{district.student_a1.pk}/",
        "/people/staff/",
        "/does-not-exist/",
    ]


def test_no_external_url_in_any_page(login, district):
    client = login(district.user(Role.PRINCIPAL, district.school_a))
    for url in _pages(district):
        response = client.get(url)
        assert response.status_code in {200, 404}, url
        body = response.content.decode()
        assert not EXTERNAL.search(body), url
        assert not EXTERNAL_ANY.search(body), (url, EXTERNAL_ANY.findall(body))


def test_no_inline_script_or_style(login, district):
    """The CSP forbids both: script-src 'self'; style-src 'self'."""
    client = login(district.user(Role.PRINCIPAL, district.school_a))
    for url in _pages(district):
        body = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), url
        assert "<style" not in body, url
        assert " style=" not in body, url


def test_login_page_has_no_external_url(client, db):
    body = client.get("/accounts/login/").content.decode()
    assert not EXTERNAL_ANY.search(body)


def test_vietnamese_by_default(teacher_client):
    body = teacher_client.get("/").content.decode()
    assert '<html lang="vi">' in body
    assert "Trang chủ" in body
    assert "Học sinh" in body


def test_english_switch(teacher_client):
    response = teacher_client.post(
        "/i18n/setlang/", {"language": "en", "next": "/people/students/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/people/students/"
    body = teacher_client.get("/people/students/").content.decode()
    assert '<html lang="en">' in body
    assert "Students" in body
    assert "Date of birth" in body
    assert "Tiếng Việt" in body  # the way back


def test_language_switch_form_is_in_the_header(teacher_client):
    body = teacher_client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in body
    assert 'name="language" value="en"' in body


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        (
            Role.TEACHER,
            ["Học sinh", "Cơ cấu tổ chức", ">Điểm danh<", ">Nhập điểm<"],
            ["Cán bộ<", "Đơn xin nghỉ"],
        ),
        (Role.PRINCIPAL, ["Học sinh", "Cán bộ<", ">Điểm danh<"], []),
        (
            Role.GUARDIAN,
            ["Trang chủ", ">Đơn xin nghỉ<"],
            ["Cơ cấu tổ chức", "Cán bộ<", ">Học sinh<", ">Điểm danh<"],
        ),
    ],
    ids=["teacher", "principal", "guardian"],
)
def test_navigation_by_role(client, district, role, visible, hidden):
    unit = None if role == Role.GUARDIAN else district.school_a
    person = district.teacher_a.person if role == Role.TEACHER else None
    otp_login(client, district.user(role, unit, person=person))
    nav = client.get("/").content.decode().split('<nav class="main-nav"')[1].split("</nav>")[0]
    for label in visible:
        assert label in nav
    for label in hidden:
        assert label not in nav
    assert "Đăng xuất" in nav


def test_header_shows_name_and_roles(teacher_client):
    body = teacher_client.get("/").content.decode()
    assert "Lê Thị Hoa" in body
    assert "Giáo viên" in body


def test_teacher_home_lists_their_classes(teacher_client, district):
    body = teacher_client.get("/").content.decode()
    assert f"/people/students/?class={district.class_a.pk}" in body
    assert "6A1" in body
    assert "6B1" not in body


def test_officer_home_counts(login, district):
    client = login(district.user(Role.COMMUNE_OFFICER, district.district))
    response = client.get("/")
    block = response.context["unit_wide"]
    assert (block["schools"], block["students"], block["staff"]) == (2, 3, 2)
    assert [u.name for u in block["units"]] == ["Huyện Đắk Song"]


def test_messages_are_rendered(login, district):
    from django.contrib import messages
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.session = {}
    request.user = district.teacher_user()
    request._messages = FallbackStorage(request)
    messages.success(request, "Đã lưu.")
    messages.error(request, "Chưa lưu.")
    html = render_to_string("base.html", request=request)
    # A list of items, each announcing itself from inside (axe: a <li> may not carry the
    # role itself, and the list may only hold <li>).
    assert '<li class="msg-success"><span role="status">Đã lưu.</span></li>' in html
    assert '<li class="msg-error"><span role="alert">Chưa lưu.</span></li>' in html


def test_404_page_uses_the_layout(teacher_client):
    response = teacher_client.get("/people/students/999999/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_403_page_uses_the_layout_and_says_why(client, district):
    """A page refused to a role says so in Vietnamese within the layout (Django's bare
    English "403 Forbidden" before), with the view's reason when it gives one."""
    import lxml.html  # noqa: PLC0415

    student = district.user(Role.STUDENT, None, person=district.student_a1.person)
    client.force_login(student)
    response = client.get("/exams/tests/")  # the question bank's tests: staff only
    doc = lxml.html.fromstring(response.content)
    assert response.status_code == 403
    assert doc.xpath("//title/text()")[0].startswith("Không có quyền truy cập")
    assert " ".join(doc.xpath('//div[@class="error-page"]/p[2]')[0].text_content().split()) == (
        "Trang này không dành cho vai trò của bạn. Nếu bạn cần dùng, hãy đề nghị quản trị "
        "viên của đơn vị cấp quyền."
    )
    assert doc.xpath('//a[@class="btn"]/@href') == ["/"]
    response = client.get("/fees/invoices/")  # the view's own reason
    doc = lxml.html.fromstring(response.content)
    assert response.status_code == 403
    assert doc.xpath('//div[@class="error-page"]/p[2]/text()') == [
        "Trang này dành cho cán bộ trường."
    ]
    client.cookies["django_language"] = "en"
    doc = lxml.html.fromstring(client.get("/exams/tests/").content)
    assert doc.xpath('//div[@class="error-page"]/h1/text()') == ["Access denied"]


def test_a_form_refused_by_the_csrf_check_says_what_to_do(district):
    """A parent's leave request posted without a valid CSRF token (a page left open past
    the session, cookies cleared): the platform's page, in Vietnamese; nothing saved."""
    import lxml.html  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415

    from edudx.records.models import LeaveRequest  # noqa: PLC0415
    from tests.core.guardians import parent  # noqa: PLC0415

    client = Client(enforce_csrf_checks=True)
    client.force_login(parent(district, "Đỗ Thị Mai", district.student_a1))
    response = client.post(
        "/records/leave/",
        {"student": district.student_a1.pk, "start": "06/10/2025", "reason": "Ốm"},
    )
    doc = lxml.html.fromstring(response.content)
    assert response.status_code == 403
    assert doc.xpath('//div[@class="error-page"]/h1/text()') == ["Không gửi được biểu mẫu"]
    assert "chưa có gì được lưu" in doc.xpath('//div[@class="error-page"]/p[2]/text()')[0]
    assert not LeaveRequest.objects.exists()
