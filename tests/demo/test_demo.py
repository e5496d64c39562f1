"""The demo generator: deterministic plans and builds, and once the district scale
(~16,000 students). The tiny scale's contents: test_demo_tiny.py."""

import datetime as dt

from django.db import transaction

from edudx.accounts.models import Role
from edudx.demo import generator
from edudx.org import selectors
from edudx.org.models import OrgUnit, School, UnitKind
from edudx.people.models import Person, StaffMember, Student

BEFORE, AFTER = dt.date(2025, 6, 30), dt.date(2025, 7, 1)


def quiet(_line):
    pass


def _snapshot(scale="tiny", seed=generator.DEFAULT_SEED):
    with transaction.atomic():
        generator.build(scale, seed, log=quiet)
        rows = list(
            Person.objects.order_by("id").values_list(
                "full_name", "personal_id", "moet_id", "date_of_birth", "sex", "ethnicity"
            )
        )
        schools = list(OrgUnit.objects.filter(kind="school").order_by("id").values_list("name"))
        transaction.set_rollback(True)
    return rows, schools


def test_deterministic(db):
    first, second = _snapshot(), _snapshot()
    assert first == second
    assert len(first[0]) > 100
    other, _ = _snapshot(seed=7)
    assert [r[0] for r in other] != [r[0] for r in first[0]]


def test_plan_deterministic_and_sized():
    for scale in ("tiny", "district", "province"):
        a = generator.make_plan(generator.SCALES[scale], 2025)
        b = generator.make_plan(generator.SCALES[scale], 2025)
        assert [s.name for d in a for c in d.communes for s in c.schools] == [
            s.name for d in b for c in d.communes for s in c.schools
        ]
    district = generator.plan_counts(generator.make_plan(generator.SCALES["district"], 2025))
    assert district["schools"] == 45 and district["communes"] == 9
    assert 15_000 <= district["students"] <= 17_000
    province = generator.plan_counts(generator.make_plan(generator.SCALES["province"], 2025))
    assert 270_000 <= province["students"] <= 330_000
    plan = generator.make_plan(generator.SCALES["province"], 2025)
    codes = [c.code for d in plan for c in d.communes] + [n[1] for n in generator.NEW_COMMUNES]
    assert len(codes) == len(set(codes)) == 71 + 4
    school_codes = [s.code for d in plan for c in d.communes for s in c.schools]
    assert len(school_codes) == len(set(school_codes))
    assert all(len(c) == 8 and c.startswith("67") for c in school_codes)


def test_district_scale(db):
    """`make demo`'s scale: 45 schools, ~16,000 students, ~1,000 staff (about 20 s)."""
    summary = generator.build("district", log=quiet)
    assert School.objects.count() == 45
    assert 15_000 <= Student.objects.count() <= 17_000
    assert 900 <= StaffMember.objects.count() <= 1_200
    assert summary.counts["students"] == Student.objects.count()
    minority = Person.objects.filter(student__isnull=False).exclude(ethnicity="01").count()
    assert 0.25 <= minority / Student.objects.count() <= 0.35
    after = selectors.as_of(AFTER)
    lam_dong = OrgUnit.objects.get(kind=UnitKind.PROVINCE, code="68")
    per_commune = {
        c.name: after.subtree(c).filter(kind=UnitKind.SCHOOL).count()
        for c in after.children(lam_dong)
        if c.kind == UnitKind.COMMUNE
    }
    assert per_commune == {
        "Xã Đắk Song": 9,
        "Xã Đức An": 18,
        "Xã Thuận Hạnh": 10,
        "Xã Trường Xuân": 8,
    }
    assert Role.PROVINCE_OFFICER  # imported for the roles table
