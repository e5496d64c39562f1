"""Pages of {items, count, page, page_size}, and list endpoints whose query count does not
grow with the page (no N+1)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edudx.accounts.models import Role
from edudx.people import services as people_services

from ..factories import person_data
from .conftest import API, token_client


def add_students(district, n: int) -> None:
    for i in range(n):
        people_services.student_create(
            actor=None,
            data=person_data(f"Học Sinh {i:02d}", dt.date(2013, 1, 1 + i % 28), "M"),
            school=district.school_a,
            school_year=district.year,
            class_group=district.class_a,
        )


def add_staff(district, n: int) -> None:
    for i in range(n):
        people_services.staff_create(
            actor=None,
            data=person_data(f"Giáo Viên {i:02d}", dt.date(1985, 1, 1 + i % 28), "F"),
            unit=district.school_a,
            kind="teacher",
        )


def test_pages_split_the_list_exactly(district, officer_api):
    add_students(district, 5)  # 8 students in all
    pages = [
        officer_api.get(f"{API}/students", {"page": p, "page_size": 3}).json() for p in (1, 2, 3, 4)
    ]
    assert [(p["count"], p["page"], p["page_size"], len(p["items"])) for p in pages] == [
        (8, 1, 3, 3),
        (8, 2, 3, 3),
        (8, 3, 3, 2),
        (8, 4, 3, 0),
    ]
    ids = [i["id"] for p in pages for i in p["items"]]
    assert len(set(ids)) == 8


def test_default_page_size_comes_from_settings(district, officer_api, settings):
    body = officer_api.get(f"{API}/students").json()
    assert (body["page"], body["page_size"]) == (1, settings.PAGE_SIZE)


@pytest.mark.parametrize(
    ("params", "field"),
    [({"page": 0}, "page"), ({"page_size": 0}, "page_size"), ({"page_size": 201}, "page_size")],
    ids=["page-0", "size-0", "size-201"],
)
def test_out_of_range_paging_is_422(district, officer_api, params, field):
    response = officer_api.get(f"{API}/students", params)
    assert (response.status_code, response.json()["field"]) == (422, field)


ENDPOINTS = ["/students", "/staff", "/units", "/schools", "/classes"]


def grow(district, n: int) -> None:
    from edudx.org import services as org_services

    add_students(district, n)
    add_staff(district, n)
    for i in range(n):
        org_services.class_create(
            actor=None, school=district.school_a, school_year_code="2025-2026", name=f"9A{i}"
        )
        org_services.school_create(
            actor=None,
            name=f"Trường {i}",
            code=f"6700{i:04d}",
            parent=district.commune_a,
            level="primary",
        )


def query_counts(client, path: str, district) -> tuple[list[int], int]:
    """Queries for a list of a handful of rows, then of 30 or more; and the final size."""
    client.get(f"{API}/units")  # the token's first use records last_used_at once
    counts = []
    for extra in (0, 27):
        grow(district, extra)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{API}{path}", {"page_size": 200})
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    return counts, len(response.json()["items"])


@pytest.mark.parametrize("path", ENDPOINTS)
def test_list_query_count_is_constant(district, path):
    client = token_client(district.user(Role.PROVINCE_OFFICER, district.province))
    counts, size = query_counts(client, path, district)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 6, counts  # auth + scope + COUNT + page
    assert size >= 29


@pytest.mark.parametrize("path", ["/students", "/staff"])
def test_scoped_list_query_count_is_constant_for_a_teacher(district, path):
    client = token_client(district.teacher_user())
    counts, _size = query_counts(client, path, district)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 8, counts  # the teacher's scope reads their classes too


def test_students_list_within_the_query_budget(district, django_assert_max_num_queries):
    client = token_client(district.user(Role.PROVINCE_OFFICER, district.province))
    add_students(district, 30)
    client.get(f"{API}/units")
    with django_assert_max_num_queries(6):
        assert len(client.get(f"{API}/students").json()["items"]) == 33
