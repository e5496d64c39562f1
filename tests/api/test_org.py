"""Org units, schools and classes through the API."""

import datetime as dt

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from edudx.accounts.models import Role
from edudx.org import services as org_services
from edudx.org.models import ClassGroup, OrgUnit, School, UnitKind

from .conftest import API, token_client

stamp = DjangoJSONEncoder().default


def unit_json(u: OrgUnit) -> dict:
    u = OrgUnit.objects.get(pk=u.pk)
    return {
        "id": u.pk,
        "source_id": str(u.source_id),
        "kind": u.kind,
        "code": u.code,
        "name": u.name,
        "parent_id": u.parent_id,
        "path": u.path,
        "depth": u.depth,
        "valid_from": u.valid_from and u.valid_from.isoformat(),
        "valid_to": u.valid_to and u.valid_to.isoformat(),
        "updated_at": stamp(u.updated_at),
    }


def test_unit_detail_is_exact(district, officer_api):
    assert officer_api.get(f"{API}/units/{district.commune_a.pk}").json() == unit_json(
        district.commune_a
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"parent_id": "district"}, ["Xã Nam Bình", "Xã Thuận Hà"]),
        ({"kind": "school"}, ["Trường THCS Lê Lợi", "Trường THCS Nguyễn Du"]),
        ({"parent_id": "commune_b", "kind": "school"}, ["Trường THCS Nguyễn Du"]),
    ],
    ids=["children", "kind", "both"],
)
def test_unit_filters(district, officer_api, params, expected):
    params = {k: getattr(district, v).pk if k == "parent_id" else v for k, v in params.items()}
    body = officer_api.get(f"{API}/units", params).json()
    assert [u["name"] for u in body["items"]] == expected
    assert body["count"] == len(expected)


def test_units_as_of_show_the_tree_before_a_reparenting(district, officer_api):
    """July 2025: communes move under the province when districts are abolished."""
    for commune in (district.commune_a, district.commune_b):
        org_services.unit_reparent(
            actor=None, unit=commune, new_parent=district.province, effective=dt.date(2025, 7, 1)
        )
    before = officer_api.get(
        f"{API}/units", {"parent_id": district.district.pk, "as_of": "2025-06-30"}
    ).json()
    after = officer_api.get(
        f"{API}/units", {"parent_id": district.district.pk, "as_of": "2025-07-01"}
    ).json()
    now = officer_api.get(f"{API}/units", {"parent_id": district.province.pk}).json()

    assert [(u["name"], u["parent_id"]) for u in before["items"]] == [
        ("Xã Nam Bình", district.district.pk),
        ("Xã Thuận Hà", district.district.pk),
    ]
    assert after["items"] == []
    assert [u["name"] for u in now["items"]] == ["Huyện Đắk Song", "Xã Nam Bình", "Xã Thuận Hà"]


def test_create_unit_under_a_district(district):
    client = token_client(district.user(Role.COMMUNE_OFFICER, district.district))
    response = client.post(
        f"{API}/units",
        {
            "kind": "commune",
            "name": "Xã Trường Xuân",
            "code": "24733",
            "parent_id": district.district.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    unit = OrgUnit.objects.get(code="24733")
    assert response.json() == unit_json(unit)
    assert (unit.parent_id, unit.depth, unit.path[:-7]) == (
        district.district.pk,
        3,
        district.district.path,
    )


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"kind": "commune", "name": "Xã X", "code": "1"}, 400, "org.code", "code"),
        (
            {"kind": "school", "name": "Trường X", "parent_id": "school_a"},
            400,
            "org.parent_kind",
            "parent_id",
        ),
        ({"kind": "commune", "name": "Xã X", "code": "24730"}, 400, "org.code_taken", "code"),
        (
            {"kind": "commune", "name": "Xã X", "code": "24799", "parent_id": 999999},
            400,
            "org.unit_unknown",
            "parent_id",
        ),
        ({"kind": "planet", "name": "X"}, 422, "validation.choice", "kind"),
    ],
    ids=["bad-code", "school-under-school", "code-taken", "unknown-parent", "bad-kind"],
)
def test_create_unit_errors(district, officer_api, body, status, code, field):
    body = {"parent_id": district.district.pk, **body}
    if body["parent_id"] == "school_a":
        body["parent_id"] = district.school_a.pk
    response = officer_api.post(f"{API}/units", body, content_type="application/json")
    assert (response.status_code, response.json()["code"], response.json()["field"]) == (
        status,
        code,
        field,
    )


def test_creating_a_root_unit_needs_the_whole_tree(district, officer_api):
    response = officer_api.post(
        f"{API}/units", {"kind": "ministry", "name": "Bộ khác"}, content_type="application/json"
    )
    assert response.status_code == 403


