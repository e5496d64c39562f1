import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from edudx.audit.models import AuditEvent, AuditPending
from edudx.audit.services import audit_drain_all
from edudx.audit.verify import chain_verify
from edudx.core.models import IdempotencyRecord
from edudx.eservices import admissions, gate
from edudx.eservices.models import AdmissionApplication, Dossier
from tests.api.conftest import API, token_client
from tests.factories import make_personal_id

from .conftest import PDF, PNG

pytestmark = pytest.mark.django_db

COPY = {
    "applicant_name": "Trần Văn Tú",
    "phone": "0912345678",
    "holder_name": "Trần Văn Tú",
    "holder_birth_date": "12/03/2005",
    "certificate_type": "Bằng tốt nghiệp THCS",
    "graduation_year": 2020,
    "copies": 1,
}


def upload(client, data=PDF, content_type="application/pdf"):
    return client.post(
        f"{API}/attachments",
        {"kind": "id_document", "file": SimpleUploadedFile("cccd.pdf", data, content_type)},
    )


def test_catalogue_is_public(world):
    r = Client().get(f"{API}/procedures")
    assert r.status_code == 200
    codes = [p["code"] for p in r.json()]
    assert codes == sorted(
        [
            "admission_grade1",
            "admission_grade6",
            "admission_preschool",
            "diploma_copy",
            "diploma_correction",
            "transfer_lower_secondary",
            "transfer_primary",
            "transfer_upper_secondary",
            "tuition_support",
        ]
    )
    one = Client().get(f"{API}/procedures/transfer_primary").json()
    assert one["level"] == "full" and one["unit_kind"] == "commune" and one["processing_days"] == 3
    assert [f["type"] for f in one["fields"]][:3] == ["text", "phone", "email"]


