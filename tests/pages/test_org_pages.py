import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edudx.accounts.models import Role
from edudx.org import services as org_services
from edudx.org.models import UnitKind
from edudx.org.views import parse_day


@pytest.fixture
def reformed(district):
    """Commune A moves from district Đắk Song to the new province on 01/07/2025."""
    new_province = org_services.unit_create(
        actor=None,
        kind=UnitKind.PROVINCE,
        name="Tỉnh Lâm Đồng",
        code="68",
        parent=district.ministry,
    )
    org_services.unit_reparent(
        actor=None, unit=district.commune_a, new_parent=new_province, effective=dt.date(2025, 7, 1)
    )
    district.new_province = new_province
    return district


def child_names(response) -> list[str]:
    return [row["unit"].name for row in response.context["rows"]]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("30/06/2025", (dt.date(2025, 6, 30), True)),
        ("1/7/2025", (dt.date(2025, 7, 1), True)),
        ("2025-07-01", (dt.date(2025, 7, 1), True)),
        ("", (None, True)),
        ("31/02/2025", (None, False)),
        ("hôm qua", (None, False)),
    ],
    ids=["dd/mm/yyyy", "short", "iso", "absent", "impossible", "words"],
)
def test_parse_day(raw, expected):
    assert parse_day(raw) == expected


def test_tree_as_of_shows_children_before_and_after_reparent(teacher_client, reformed):
    url = f"/org/{reformed.district.pk}/"
    before = teacher_client.get(url, {"as_of": "30/06/2025"})
    after = teacher_client.get(url, {"as_of": "01/07/2025"})
    assert child_names(before) == ["Xã Nam Bình", "Xã Thuận Hà"]
    assert child_names(after) == ["Xã Thuận Hà"]
    province_after = teacher_client.get(
        f"/org/{reformed.new_province.pk}/", {"as_of": "01/07/2025"}
    )
    assert child_names(province_after) == ["Xã Nam Bình"]


def test_student_counts_follow_the_tree_of_the_day(teacher_client, reformed):
    def counts(unit, day):
        response = teacher_client.get(f"/org/{unit.pk}/", {"as_of": day})
        return {row["unit"].name: row["students"] for row in response.context["rows"]}

    assert counts(reformed.district, "30/06/2025") == {"Xã Nam Bình": 2, "Xã Thuận Hà": 1}
    assert counts(reformed.ministry, "30/06/2025") == {"Tỉnh Lâm Đồng": 0, "Tỉnh Đắk Nông": 3}
    assert counts(reformed.ministry, "01/07/2025") == {"Tỉnh Lâm Đồng": 2, "Tỉnh Đắk Nông": 1}


def test_breadcrumb_follows_the_date(teacher_client, reformed):
    url = f"/org/{reformed.school_a.pk}/"
    before = teacher_client.get(url, {"as_of": "30/06/2025"}).context["ancestors"]
    now = teacher_client.get(url).context["ancestors"]
    assert [u.name for u in before] == [
        "Bộ Giáo dục và Đào tạo",
        "Tỉnh Đắk Nông",
        "Huyện Đắk Song",
        "Xã Nam Bình",
    ]
    assert [u.name for u in now] == ["Bộ Giáo dục và Đào tạo", "Tỉnh Lâm Đồng", "Xã Nam Bình"]


def test_links_keep_the_date(teacher_client, reformed):
    body = teacher_client.get(f"/org/{reformed.district.pk}/", {"as_of": "30/06/2025"})
    assert f'/org/{reformed.commune_a.pk}/?as_of=30/06/2025"' in body.content.decode()


def test_unit_not_in_tree_on_a_day_says_so(teacher_client, reformed):
    response = teacher_client.get(f"/org/{reformed.new_province.pk}/", {"as_of": "30/06/2020"})
    assert response.status_code == 200
    assert response.context["exists"] is True  # created without a start date: always there
    response = teacher_client.get(f"/org/{reformed.commune_a.pk}/", {"as_of": "bad"})
    assert response.context["as_of_invalid"] is True
    assert "dd/mm/yyyy" in response.content.decode()


def test_roots_and_student_counts(teacher_client, district):
    roots = teacher_client.get("/org/")
    assert child_names(roots) == ["Bộ Giáo dục và Đào tạo"]
    response = teacher_client.get(f"/org/{district.district.pk}/")
    counts = {row["unit"].name: row["students"] for row in response.context["rows"]}
    assert counts == {"Xã Nam Bình": 2, "Xã Thuận Hà": 1}


def test_children_counts_in_constant_queries(teacher_client, district):
    def queries(unit) -> int:
        with CaptureQueriesContext(connection) as ctx:
            teacher_client.get(f"/org/{unit.pk}/")
        return len(ctx.captured_queries)

    one_child = queries(district.commune_a)
    for i in range(5):
        org_services.unit_create(
            actor=None,
            kind=UnitKind.SCHOOL,
            name=f"Trường Tiểu học Số {i}",
            code=f"6700020{i}",
            parent=district.commune_a,
        )
    assert queries(district.commune_a) == one_child


def test_school_page_shows_facts_counts_and_classes(login, district):
    client = login(district.user(Role.PRINCIPAL, district.school_a))
    response = client.get(f"/org/{district.school_a.pk}/")
    body = response.content.decode()
    assert response.context["counts"] == {"classes": 1, "students": 2, "staff": 1}
    assert "67000101" in body
    assert "Trung học cơ sở" in body
    assert "6A1" in body
    assert f"/people/students/?school={district.school_a.pk}" in body


def test_school_page_hides_student_list_link_outside_scope(login, district):
    client = login(district.user(Role.PRINCIPAL, district.school_a))
    body = client.get(f"/org/{district.school_b.pk}/").content.decode()
    assert f"/people/students/?school={district.school_b.pk}" not in body


def test_unknown_unit_is_404(teacher_client):
    assert teacher_client.get("/org/999999/").status_code == 404