def school_json(s: School) -> dict:
    s = School.objects.select_related("unit").get(pk=s.pk)
    u = s.unit
    return {
        "id": u.pk,
        "source_id": str(s.source_id),
        "unit_source_id": str(u.source_id),
        "code": u.code,
        "name": u.name,
        "level": s.level,
        "ownership": s.ownership,
        "parent_id": u.parent_id,
        "commune_id": s.commune_id,
        "address": s.address,
        "latitude": None if s.latitude is None else str(s.latitude),
        "longitude": None if s.longitude is None else str(s.longitude),
        "phone": s.phone,
        "email": s.email,
        "valid_from": None,
        "valid_to": None,
        "updated_at": stamp(max(s.updated_at, u.updated_at)),
    }


def test_school_list_and_detail(district, officer_api):
    body = officer_api.get(f"{API}/schools", {"q": "nguyen du"}).json()
    assert body["items"] == [school_json(district.school_b.school)]
    assert officer_api.get(f"{API}/schools/{district.school_a.pk}").json() == school_json(
        district.school_a.school
    )
    assert (
        officer_api.get(f"{API}/schools", {"unit_id": district.commune_a.pk}).json()["count"] == 1
    )
    assert officer_api.get(f"{API}/schools/{district.commune_a.pk}").status_code == 404


def test_create_school(district):
    client = token_client(district.user(Role.COMMUNE_OFFICER, district.commune_a))
    response = client.post(
        f"{API}/schools",
        {
            "name": "Trường Tiểu học Kim Đồng",
            "code": "67000103",
            "parent_id": district.commune_a.pk,
            "level": "primary",
            "latitude": "12.250000",
            "longitude": "107.600000",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    school = School.objects.get(unit__code="67000103")
    assert response.json() == school_json(school)
    assert (school.commune_id, school.unit.kind) == (district.commune_a.pk, UnitKind.SCHOOL)


def test_create_school_elsewhere_is_403(district):
    client = token_client(district.user(Role.COMMUNE_OFFICER, district.commune_a))
    response = client.post(
        f"{API}/schools",
        {
            "name": "Trường X",
            "code": "67000109",
            "parent_id": district.commune_b.pk,
            "level": "primary",
        },
        content_type="application/json",
    )
    assert response.status_code == 403


def class_json(c: ClassGroup) -> dict:
    c = ClassGroup.objects.select_related("school_year", "grade").get(pk=c.pk)
    return {
        "id": c.pk,
        "source_id": str(c.source_id),
        "school_id": c.school_id,
        "school_year": c.school_year.code,
        "grade": c.grade.number if c.grade else None,
        "name": c.name,
        "capacity": c.capacity,
        "updated_at": stamp(c.updated_at),
    }


def test_class_list_and_detail(district, officer_api):
    body = officer_api.get(
        f"{API}/classes", {"school_id": district.school_b.pk, "school_year": "2025-2026"}
    ).json()
    assert body == {"items": [class_json(district.class_b)], "count": 1, "page": 1, "page_size": 50}
    assert officer_api.get(f"{API}/classes", {"school_year": "2024-2025"}).json()["count"] == 0
    assert officer_api.get(f"{API}/classes/{district.class_a.pk}").json() == class_json(
        district.class_a
    )


def test_create_class(district):
    client = token_client(district.user(Role.PRINCIPAL, district.school_a))
    response = client.post(
        f"{API}/classes",
        {"school_id": district.school_a.pk, "school_year": "2025-2026", "name": "7A1", "grade": 7},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    cls = ClassGroup.objects.get(name="7A1")
    assert response.json() == class_json(cls)
    assert response.json()["grade"] == 7


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"name": "6A1"}, "class.duplicate", "name"),
        ({"name": "7A1", "school_year": "1999-2000"}, "class.school_year", "school_year"),
        ({"name": "7A1", "school_id": "commune_a"}, "class.school", "school_id"),
    ],
    ids=["duplicate", "unknown-year", "not-a-school"],
)
def test_create_class_errors(district, officer_api, body, code, field):
    payload = {"school_id": district.school_a.pk, "school_year": "2025-2026", **body}
    if payload["school_id"] == "commune_a":
        payload["school_id"] = district.commune_a.pk
    response = officer_api.post(f"{API}/classes", payload, content_type="application/json")
    assert (response.status_code, response.json()["code"], response.json()["field"]) == (
        400,
        code,
        field,
    )


def test_a_number_beyond_any_id_is_no_server_error(district, officer_api):
    """20 digits as an id or a filter: SQLite cannot bind it (OverflowError), so the API
    refuses it as out of range; PostgreSQL compares it and finds nothing. Never a 500."""
    from django.db import connection  # noqa: PLC0415

    huge = "9" * 20
    one = officer_api.get(f"{API}/schools/{huge}")
    if connection.vendor == "sqlite":
        assert (one.status_code, one.json()["code"], one.json()["message"]) == (
            422,
            "validation.number_too_large",
            "Số quá lớn.",
        )
    else:
        assert (one.status_code, one.json()["code"]) == (404, "school.not_found")
    days = officer_api.get(f"{API}/calendar/days", {"year": huge}, HTTP_ACCEPT_LANGUAGE="en")
    assert (days.status_code, days.json()["code"], days.json()["message"]) == (
        422,
        "validation.number_too_large",
        "The number is too large.",
    )
