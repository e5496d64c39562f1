import datetime as dt

from edudx.accounts.models import Role
from edudx.core import events
from edudx.core.models import OutboxEvent
from edudx.monitoring.models import SchoolHeadcount
from edudx.monitoring.selectors import (
    Child,
    headcount_totals,
    place_and_children,
    students_in,
    students_under,
)
from edudx.monitoring.services import headcount_refresh
from edudx.org import selectors as org_selectors
from edudx.org import services as org_services
from edudx.org.models import UnitKind
from edudx.people import services as people_services
from tests.pages.conftest import otp_login


def counts():
    return sorted(
        SchoolHeadcount.objects.values_list("school__name", "students", "staff", "classes")
    )


def test_headcounts_follow_the_outbox(district):
    assert counts() == [
        ("Trường THCS Lê Lợi", 2, 1, 1),
        ("Trường THCS Nguyễn Du", 1, 1, 1),
    ]
    people_services.student_transfer(
        actor=None,
        student=district.student_a1,
        to_school=district.school_b,
        school_year=district.year,
        class_group=district.class_b,
        effective=dt.date(2026, 1, 5),
    )
    assert counts()[0][1] == 2  # not yet delivered: the summary lags until the worker runs
    assert events.deliver_pending() == 2  # the transfer and its audit summary
    assert counts() == [
        ("Trường THCS Lê Lợi", 1, 1, 1),
        ("Trường THCS Nguyễn Du", 2, 1, 1),
    ]


def test_class_counts_are_the_current_years_not_next_years(district):
    """Next year's school year exists months early (admissions) with no class: the
    headcount kept counting its classes (0 per school) instead of the year under way."""
    org_services.school_year_create(
        actor=None, code="2098-2099", start_date=dt.date(2098, 9, 5), end_date=dt.date(2099, 5, 31)
    )
    headcount_refresh()
    assert counts() == [
        ("Trường THCS Lê Lợi", 2, 1, 1),
        ("Trường THCS Nguyễn Du", 1, 1, 1),
    ]


def test_redelivery_gives_the_same_summary(district):
    event = OutboxEvent.objects.filter(topic="people.student_created").first()
    OutboxEvent.objects.filter(pk=event.pk).update(delivered_at=None)
    event.receipts.all().delete()
    assert events.deliver(event) is True
    assert counts() == [
        ("Trường THCS Lê Lợi", 2, 1, 1),
        ("Trường THCS Nguyễn Du", 1, 1, 1),
    ]


def test_totals_by_scope(district):
    officer = district.user(Role.COMMUNE_OFFICER, district.commune_a)
    province = district.user(Role.PROVINCE_OFFICER, district.province)
    assert headcount_totals(scope=officer.scope) == {"schools": 1, "students": 2, "staff": 1}
    assert headcount_totals(scope=province.scope) == {"schools": 2, "students": 3, "staff": 2}


def test_students_under_uses_the_tree_of_the_day(district, django_assert_num_queries):
    lam_dong = org_services.unit_create(
        actor=None,
        kind=UnitKind.PROVINCE,
        name="Tỉnh Lâm Đồng",
        code="68",
        parent=district.ministry,
    )
    org_services.unit_reparent(
        actor=None, unit=district.commune_a, new_parent=lam_dong, effective=dt.date(2025, 7, 1)
    )
    units = [district.province, lam_dong]
    before = org_selectors.as_of(dt.date(2025, 6, 30))
    after = org_selectors.as_of(dt.date(2025, 7, 1))
    with django_assert_num_queries(3):
        assert students_under(before, units) == {district.province.pk: 3, lam_dong.pk: 0}
    assert students_under(after, units) == {district.province.pk: 1, lam_dong.pk: 2}
    # The dashboard's reads: one query each, the same tree of the day.
    for tree, unit, students in (
        (before, district.province, 3), (before, lam_dong, 0),
        (after, district.province, 1), (after, lam_dong, 2),
    ):  # fmt: skip
        with django_assert_num_queries(1):
            path, children = place_and_children(tree, unit)
        with django_assert_num_queries(1):
            assert students_in(tree, path) == students
        below = tree.children(unit)
        assert children == [Child(u.pk, u.name) for u in below]
        assert path == tree.placement(unit).path
    assert [c.name for c in place_and_children(after, lam_dong)[1]] == [district.commune_a.name]
    assert place_and_children(before, lam_dong)[1] == []


def test_home_dashboard_reads_the_summary(client, district, django_assert_max_num_queries):
    officer = district.user(Role.PROVINCE_OFFICER, district.province)
    otp_login(client, officer)
    with django_assert_max_num_queries(14):
        page = client.get("/").content.decode()
    assert "Tỉnh Đắk Nông" in page
    assert '<span class="num">2</span> <span class="label">trường</span>' in page
    assert '<span class="num">3</span> <span class="label">học sinh đang học</span>' in page


def test_demo_generated_event_recounts_every_school(district):
    SchoolHeadcount.objects.all().delete()
    events.emit("demo.generated", {"scale": "tiny"})
    assert events.deliver_pending() == 1
    assert counts() == [
        ("Trường THCS Lê Lợi", 2, 1, 1),
        ("Trường THCS Nguyễn Du", 1, 1, 1),
    ]
