import datetime as dt

import pytest
from django.utils import timezone

from edudx.core.api_errors import Forbidden
from edudx.core.errors import Conflict, DomainError, DomainErrors
from edudx.eservices import admissions
from edudx.eservices.models import AdmissionApplication
from edudx.notify.models import Notification
from edudx.people import services as people_services
from edudx.people.models import Enrolment
from tests.factories import make_personal_id, person_data

pytestmark = pytest.mark.django_db

DOB = dt.date(2020, 3, 15)


def form(world, *, dob=DOB, sex="M", pid=None, commune=None, school=None, **kw):
    return {
        "child_personal_id": pid or make_personal_id(dob, sex if sex in ("M", "F") else "M"),
        "child_name": "Lê Minh Khôi",
        "date_of_birth": dob.isoformat(),
        "sex": sex,
        "commune": str((commune or world.d.commune_a).pk),
        "school": str((school or world.primary_a).pk),
        "applicant_name": "Lê Văn Tâm",
        "phone": "0987654321",
        **kw,
    }


def apply(world, r, actor=None, **kw):
    return admissions.application_submit(actor=actor, round_id=r.pk, raw=form(world, **kw))


def close(r):
    r.closes_at = timezone.now() - dt.timedelta(seconds=1)
    r.save()


def test_application_in_zone(world):
    r = world.grade1_round()
    a = apply(world, r, priorities=["poor_household"])
    assert a.code.startswith("TS") and a.in_zone is True and a.priority_rank == 3
    assert a.lottery_key == admissions.lottery_key(r.seed, a.child_personal_id)


def test_second_application_for_the_same_child_is_refused(world):
    r = world.grade1_round()
    pid = make_personal_id(DOB, "M")
    apply(world, r, pid=pid)
    with pytest.raises(Conflict) as err:
        apply(world, r, pid=pid, school=world.primary_b)
    assert err.value.code == "application.duplicate"
    assert AdmissionApplication.objects.count() == 1


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        pytest.param({"dob": dt.date(2019, 3, 15)}, "application.age", id="too-old"),
        pytest.param({"dob": dt.date(2021, 1, 2)}, "application.age", id="too-young"),
        pytest.param(
            {"pid": "067219123456", "dob": dt.date(2020, 1, 1)},
            "personal_id.birth_year",
            id="id-year",
        ),
        pytest.param({"pid": "12345"}, "personal_id.format", id="id-format"),
        pytest.param({"phone": "12"}, "phone.format", id="phone"),
        pytest.param({"sex": "X"}, "form.sex", id="sex"),
    ],
)
def test_bad_input(world, kw, code):
    r = world.grade1_round()
    with pytest.raises(DomainError) as err:
        apply(world, r, **kw)
    codes = (
        [i["code"] for i in err.value.as_list()]
        if isinstance(err.value, DomainErrors)
        else [err.value.code]
    )
    assert code in codes
    assert AdmissionApplication.objects.count() == 0


def test_address_outside_every_zone(world):
    other = world.d.user("citizen")  # any unit that is not a zone commune: the district
    del other
    r = world.grade1_round()
    with pytest.raises(DomainErrors) as err:
        admissions.application_submit(
            actor=None, round_id=r.pk, raw=dict(form(world), commune=str(world.d.district.pk))
        )
    assert [i["code"] for i in err.value.as_list()] == ["application.zone"]


def test_residence_checked_against_the_person_record(world):
    r = world.grade1_round()
    child = people_services.person_create(
        actor=None, data=person_data("Lê Minh Khôi", DOB, commune_id=world.d.commune_b.pk)
    )
    with pytest.raises(DomainErrors) as err:
        apply(world, r, pid=child.personal_id)  # declares commune A, lives in commune B
    assert [i["code"] for i in err.value.as_list()] == ["application.residence"]
    a = apply(world, r, pid=child.personal_id, commune=world.d.commune_b, school=world.primary_b)
    assert a.person == child


def test_window_closed(world):
    now = timezone.now()
    r = world.grade1_round(opens=now + dt.timedelta(hours=1), closes=now + dt.timedelta(hours=2))
    with pytest.raises(DomainError) as err:
        apply(world, r)
    assert err.value.code == "round.closed"


