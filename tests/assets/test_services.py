"""Rooms and items through the services: every rule refused with its Vietnamese message and
field, nothing half-written, duplicates refused, disposal, the audit trail."""

import datetime as dt

import pytest

from edudx.assets import services
from edudx.assets.models import AssetItem, Condition, Room, RoomKind
from edudx.audit.models import AuditEvent
from edudx.core.errors import Conflict, DomainErrors

from .conftest import cat, item_data

pytestmark = pytest.mark.django_db


def _errors(exc) -> list[tuple[str, str, str]]:
    return [(i["code"], i["field"], i["message"]) for i in exc.value.as_list()]


def test_create_registers_an_item_with_search_text_and_audit(district, register, clerk):
    item = services.item_create(
        actor=clerk,
        school=district.school_a,
        data=item_data(tag=" MC-02 ", name="Máy  chiếu  Sony", serial="SN 9", room_id=None,
                       location="Kho thiết bị", category_id=cat("projector").pk),
    )  # fmt: skip
    item.refresh_from_db()
    assert (item.tag, item.name, item.location) == ("MC-02", "Máy chiếu Sony", "Kho thiết bị")
    assert item.search_text == "mc-02 may chieu sony sn 9"
    event = AuditEvent.objects.get(object_type="assets.item", object_id=str(item.pk))
    assert (event.action, event.actor_id) == ("create", clerk.pk)
    assert event.object_repr == "Trường THCS Lê Lợi: MC-02 Máy chiếu Sony"


def test_every_bad_field_is_named_in_vietnamese_and_nothing_is_written(district, register):
    before = AssetItem.objects.count()
    with pytest.raises(DomainErrors) as exc:
        services.item_create(
            actor=None,
            school=district.school_a,
            data=item_data(
                tag="  ",
                name="",
                category_id=99999,
                room_id=register.room_b.pk,
                acquired_on=dt.date(1900, 1, 1),
                value=-5,
                funding="gift",
                condition="disposed",
            ),
        )
    assert _errors(exc) == [
        ("asset.tag", "tag", "Nhập mã tài sản."),
        ("asset.name", "name", "Nhập tên tài sản."),
        ("asset.category", "category_id", "Chọn loại tài sản."),
        ("asset.room", "room_id", "Phòng không thuộc trường này."),
        (
            "asset.acquired_on",
            "acquired_on",
            "Ngày đưa vào sử dụng phải từ 01/01/1950 đến hôm nay.",
        ),
        ("asset.value", "value", "Nguyên giá là số nguyên đồng, không âm."),
        ("asset.funding", "funding", "Chọn nguồn kinh phí."),
        (
            "asset.condition",
            "condition",
            "Tình trạng là Tốt, Cần sửa chữa hoặc Hỏng (thanh lý bằng chức năng Thanh lý).",
        ),
    ]
    assert AssetItem.objects.count() == before


def test_duplicate_tag_is_refused_in_the_same_school_only(district, register):
    with pytest.raises(Conflict) as exc:
        services.item_create(actor=None, school=district.school_a, data=item_data(tag="MT-01"))
    assert (exc.value.code, exc.value.field, str(exc.value)) == (
        "asset.duplicate_tag",
        "tag",
        "Trường đã có tài sản mã “MT-01”; mỗi tài sản một mã riêng.",
    )
    with pytest.raises(Conflict):
        services.item_update(actor=None, item=register.mt2, data={"tag": "MT-01"})
    register.mt2.refresh_from_db()
    assert register.mt2.tag == "MT-02"
    # School B has its own MT-01 already; a new tag there is fine.
    other = services.item_create(actor=None, school=district.school_b, data=item_data(tag="MT-02"))
    assert other.school_id == district.school_b.pk


def test_update_changes_only_given_fields_and_audits_the_diff(register, clerk):
    item = services.item_update(
        actor=clerk, item=register.mc1, data={"value": 9_800_000, "name": "Máy chiếu Epson EB"}
    )
    assert (item.value, item.name, item.tag) == (9_800_000, "Máy chiếu Epson EB", "MC-01")
    event = AuditEvent.objects.filter(object_type="assets.item", action="update").get()
    assert event.changes == {
        "name": ["Máy chiếu Epson", "Máy chiếu Epson EB"],
        "value": [None, "9800000"],
    }


def test_dispose_keeps_the_item_marked_and_closes_it(register, clerk):
    with pytest.raises(DomainErrors) as exc:
        services.item_dispose(
            actor=clerk, item=register.mt2, disposed_on=dt.date(2024, 9, 1), reason=" "
        )
    assert _errors(exc) == [
        (
            "asset.disposed_on",
            "disposed_on",
            "Ngày thanh lý không được trước ngày đưa vào sử dụng.",
        ),
        ("asset.disposal_reason", "reason", "Nhập lý do thanh lý."),
    ]
    item = services.item_dispose(
        actor=clerk, item=register.mt2, disposed_on=dt.date(2025, 3, 1), reason="QĐ 12/QĐ-THCS"
    )
    item.refresh_from_db()
    assert (item.condition, item.disposed_on, item.disposal_reason) == (
        Condition.DISPOSED,
        dt.date(2025, 3, 1),
        "QĐ 12/QĐ-THCS",
    )
    event = AuditEvent.objects.filter(object_type="assets.item", action="update").get()
    assert event.reason == "QĐ 12/QĐ-THCS"
    with pytest.raises(Conflict) as exc:
        services.item_update(actor=clerk, item=item, data={"name": "x"})
    assert str(exc.value) == "Tài sản đã thanh lý, không sửa được."
    with pytest.raises(Conflict):
        services.item_dispose(actor=clerk, item=item, disposed_on=dt.date(2025, 3, 2), reason="x")


def test_rooms_are_checked_and_unique_per_school(district, register):
    with pytest.raises(DomainErrors) as exc:
        services.room_create(
            actor=None, school=district.school_a, name="", kind="garage", floor_area="-3"
        )
    assert _errors(exc) == [
        ("room.name", "name", "Nhập tên phòng."),
        ("room.kind", "kind", "Loại phòng không hợp lệ."),
        ("room.floor_area", "floor_area", "Diện tích là số m² lớn hơn 0, ví dụ 54 hoặc 54,5."),
    ]
    with pytest.raises(Conflict) as exc:
        services.room_create(
            actor=None, school=district.school_a, name="Phòng  Tin học 1", kind=RoomKind.LAB
        )
    assert str(exc.value) == "Trường đã có phòng “Phòng Tin học 1”."
    room = services.room_update(actor=None, room=register.c6, floor_area="48.5", name="Phòng 6A1")
    room.refresh_from_db()
    assert (room.name, str(room.floor_area), room.search_name) == ("Phòng 6A1", "48.5", "phong 6a1")
    assert Room.objects.filter(school=district.school_a).count() == 2
