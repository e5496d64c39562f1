"""Transcript pages: the student's transcripts (the homeroom teacher issues, the principal
countersigns, a guardian downloads) and the public verification page, which needs no login,
loads nothing external and reports a changed byte as tampering."""

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from edudx.records.models import Transcript, TranscriptStatus
from edudx.records.transcripts_services import transcript_countersign, transcript_issue
from tests.pages.conftest import otp_login

from .conftest_transcripts import *  # noqa: F403 — the fixtures
from .conftest_transcripts import COMMENT, first_revision_byte, flip

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(district, teacher, results, principal):
    t, _ = transcript_issue(actor=teacher, student=results, school_year=district.year)
    return transcript_countersign(actor=principal, transcript=t)


def page_url(student):
    return reverse("records:student_transcripts", args=[student.pk])


def assert_self_contained(html: str):
    """Nothing from another origin, no inline script or style (CSP: 'self' only)."""
    assert not re.search(r"(src|href|action)=\"(https?:)?//", html)
    assert "<script>" not in html and " style=" not in html


def test_homeroom_teacher_issues_from_the_student_page(district, teacher, results, client):
    otp_login(client, teacher)
    detail = client.get(reverse("people:student_detail", args=[results.pk]))
    assert page_url(results) in detail.content.decode()
    page = client.get(page_url(results))
    assert page.status_code == 200
    assert 'name="action" value="issue"' in page.content.decode()
    data = {"action": "issue", "school_year": district.year.pk, "comment": COMMENT}
    r = client.post(page_url(results), data)
    assert r.status_code == 302
    client.post(page_url(results), data)  # a second submission changes nothing
    t = Transcript.objects.get()
    assert (t.status, t.data["homeroom_comment"]) == (TranscriptStatus.TEACHER_SIGNED, COMMENT)
    html = client.get(page_url(results)).content.decode()
    assert f"Đã lập và ký học bạ {t.reference}." in html
    assert 'value="issue"' not in html  # nothing left to issue
    assert 'value="countersign"' not in html  # a teacher does not countersign


def test_principal_countersigns_from_the_page(district, teacher, results, principal, client):
    t, _ = transcript_issue(actor=teacher, student=results, school_year=district.year)
    otp_login(client, principal)
    html = client.get(page_url(results)).content.decode()
    assert 'name="action" value="countersign"' in html
    r = client.post(page_url(results), {"action": "countersign", "transcript": t.pk})
    assert r.status_code == 302
    assert Transcript.objects.get().status == TranscriptStatus.PRINCIPAL_SIGNED


def test_guardian_downloads_their_childs_transcript(district, signed, guardian, client):
    client.force_login(guardian)
    html = client.get(page_url(district.student_a1)).content.decode()
    assert reverse("records:transcript_pdf", args=[signed.pk]) in html
    assert 'value="issue"' not in html and 'value="countersign"' not in html
    pdf = client.get(reverse("records:transcript_pdf", args=[signed.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == signed.sha256
    twin = client.get(reverse("records:transcript_json", args=[signed.pk])).json()
    assert twin["document"]["sha256"] == signed.sha256
    assert client.get(page_url(district.student_a2)).status_code == 404


def test_teacher_of_another_class_gets_404(district, signed, client):
    otp_login(client, district.teacher_user(district.teacher_b))
    assert client.get(page_url(district.student_a1)).status_code == 404
    assert client.get(reverse("records:transcript_pdf", args=[signed.pk])).status_code == 404
    r = client.post(page_url(district.student_a1), {"action": "countersign", "transcript": 1})
    assert r.status_code == 404


def test_verify_page_works_without_login(signed):
    page = Client().get(f"/verify/{signed.reference}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert_self_contained(html)
    assert "Trường THCS Lê Lợi" in html and "2025-2026" in html
    assert "Lê Thị Hoa" in html and "Võ Thị Hồng Nhung" in html
    assert signed.sha256 in html
    assert (
        "Tài liệu xác thực: các chữ ký số hợp lệ và nội dung không bị thay đổi sau khi ký." in html
    )
    assert "Nguyễn Văn An" not in html  # the public page shows no personal data
    assert 'enctype="multipart/form-data"' in html


def test_the_qr_code_address_is_the_verify_page(signed):
    assert Transcript.objects.get().data["reference"] == signed.reference
    pdf = bytes(Transcript.objects.get().pdf)
    assert reverse("transcript_verify_reference", args=[signed.reference]) == (
        f"/verify/{signed.reference}/"
    )
    assert b"%PDF" in pdf[:8]


def upload(url, data: bytes):
    return Client().post(url, {"file": SimpleUploadedFile("hoc-ba.pdf", data)})


def test_uploading_the_issued_file(signed):
    pdf = bytes(Transcript.objects.get().pdf)
    page = upload(f"/verify/{signed.reference}/", pdf)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Tệp trùng khớp từng byte với học bạ do hệ thống cấp." in html
    assert_self_contained(html)


@pytest.mark.parametrize("url", ["/verify/", "reference"], ids=["generic", "on-reference"])
def test_one_byte_changed_shows_tampered(signed, url):
    pdf = bytes(Transcript.objects.get().pdf)
    tampered = flip(pdf, first_revision_byte(pdf, signed.reference))
    target = f"/verify/{signed.reference}/" if url == "reference" else url
    page = upload(target, tampered)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Tài liệu đã bị thay đổi sau khi ký: nội dung không còn khớp với chữ ký số." in html
    assert "Tài liệu đã bị thay đổi." in html
    assert "Tệp trùng khớp từng byte" not in html


def test_uploading_something_else_is_a_clear_error(db):
    page = upload("/verify/", b"khong phai PDF")
    assert page.status_code == 400
    assert "Tệp không phải là tài liệu PDF hợp lệ." in page.content.decode()


def test_an_unknown_reference_is_404(db):
    assert Client().get("/verify/HB-0000000000000/").status_code == 404


def test_homeroom_teacher_issues_the_whole_class(district, teacher, results, client):
    otp_login(client, teacher)
    html = client.get(page_url(results)).content.decode()
    assert 'value="issue_class"' in html
    r = client.post(page_url(results), {"action": "issue_class", "class": district.class_a.pk})
    assert r.status_code == 302
    assert Transcript.objects.count() == 2
    assert "Đã lập và ký 2 học bạ của lớp 6A1." in client.get(page_url(results)).content.decode()


def test_uploads_are_rate_limited(db, monkeypatch):
    from edudx.records import views_transcripts

    monkeypatch.setattr(views_transcripts, "VERIFY_RATE", 1)
    assert upload("/verify/", b"%PDF-1.7 x").status_code == 200
    page = upload("/verify/", b"%PDF-1.7 x")
    assert page.status_code == 429
    assert "Bạn đã kiểm tra quá nhiều tệp" in page.content.decode()