def test_allocation_confirm_and_enrolment(world):
    r = world.grade1_round(quota_a=2, quota_b=1)
    in_zone = [apply(world, r, pid=make_personal_id(DOB, "M")) for _ in range(3)]
    priority = apply(world, r, pid=make_personal_id(DOB, "F"), sex="F", priorities=["martyr_child"])
    outsider = apply(world, r, pid=make_personal_id(DOB, "M"), commune=world.d.commune_b)
    with pytest.raises(Conflict):
        admissions.round_allocate(actor=None, round_=r)  # window still open
    close(r)
    officer_b = world.officer_b
    with pytest.raises(Forbidden):
        admissions.round_allocate(actor=officer_b, round_=r)  # the round is the district's
    assert admissions.round_allocate(actor=None, round_=r) == {"applications": 5, "admitted": 3}
    rows = {a.pk: a for a in AdmissionApplication.objects.all()}
    # School A: 2 places for 4 in-zone children (1 with priority) and 1 from commune B.
    assert rows[priority.pk].allocated_school == world.primary_a
    won = [a for a in in_zone if rows[a.pk].allocated_school == world.primary_a]
    assert len(won) == 1
    assert won[0].lottery_key == min(a.lottery_key for a in in_zone)
    # The outsider lost at A but gets a free place at B, the school of their zone.
    assert rows[outsider.pk].allocated_school == world.primary_b
    assert AdmissionApplication.objects.filter(status="not_admitted").count() == 2
    assert Notification.objects.filter(event="eservices.admission_result").count() == 5
    with pytest.raises(Conflict):
        admissions.round_allocate(actor=None, round_=r)
    # The parent confirms: the child becomes a student of class 1A1 of 2026-2027.
    a = admissions.application_confirm(
        actor=None, application=rows[priority.pk], phone="0987654321"
    )
    assert a.status == "confirmed" and a.class_group.name == "1A1"
    e = Enrolment.objects.get(student__person__personal_id=a.child_personal_id)
    assert (e.school, e.school_year, e.class_group) == (
        world.primary_a,
        world.next_year,
        a.class_group,
    )
    loser = next(x for x in in_zone if rows[x.pk].status == "not_admitted")
    with pytest.raises(Conflict):
        admissions.application_confirm(actor=None, application=loser, phone="0987654321")


def test_live_counts_for_officers_only(world):
    r = world.grade1_round()
    apply(world, r)
    apply(world, r, pid=make_personal_id(DOB, "M"), commune=world.d.commune_b)
    district_officer = world.d.user("commune_officer", world.d.district)
    rows = admissions.live_counts(actor=district_officer, round_=r)
    assert [(x["school"], x["quota"], x["applied"], x["in_zone"]) for x in rows] == [
        ("Trường Tiểu học Kim Đồng", 2, 2, 1),
        ("Trường Tiểu học Võ Thị Sáu", 2, 0, 0),
    ]
    with pytest.raises(Forbidden):
        admissions.live_counts(actor=world.citizen, round_=r)


def test_grade_6_moves_an_existing_pupil_into_the_intake_class(world):
    d = world.d
    now = timezone.now()
    r = admissions.round_create(
        actor=None,
        procedure=world.procedure("admission_grade6"),
        unit=d.district,
        school_year=world.next_year,
        name="Tuyển sinh lớp 6 năm học 2026-2027",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=1),
        seed="lop6",
        schools=[(d.school_a, 1)],
        zones=[(d.school_a, d.commune_a, "Thôn 3")],  # only one village of the commune
    )
    dob = dt.date(2015, 4, 1)
    pupil = people_services.student_create(
        actor=None,
        data=person_data("Đỗ Minh Quân", dob, commune_id=d.commune_a.pk),
        school=world.primary_a,
        school_year=d.year,
        start_date=d.year.start_date,
    )
    base = {
        "child_personal_id": pupil.person.personal_id,
        "child_name": "Đỗ Minh Quân",
        "date_of_birth": "01/04/2015",
        "sex": "M",
        "commune": str(d.commune_a.pk),
        "school": str(d.school_a.pk),
        "applicant_name": "Đỗ Văn Hùng",
        "phone": "0901234567",
    }
    with pytest.raises(DomainErrors) as err:
        admissions.application_submit(actor=None, round_id=r.pk, raw=dict(base, village="Thôn 9"))
    assert [i["code"] for i in err.value.as_list()] == ["application.zone"]
    with pytest.raises(DomainErrors) as err:
        admissions.application_submit(
            actor=None, round_id=r.pk, raw=dict(base, date_of_birth="01/04/2014", village="Thôn 3")
        )
    assert "application.age" in [i["code"] for i in err.value.as_list()]
    a = admissions.application_submit(actor=None, round_id=r.pk, raw=dict(base, village="thôn 3"))
    assert a.in_zone is True and a.person == pupil.person
    close(r)
    admissions.round_allocate(actor=None, round_=r)
    a = admissions.application_confirm(
        actor=None, application=AdmissionApplication.objects.get(pk=a.pk), phone="0901234567"
    )
    pupil.refresh_from_db()
    assert (pupil.current_school, pupil.current_class.name) == (d.school_a, "6A1")
    assert pupil.current_class.school_year == world.next_year
    assert list(
        Enrolment.objects.filter(student=pupil).order_by("id").values_list("school_id", "status")
    ) == [(world.primary_a.pk, "transferred_out"), (d.school_a.pk, "active")]


def test_a_code_collision_takes_a_new_code_not_a_duplicate_error(world, monkeypatch):
    r = world.grade1_round()
    first = apply(world, r)
    codes = iter([first.code, "TSNEWCODE"])
    monkeypatch.setattr(admissions, "new_code", lambda prefix: next(codes))
    second = apply(world, r, pid=make_personal_id(DOB, "M"))
    assert second.code == "TSNEWCODE"
    assert AdmissionApplication.objects.count() == 2
