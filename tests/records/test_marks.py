"""Mark entry: validation by the rules, scoping, all-or-nothing saves, idempotency, audit,
term lock and changes after locking, results recomputed from the rules."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edudx.accounts.models import Role
from edudx.audit.models import AuditEvent
from edudx.core.api_errors import Forbidden
from edudx.core.errors import Conflict, DomainError, DomainErrors, NotFound
from edudx.org import services as org_services
from edudx.people import services as people_services
from edudx.records import selectors, services
from edudx.records.models import (
    YEAR,
    Mark,
    MarkChangeRequest,
    StudentResult,
    Subject,
    SubjectResult,
)
from edudx.records.services import MarkEntry
from tests.factories import person_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def maths(district):
    """teacher_a teaches Toán (140 periods a year: 4 ĐĐGtx) to 6A1."""
    subject = Subject.objects.get(code="toan")
    services.subject_assign(
        actor=None, staff=district.teacher_a, subject=subject, class_group=district.class_a
    )
    return subject


@pytest.fixture
def term1(district):
    return selectors.term_get(district.class_a, 1)


def grid(student, **cells):
    return [MarkEntry(student.pk, k, v) for k, v in cells.items()]


def stored(subject=None):
    qs = Mark.objects.order_by("student_id", "kind")
    if subject is not None:
        qs = qs.filter(subject=subject)
    return [(m.student_id, m.kind, m.value, m.comment) for m in qs]


def save(actor, district, subject, term, entries):
    return services.marks_save(
        actor=actor, class_group=district.class_a, subject=subject, term=term, entries=entries
    )


FULL = {"tx1": "8", "tx2": "7,5", "tx3": "9", "tx4": "10", "gk": "6.5", "ck": "8"}


def test_save_stores_marks_and_the_term_average(district, teacher, maths, term1):
    a1 = district.student_a1
    result = save(teacher, district, maths, term1, grid(a1, **FULL))
    assert (result.created, result.updated, result.deleted) == (6, 0, 0)
    assert stored() == [
        (a1.pk, "ck", Decimal("8.0"), ""),
        (a1.pk, "gk", Decimal("6.5"), ""),
        (a1.pk, "tx1", Decimal("8.0"), ""),
        (a1.pk, "tx2", Decimal("7.5"), ""),
        (a1.pk, "tx3", Decimal("9.0"), ""),
        (a1.pk, "tx4", Decimal("10.0"), ""),
    ]
    # (8 + 7.5 + 9 + 10 + 2·6.5 + 3·8) / 9 = 71.5 / 9 = 7.944… → 7.9
    avg = SubjectResult.objects.get(student=a1, subject=maths, period=1)
    assert (avg.average, avg.complete) == (Decimal("7.9"), True)
    sheet = selectors.mark_sheet(
        actor=teacher, class_id=district.class_a.pk, subject_id=maths.pk, term_number=1
    )
    row = next(r for r in sheet["rows"] if r["student"].pk == a1.pk)
    assert [c["text"] for c in row["cells"]] == ["8", "7,5", "9", "10", "6,5", "8"]
    assert row["average"] == "7,9"


def test_same_entries_twice_change_nothing_and_audit_once(district, teacher, maths, term1):
    a1 = district.student_a1
    save(teacher, district, maths, term1, grid(a1, **FULL))
    audits = AuditEvent.objects.filter(object_type="records.mark").count()
    again = save(teacher, district, maths, term1, grid(a1, **FULL))
    assert again.changed == 0
    assert AuditEvent.objects.filter(object_type="records.mark").count() == audits == 6


def test_correction_audits_old_and_new_values(district, teacher, maths, term1):
    a1 = district.student_a1
    save(teacher, district, maths, term1, grid(a1, tx1="8"))
    result = save(teacher, district, maths, term1, grid(a1, tx1="9,5", tx2=""))
    assert (result.updated, result.deleted) == (1, 0)
    event = AuditEvent.objects.filter(object_type="records.mark").order_by("-id").first()
    assert event.changes == {"value": ["8.0", "9.5"]}
    cleared = save(teacher, district, maths, term1, grid(a1, tx1=""))
    assert cleared.deleted == 1
    assert stored() == []


@pytest.mark.parametrize(
    ("cells", "code", "field"),
    [
        ({"tx1": "11"}, "records.mark.range", "tx1"),
        ({"tx1": "-1"}, "records.mark.invalid", "tx1"),
        ({"gk": "8.25"}, "records.mark.decimals", "gk"),
        ({"ck": "tám"}, "records.mark.invalid", "ck"),
        ({"tx5": "8"}, "records.marks.column", "tx5"),
    ],
    ids=["above-10", "negative", "two-decimals", "not-a-number", "no-such-column"],
)
def test_bad_cell_writes_nothing(district, teacher, maths, term1, cells, code, field):
    entries = grid(district.student_a2, tx1="7") + grid(district.student_a1, **cells)
    with pytest.raises(DomainErrors) as exc:
        save(teacher, district, maths, term1, entries)
    (item,) = exc.value.as_list()
    assert (item["code"], item["field"], item["row"]) == (code, field, 1)  # An is first
    assert "Nguyễn Văn An" in item["message"]
    assert stored() == []


def test_every_bad_cell_is_reported_at_once(district, teacher, maths, term1):
    entries = grid(district.student_a1, tx1="12", tx2="7") + grid(district.student_a2, gk="7,55")
    with pytest.raises(DomainErrors) as exc:
        save(teacher, district, maths, term1, entries)
    assert [(i["row"], i["field"]) for i in exc.value.as_list()] == [(1, "tx1"), (2, "gk")]
    assert stored() == []


def test_student_of_another_class_refused(district, teacher, maths, term1):
    entries = grid(district.student_a1, tx1="7") + grid(district.student_b1, tx1="7")
    with pytest.raises(DomainErrors) as exc:
        save(teacher, district, maths, term1, entries)
    assert [(i["code"], i["field"]) for i in exc.value.as_list()] == [
        ("records.marks.student", "student_id")
    ]
    assert stored() == []


def test_subject_the_teacher_does_not_teach_is_forbidden(district, teacher, maths, term1):
    literature = Subject.objects.get(code="ngu_van")
    with pytest.raises(Forbidden):
        save(teacher, district, literature, term1, grid(district.student_a1, tx1="7"))
    with pytest.raises(Forbidden):
        selectors.class_for_marks(
            actor=teacher, class_id=district.class_a.pk, subject_id=literature.pk
        )
    assert stored() == []


def test_class_outside_scope_is_not_found(district, maths):
    other = district.teacher_user(district.teacher_b)
    with pytest.raises(NotFound):
        selectors.class_for_marks(actor=other, class_id=district.class_a.pk, subject_id=maths.pk)


def test_comment_only_subject_takes_d_and_cd(district, teacher, term1):
    pe = Subject.objects.get(code="giao_duc_the_chat")
    services.subject_assign(
        actor=None, staff=district.teacher_a, subject=pe, class_group=district.class_a
    )
    a1 = district.student_a1
    save(teacher, district, pe, term1, grid(a1, tx1="Đ", tx2="đ", gk="CĐ", ck="Đạt"))
    assert SubjectResult.objects.get(student=a1, subject=pe, period=1).comment == "chua_dat"
    with pytest.raises(DomainErrors) as exc:
        save(teacher, district, pe, term1, grid(a1, tx1="8"))
    assert exc.value.as_list()[0]["code"] == "records.mark.comment"


def test_query_count_does_not_grow_with_the_class(district, teacher, maths, term1):
    for i in range(38):
        people_services.student_create(
            actor=None,
            data=person_data(f"Học Sinh {i:02d}"),
            school=district.school_a,
            school_year=district.year,
            class_group=district.class_a,
            start_date=district.year.start_date,
        )
    students = list(selectors.roster(district.class_a))
    assert len(students) == 40

    def sheet(offset):
        return [
            MarkEntry(s.pk, k, str((i + offset) % 10 + 1))
            for i, s in enumerate(students)
            for k in FULL
        ]

    with CaptureQueriesContext(connection) as first:
        save(teacher, district, maths, term1, sheet(0)[:6])
    with CaptureQueriesContext(connection) as full:
        save(teacher, district, maths, term1, sheet(1))
    assert Mark.objects.count() == 240
    assert len(full) <= len(first) + 2  # bulk writes, one audit append: not per student


def test_lock_workflow_and_change_after_lock(district, teacher, maths, term1):
    a1 = district.student_a1
    save(teacher, district, maths, term1, grid(a1, **FULL))
    principal = district.user(Role.PRINCIPAL, district.school_a)
    with pytest.raises(DomainError) as exc:
        services.term_approve(
            actor=principal, class_group=district.class_a, term=term1, as_role="principal"
        )
    assert exc.value.code == "records.lock.homeroom_first"
    # teacher_a is 6A1's homeroom teacher (District fixture)
    services.term_approve(
        actor=teacher, class_group=district.class_a, term=term1, as_role="homeroom"
    )
    with pytest.raises(Forbidden):
        services.term_approve(
            actor=teacher, class_group=district.class_a, term=term1, as_role="principal"
        )
    lock = services.term_approve(
        actor=principal, class_group=district.class_a, term=term1, as_role="principal"
    )
    assert lock.locked
    before = stored()
    with pytest.raises(Conflict) as exc:
        save(teacher, district, maths, term1, grid(a1, ck="9"))
    assert exc.value.code == "records.marks.locked"
    assert stored() == before
    # re-saving the unchanged grid of a locked term is harmless
    assert save(teacher, district, maths, term1, grid(a1, **FULL)).changed == 0
    with pytest.raises(DomainError) as exc:
        services.mark_change_request(
            actor=teacher,
            class_group=district.class_a,
            subject=maths,
            term=term1,
            student_id=a1.pk,
            kind="ck",
            text="9",
            reason=" ",
        )
    assert exc.value.code == "records.change.reason"
    change = services.mark_change_request(
        actor=teacher,
        class_group=district.class_a,
        subject=maths,
        term=term1,
        student_id=a1.pk,
        kind="ck",
        text="9",
        reason="Chấm phúc khảo",
    )
    assert stored() == before  # not applied until approved
    with pytest.raises(Forbidden):
        services.mark_change_decide(actor=teacher, change=change, approve=True)
    services.mark_change_decide(actor=principal, change=change, approve=True)
    assert Mark.objects.get(student=a1, kind="ck").value == Decimal("9.0")
    # (8 + 7.5 + 9 + 10 + 13 + 27) / 9 = 74.5 / 9 = 8.277… → 8.3
    assert SubjectResult.objects.get(student=a1, subject=maths, period=1).average == Decimal("8.3")
    event = AuditEvent.objects.filter(object_type="records.mark").order_by("-id").first()
    assert (event.changes["value"], event.reason) == (["8.0", "9.0"], "Chấm phúc khảo")
    assert MarkChangeRequest.objects.get().status == "approved"


def test_year_results_from_both_terms(district, teacher, term1):
    """Every compulsory subject complete in both terms: year averages, learning, conduct,
    status and title, all by the rules."""
    cls = district.class_a
    a1 = district.student_a1
    term2 = selectors.term_get(cls, 2)
    for cs in selectors.curriculum(6).filter(kind="compulsory"):
        services.subject_assign(
            actor=None, staff=district.teacher_a, subject=cs.subject, class_group=cls
        )
        lay = selectors.subject_layout(cls, cs.subject, 1)
        for term, value in ((term1, "9"), (term2, "9,5")):
            text = value if lay.scored else "Đ"
            save(
                teacher, district, cs.subject, term, [MarkEntry(a1.pk, k, text) for k in lay.kinds]
            )
    services.conduct_save(actor=teacher, class_group=cls, term=term1, levels={a1.pk: "kha"})
    services.conduct_save(actor=teacher, class_group=cls, term=term2, levels={a1.pk: "tot"})
    year = StudentResult.objects.get(student=a1, period=YEAR)
    # ĐTBmcn = (9.0 + 2·9.5) / 3 = 9.33… → 9.3 in every score subject
    assert set(
        SubjectResult.objects.filter(student=a1, period=YEAR, average__isnull=False).values_list(
            "average", flat=True
        )
    ) == {Decimal("9.3")}
    assert (year.learning, year.conduct, year.status, year.title, year.complete) == (
        "tot",
        "tot",
        "promoted",
        "excellent",
        True,
    )
    assert StudentResult.objects.get(student=district.student_a2, period=YEAR).complete is False


def test_guardian_reads_own_child_only(district, teacher, maths, term1, guardian):
    save(teacher, district, maths, term1, grid(district.student_a1, tx1="8"))
    data = selectors.student_marks(actor=guardian, student_id=district.student_a1.pk)
    toan = next(s for s in data["subjects"] if s["subject"].pk == maths.pk)
    assert toan["terms"][0]["marks"] == [("tx1", "8")]
    with pytest.raises(NotFound):
        selectors.student_marks(actor=guardian, student_id=district.student_a2.pk)
    with pytest.raises(NotFound):
        selectors.class_for_marks(actor=guardian, class_id=district.class_a.pk, subject_id=maths.pk)


def test_primary_periodic_tests_take_whole_numbers_and_ratings(district):
    """Circular 27/2020: grade 4 Toán has a mid-term and an end-of-term test (whole numbers
    1-10) and a rating T/H/C; no averages are computed."""
    cls = org_services.class_create(
        actor=None,
        school=district.school_a,
        school_year_code="2025-2026",
        name="4A",
        grade_number=4,
    )
    pupil = district.student("Lò Văn Páo", district.school_a, cls)
    maths = Subject.objects.get(code="toan")
    services.subject_assign(actor=None, staff=district.teacher_a, subject=maths, class_group=cls)
    teacher = district.teacher_user()
    term = selectors.term_get(cls, 1)
    assert selectors.subject_layout(cls, maths, 1).kinds == ("rating", "gk", "ck")
    with pytest.raises(DomainErrors) as exc:
        services.marks_save(
            actor=teacher,
            class_group=cls,
            subject=maths,
            term=term,
            entries=grid(pupil, gk="8,5", ck="0", rating="X"),
        )
    assert [(i["code"], i["field"]) for i in exc.value.as_list()] == [
        ("records.test_score.invalid", "gk"),
        ("records.test_score.range", "ck"),
        ("records.mark.comment", "rating"),
    ]
    services.marks_save(
        actor=teacher,
        class_group=cls,
        subject=maths,
        term=term,
        entries=grid(pupil, gk="8", ck="9", rating="T"),
    )
    assert stored() == [
        (pupil.pk, "ck", Decimal("9.0"), ""),
        (pupil.pk, "gk", Decimal("8.0"), ""),
        (pupil.pk, "rating", None, "htt"),
    ]
    # No average (Circular 27/2020): the term's result is the rating, with the test score.
    assert SubjectResult.objects.filter(student=pupil, subject=maths, period=1).values_list(
        "average", "comment", "complete"
    ).get() == (Decimal("9.0"), "htt", True)
