import datetime as dt

import pytest
from django.utils import timezone

from edudx.audit.models import AuditEvent
from edudx.core.errors import DomainError
from edudx.core.models import OutboxEvent
from edudx.org import services
from edudx.org.models import OrgPlacement, OrgUnit, UnitKind


def test_unit_create_audits_and_emits(district):
    unit = services.unit_create(
        actor=None,
        kind=UnitKind.COMMUNE,
        name="  Xã  Trường Xuân ",
        code="24733",
        parent=district.district,
    )
    assert (unit.name, unit.search_name, unit.path, unit.depth) == (
        "Xã Trường Xuân",
        "xa truong xuan",
        district.district.path + f"{unit.pk:07d}",
        3,
    )
    ev = AuditEvent.objects.order_by("-id").first()
    assert (ev.action, ev.object_type, ev.object_id, ev.changes) == (
        "create",
        "org.unit",
        str(unit.pk),
        {"kind": "commune", "code": "24733"},
    )
    assert OutboxEvent.objects.filter(topic="org.unit_created").last().payload == {
        "unit": unit.pk,
        "source_id": str(unit.source_id),
    }
    assert list(OrgPlacement.objects.filter(unit=unit).values_list("path", "valid_to")) == [
        (unit.path, None)
    ]


def test_unit_with_the_longest_name_fits(district):
    name = "Trường Phổ thông Dân tộc Bán trú " + "Tiểu học và Trung học cơ sở " * 8
    name = name[:255]
    school = services.school_create(
        actor=None, name=name, code="67000199", parent=district.commune_a, level="multi_level"
    )
    assert school.unit.path.startswith(district.commune_a.path)


@pytest.mark.parametrize(
    ("kind", "parent", "code", "error", "field"),
    [
        (UnitKind.SCHOOL, "school_a", "67000150", "org.parent_kind", "parent"),
        (UnitKind.COMMUNE, "province", "2473", "org.code", "code"),
        (UnitKind.COMMUNE, "district", "24730", "org.code_taken", "code"),
        (UnitKind.SCHOOL, "commune_a", "6700015", "school.code", "code"),
        (UnitKind.PROVINCE, "district", "68", "org.parent_kind", "parent"),
    ],
    ids=["school-under-school", "bad-commune-code", "code-taken", "bad-school-code", "upside-down"],
)
def test_unit_create_refuses(district, kind, parent, code, error, field):
    units = OrgUnit.objects.count()
    with pytest.raises(DomainError) as err:
        services.unit_create(
            actor=None, kind=kind, name="Đơn vị mới", code=code, parent=getattr(district, parent)
        )
    assert (err.value.code, err.value.field) == (error, field)
    assert OrgUnit.objects.count() == units


def test_reparent_touches_updated_at_of_the_whole_subtree(district):
    started = timezone.now()
    services.unit_reparent(
        actor=None,
        unit=district.commune_a,
        new_parent=district.province,
        effective=dt.date(2025, 7, 1),
        reason="Sắp xếp đơn vị hành chính 2025",
    )
    moved = OrgUnit.objects.filter(pk__in=[district.commune_a.pk, district.school_a.pk])
    assert [u.updated_at >= started for u in moved] == [True, True]
    assert OrgUnit.objects.get(pk=district.school_b.pk).updated_at < started
    ev = AuditEvent.objects.order_by("-id").first()
    assert (ev.action, ev.reason, ev.changes) == (
        "update",
        "Sắp xếp đơn vị hành chính 2025",
        {
            "parent": [str(district.district.pk), str(district.province.pk)],
            "effective": "2025-07-01",
        },
    )


def test_dissolve_needs_an_empty_unit_then_closes_it(district):
    with pytest.raises(DomainError) as err:
        services.unit_dissolve(actor=None, unit=district.district, effective=dt.date(2025, 7, 1))
    assert err.value.code == "org.has_children"
    for commune in (district.commune_a, district.commune_b):
        services.unit_reparent(
            actor=None, unit=commune, new_parent=district.province, effective=dt.date(2025, 7, 1)
        )
    started = timezone.now()
    services.unit_dissolve(actor=None, unit=district.district, effective=dt.date(2025, 7, 1))
    unit = OrgUnit.objects.get(pk=district.district.pk)
    assert (unit.valid_to, unit.updated_at >= started) == (dt.date(2025, 7, 1), True)
    assert list(OrgPlacement.objects.filter(unit=unit).values_list("valid_from", "valid_to")) == [
        (None, dt.date(2025, 7, 1))
    ]
    assert (unit.is_active_on(dt.date(2025, 6, 30)), unit.is_active_on(dt.date(2025, 7, 1))) == (
        True,
        False,
    )


def test_class_create_refuses_duplicates_and_non_schools(district):
    with pytest.raises(DomainError) as err:
        services.class_create(
            actor=None, school=district.school_a, school_year_code="2025-2026", name=" 6A1 "
        )
    assert (err.value.code, str(err.value)) == (
        "class.duplicate",
        "Lớp 6A1 đã có trong năm học 2025-2026.",
    )
    with pytest.raises(DomainError) as err:
        services.class_create(
            actor=None, school=district.commune_a, school_year_code="2025-2026", name="6A9"
        )
    assert err.value.code == "class.school"


def test_school_year_has_two_terms(district):
    terms = list(district.year.terms.values_list("number", "start_date", "end_date"))
    assert terms == [
        (1, dt.date(2025, 9, 5), dt.date(2026, 1, 14)),
        (2, dt.date(2026, 1, 15), dt.date(2026, 5, 31)),
    ]
