import datetime as dt

import pytest

from edudx.core.errors import DomainError
from edudx.org import selectors, services
from edudx.org.models import OrgUnit, UnitKind


def names(qs):
    return sorted(u.name for u in qs)


def test_subtree_is_prefix_range(district, django_assert_num_queries):
    with django_assert_num_queries(1):
        units = names(selectors.subtree(district.commune_a))
    assert units == ["Trường THCS Lê Lợi", "Xã Nam Bình"]
    assert selectors.subtree(district.province).count() == 6


def test_reparent_keeps_history_and_as_of(district):
    new_province = services.unit_create(
        actor=None,
        kind=UnitKind.PROVINCE,
        name="Tỉnh Lâm Đồng",
        code="68",
        parent=district.ministry,
    )
    moved = services.unit_reparent(
        actor=None, unit=district.commune_a, new_parent=new_province, effective=dt.date(2025, 7, 1)
    )
    assert moved == 2
    school = OrgUnit.objects.get(pk=district.school_a.pk)
    assert school.path.startswith(new_province.path)
    before = selectors.as_of(dt.date(2025, 6, 30))
    after = selectors.as_of(dt.date(2025, 7, 1))
    assert names(before.subtree(district.district)) == [
        "Huyện Đắk Song",
        "Trường THCS Lê Lợi",
        "Trường THCS Nguyễn Du",
        "Xã Nam Bình",
        "Xã Thuận Hà",
    ]
    assert names(after.subtree(district.district)) == [
        "Huyện Đắk Song",
        "Trường THCS Nguyễn Du",
        "Xã Thuận Hà",
    ]
    assert names(after.subtree(new_province)) == [
        "Trường THCS Lê Lợi",
        "Tỉnh Lâm Đồng",
        "Xã Nam Bình",
    ]
    assert before.parent(district.commune_a) == district.district
    assert after.parent(district.commune_a) == new_province
    assert [u.name for u in before.ancestors(school)] == [
        "Bộ Giáo dục và Đào tạo",
        "Tỉnh Đắk Nông",
        "Huyện Đắk Song",
        "Xã Nam Bình",
    ]


def test_reparent_into_own_subtree_is_refused(district):
    with pytest.raises(DomainError) as err:
        services.unit_reparent(
            actor=None,
            unit=district.district,
            new_parent=district.commune_a,
            effective=dt.date(2025, 7, 1),
        )
    assert err.value.code == "org.cycle"


@pytest.mark.parametrize(
    ("kind", "code", "error"),
    [
        ("province", "6", "org.code"),
        ("district", "66", "org.code"),
        ("commune", "2473", "org.code"),
        ("commune", "2473a", "org.code"),
    ],
)
def test_admin_codes_are_validated(district, kind, code, error):
    parent = {
        "province": district.ministry,
        "district": district.province,
        "commune": district.district,
    }[kind]
    with pytest.raises(DomainError) as err:
        services.unit_create(actor=None, kind=kind, name="X", code=code, parent=parent)
    assert err.value.code == error
    assert err.value.field == "code"


def test_class_in_unknown_school_year(district):
    with pytest.raises(DomainError) as err:
        services.class_create(
            actor=None, school=district.school_a, school_year_code="2030-2031", name="6A9"
        )
    assert err.value.code == "class.school_year"
    assert str(err.value) == "Năm học 2030-2031 không tồn tại."
