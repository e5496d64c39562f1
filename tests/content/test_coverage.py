"""T05 coverage on a hand-checked example.

Toán 6 has 140 periods in records' table; topics used here: 6.phanso 20, 6.songuyen 20,
6.thongke 10, 6.xacsuat 5, 6.hinhphang 12. Published: phanso and songuyen at school A,
thongke at school B, xacsuat at the province; hinhphang only submitted.
School A: 20 + 20 + 5 = 45 of 140; school B: 10 + 5 = 15; commune A: 45 (school A's and
the province's); the province: 20 + 20 + 10 + 5 = 55. Grade 6 of school A, every
compulsory subject: 140 + 105 + 105 + 70 + 70 + 140 + 35 + 140 + 35 + 35 + 105 + 35 = 1015
periods; grades 6–9: 1015 + 1015 + 1032 + 1032 = 4094."""

import pytest

from edudx.content.coverage import coverage, coverage_ratio

from .conftest import pdf_upload, publish, topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(make_resource, principal, province_officer, teacher_b, district, toan):
    from edudx.accounts.models import Role

    principal_b = district.user(Role.PRINCIPAL, district.school_b)
    r1 = make_resource(topics=[topic(toan, "6.phanso"), topic(toan, "6.songuyen")])
    r2 = make_resource(topics=[topic(toan, "6.phanso")])  # a second one adds nothing
    r3 = make_resource(actor=teacher_b, topics=[topic(toan, "6.thongke")], upload=pdf_upload())
    r4 = make_resource(topics=[topic(toan, "6.xacsuat")])
    make_resource(topics=[topic(toan, "6.hinhphang")])  # submitted only
    publish(r1, principal)
    publish(r2, principal)
    publish(r3, principal_b)
    publish(r4, province_officer, "province")


@pytest.mark.parametrize(
    ("unit", "covered"),
    [("school_a", 45), ("school_b", 15), ("commune_a", 45), ("province", 55)],
)
def test_toan_6_per_unit(published, district, toan, unit, covered):
    c = coverage(unit=getattr(district, unit), grades=[6], subject_id=toan.pk)
    assert [(r.grade, r.subject_code, r.periods, r.covered) for r in c.rows] == [
        (6, "toan", 140, covered)
    ]
    assert c.ratio == covered / 140


def test_drill_down_lists_uncovered_topics(published, district, toan):
    row = coverage(unit=district.school_a, grades=[6], subject_id=toan.pk).rows[0]
    assert [t["code"] for t in row.uncovered_topics] == [
        "6.sotunhien",
        "6.sothapphan",
        "6.hinhphang",
        "6.doixung",
        "6.hinhcoban",
        "6.thongke",
        "6.thuchanh",
    ]
    assert sum(t["periods"] for t in row.uncovered_topics) == 140 - 45


def test_whole_grade_and_school(published, district):
    c = coverage(unit=district.school_a, grades=[6])
    assert (c.covered, c.periods) == (45, 1015)
    ngu_van = next(r for r in c.rows if r.subject_code == "ngu_van")
    assert (ngu_van.covered, ngu_van.topics, len(ngu_van.uncovered_topics)) == (0, 8, 8)
    # A subject without a topic tree counts in full as uncovered.
    khtn = next(r for r in c.rows if r.subject_code == "khoa_hoc_tu_nhien")
    assert (khtn.periods, khtn.covered, khtn.topics) == (140, 0, 0)
    # The school's level decides the grades: lower secondary = 6–9.
    assert coverage_ratio(district.school_a) == (45, 4094)


def test_nothing_published(district):
    assert coverage_ratio(district.school_a, grades=[6]) == (0, 1015)
