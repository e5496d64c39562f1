import datetime as dt

import pytest
from django.core.management import call_command

from edudx.accounts.models import Role
from edudx.core.errors import DomainError, NotFound
from edudx.org.models import Term
from edudx.people import services as people_services
from edudx.people.models import TeachingAssignment
from edudx.records import selectors, services
from edudx.records.curriculum import curriculum_load, read_curriculum
from edudx.records.models import CurriculumSubject, Subject
from tests.factories import person_data

pytestmark = pytest.mark.django_db


def periods(grade: int) -> dict[str, int]:
    return {
        c.subject.code: c.periods_per_year
        for c in CurriculumSubject.objects.filter(grade=grade).select_related("subject")
    }


@pytest.mark.parametrize(
    ("grade", "code", "expected"),
    [
        (1, "tieng_viet", 420),
        (2, "tieng_viet", 350),
        (5, "tieng_viet", 245),
        (1, "toan", 105),
        (3, "toan", 175),
        (3, "ngoai_ngu_1", 140),
        (4, "khoa_hoc", 70),
        (3, "tin_hoc_cong_nghe", 70),
        (1, "hoat_dong_trai_nghiem", 105),
        (6, "ngu_van", 140),
        (6, "toan", 140),
        (6, "ngoai_ngu_1", 105),
        (6, "giao_duc_cong_dan", 35),
        (6, "lich_su_dia_li", 105),
        (6, "khoa_hoc_tu_nhien", 140),
        (6, "cong_nghe", 35),
        (8, "cong_nghe", 52),
        (6, "tin_hoc", 35),
        (6, "giao_duc_the_chat", 70),
        (6, "nghe_thuat", 70),
        (6, "hdtn_huong_nghiep", 105),
        (6, "giao_duc_dia_phuong", 35),
        (10, "lich_su", 52),
        (12, "quoc_phong_an_ninh", 35),
        (11, "vat_li", 70),
    ],
)
def test_periods_per_year_from_the_shipped_csv(grade, code, expected):
    assert periods(grade)[code] == expected


@pytest.mark.parametrize(
    ("grade", "total"),
    [(1, 875), (2, 875), (3, 980), (4, 1050), (5, 1050), (6, 1015), (8, 1032), (10, 612)],
)
def test_compulsory_totals_match_the_curriculum(grade, total):
    rows = CurriculumSubject.objects.filter(grade=grade, kind="compulsory")
    assert sum(r.periods_per_year for r in rows) == total


def test_subjects_not_in_a_grade():
    assert "tu_nhien_xa_hoi" not in periods(4)
    assert "ngoai_ngu_1" in periods(1)  # optional in grades 1-2
    assert CurriculumSubject.objects.get(grade=1, subject__code="ngoai_ngu_1").kind == "optional"


@pytest.mark.parametrize(
    ("code", "assessed_by"),
    [
        ("toan", "score"),
        ("giao_duc_the_chat", "comment"),
        ("nghe_thuat", "comment"),
        ("hdtn_huong_nghiep", "comment"),
        ("giao_duc_dia_phuong", "comment"),
        ("dao_duc", "comment"),
        ("am_nhac", "comment"),
        ("lich_su_dia_li", "score"),
    ],
)
def test_comment_only_subjects(code, assessed_by):
    assert Subject.objects.get(code=code).assessed_by == assessed_by


def test_subject_grade_range():
    s = Subject.objects.get(code="lich_su_dia_li")
    assert (s.grade_from, s.grade_to) == (4, 9)


def test_load_curriculum_command_is_idempotent(capsys):
    before = (Subject.objects.count(), CurriculumSubject.objects.count())
    call_command("load_curriculum")
    call_command("load_curriculum")
    out = capsys.readouterr().out
    assert "0 created, 0 updated, 0 removed" in out
    assert (Subject.objects.count(), CurriculumSubject.objects.count()) == before == (29, 163)


def test_reload_restores_a_changed_row():
    CurriculumSubject.objects.filter(grade=6, subject__code="toan").update(periods_per_year=1)
    counts = curriculum_load(
        read_curriculum(), subject_model=Subject, curriculum_model=CurriculumSubject
    )
    assert counts["updated"] == 1
    assert periods(6)["toan"] == 140


