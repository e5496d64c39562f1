"""/api/v1/assets: scoped lists and details, idempotent creation, errors naming the field in
Vietnamese (English when asked), 404 outside the scope, 403 for an officer's write."""

import pytest

from edudx.assets.models import AssetItem, Room
from tests.api.conftest import API, token_client

from .conftest import cat

pytestmark = pytest.mark.django_db


def test_items_list_is_scoped_filtered_and_paginated(district, register, clerk, officer):
    client = token_client(clerk, scopes=("read",))
    data = client.get(f"{API}/assets/items", {"page_size": 2}).json()
    assert (data["count"], [i["tag"] for i in data["items"]]) == (3, ["MC-01", "MT-01"])
    assert data["items"][1]["value"] == 12_500_000
    assert data["items"][1]["category_code"] == "computer_desktop_teaching"
    found = client.get(f"{API}/assets/items", {"q": "MAY CHIEU"}).json()
    assert [i["tag"] for i in found["items"]] == ["MC-01"]
    ict = client.get(f"{API}/assets/items", {"room_id": register.lab.pk}).json()
    assert [i["tag"] for i in ict["items"]] == ["MT-01", "MT-02"]
    everyone = token_client(officer, scopes=("read",)).get(f"{API}/assets/items").json()
    assert everyone["count"] == 4
    rooms = client.get(f"{API}/assets/rooms").json()
    assert [(r["name"], r["items"]) for r in rooms["items"]] == [
        ("Phòng học 6A1", 1),
        ("Phòng Tin học 1", 2),
    ]


def test_another_schools_item_and_room_are_404(district, register, clerk_b):
    client = token_client(clerk_b)
    assert client.get(f"{API}/assets/items/{register.mt1.pk}").status_code == 404
    assert client.get(f"{API}/assets/rooms/{register.lab.pk}").status_code == 404
    response = client.patch(
        f"{API}/assets/items/{register.mt1.pk}", {"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "asset.not_found"
    created = client.post(
        f"{API}/assets/items",
        {"school_id": district.school_a.pk, "tag": "X-1", "name": "x",
         "category_id": cat("tv").pk, "funding": "other"},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 404


def test_officer_reads_but_cannot_write(district, register, officer):
    client = token_client(officer)
    assert client.get(f"{API}/assets/items/{register.mt1.pk}").status_code == 200
    response = client.post(
        f"{API}/assets/rooms",
        {"school_id": district.school_a.pk, "name": "Thư viện", "kind": "library"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["message"] == (
        "Chỉ hiệu trưởng và kế toán/văn thư của trường được cập nhật sổ tài sản."
    )


def test_post_item_is_idempotent(district, register, clerk):
    client = token_client(clerk, **{"Idempotency-Key": "tai-san-tv-01"})
    body = {
        "school_id": district.school_a.pk,
        "tag": "TV-01",
        "name": "Ti vi Samsung",
        "category_id": cat("tv").pk,
        "funding": "sponsor",
        "room_id": register.c6.pk,
        "acquired_on": "2023-09-05",
        "value": 14_990_000,
    }
    first = client.post(f"{API}/assets/items", body, content_type="application/json")
    again = client.post(f"{API}/assets/items", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    assert AssetItem.objects.filter(tag="TV-01").count() == 1
    other = client.post(
        f"{API}/assets/items", {**body, "tag": "TV-02"}, content_type="application/json"
    )
    assert (other.status_code, other.json()["code"]) == (409, "idempotency.conflict")


def test_errors_name_the_field_in_vietnamese_or_english(district, register, clerk):
    client = token_client(clerk)
    body = {
        "school_id": district.school_a.pk,
        "tag": "MT-01",
        "name": "Máy tính",
        "category_id": cat("tv").pk,
        "funding": "state_budget",
    }
    vi = client.post(f"{API}/assets/items", body, content_type="application/json")
    assert vi.status_code == 409
    assert (vi.json()["field"], vi.json()["message"]) == (
        "tag",
        "Trường đã có tài sản mã “MT-01”; mỗi tài sản một mã riêng.",
    )
    bad = {**body, "tag": "MT-09", "room_id": register.room_b.pk, "value": -1}
    en = client.post(
        f"{API}/assets/items", bad, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert en.status_code == 400
    assert [(e["field"], e["message"]) for e in en.json()["errors"]] == [
        ("room_id", "The room does not belong to this school."),
        ("value", "The original value is a whole number of đồng, not negative."),
    ]
    typed = client.post(
        f"{API}/assets/items", {**body, "acquired_on": "31/02/2024"},
        content_type="application/json",
    )  # fmt: skip
    assert (typed.status_code, typed.json()["field"]) == (422, "acquired_on")


def test_room_create_update_and_item_dispose(district, register, clerk):
    client = token_client(clerk)
    room = client.post(
        f"{API}/assets/rooms",
        {"school_id": district.school_a.pk, "name": "Thư viện", "kind": "library",
         "floor_area": "72.5"},
        content_type="application/json",
    )  # fmt: skip
    assert room.status_code == 201 and room.json()["floor_area"] == "72.5"
    patched = client.patch(
        f"{API}/assets/rooms/{room.json()['id']}",
        {"condition": "needs_repair"},
        content_type="application/json",
    )
    assert patched.json()["condition"] == "needs_repair"
    assert Room.objects.get(pk=room.json()["id"]).condition == "needs_repair"
    moved = client.patch(
        f"{API}/assets/items/{register.mc1.pk}",
        {"room_id": room.json()["id"], "value": 8_000_000},
        content_type="application/json",
    )
    assert (moved.json()["room_id"], moved.json()["value"]) == (room.json()["id"], 8_000_000)
    gone = client.post(
        f"{API}/assets/items/{register.mc1.pk}/dispose",
        {"disposed_on": "2025-10-01", "reason": "QĐ 7/QĐ-THCS"},
        content_type="application/json",
    )
    assert (gone.json()["condition"], gone.json()["disposed_on"]) == ("disposed", "2025-10-01")
