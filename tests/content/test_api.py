"""/api/v1 curriculum, resources (upload, search, download, moderation) and coverage."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from edudx.accounts.models import Role
from edudx.content.models import Resource
from tests.api.conftest import API, token_client

from .conftest import PDF_BYTES, topic

pytestmark = pytest.mark.django_db


def meta(toan, **kw):
    values = {
        "title": "Số nguyên âm",
        "type": "document",
        "subject_id": toan.pk,
        "grade": 6,
        "licence": "cc-by",
        "author": "Lê Thị Hoa",
        "topic_ids": [topic(toan, "6.songuyen").pk],
    }
    values.update(kw)
    return json.dumps(values)


def upload(client, toan, key=None, data=PDF_BYTES, **kw):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        f"{API}/resources",
        {"metadata": meta(toan, **kw), "file": SimpleUploadedFile("a.pdf", data)},
        headers=headers,
    )


def test_topics(district, toan):
    c = token_client(district.user(Role.STUDENT, None, person=district.student_a1.person))
    body = c.get(f"{API}/curriculum/topics", {"grade": 6, "subject_id": toan.pk}).json()
    assert [t["code"] for t in body][:3] == ["6.sotunhien", "6.songuyen", "6.phanso"]
    assert body[0]["periods"] == 25
    assert body[0]["outcomes"][0]["text"] == "Nhận biết được tập hợp các số tự nhiên."


def test_upload_review_publish_search_download(district, teacher, principal, toan):
    t = token_client(teacher)
    r = upload(t, toan, key="up-1")
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["status"], body["mime"], body["size"], body["topic_ids"]) == (
        "submitted",
        "application/pdf",
        45,
        [topic(toan, "6.songuyen").pk],
    )
    # Retry with the same key and bytes: the same response, nothing new.
    again = upload(t, toan, key="up-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == body["id"]
    assert Resource.objects.count() == 1
    # Same key, other bytes: conflict.
    assert upload(t, toan, key="up-1", data=PDF_BYTES + b"x").status_code == 409

    p = token_client(principal)
    rid = body["id"]
    assert (
        p.post(
            f"{API}/resources/{rid}/review", {"approve": True}, content_type="application/json"
        ).status_code
        == 200
    )
    pub = p.post(
        f"{API}/resources/{rid}/publish", {"scope": "school"}, content_type="application/json"
    )
    assert pub.json()["status"] == "published"

    s = token_client(district.user(Role.STUDENT, None, person=district.student_a1.person))
    found = s.get(f"{API}/resources", {"q": "so nguyen am"}).json()
    assert [i["id"] for i in found["items"]] == [rid]
    assert found["items"][0]["download_url"] == f"/api/v1/resources/{rid}/download"
    d = s.get(f"{API}/resources/{rid}/download")
    assert d.status_code == 200
    assert b"".join(d.streaming_content) == PDF_BYTES
    assert d["Content-Type"] == "application/pdf"
    assert Resource.objects.get().download_count == 1
    # Another school's student: 404.
    other = token_client(district.user(Role.STUDENT, None, person=district.student_b1.person))
    assert other.get(f"{API}/resources/{rid}").status_code == 404
    assert other.get(f"{API}/resources/{rid}/download").status_code == 404


def test_bad_upload_errors_name_the_field(teacher, toan, ngu_van):
    t = token_client(teacher, **{"Accept-Language": "en"})
    r = upload(t, toan, data=b"MZ\x90 not a pdf")
    assert r.status_code == 400
    assert r.json()["field"] == "file"
    assert r.json()["message"] == (
        "The file’s content does not match the chosen resource type "
        "(detected: unknown; accepted: docx, gif, jpg, pdf, png, pptx, webp, xlsx)."
    )
    r = upload(t, toan, outcome_ids=[topic(ngu_van, "6.tho").outcomes.first().pk])
    assert r.status_code == 400
    assert r.json()["field"] == "outcome_ids"
    r = t.post(f"{API}/resources", {"metadata": "{not json"})
    assert (r.status_code, r.json()["field"]) == (400, "metadata")
    assert Resource.objects.count() == 0


def test_harvest_updated_since(district, teacher, principal, toan):
    t = token_client(teacher)
    rid = upload(t, toan).json()["id"]
    p = token_client(principal)
    p.post(f"{API}/resources/{rid}/review", {"approve": True}, content_type="application/json")
    p.post(f"{API}/resources/{rid}/publish", {"scope": "school"}, content_type="application/json")
    got = p.get(f"{API}/resources", {"updated_since": "2000-01-01T00:00:00Z"}).json()
    assert [i["id"] for i in got["items"]] == [rid]
    assert got["items"][0]["licence"] == "cc-by"
    assert p.get(f"{API}/resources", {"updated_since": "2100-01-01T00:00:00Z"}).json()["count"] == 0


def test_coverage_api(district, principal, toan):
    p = token_client(principal)
    body = p.get(
        f"{API}/content/coverage",
        {"unit_id": district.school_a.pk, "grade": 6, "subject_id": toan.pk},
    ).json()
    assert (body["periods"], body["covered"], body["ratio"]) == (140, 0, 0.0)
    assert len(body["rows"][0]["uncovered_topics"]) == 10
    # Another school's figures are not this principal's.
    other = p.get(f"{API}/content/coverage", {"unit_id": district.school_b.pk})
    assert other.status_code == 404


@pytest.mark.parametrize("q", ["", "phan so"])
def test_resource_list_query_count_does_not_grow(district, teacher, principal, toan, q):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from edudx.content import services
    from edudx.content.services import ResourceData

    from .conftest import pdf_upload, publish

    p = token_client(principal)

    def add(n):
        for i in range(n):
            r = services.resource_create(
                actor=teacher,
                data=ResourceData(
                    title=f"Phân số {i}",
                    type="document",
                    subject_id=toan.pk,
                    grade=6,
                    licence="cc-by",
                    author="A",
                    topic_ids=[topic(toan, "6.phanso").pk],
                ),  # fmt: skip
                upload=pdf_upload(),
            )
            publish(r, principal)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            body = p.get(f"{API}/resources", {"q": q}).json()
        return len(ctx.captured_queries), len(body["items"])

    p.get(f"{API}/resources")  # the token's first use records last_used_at (one UPDATE)
    add(2)
    few = count()
    add(5)
    many = count()
    assert (few[1], many[1]) == (2, 7)
    assert many[0] == few[0]


def test_resubmit_returned_resource(district, teacher, teacher_b, principal, toan):
    t = token_client(teacher)
    rid = upload(t, toan, title="So nguyen am").json()["id"]
    p = token_client(principal)
    returned = p.post(
        f"{API}/resources/{rid}/review",
        {"approve": False, "comment": "Sửa tiêu đề."},
        content_type="application/json",
    )
    assert returned.json()["status"] == "returned"
    url = f"{API}/resources/{rid}/resubmit"
    bad = t.post(url, {"metadata": meta(toan, title="", topic_ids=[999999])})
    assert bad.status_code == 400
    assert sorted((e["field"], e["code"]) for e in bad.json()["errors"]) == [
        ("title", "content.title"),
        ("topic_ids", "content.topic"),
    ]
    new_pdf = PDF_BYTES + b"% v2\n"
    ok = t.post(url, {"metadata": meta(toan), "file": SimpleUploadedFile("b.pdf", new_pdf)})
    assert ok.status_code == 200, ok.content
    assert (ok.json()["title"], ok.json()["status"], ok.json()["size"]) == (
        "Số nguyên âm",
        "submitted",
        len(new_pdf),
    )
    assert p.post(url, {"metadata": meta(toan)}).status_code == 403  # the reviewer
    assert token_client(teacher_b).post(url, {"metadata": meta(toan)}).status_code == 404
    p.post(f"{API}/resources/{rid}/review", {"approve": True}, content_type="application/json")
    assert t.post(url, {"metadata": meta(toan)}).json()["code"] == "content.status"
