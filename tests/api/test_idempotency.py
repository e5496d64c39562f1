"""Idempotency-Key on POST: one record per key and body, 409 for a reused key."""

import logging
import threading
import time

import pytest
from django.db import connection, connections

from edudx.accounts.models import Role
from edudx.core.idempotency import body_hash
from edudx.core.models import IdempotencyRecord
from edudx.people import services as people_services
from edudx.people.models import Student

from .conftest import API, token_client


def new_student(district, name="Lò Thị Mai"):
    return {
        "full_name": name,
        "date_of_birth": "2013-01-02",
        "sex": "F",
        "school_id": district.school_a.pk,
        "class_id": district.class_a.pk,
    }


def post(client, body, key, **headers):
    return client.post(
        f"{API}/students",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": key, **headers},
    )


def test_same_key_and_body_creates_one_record_and_replays(district, officer_api):
    first = post(officer_api, new_student(district), "k-1")
    again = post(officer_api, new_student(district), "k-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    assert Student.objects.filter(person__full_name="Lò Thị Mai").count() == 1
    assert IdempotencyRecord.objects.get(key="k-1").response_body == first.json()


def test_key_order_and_spacing_do_not_change_the_body(district, officer_api):
    first = officer_api.post(
        f"{API}/students",
        '{"full_name": "Lò Thị Mai", "sex": "F", "date_of_birth": "2013-01-02", '
        f'"school_id": {district.school_a.pk}, "class_id": {district.class_a.pk}}}',
        content_type="application/json",
        headers={"Idempotency-Key": "k-2"},
    )
    again = post(officer_api, new_student(district), "k-2")
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]


def test_same_key_different_body_is_409(district, officer_api):
    post(officer_api, new_student(district), "k-3")
    clash = post(officer_api, new_student(district, "Lò Thị Hoa"), "k-3")

    assert clash.status_code == 409
    assert clash.json() == {
        "code": "idempotency.conflict",
        "message": (
            "Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác; "
            "hãy dùng khóa mới cho dữ liệu mới."
        ),
        "field": "Idempotency-Key",
        "row": None,
    }
    assert not Student.objects.filter(person__full_name="Lò Thị Hoa").exists()


def test_same_key_on_another_endpoint_is_409(district, officer_api):
    post(officer_api, new_student(district), "k-4")
    clash = officer_api.post(
        f"{API}/classes",
        {"school_id": district.school_a.pk, "school_year": "2025-2026", "name": "7A1"},
        content_type="application/json",
        headers={"Idempotency-Key": "k-4"},
    )
    assert clash.status_code == 409


def test_keys_belong_to_their_caller(district, officer_api):
    other = token_client(district.user(Role.PRINCIPAL, district.school_a))
    post(officer_api, new_student(district), "shared")
    theirs = post(other, new_student(district, "Lò Thị Hoa"), "shared")
    assert theirs.status_code == 201
    assert IdempotencyRecord.objects.filter(key="shared").count() == 2


def test_failed_request_stores_nothing_and_may_be_retried(district, officer_api):
    bad = post(officer_api, {**new_student(district), "sex": "F", "date_of_birth": "x"}, "k-5")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.filter(key="k-5").exists()
    good = post(officer_api, new_student(district), "k-5")
    assert good.status_code == 201


def test_without_a_key_each_post_runs(district, officer_api):
    body = new_student(district)
    first = officer_api.post(f"{API}/students", body, content_type="application/json")
    second = officer_api.post(f"{API}/students", body, content_type="application/json")
    assert first.status_code == 201
    # The second is caught by duplicate detection (name + date of birth + commune), not here.
    assert second.status_code == 409
    assert second.json()["code"] == "person.duplicate"


def test_key_too_long_is_400(district, officer_api):
    response = post(officer_api, new_student(district), "k" * 201)
    assert (response.status_code, response.json()["code"]) == (400, "idempotency.key")


def test_body_hash_is_canonical():
    assert body_hash(b'{"a": 1, "b": [1, 2]}') == body_hash(b'{"b":[1,2],"a":1}')
    assert body_hash(b'{"a": 1}') != body_hash(b'{"a": 2}')
    assert body_hash(b"not json") == body_hash(b"not json")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises every writer (BEGIN IMMEDIATE): no real race to test",
)
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_one_record(district, monkeypatch, caplog):
    """Two requests with one key at the same moment: the second blocks on the key's unique
    index until the first commits, then replays its response."""
    client_token = token_client(district.user(Role.PROVINCE_OFFICER, district.province))
    body = new_student(district, "Lò Văn Song")
    real_create = people_services.student_create
    barrier = threading.Barrier(2)
    results = []

    def slow_create(**kwargs):
        time.sleep(0.3)  # hold the transaction open while the twin arrives
        return real_create(**kwargs)

    def call():
        try:
            barrier.wait()
            results.append(post(client_token, body, "race-1"))
        finally:
            connections.close_all()

    monkeypatch.setattr(people_services, "student_create", slow_create)
    caplog.set_level(logging.INFO, logger="edudx.core.idempotency")
    threads = [threading.Thread(target=call) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(r.status_code for r in results) == [201, 201]
    assert results[0].json() == results[1].json()
    assert sorted(r.get("Idempotent-Replayed", "") for r in results) == ["", "true"]
    assert Student.objects.filter(person__full_name="Lò Văn Song").count() == 1
    assert IdempotencyRecord.objects.filter(key="race-1").count() == 1
    # The twin really raced: it lost on the unique index, not on a plain lookup.
    assert [r.msg for r in caplog.records] == ["idempotency.race"]