def test_bad_csv_names_row_and_field(tmp_path):
    bad = tmp_path / "c.csv"
    bad.write_text(
        "grade,subject_code,subject_name,periods_per_year,kind,assessed_by\n"
        "6,toan,Toán,140,compulsory,score\n"
        "13,toan,Toán,abc,compulsory,score\n",
        encoding="utf-8",
    )
    with pytest.raises(DomainError) as exc:
        read_curriculum(bad)
    items = [(e["row"], e["field"]) for e in exc.value.as_list()]
    assert items == [(3, "grade"), (3, "periods")]


def test_subject_assign_puts_class_in_teacher_scope(district):
    other = people_services.staff_create(
        actor=None,
        data=person_data("Vũ Văn Tùng", dt.date(1990, 1, 1), "M"),
        unit=district.school_a,
        kind="teacher",
    )
    user = district.teacher_user(other)
    assert district.class_a.pk not in user.scope.class_ids
    toan = Subject.objects.get(code="toan")
    term1 = Term.objects.get(school_year=district.year, number=1)
    services.subject_assign(
        actor=None, staff=other, subject=toan, class_group=district.class_a, term=term1
    )
    services.subject_assign(
        actor=None, staff=other, subject=toan, class_group=district.class_a, term=term1
    )
    user.__dict__.pop("scope", None)
    assert district.class_a.pk in user.scope.class_ids
    assert TeachingAssignment.objects.filter(staff=other, subject="Toán").count() == 1
    assert [
        s.code for s in selectors.teacher_subjects(actor=user, class_id=district.class_a.pk)
    ] == ["toan"]
    # Term 1 only: not in term 2.
    assert (
        selectors.teacher_subjects(
            actor=user, class_id=district.class_a.pk, day=dt.date(2026, 3, 2)
        )
        == []
    )
    assert selectors.may_enter_marks(
        actor=user, class_id=district.class_a.pk, subject_id=toan.pk, day=dt.date(2025, 10, 1)
    )
    assert not selectors.may_enter_marks(
        actor=user, class_id=district.class_b.pk, subject_id=toan.pk
    )


def test_subject_not_in_grade_is_refused(district):
    lich_su = Subject.objects.get(code="lich_su")  # grades 10-12; class_a is grade 6
    with pytest.raises(DomainError) as exc:
        services.subject_assign(
            actor=None, staff=district.teacher_a, subject=lich_su, class_group=district.class_a
        )
    assert exc.value.code == "assignment.subject_grade"


def test_teacher_of_another_class_gets_404_for_subjects(district):
    with pytest.raises(NotFound):
        selectors.teacher_subjects(
            actor=district.teacher_user(district.teacher_b), class_id=district.class_a.pk
        )


def test_principal_may_enter_marks_for_every_subject_of_the_grade(district):
    principal = district.user(Role.PRINCIPAL, district.school_a)
    subjects = selectors.teacher_subjects(actor=principal, class_id=district.class_a.pk)
    assert len(subjects) == 14  # grade 6: 12 compulsory + 2 optional


def test_subject_unassign_drops_the_class_from_scope(district):
    other = people_services.staff_create(
        actor=None,
        data=person_data("Vũ Văn Tùng", dt.date(1990, 1, 1), "M"),
        unit=district.school_a,
        kind="teacher",
    )
    a = services.subject_assign(
        actor=None,
        staff=other,
        subject=Subject.objects.get(code="tin_hoc"),
        class_group=district.class_a,
    )
    services.subject_unassign(actor=None, assignment=a)
    assert district.class_a.pk not in district.teacher_user(other).scope.class_ids


def test_homeroom_set_moves_the_homeroom(district):
    new = people_services.staff_create(
        actor=None,
        data=person_data("Vũ Văn Tùng", dt.date(1990, 1, 1), "M"),
        unit=district.school_a,
        kind="teacher",
    )
    services.homeroom_set(actor=None, class_group=district.class_a, staff=new)
    assert district.class_a.pk in district.teacher_user(new).scope.homeroom_class_ids
    old = district.teacher_user(district.teacher_a).scope
    assert district.class_a.pk not in old.homeroom_class_ids
    assert district.class_a.pk in old.class_ids  # still teaches Toán there
    services.homeroom_set(actor=None, class_group=district.class_a, staff=new)  # idempotent
    assert (
        TeachingAssignment.objects.filter(class_group=district.class_a, is_homeroom=True).count()
        == 1
    )


def test_homeroom_teacher_of_another_school_is_refused(district):
    with pytest.raises(DomainError) as exc:
        services.homeroom_set(actor=None, class_group=district.class_a, staff=district.teacher_b)
    assert exc.value.code == "assignment.school"
