"""The admissions hot path before Django (`eservices.live`): what it answers and writes is
what the API answers and writes, and everything it does not serve reaches Django."""

import datetime as dt
import json

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory
from django.test.client import FakePayload

from edudx.audit.models import AuditPending
from edudx.core.idempotency import body_hash
from edudx.core.models import IdempotencyRecord
from edudx.eservices import admissions, live, wsgi_gate
from edudx.eservices.api import ApplicationOut
from edudx.eservices.models import AdmissionApplication, BenchRow
from edudx.people import services as people_services
from tests.api.conftest import token_client
from tests.factories import person_data

from .test_api import application

pytestmark = pytest.mark.django_db

API = "/api/v1"


def front(path, body: bytes, content_type="application/json", method="POST", **headers):
    """A request through the front WSGI app (gate → hot path → Django), as granian calls
    it (test_wsgi_gate uses it too)."""
    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD=method,
        CONTENT_TYPE=content_type,
        CONTENT_LENGTH=str(len(body)),
        REMOTE_ADDR="203.0.113.9",
        **{"wsgi.input": FakePayload(body)},
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    )
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(response_headers)

    # As django.test.Client does: keep the test's connection (and its transaction) open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        seen["body"] = b"".join(wsgi_gate.application(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    is_json = seen["headers"].get("Content-Type", "").startswith("application/json")
    seen["json"] = json.loads(seen["body"]) if is_json else None
    return seen


def _row(a: AdmissionApplication) -> dict:
    skip = {"id", "code", "created_at", "lottery_key", "child_personal_id", "child_name"}
    return {f.attname: getattr(a, f.attname) for f in a._meta.concrete_fields if f.name not in skip}


def test_hot_path_answers_and_writes_what_the_api_does(world):
    r = world.grade1_round()
    url = f"{API}/admissions/rounds/{r.pk}/applications"
    mine = application(world, child_name="Lò Thị Hoa", priorities=["poor_household"])
    raw = json.dumps(mine).encode()
    live = front(url, raw, idempotency_key="k-live")
    assert live["status"] == "201 Created", live["body"]
    a = AdmissionApplication.objects.get()
    assert live["json"] == {
        "code": a.code,
        "round": r.pk,
        "child_name": "Lò Thị Hoa",
        "school": "Trường Tiểu học Kim Đồng",
        "in_zone": True,
        "status": "submitted",
        "status_label": "Đã đăng ký",
        "allocated_school": None,
        "class_name": None,
    }
    # The body is the schema's own rendering, byte for byte the Django response's encoding.
    assert ApplicationOut.model_validate(live["json"]).model_dump(mode="json") == live["json"]
    assert live["body"] == json.dumps(live["json"]).encode()
    # The same application for another child through Django (the test client) to compare.
    other = application(world, child_name="Lò Thị Hoa", priorities=["poor_household"])
    django = Client().post(
        url, other, content_type="application/json", headers={"Idempotency-Key": "k-django"}
    )
    assert django.status_code == 201, django.content
    b = AdmissionApplication.objects.exclude(pk=a.pk).get()
    # Same row (but the child's ID, code and lottery key), same headers, same body shape.
    assert _row(a) == _row(b)
    assert a.lottery_key == admissions.lottery_key(r.seed, mine["child_personal_id"])
    theirs = {k: v for k, v in django.headers.items() if k != "Content-Length"}
    ours = {k: v for k, v in live["headers"].items() if k != "Content-Length"}
    assert ours == theirs
    assert live["headers"]["Content-Length"] == str(len(live["body"]))
    # The audit event and the idempotency record, as the API writes them.
    pending = {p.object_id: p for p in AuditPending.objects.all()}
    assert set(pending) == {a.code, b.code}
    for field in ("action", "object_type", "object_repr", "changes", "reason", "actor_id"):
        assert getattr(pending[a.code], field) == getattr(pending[b.code], field), field
    assert pending[a.code].ip == "203.0.113.9"
    assert pending[a.code].changes == {"round": [None, r.pk], "school": [None, world.primary_a.pk]}
    rec = IdempotencyRecord.objects.get(key="k-live")
    assert (rec.actor_key, rec.method, rec.path, rec.status_code) == (
        "phone:0977123456", "POST", url, 201,
    )  # fmt: skip
    assert rec.body_hash == body_hash(raw)
    assert rec.response_body == live["json"]


