"""/office/ pages: the register with diacritic-insensitive search and the overdue flag,
registering and assigning through forms, a teacher's own documents, scope (404 for another
school's document), the CSV register and the subtree summary."""

import datetime as dt
import re

import lxml.html
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from edudx.office import selectors, services
from edudx.office.models import IncomingDocument
from tests.pages.conftest import otp_login

from .conftest import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def docs(office):
    """Two documents of school A (one overdue, handed to the teacher), one of school B."""
    late = office.incoming(summary="Về việc kiểm tra nề nếp đầu năm")
    services.incoming_assign(
        actor=office.principal, document=late, handler=office.teacher, due_on=dt.date(2026, 3, 13)
    )
    fresh = office.incoming(
        sender="UBND xã Nam Bình",
        symbol="45/UBND-VX",
        summary="Về việc phòng chống dịch sốt xuất huyết",
    )
    other = office.incoming(
        unit=office.d.school_b, actor=office.clerk_b, summary="Công văn riêng B"
    )
    return late, fresh, other


def test_register_search_is_diacritic_insensitive_and_flags_overdue(client, office, docs):
    late, fresh, _other = docs
    otp_login(client, office.clerk)
    page = client.get("/office/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Sổ văn bản đến · Trường THCS Lê Lợi" in body
    assert "Công văn riêng B" not in body
    assert body.count('class="overdue"') == 1  # the due date 13/03/2026 has passed
    found = client.get("/office/", {"q": "sot xuat huyet"}).content.decode()
    assert "45/UBND-VX" in found and "125/SGDĐT-VP" not in found
    found = client.get("/office/", {"q": "nam binh"}).content.decode()  # the sender
    assert "45/UBND-VX" in found
    overdue = client.get("/office/", {"overdue": "1"}).content.decode()
    assert "kiểm tra nề nếp" in overdue and "sốt xuất huyết" not in overdue


def test_another_schools_document_is_404_through_the_page(client, office, docs):
    _late, _fresh, other = docs
    otp_login(client, office.clerk)
    assert client.get(f"/office/incoming/{other.pk}/").status_code == 404
    assert client.get(f"/office/incoming/{other.pk}/file.pdf").status_code == 404
    # The commune's officer (a unit above) reads no school's document either.
    otp_login(client, office.officer)
    assert client.get(f"/office/incoming/{docs[0].pk}/").status_code == 404


def test_register_form_numbers_and_refuses_with_field_messages(client, office):
    otp_login(client, office.clerk)
    form = {
        "unit": office.d.school_a.pk,
        "sender": "Sở GDĐT",
        "symbol": "12/SGDĐT-GDTrH",
        "issued_on": "2026-03-10",
        "received_on": "09/03/2026",
        "summary": "Về việc thi học sinh giỏi",
        "urgency": "urgent",
        "electronic": "1",
    }
    refused = client.post("/office/incoming/new/", form)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Ngày ban hành không được sau ngày đến." in page
    # The field the refusal names is marked, focused, and its error is right under it.
    assert page.count("autofocus") == 1
    assert re.search(
        r'name="issued_on"[^>]*aria-invalid="true" aria-describedby="e-issued_on" autofocus>\s*'
        r'<p class="field-error" id="e-issued_on" role="alert">Ngày ban hành không được sau',
        page,
    )
    bad_file = client.post(
        "/office/incoming/new/",
        {**form, "received_on": "11/03/2026", "attachment": SimpleUploadedFile("a.pdf", b"hello")},
    )
    assert "Tệp đính kèm phải là tệp PDF." in bad_file.content.decode()
    assert IncomingDocument.objects.count() == 0
    ok = client.post(
        "/office/incoming/new/",
        {**form, "received_on": "11/03/2026", "attachment": SimpleUploadedFile("a.pdf", PDF)},
    )
    doc = IncomingDocument.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/office/incoming/{doc.pk}/"
    assert (doc.number, doc.year, doc.urgency) == (1, 2026, "urgent")
    pdf = client.get(f"/office/incoming/{doc.pk}/file.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content) == PDF


def test_assign_through_the_page_and_the_teacher_sees_only_theirs(client, office, docs):
    late, fresh, _other = docs
    otp_login(client, office.principal)
    response = client.post(
        f"/office/incoming/{fresh.pk}/",
        {"action": "assign", "handler_id": office.teacher.pk, "due_on": "2026-03-01"},
    )
    assert response.status_code == 400
    assert "Hạn xử lý không được trước ngày đến." in response.content.decode()
    client.post(
        f"/office/incoming/{fresh.pk}/",
        {"action": "assign", "handler_id": office.teacher.pk, "due_on": "2099-03-20"},
    )
    fresh.refresh_from_db()
    assert (fresh.status, fresh.handler_id) == ("assigned", office.teacher.pk)

    unassigned = office.incoming(symbol="99/UBND")
    otp_login(client, office.teacher)
    mine = client.get("/office/").content.decode()
    assert "Văn bản được giao" in mine
    assert "45/UBND-VX" in mine and "125/SGDĐT-VP" in mine and "99/UBND" not in mine
    assert client.get(f"/office/incoming/{unassigned.pk}/").status_code == 404
    done = client.post(f"/office/incoming/{fresh.pk}/", {"action": "done"})
    assert done.status_code == 302
    fresh.refresh_from_db()
    assert fresh.status == "done"
    # A teacher may not hand documents on.
    assert (
        client.post(
            f"/office/incoming/{late.pk}/",
            {"action": "assign", "handler_id": office.teacher.pk, "due_on": "2099-01-01"},
        ).status_code
        == 403
    )


def test_csv_register_has_a_bom_and_dd_mm_yyyy(client, office, docs):
    otp_login(client, office.clerk)
    response = client.get("/office/incoming/export.csv", {"year": 2026})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    lines = text.splitlines()
    assert text.startswith("\ufeffSố đến,Ngày đến,Cơ quan ban hành,Số và ký hiệu")
    assert lines[1] == (
        "1,12/03/2026,Sở Giáo dục và Đào tạo tỉnh Đắk Nông,125/SGDĐT-VP,10/03/2026,"
        "Về việc kiểm tra nề nếp đầu năm,Thường,Điện tử,Lê Thị Hoa,13/03/2026,Đã giao xử lý"
    )
    assert len(lines) == 3  # school B's document is not in school A's register
    office.outgoing()
    out = client.get("/office/outgoing/export.csv", {"year": 2026}).content.decode("utf-8")
    assert out.splitlines()[1].startswith("1/BC-THCSLL,14/03/2026,Báo cáo,")


def test_dossier_pages_open_file_and_close(client, office, docs):
    late, fresh, _other = docs
    otp_login(client, office.clerk)
    response = client.post(
        "/office/dossiers/",
        {
            "unit": office.d.school_a.pk,
            "code": "05.VP",
            "title": "Hồ sơ phòng chống dịch",
            "handler_id": office.clerk.pk,
            "opened_on": "2026-03-12",
            "medium": "digital",
        },
    )
    assert response.status_code == 302
    url = response["Location"]
    client.post(url, {"action": "file", "document": f"in:{fresh.pk}"})
    today = timezone.localdate().isoformat()
    closed = client.post(url, {"action": "close", "closed_on": today})
    assert closed.status_code == 302
    page = client.get(url).content.decode()
    assert "Đã kết thúc" in page and "45/UBND-VX" in page
    listing = client.get("/office/dossiers/", {"q": "phong chong dich"}).content.decode()
    assert "05.VP/2026" in listing and "Xử lý trên môi trường số" in listing


def test_summary_shows_counts_for_the_subtree_only(client, office, docs):
    office.incoming(unit=office.d.school_b, actor=office.clerk_b, symbol="2/B")
    otp_login(client, office.officer)  # commune A: school A only
    page = client.get("/office/summary/", {"year": 2026}).content.decode()
    assert "Trường THCS Lê Lợi" in page and "Trường THCS Nguyễn Du" not in page
    assert "kiểm tra nề nếp" not in page  # counts, never the documents
    rows = selectors.summary(actor=office.province_officer, year=2026, today=dt.date(2026, 3, 16))
    assert [(r["unit"], r["incoming"], r["open"], r["overdue"]) for r in rows] == [
        ("Trường THCS Lê Lợi", 2, 2, 1),
        ("Trường THCS Nguyễn Du", 2, 2, 0),
    ]


def test_staff_pages_need_the_second_factor(client, office):
    client.force_login(office.clerk)  # password only
    response = client.get("/office/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/")


def test_register_in_english(client, office, docs):
    otp_login(client, office.clerk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch
    body = client.get("/office/").content.decode()
    assert "Incoming register · Trường THCS Lê Lợi" in body
    assert "Overdue" in body and "Assigned" in body


def test_home_tells_each_what_waits_for_them(client, office, docs):
    """The home page's tasks: the teacher handed a document (linking to what is handed to
    them and not done); the register keepers the overdue ones (first) and, for the
    principal who was also handed one, that too; the other school's clerk nothing."""
    late, fresh, _other = docs
    services.incoming_assign(
        actor=office.principal, document=fresh, handler=office.principal, due_on=dt.date(2099, 1, 2)
    )

    def tasks(user) -> list[tuple[str, str]]:
        client.logout()
        otp_login(client, user)
        doc = lxml.html.fromstring(client.get("/").content)
        return [
            (a.text_content(), a.get("href")) for a in doc.xpath('//ul[@class="glance tasks"]//a')
        ]

    mine = "/office/?status=open&mine=1"
    assert tasks(office.teacher) == [("1 văn bản đến giao bạn xử lý", mine)]
    handed = client.get(mine).content.decode()
    assert "kiểm tra nề nếp" in handed and "sốt xuất huyết" not in handed
    assert tasks(office.principal) == [
        ("1 văn bản đến quá hạn xử lý", "/office/?overdue=1"),
        ("1 văn bản đến giao bạn xử lý", mine),
    ]
    # The principal's register, handed to them: the other document only.
    handed = client.get(mine).content.decode()
    assert "sốt xuất huyết" in handed and "kiểm tra nề nếp" not in handed
    assert tasks(office.clerk) == [("1 văn bản đến quá hạn xử lý", "/office/?overdue=1")]
    assert tasks(office.clerk_b) == []
    services.incoming_done(actor=office.teacher, document=IncomingDocument.objects.get(pk=late.pk))
    assert tasks(office.teacher) == []
    assert selectors.tasks_of(office.clerk) == {}
