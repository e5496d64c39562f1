"""/api/v1 transcripts: issue (idempotent by student and year), countersign, read and
download (scoped: guardians their children, teachers their classes), and the public
verification of an uploaded PDF — a changed byte is reported as tampering."""

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client

from edudx.accounts.models import Role
from edudx.people import services as people_services
from edudx.records.models import Transcript
from tests.api.conftest import API, token_client
from tests.factories import person_data

from .conftest_transcripts import *  # noqa: F403 — the fixtures
from .conftest_transcripts import COMMENT, first_revision_byte, flip

pytestmark = pytest.mark.django_db

TAMPERED = "Tài liệu đã bị thay đổi sau khi ký: nội dung không còn khớp với chữ ký số."


@pytest.fixture
def teacher_api(teacher):
    return token_client(teacher)


@pytest.fixture
def issued(district, teacher_api, results):
    r = teacher_api.post(
        f"{API}/students/{results.pk}/transcripts",
        {"school_year_id": district.year.pk, "comment": COMMENT},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    return r.json()


@pytest.fixture
def signed(issued, principal):
    r = token_client(principal).post(f"{API}/transcripts/{issued['id']}/countersign")
    assert r.status_code == 200, r.content
    return r.json()


def upload(data: bytes, client=None):
    return (client or Client()).post(
        f"{API}/transcripts/verify",
        {"file": SimpleUploadedFile("hoc-ba.pdf", data, content_type="application/pdf")},
    )


def test_issue_then_issue_again_returns_the_same(district, teacher_api, issued):
    t = Transcript.objects.get()
    assert issued == {
        "id": t.pk,
        "source_id": str(t.source_id),
        "reference": t.reference,
        "student_id": district.student_a1.pk,
        "school_id": district.school_a.pk,
        "school_year": "2025-2026",
        "class_id": district.class_a.pk,
        "status": "teacher_signed",
        "sha256": t.sha256,
        "signed_by": [
            {
                "role": "homeroom",
                "name": "Lê Thị Hoa",
                "signed_at": DjangoJSONEncoder().default(t.teacher_signed_at),
            }
        ],
        "verify_url": f"https://edudx.example.vn/verify/{t.reference}/",
        "updated_at": issued["updated_at"],
    }
    again = teacher_api.post(
        f"{API}/students/{district.student_a1.pk}/transcripts",
        {"school_year_id": district.year.pk},
        content_type="application/json",
    )
    assert again.status_code == 200
    assert again.json()["id"] == t.pk
    assert Transcript.objects.count() == 1


def test_countersign_then_download_pdf_and_json(signed, teacher_api):
    assert signed["status"] == "principal_signed"
    assert [s["role"] for s in signed["signed_by"]] == ["homeroom", "principal"]
    pdf = teacher_api.get(f"{API}/transcripts/{signed['id']}/pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == signed["sha256"]
    twin = teacher_api.get(f"{API}/transcripts/{signed['id']}/json").json()
    assert twin["schema"] == "edudx.transcript/1"
    assert twin["reference"] == signed["reference"]
    assert twin["homeroom_comment"] == COMMENT
    assert twin["document"]["sha256"] == signed["sha256"]
    assert twin["document"]["status"] == "principal_signed"


def test_the_public_verifies_an_upload_without_logging_in(signed, teacher_api):
    pdf = teacher_api.get(f"{API}/transcripts/{signed['id']}/pdf").content
    r = upload(pdf)
    assert r.status_code == 200
    body = r.json()
    assert (body["verdict"], body["matches_issued"], body["reference"]) == (
        "authentic",
        True,
        signed["reference"],
    )
    assert [(s["field_name"], s["signer_name"], s["intact"]) for s in body["signatures"]] == [
        ("homeroom", "Lê Thị Hoa", True),
        ("principal", "Võ Thị Hồng Nhung", True),
    ]
    assert body["document"]["school"] == "Trường THCS Lê Lợi"
    assert "student" not in json.dumps(body["document"])


def test_one_byte_changed_is_tampered(signed, teacher_api):
    pdf = teacher_api.get(f"{API}/transcripts/{signed['id']}/pdf").content
    r = upload(flip(pdf, first_revision_byte(pdf, signed["reference"])))
    assert r.status_code == 200
    body = r.json()
    assert (body["verdict"], body["message"], body["matches_issued"]) == (
        "tampered",
        TAMPERED,
        False,
    )
    assert [s["intact"] for s in body["signatures"]] == [False, False]


def test_the_verdict_in_english(signed, teacher_api):
    pdf = teacher_api.get(f"{API}/transcripts/{signed['id']}/pdf").content
    tampered = flip(pdf, first_revision_byte(pdf, signed["reference"]))
    r = upload(tampered, Client(headers={"Accept-Language": "en"}))
    assert r.json()["verdict"] == "tampered"
    assert r.json()["message"] != TAMPERED


@pytest.mark.parametrize(
    "data", [b"", b"not a pdf", "học bạ".encode()], ids=["empty", "text", "vi"]
)
def test_not_a_pdf_is_a_clear_error(db, data):
    r = upload(data)
    assert r.status_code == 400
    assert (r.json()["code"], r.json()["message"]) == (
        "signing.bad_pdf",
        "Tệp không phải là tài liệu PDF hợp lệ.",
    )


def test_guardians_see_their_childs_transcript_only(district, issued, guardian):
    other = people_services.person_create(actor=None, data=person_data("Hà Văn Tư"))
    people_services.guardian_link(
        actor=None, guardian=other, student=district.student_a2, relationship="father"
    )
    other_user = district.user(Role.GUARDIAN, None, person=other)
    mine = token_client(guardian)
    assert mine.get(f"{API}/transcripts/{issued['id']}").status_code == 200
    assert mine.get(f"{API}/transcripts/{issued['id']}/pdf").status_code == 200
    assert [
        t["id"] for t in mine.get(f"{API}/students/{district.student_a1.pk}/transcripts").json()
    ] == [issued["id"]]
    theirs = token_client(other_user)
    for suffix in ("", "/pdf", "/json"):
        r = theirs.get(f"{API}/transcripts/{issued['id']}{suffix}")
        assert (r.status_code, r.json()["code"]) == (404, "transcript.not_found")


def test_a_teacher_of_another_class_gets_404(district, issued):
    other = token_client(district.teacher_user(district.teacher_b))
    for suffix in ("", "/pdf", "/json"):
        assert other.get(f"{API}/transcripts/{issued['id']}{suffix}").status_code == 404
    r = other.post(f"{API}/transcripts/{issued['id']}/countersign")
    assert r.status_code == 404
    r = other.post(
        f"{API}/students/{district.student_a1.pk}/transcripts",
        {"school_year_id": district.year.pk},
        content_type="application/json",
    )
    assert r.status_code == 404


def test_a_guardian_cannot_issue_or_countersign(district, issued, guardian):
    client = token_client(guardian)
    r = client.post(
        f"{API}/students/{district.student_a2.pk}/transcripts",
        {"school_year_id": district.year.pk},
        content_type="application/json",
    )
    assert r.status_code == 404  # not their child
    r = client.post(f"{API}/transcripts/{issued['id']}/countersign")
    assert (r.status_code, r.json()["code"]) == (403, "transcript.not_principal")


def test_unknown_school_year_names_the_field(district, teacher_api):
    r = teacher_api.post(
        f"{API}/students/{district.student_a1.pk}/transcripts",
        {"school_year_id": 999999},
        content_type="application/json",
    )
    assert (r.status_code, r.json()["field"]) == (400, "school_year_id")


def test_a_class_at_once(district, teacher_api, results, principal):
    url = f"{API}/classes/{district.class_a.pk}/transcripts"
    r = teacher_api.post(
        url, {"comments": {str(results.pk): COMMENT}}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert sorted(t["student_id"] for t in body) == sorted(
        [district.student_a1.pk, district.student_a2.pk]
    )
    assert {t["status"] for t in body} == {"teacher_signed"}
    again = teacher_api.post(url, {}, content_type="application/json")
    assert (again.status_code, again.json()) == (201, [])
    ids = [t["id"] for t in body]
    r = token_client(principal).post(
        f"{API}/transcripts/countersign", {"ids": ids}, content_type="application/json"
    )
    assert (r.status_code, r.json()) == (200, {"signed": 2})
    twin = teacher_api.get(f"{API}/transcripts/{ids[0]}/json").json()
    assert twin["document"]["status"] == "principal_signed"


def test_a_class_outside_scope_is_404(district, results):
    other = token_client(district.teacher_user(district.teacher_b))
    r = other.post(
        f"{API}/classes/{district.class_a.pk}/transcripts", {}, content_type="application/json"
    )
    assert r.status_code == 404
    assert Transcript.objects.count() == 0