def test_anonymous_submission_is_idempotent_and_tracked_by_code_and_phone(world):
    c = Client()
    token = upload(c).json()["token"]
    body = {
        "procedure": "diploma_copy",
        "unit_id": world.d.commune_a.pk,
        "data": COPY,
        "attachments": [token],
    }
    first = c.post(
        f"{API}/dossiers", body, content_type="application/json", headers={"Idempotency-Key": "k-1"}
    )
    again = c.post(
        f"{API}/dossiers", body, content_type="application/json", headers={"Idempotency-Key": "k-1"}
    )
    assert first.status_code == 201 and again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["code"] == again.json()["code"]
    assert Dossier.objects.count() == 1
    code = first.json()["code"]
    status = c.get(f"{API}/dossiers/status", {"code": code, "phone": "0912 345 678"})
    assert status.status_code == 200 and status.json()["status"] == "submitted"
    wrong = c.get(f"{API}/dossiers/status", {"code": code, "phone": "0900000000"})
    unknown = c.get(f"{API}/dossiers/status", {"code": "HSAAAAAAAA", "phone": "0912345678"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    for _ in range(3):
        c.get(f"{API}/dossiers/status", {"code": code, "phone": "0900000000"})
    throttled = c.get(f"{API}/dossiers/status", {"code": code, "phone": "0912345678"})
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "lookup.throttled"


def test_attachment_type_checked_on_bytes_in_english(world):
    r = Client(headers={"Accept-Language": "en"}).post(
        f"{API}/attachments",
        {
            "kind": "x",
            "file": __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile(
                "a.pdf", PNG, "application/pdf"
            ),
        },
    )
    assert r.status_code == 400
    assert r.json()["code"] == "attachment.mismatch"
    assert r.json()["message"] == "File a.pdf claims to be PDF but its content is PNG."


def test_officer_transitions_through_the_api(world):
    c = Client()
    token = upload(c).json()["token"]
    code = c.post(
        f"{API}/dossiers",
        {
            "procedure": "diploma_copy",
            "unit_id": world.d.commune_a.pk,
            "data": COPY,
            "attachments": [token],
        },
        content_type="application/json",
    ).json()["code"]
    other = token_client(world.officer_b).post(
        f"{API}/dossiers/{code}/transitions",
        {"action": "receive", "comment": "x"},
        content_type="application/json",
    )
    assert other.status_code == 403
    assert other.json()["code"] == "dossier.not_responsible"
    citizen = token_client(world.citizen).post(
        f"{API}/dossiers/{code}/transitions",
        {"action": "receive", "comment": "x"},
        content_type="application/json",
    )
    assert citizen.status_code == 404
    officer = token_client(world.officer_a)
    ok = officer.post(
        f"{API}/dossiers/{code}/transitions",
        {"action": "receive", "comment": "Đủ hồ sơ"},
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "received" and ok.json()["events"][-1]["comment"] == "Đủ hồ sơ"
    bad = officer.post(
        f"{API}/dossiers/{code}/transitions",
        {"action": "return_result", "comment": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 409
    queue = officer.get(f"{API}/dossiers").json()
    assert ([d["code"] for d in queue["items"]], queue["count"]) == ([code], 1)


def application(world, **kw):
    dob = dt.date(2020, 6, 1)
    return {
        "child_personal_id": make_personal_id(dob, "F"),
        "child_name": "Phạm Ngọc Anh",
        "date_of_birth": "01/06/2020",
        "sex": "F",
        "commune": world.d.commune_a.pk,
        "school": world.primary_a.pk,
        "applicant_name": "Phạm Văn Bình",
        "phone": "0977123456",
        **kw,
    }


def test_admission_application_idempotent_duplicate_result_confirm(world):
    r = world.grade1_round()
    c = Client()
    body = application(world)
    url = f"{API}/admissions/rounds/{r.pk}/applications"
    first = c.post(url, body, content_type="application/json", headers={"Idempotency-Key": "a-1"})
    again = c.post(url, body, content_type="application/json", headers={"Idempotency-Key": "a-1"})
    assert first.status_code == 201, first.content
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["school"] == "Trường Tiểu học Kim Đồng" and first.json()["in_zone"] is True
    dup = c.post(
        url,
        dict(body, school=world.primary_b.pk),
        content_type="application/json",
        headers={"Idempotency-Key": "a-2", "Accept-Language": "en"},
    )
    assert dup.status_code == 409 and dup.json()["code"] == "application.duplicate"
    assert AdmissionApplication.objects.count() == 1
    code = first.json()["code"]
    assert (
        c.get(f"{API}/admissions/applications/{code}", {"phone": "0900000000"}).status_code == 404
    )
    r.closes_at = timezone.now() - dt.timedelta(seconds=1)
    r.save()
    officer = token_client(world.d.user("commune_officer", world.d.district))
    assert officer.post(f"{API}/admissions/rounds/{r.pk}/allocate").json() == {
        "applications": 1,
        "admitted": 1,
    }
    counts = officer.get(f"{API}/admissions/rounds/{r.pk}/counts").json()
    assert [(x["quota"], x["applied"], x["admitted"]) for x in counts] == [(2, 1, 1), (2, 0, 0)]
    result = c.get(f"{API}/admissions/applications/{code}", {"phone": "0977123456"}).json()
    assert (
        result["status"] == "admitted" and result["allocated_school"] == "Trường Tiểu học Kim Đồng"
    )
    confirmed = c.post(
        f"{API}/admissions/applications/{code}/confirm",
        {"phone": "0977123456"},
        content_type="application/json",
    )
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "confirmed" and confirmed.json()["class_name"] == "1A1"


def test_bad_application_in_english(world):
    r = world.grade1_round()
    response = Client(headers={"Accept-Language": "en"}).post(
        f"{API}/admissions/rounds/{r.pk}/applications",
        application(
            world,
            date_of_birth="01/06/2019",
            child_personal_id=make_personal_id(dt.date(2019, 6, 1), "F"),
        ),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "application.age"
    assert response.json()["field"] == "date_of_birth"
    assert "2020" in response.json()["message"]
    assert AdmissionApplication.objects.count() == 0


def test_saturated_server_answers_503_with_retry_after(world, settings):
    settings.ESERVICES_SUBMIT_WAIT_MS = 5
    settings.ESERVICES_RETRY_AFTER = 2
    r = world.grade1_round()
    g = gate._gate()
    taken = 0
    while g.acquire(blocking=False):
        taken += 1
    try:
        busy = Client().post(
            f"{API}/admissions/rounds/{r.pk}/applications",
            application(world),
            content_type="application/json",
            headers={"Idempotency-Key": "b-1"},
        )
    finally:
        for _ in range(taken):
            g.release()
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "2"
    assert busy.json()["code"] == "server.busy"
    assert AdmissionApplication.objects.count() == 0
    retried = Client().post(
        f"{API}/admissions/rounds/{r.pk}/applications",
        application(world),
        content_type="application/json",
        headers={"Idempotency-Key": "b-1"},
    )
    assert retried.status_code == 201
    assert admissions.AdmissionApplication.objects.count() == 1


def test_application_lookup_by_phone_is_throttled(world):
    r = world.grade1_round()
    c = Client()
    code = c.post(
        f"{API}/admissions/rounds/{r.pk}/applications",
        application(world),
        content_type="application/json",
    ).json()["code"]
    for _ in range(5):
        assert (
            c.get(f"{API}/admissions/applications/{code}", {"phone": "0900000000"}).status_code
            == 404
        )
    blocked = c.get(f"{API}/admissions/applications/{code}", {"phone": "0977123456"})
    assert blocked.status_code == 429
    rating = c.post(
        f"{API}/dossiers/HSAAAAAAAA/rating", {"score": 5}, content_type="application/json"
    )
    assert rating.status_code == 404


def test_application_retry_replays_after_the_window_closes_and_is_audited_once(world):
    """The submission runs before its idempotency record is written (rerunnable): a retry
    runs again, hits the taken key or the duplicate guard, rolls back and replays."""
    r = world.grade1_round()
    c = Client()
    body = application(world)
    url = f"{API}/admissions/rounds/{r.pk}/applications"
    first = c.post(url, body, content_type="application/json", headers={"Idempotency-Key": "c-1"})
    assert first.status_code == 201, first.content
    other = c.post(
        url,
        dict(body, child_name="Phạm Ngọc Bích"),
        content_type="application/json",
        headers={"Idempotency-Key": "c-1"},
    )
    assert other.status_code == 409 and other.json()["code"] == "idempotency.conflict"
    r.closes_at = timezone.now() - dt.timedelta(seconds=1)
    r.save()
    admissions._config_cache.pop(r.pk, None)
    late = c.post(url, body, content_type="application/json", headers={"Idempotency-Key": "c-1"})
    assert late.status_code == 201 and late.headers["Idempotent-Replayed"] == "true"
    assert late.json() == first.json()
    assert AdmissionApplication.objects.count() == 1
    assert IdempotencyRecord.objects.get().response_body == first.json()
    assert AuditPending.objects.count() == 1 and audit_drain_all() == 1
    event = AuditEvent.objects.get(object_type="eservices.admission_application")
    app = AdmissionApplication.objects.get()
    assert (
        event.actor_id,
        event.actor_name,
        event.action,
        event.object_id,
        event.object_repr,
        event.changes,
    ) == (
        None,
        "system",
        "create",
        first.json()["code"],
        "Phạm Ngọc Anh",
        {"round": [None, r.pk], "school": [None, world.primary_a.pk]},
    )
    assert app.code == first.json()["code"] and chain_verify().ok


def test_dossier_list_is_the_queue_or_my_own_a_page_at_a_time(world):
    """An officer gets their queue (mine=true: their own applications instead); a citizen
    their own dossiers; both in pages with a count."""
    citizen = token_client(world.citizen)
    codes = []
    for n in range(3):
        token = upload(citizen).json()["token"]
        body = {
            "procedure": "diploma_copy",
            "unit_id": world.d.commune_a.pk,
            "data": COPY,
            "attachments": [token],
        }
        made = citizen.post(
            f"{API}/dossiers", body, content_type="application/json",
            headers={"Idempotency-Key": f"list-{n}"},
        )  # fmt: skip
        assert made.status_code == 201, made.content
        codes.append(made.json()["code"])
    mine = citizen.get(f"{API}/dossiers", {"page_size": 2}).json()
    rest = citizen.get(f"{API}/dossiers", {"page_size": 2, "page": 2}).json()
    assert [d["code"] for d in mine["items"] + rest["items"]] == codes[::-1]  # newest first
    assert (mine["count"], rest["page"]) == (3, 2)
    officer = token_client(world.officer_a)
    queue = officer.get(f"{API}/dossiers").json()
    assert (sorted(d["code"] for d in queue["items"]), queue["count"]) == (sorted(codes), 3)
    assert officer.get(f"{API}/dossiers", {"mine": "true"}).json()["count"] == 0
    assert token_client(world.officer_b).get(f"{API}/dossiers").json()["count"] == 0
