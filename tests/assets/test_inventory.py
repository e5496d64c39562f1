"""Stock-takes: one open at a time, results saved per room (again: replaced), a condition
seen updates the register, nothing after closing."""

import datetime as dt

import pytest

from edudx.assets import selectors, services
from edudx.assets.models import Condition, InventoryResult
from edudx.audit.models import AuditEvent
from edudx.core.errors import Conflict, DomainError, DomainErrors

pytestmark = pytest.mark.django_db


@pytest.fixture
def check(district, register, clerk):
    return services.check_open(
        actor=clerk, school=district.school_a, check_date=dt.date(2025, 12, 20), note="Ban KK"
    )


def test_one_open_check_per_school(district, check, clerk):
    with pytest.raises(Conflict) as exc:
        services.check_open(actor=clerk, school=district.school_a, check_date=dt.date(2025, 12, 21))
    assert str(exc.value) == "Trường đang có một đợt kiểm kê chưa kết thúc."
    with pytest.raises(DomainError) as exc:
        services.check_open(actor=clerk, school=district.school_b, check_date=dt.date(2999, 1, 1))
    assert (exc.value.field, str(exc.value)) == (
        "check_date",
        "Nhập ngày kiểm kê, không sau hôm nay.",
    )


def test_room_results_update_the_register_and_replace_on_save_again(register, check, clerk):
    lab = register.lab.pk
    n = services.inventory_record(
        actor=clerk,
        check=check,
        room_id=lab,
        results={register.mt1.pk: (True, "needs_repair"), register.mt2.pk: (False, "")},
    )
    assert n == 2
    register.mt1.refresh_from_db()
    assert register.mt1.condition == Condition.NEEDS_REPAIR
    audit = AuditEvent.objects.get(
        object_type="assets.item", object_id=str(register.mt1.pk), action="update"
    )
    assert audit.changes == {"condition": ["good", "needs_repair"]}
    assert audit.reason == "Kiểm kê ngày 20/12/2025"
    # The clerk finds MT-02 after all and saves the room again.
    services.inventory_record(
        actor=clerk,
        check=check,
        room_id=lab,
        results={register.mt1.pk: (True, "needs_repair"), register.mt2.pk: (True, "good")},
    )
    rows = InventoryResult.objects.filter(inventory=check).order_by("item__tag")
    assert [(r.item.tag, r.found, r.condition_seen) for r in rows] == [
        ("MT-01", True, "needs_repair"),
        ("MT-02", True, "good"),
    ]
    walk = selectors.check_rooms(check)
    assert [(w["room"].name, w["n"], w["done"]) for w in walk] == [
        ("Phòng học 6A1", 1, 0),
        ("Phòng Tin học 1", 2, 2),
    ]


def test_items_of_another_room_or_without_condition_are_refused(register, check, clerk):
    with pytest.raises(DomainErrors) as exc:
        services.inventory_record(
            actor=clerk,
            check=check,
            room_id=register.lab.pk,
            results={
                register.mc1.pk: (True, "good"),
                register.mt1.pk: (True, ""),
                register.item_b.pk: (True, "good"),
            },
        )
    assert [(i["field"], i["message"]) for i in exc.value.as_list()] == [
        ("item_id", f"Tài sản #{register.mc1.pk} không thuộc phòng này."),
        ("condition", "Chọn tình trạng của tài sản MT-01."),
        ("item_id", f"Tài sản #{register.item_b.pk} không thuộc phòng này."),
    ]
    assert not InventoryResult.objects.exists()


def test_nothing_after_closing(register, check, clerk):
    closed = services.check_close(actor=clerk, check=check)
    assert closed.closed_by == clerk and closed.closed_at is not None
    with pytest.raises(Conflict) as exc:
        services.inventory_record(
            actor=clerk,
            check=check,
            room_id=register.lab.pk,
            results={register.mt1.pk: (True, "good")},
        )
    assert str(exc.value) == "Đợt kiểm kê đã kết thúc."
    with pytest.raises(Conflict):
        services.check_close(actor=clerk, check=closed)
