"""/api/v1 marks (bulk upsert with Idempotency-Key), results and a student's marks."""

import pytest

from edudx.accounts.models import Role
from edudx.audit.models import AuditEvent
from edudx.records import services
from edudx.records.models import Mark, Subject
from tests.api.conftest import API, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def maths(district):
    subject = Subject.objects.get(code="toan")
    services.subject_assign(
        actor=None, staff=district.teacher_a, subject=subject, class_group=district.class_a
    )
    return subject


def url(cls, subject, term=1):
    return f"{API}/marks/classes/{cls.pk}/subjects/{subject.pk}/terms/{term}"


def body(student, **cells):
    return {"marks": [{"student_id": student.pk, "kind": k, "value": v} for k, v in cells.items()]}


def test_get_empty_sheet_lists_columns_and_students(district, teacher, maths):
    r = token_client(teacher).get(url(district.class_a, maths))
    assert r.status_code == 200, r.content
    data = r.json()
    assert [c["kind"] for c in data["columns"]] == ["tx1", "tx2", "tx3", "tx4", "gk", "ck"]
    assert [s["full_name"] for s in data["students"]] == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert data["locked"] is False


def test_put_with_idempotency_key_replays(district, teacher, maths):
    api = token_client(teacher, **{"Idempotency-Key": "k-1"})
    payload = body(district.student_a1, tx1="8,5", gk="7")
    first = api.put(url(district.class_a, maths), payload, content_type="application/json")
    assert first.status_code == 200, first.content
    assert (first.json()["created"], first.json()["students"][0]["marks"]) == (
        2,
        {"tx1": "8,5", "gk": "7"},
    )
    audits = AuditEvent.objects.filter(object_type="records.mark").count()
    again = api.put(url(district.class_a, maths), payload, content_type="application/json")
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Mark.objects.count() == 2
    assert AuditEvent.objects.filter(object_type="records.mark").count() == audits == 2
    other = api.put(
        url(district.class_a, maths),
        body(district.student_a1, tx1="9"),
        content_type="application/json",
    )
    assert (other.status_code, other.json()["code"]) == (409, "idempotency.conflict")


def test_put_bad_cells_named_and_nothing_written(district, teacher, maths):
    payload = {
        "marks": [
            {"student_id": district.student_a1.pk, "kind": "tx1", "value": "7"},
            {"student_id": district.student_a2.pk, "kind": "gk", "value": "10,5"},
            {"student_id": district.student_b1.pk, "kind": "tx1", "value": "7"},
        ]
    }
    r = token_client(teacher).put(
        url(district.class_a, maths), payload, content_type="application/json"
    )
    assert r.status_code == 400
    assert [(e["code"], e["row"], e["field"]) for e in r.json()["errors"]] == [
        ("records.mark.range", 2, "gk"),
        ("records.marks.student", 3, "student_id"),
    ]
    assert Mark.objects.count() == 0


def test_scoping(district, teacher, maths, guardian):
    literature = Subject.objects.get(code="ngu_van")
    r = token_client(teacher).put(
        url(district.class_a, literature),
        body(district.student_a1, tx1="7"),
        content_type="application/json",
    )
    assert (r.status_code, r.json()["code"]) == (403, "records.marks.forbidden")
    other = token_client(district.teacher_user(district.teacher_b))
    assert other.get(url(district.class_a, maths)).status_code == 404
    parent = token_client(guardian)
    assert (
        parent.put(
            url(district.class_a, maths),
            body(district.student_a1, tx1="7"),
            content_type="application/json",
        ).status_code
        == 404
    )
    assert Mark.objects.count() == 0


def test_guardian_reads_child_marks_and_results(district, teacher, maths, guardian):
    token_client(teacher).put(
        url(district.class_a, maths),
        body(district.student_a1, tx1="8"),
        content_type="application/json",
    )
    parent = token_client(guardian, scopes=("read",))
    r = parent.get(f"{API}/students/{district.student_a1.pk}/marks")
    assert r.status_code == 200, r.content
    toan = next(s for s in r.json()["subjects"] if s["code"] == "toan")
    assert (toan["term1"], toan["term1_result"]) == ({"tx1": "8"}, None)
    assert parent.get(f"{API}/students/{district.student_a2.pk}/marks").status_code == 404


def test_approval_locks_then_put_refused(district, teacher, maths):
    principal = district.user(Role.PRINCIPAL, district.school_a)
    approve = f"{API}/marks/classes/{district.class_a.pk}/terms/1/approval"
    r = token_client(teacher).post(approve, {"role": "homeroom"}, content_type="application/json")
    assert (r.status_code, r.json()["locked"]) == (200, False)
    r = token_client(principal).post(
        approve, {"role": "principal"}, content_type="application/json"
    )
    assert (r.status_code, r.json()["locked"]) == (200, True)
    r = token_client(teacher).put(
        url(district.class_a, maths),
        body(district.student_a1, tx1="7"),
        content_type="application/json",
    )
    assert (r.status_code, r.json()["code"]) == (409, "records.marks.locked")
    results = token_client(teacher).get(f"{API}/results/classes/{district.class_a.pk}?period=1")
    assert results.status_code == 200
    assert [s["full_name"] for s in results.json()["students"]] == [
        "Nguyễn Văn An",
        "Trần Thị Bình",
    ]


def test_change_request_after_lock_and_principal_decision(district, teacher, maths):
    principal = district.user(Role.PRINCIPAL, district.school_a)
    a1 = district.student_a1
    token_client(teacher).put(
        url(district.class_a, maths), body(a1, ck="6"), content_type="application/json"
    )
    approve = f"{API}/marks/classes/{district.class_a.pk}/terms/1/approval"
    token_client(teacher).post(approve, {"role": "homeroom"}, content_type="application/json")
    token_client(principal).post(approve, {"role": "principal"}, content_type="application/json")
    payload = {
        "class_id": district.class_a.pk,
        "subject_id": maths.pk,
        "term": 1,
        "student_id": a1.pk,
        "kind": "ck",
        "value": "7,5",
        "reason": "Phúc khảo bài thi cuối kỳ",
    }
    r = token_client(teacher).post(
        f"{API}/marks/change-requests", payload, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    change = r.json()
    assert (change["old_value"], change["new_value"], change["status"]) == ("6", "7,5", "pending")
    decide = f"{API}/marks/classes/{district.class_a.pk}/change-requests/{change['id']}/decision"
    r = token_client(teacher).post(decide, {"decision": "approve"}, content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (403, "records.lock.forbidden")
    r = token_client(principal).post(
        decide, {"decision": "approve"}, content_type="application/json"
    )
    assert (r.status_code, r.json()["status"]) == (200, "approved")
    assert Mark.objects.get(student=a1, kind="ck").value == 7.5


def test_conduct_by_the_homeroom_teacher_only(district, teacher, maths):
    conduct = f"{API}/results/classes/{district.class_a.pk}/conduct/1"
    levels = {"levels": {str(district.student_a1.pk): "tot"}}
    r = token_client(teacher).put(conduct, levels, content_type="application/json")
    assert r.status_code == 200, r.content
    got = {s["student_id"]: s["conduct"] for s in r.json()["students"]}
    assert got == {district.student_a1.pk: "tot", district.student_a2.pk: ""}
    principal = district.user(Role.PRINCIPAL, district.school_a)
    r = token_client(principal).put(conduct, levels, content_type="application/json")
    assert r.status_code == 403
