"""The register's answer to the yearly report's fact `computers_teaching`: usable teaching
computers of the school in use on the report's reference date."""

import datetime as dt

import pytest
from django.utils import translation

from edudx.assets import selectors, services
from edudx.assets.fact_prefill import computers_teaching
from edudx.org import services as org_services

from .conftest import cat, item_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def computers(district, register):
    """School A besides MT-01 (2022) and MT-02 (in use from 01/10/2024): a teaching laptop,
    one needing repair, one undated (all usable), one broken, one disposed, an office
    computer and the projector MC-01; school B its MT-01; school C an office computer only."""
    a = district.school_a
    for tag, over in [
        ("LT-01", {"category_id": cat("computer_laptop_teaching").pk}),
        ("MT-03", {"condition": "needs_repair"}),
        ("MT-04", {"acquired_on": None}),
        ("MT-05", {"condition": "broken"}),
        ("VP-01", {"category_id": cat("computer_office").pk}),
    ]:
        services.item_create(actor=None, school=a, data=item_data(tag=tag, **over))
    old = services.item_create(actor=None, school=a, data=item_data(tag="MT-06"))
    services.item_dispose(actor=None, item=old, disposed_on=dt.date(2025, 6, 1), reason="Hỏng")
    school_c = org_services.school_create(
        actor=None, name="Trường TH Kim Đồng", code="67000103", parent=district.commune_a,
        level="primary",
    ).unit  # fmt: skip
    services.item_create(
        actor=None, school=school_c, data=item_data(category_id=cat("computer_office").pk)
    )
    return school_c


@pytest.mark.parametrize(
    ("school", "day", "expected"),
    [
        # MT-01, MT-02, LT-01, MT-03 (needs repair), MT-04 (undated).
        pytest.param("school_a", dt.date(2025, 12, 10), 5, id="a-2025"),
        # MT-02 not yet in use.
        pytest.param("school_a", dt.date(2023, 12, 10), 4, id="a-2023"),
        pytest.param("school_b", dt.date(2025, 12, 10), 1, id="b"),
        # An office computer only: the register says nothing of teaching computers.
        pytest.param("school_c", dt.date(2025, 12, 10), None, id="c-no-teaching-computer"),
    ],
)
def test_teaching_computers_in_use(district, computers, school, day, expected):
    unit = computers if school == "school_c" else getattr(district, school)
    assert selectors.teaching_computers_in_use(unit, on=day) == expected


def test_the_report_slot_says_where_the_number_comes_from(district, computers):
    day = dt.date(2025, 12, 10)
    assert computers_teaching(district.school_a, day) == (5, "Theo sổ tài sản: 5 máy")
    with translation.override("en"):
        assert computers_teaching(district.school_b, day) == (
            1,
            "From the asset register: 1 computer",
        )
    assert computers_teaching(computers, day) is None
