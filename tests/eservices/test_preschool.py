"""Preschool (mẫu giáo) admission end to end: children aged 3–5 by birth year, one round,
allocation by the published rules, and confirmation into the class of the child's age
group (Mầm 3–4, Chồi 4–5, Lá 5–6)."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from edudx.core.errors import DomainError
from edudx.eservices import admissions
from edudx.eservices.models import AdmissionApplication
from edudx.people.models import Enrolment

from .conftest import child

pytestmark = pytest.mark.django_db


def test_catalogue_has_the_preschool_procedure(world):
    p = world.procedure("admission_preschool")
    assert (p.kind, p.grade, p.school_levels, p.unit_kind, p.level) == (
        "admission",
        0,
        ["preschool"],
        "commune",
        "full",
    )


def test_birth_years_three_to_five(world, preschool_round):
    assert admissions.entry_birth_years(preschool_round) == [2023, 2022, 2021]


@pytest.mark.parametrize(
    "dob",
    [dt.date(2024, 1, 10), dt.date(2020, 12, 31)],
    ids=["two-years-old", "six-years-old"],
)
def test_outside_three_to_five_is_refused_naming_the_field(world, preschool_round, dob):
    with pytest.raises(DomainError) as err:
        admissions.application_submit(
            actor=None, round_id=preschool_round.pk, raw=child(world, dob)
        )
    items = err.value.as_list()
    assert [(i["code"], i["field"]) for i in items] == [("application.age", "date_of_birth")]
    assert items[0]["message"] == (
        f"Trẻ sinh năm {dob.year} không thuộc độ tuổi mẫu giáo (3–5 tuổi) năm học 2026-2027 "
        "(phải sinh năm 2023, 2022, 2021)."
    )
    assert AdmissionApplication.objects.count() == 0


def test_preschool_end_to_end_into_the_age_group_class(world, preschool_round):
    r = preschool_round
    births = {
        "Mầm 1": dt.date(2023, 5, 1),
        "Chồi 1": dt.date(2022, 7, 9),
        "Lá 1": dt.date(2021, 2, 3),
    }
    apps = {
        cls: admissions.application_submit(
            actor=None, round_id=r.pk, raw=child(world, dob, name=f"Trẻ {cls}")
        )
        for cls, dob in births.items()
    }
    r.closes_at = timezone.now() - dt.timedelta(seconds=1)
    r.save()
    assert admissions.round_allocate(actor=None, round_=r) == {"applications": 3, "admitted": 3}
    for cls, a in apps.items():
        a.refresh_from_db()
        confirmed = admissions.application_confirm(actor=None, application=a, phone="0905111222")
        assert (confirmed.status, confirmed.class_group.name) == ("confirmed", cls)
        assert confirmed.class_group.grade is None
        e = Enrolment.objects.get(student__person__personal_id=a.child_personal_id)
        assert (e.school, e.school_year.code, e.class_group.name) == (
            world.kindergarten,
            "2026-2027",
            cls,
        )
    sizes = {
        c.name: c.capacity
        for c in world.kindergarten.class_groups.filter(school_year=world.next_year)
    }
    assert sizes == {"Mầm 1": 25, "Chồi 1": 30, "Lá 1": 35}


def test_preschool_apply_page(world, preschool_round):
    c = Client()
    page = c.get(f"/services/admissions/{preschool_round.pk}/apply/").content.decode()
    assert "Mẫu giáo 3–5 tuổi: trẻ sinh năm 2023, 2022, 2021" in page
    done = c.post(
        f"/services/admissions/{preschool_round.pk}/apply/",
        child(world, dt.date(2022, 3, 3)),
        follow=True,
    )
    a = AdmissionApplication.objects.get()
    assert f"Đã nhận hồ sơ tuyển sinh {a.code}" in done.content.decode()