def test_retry_replays_duplicate_and_reused_key_go_to_django_and_write_nothing(world):
    r = world.grade1_round()
    url = f"{API}/admissions/rounds/{r.pk}/applications"
    raw = json.dumps(application(world)).encode()
    first = front(url, raw, idempotency_key="k-1")
    again = front(url, raw, idempotency_key="k-1")
    assert first["status"] == again["status"] == "201 Created"
    assert again["json"] == first["json"]
    assert again["headers"]["Idempotent-Replayed"] == "true"  # Django's replay
    dup = front(url, raw, idempotency_key="k-2")
    assert dup["status"] == "409 Conflict"
    assert dup["json"]["code"] == "application.duplicate"
    assert dup["json"]["field"] == "child_personal_id"
    reused = front(url, json.dumps(application(world, child_name="Khác")).encode(), **{
        "idempotency_key": "k-1"
    })  # fmt: skip
    assert reused["status"] == "409 Conflict"
    assert reused["json"]["code"] in {"idempotency.conflict", "application.duplicate"}
    assert AdmissionApplication.objects.count() == 1
    assert AuditPending.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_bad_input_gets_djangos_error_in_the_clients_language(world):
    r = world.grade1_round()
    url = f"{API}/admissions/rounds/{r.pk}/applications"
    wrong_year = application(world, date_of_birth="01/06/2019")
    vi = front(url, json.dumps(wrong_year).encode(), idempotency_key="k-vi")
    en = front(url, json.dumps(wrong_year).encode(), idempotency_key="k-en", accept_language="en")
    assert vi["status"] == en["status"] == "400 Bad Request"
    assert vi["headers"]["Content-Language"] == "vi" and en["headers"]["Content-Language"] == "en"
    assert {e["field"] for e in vi["json"]["errors"]} == {"child_personal_id", "date_of_birth"}
    assert vi["json"]["message"] != en["json"]["message"]
    missing = front(url, b'{"child_name": "A"}', idempotency_key="k-422")
    assert missing["status"] == "422 Unprocessable Entity"
    assert AdmissionApplication.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0
    ok = front(url, json.dumps(application(world)).encode(), accept_language="en")
    assert ok["status"] == "201 Created"
    assert ok["json"]["status_label"] == "Applied"
    assert ok["headers"]["Content-Language"] == "en"
    assert IdempotencyRecord.objects.count() == 0  # no key, no record


def test_residence_checked_against_the_population_record(world):
    r = world.grade1_round()
    url = f"{API}/admissions/rounds/{r.pk}/applications"
    child = people_services.person_create(
        actor=None,
        data=person_data("Lê Minh Khôi", dt.date(2020, 6, 1), commune_id=world.d.commune_b.pk),
    )
    body = application(world, child_personal_id=child.personal_id, sex=child.sex)
    refused = front(url, json.dumps(body).encode(), idempotency_key="k-r")
    assert refused["status"] == "400 Bad Request"
    assert refused["json"]["code"] == "application.residence"
    assert AdmissionApplication.objects.count() == 0
    body.update(commune=world.d.commune_b.pk, school=world.primary_b.pk)
    ok = front(url, json.dumps(body).encode(), idempotency_key="k-r2")
    assert ok["status"] == "201 Created", ok["body"]
    assert AdmissionApplication.objects.get().person_id == child.pk
    # A record without a commune: only the birth date is compared.
    twin = people_services.person_create(
        actor=None, data=person_data("Lê Minh Khoa", dt.date(2020, 6, 2))
    )
    body = application(world, child_personal_id=twin.personal_id, sex=twin.sex)
    wrong_day = front(url, json.dumps(body).encode(), idempotency_key="k-t1")
    assert wrong_day["status"] == "400 Bad Request"
    assert wrong_day["json"]["code"] == "application.person"
    body["date_of_birth"] = "02/06/2020"
    ok = front(url, json.dumps(body).encode(), idempotency_key="k-t2")
    assert ok["status"] == "201 Created", ok["body"]
    assert AdmissionApplication.objects.get(code=ok["json"]["code"]).person_id == twin.pk
    assert AdmissionApplication.objects.count() == 2


def test_signed_in_users_are_served_by_django(world):
    r = world.grade1_round()
    url = f"{API}/admissions/rounds/{r.pk}/applications"
    res = token_client(world.citizen).post(
        url, application(world), content_type="application/json",
        headers={"Idempotency-Key": "k-s"},
    )  # fmt: skip
    assert res.status_code == 201, res.content
    assert AdmissionApplication.objects.get().applicant_id == world.citizen.pk
    # A body that does not say it is JSON is ninja's to judge (it reads it as JSON).
    plain = front(
        url, json.dumps(application(world)).encode(), content_type="text/plain",
        idempotency_key="k-p",
    )  # fmt: skip
    assert plain["status"] == "201 Created", plain["body"]
    assert AdmissionApplication.objects.count() == 2
    assert not live._anonymous({"HTTP_COOKIE": "csrftoken=x; sessionid=abc"})
    assert not live._anonymous({"HTTP_AUTHORIZATION": "Bearer x"})
    assert live._anonymous({"HTTP_COOKIE": "django_language=en; csrftoken=x"})


def test_floor_only_with_the_benchmark_switch(monkeypatch):
    off = front("/services/bench/insert/", b"", idempotency_key="f-0")
    assert off["status"] == "404 Not Found"
    monkeypatch.setenv("EDUDX_ESERVICES_BENCH", "1")
    on = front("/services/bench/insert/", b"", idempotency_key="f-1")
    assert on["status"] == "201 Created"
    assert on["json"] == {"id": BenchRow.objects.get(value="f-1").pk}
