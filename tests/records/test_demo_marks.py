"""Demo marks (records/demo.py) at the tiny scale: deterministic, complete, with results;
`results_recompute_many` writes exactly what `results_recompute` writes class by class."""

from collections import Counter

import pytest
from django.db import connection, transaction
from django.utils import timezone

from edudx.org.models import ClassGroup
from edudx.people.models import Student, StudentStatus
from edudx.records import demo, rules, services
from edudx.records.models import (
    YEAR,
    ConductRating,
    Mark,
    QualityRating,
    StudentResult,
    Subject,
    SubjectResult,
)

pytestmark = pytest.mark.django_db


def marks_snapshot():
    return list(
        Mark.objects.order_by("student_id", "subject_id", "term_id", "kind").values_list(
            "student_id", "subject_id", "term_id", "kind", "value", "comment"
        )
    )


def results_snapshot():
    return (
        sorted(
            SubjectResult.objects.values_list(
                "student_id",
                "subject_id",
                "period",
                "average",
                "comment",
                "complete",
                "class_group_id",
            )
        ),
        sorted(
            StudentResult.objects.values_list(
                "student_id",
                "period",
                "learning",
                "learning_adjusted_for",
                "conduct",
                "absences",
                "status",
                "title",
                "complete",
                "class_group_id",
            )  # fmt: skip
        ),
    )


@pytest.fixture
def tiny(tiny_demo, db):
    """The tiny demo, built once for this module (tests/conftest.py)."""
    return tiny_demo


def test_tiny_demo_has_marks_and_results(tiny):
    assert "Điểm mẫu: 3,010 điểm, 40 đánh giá rèn luyện, 50 đánh giá phẩm chất" in tiny
    graded = Student.objects.filter(
        status=StudentStatus.STUDYING, current_class__grade__isnull=False
    )
    year = StudentResult.objects.filter(period=YEAR)
    # Every pupil and student of a graded class has a complete year result.
    assert year.filter(complete=True).count() == graded.count() == 45
    primary = {r.code for r in rules.YearResult}
    secondary = {lv.code for lv in rules.Level}
    learning = Counter(year.values_list("learning", flat=True))
    assert set(learning) <= primary | secondary
    assert set(learning) & primary and set(learning) & secondary
    assert ConductRating.objects.count() == 40  # 20 secondary students × 2 terms
    assert QualityRating.objects.count() == 50  # 25 pupils × 2 terms
    # Circular 22 counts: Toán (140 periods a year) has 4 ĐĐGtx, GK and CK each term.
    toan = Mark.objects.filter(subject__code="toan", class_group__grade__number=6)
    per_student = Counter(toan.values_list("student_id", "term_id"))
    assert set(per_student.values()) == {6}
    # Circular 27: a grade 1 pupil has no mid-term tests; whole-number test scores.
    grade1 = Mark.objects.filter(class_group__grade__number=1)
    assert not grade1.filter(kind="gk").exists()
    assert all(v == int(v) for v in grade1.filter(kind="ck").values_list("value", flat=True))


def test_demo_marks_are_deterministic(tiny):
    first = marks_snapshot()
    classes = list(
        ClassGroup.objects.filter(grade__isnull=False, school_year__code="2025-2026")
        .select_related("grade")
        .order_by("id")
    )
    with transaction.atomic():
        Mark.objects.all().delete()
        ConductRating.objects.all().delete()
        QualityRating.objects.all().delete()
        demo.generate(classes, seed=2025)
        assert marks_snapshot() == first
        for model in (Mark, ConductRating, QualityRating):
            model.objects.all().delete()
        demo.generate(classes, seed=7)
        assert marks_snapshot() != first
        transaction.set_rollback(True)


def test_recompute_many_equals_class_by_class(tiny):
    many = results_snapshot()
    assert len(many[0]) > 1000
    SubjectResult.objects.all().delete()
    StudentResult.objects.all().delete()
    for cls in ClassGroup.objects.filter(school_year__code="2025-2026").select_related("grade"):
        services.results_recompute(class_group=cls)
    assert results_snapshot() == many
    classes = list(ClassGroup.objects.select_related("grade"))
    assert services.results_recompute_many(classes) == 0  # nothing changed, nothing written


def test_recompute_updates_and_deletes_rows_by_their_natural_key(tiny):
    """After one mark changes only the rows that differ are rewritten; a row the rules no
    longer give (a subject taken out of the grade's curriculum) goes; either way the tables
    equal a computation from empty ones."""
    cls = ClassGroup.objects.get(school_year__code="2025-2026", grade__number=6)
    student = Student.objects.filter(current_class=cls).order_by("id").first()
    before = results_snapshot()
    mark = Mark.objects.get(student=student, subject__code="toan", kind="ck", term__number=2)
    mark.value = 0 if mark.value >= 5 else 10
    mark.save(update_fields=["value"])
    written = services.results_recompute(class_group=cls)
    after = results_snapshot()
    # rows whose values changed (the keys are the same before and after)
    differing = sum(len(set(a) - set(b)) for a, b in zip(after, before, strict=True))
    assert written == differing >= 2  # Toán's term II and year averages at least
    stale = SubjectResult.objects.create(
        student=student,
        school_year=cls.school_year,
        period=YEAR,
        subject=Subject.objects.get(code="tieng_viet"),
        class_group=cls,
        comment="htt",
        complete=True,
        computed_at=timezone.now(),
    )
    assert services.results_recompute(class_group=cls) == 1
    assert not SubjectResult.objects.filter(pk=stale.pk).exists()
    assert results_snapshot() == after
    SubjectResult.objects.all().delete()
    StudentResult.objects.all().delete()
    services.results_recompute_many(list(ClassGroup.objects.select_related("grade")))
    assert results_snapshot() == after


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL planner settings (none on SQLite)"
)
def test_recompute_reads_by_key_and_restores_the_planner_settings(tiny):
    """Inside the recompute no read is a sequential or parallel scan; afterwards the
    transaction has its own settings back."""
    cls = ClassGroup.objects.get(school_year__code="2025-2026", grade__number=6)
    seen = []

    def record(execute, sql, params, many, context):
        with connection.cursor().cursor.connection.cursor() as cur:
            cur.execute("SELECT current_setting('enable_seqscan')")
            seen.append(cur.fetchone()[0])
        return execute(sql, params, many, context)

    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SET LOCAL max_parallel_workers_per_gather = 3")
        with connection.execute_wrapper(record):
            services.results_recompute(class_group=cls)
        with connection.cursor() as cur:
            cur.execute(
                "SELECT current_setting('enable_seqscan'), "
                "current_setting('max_parallel_workers_per_gather')"
            )
            assert cur.fetchone() == ("on", "3")
    assert seen.count("off") >= 5  # the reads of the roster, marks, conduct, results


def test_copy_lines_escape_text_and_write_null_and_booleans():
    """The COPY text lines the year end writes on PostgreSQL (services._sync)."""
    stamp = "2026-11-29T07:00:00+00:00"
    line = services._subject_copy_line((1, 2, 0, None, "a\tb\\c\nd", True, 3, 4, None), stamp)
    assert line == f"1\t2\t0\t\\N\ta\\tb\\\\c\\nd\tt\t3\t4\t{stamp}\n"
    line = services._subject_copy_line(
        (1, 2, 1, rules.mark_from_tenths(83), "", False, 3, 4, 0), stamp
    )
    assert line == f"1\t2\t1\t8.3\t\tf\t3\t4\t{stamp}\n"
    row = (5, 0, "kha", "toan", "tot", 46, "summer_training", "", True, 7, 8, None)
    assert services._student_copy_line(row, stamp) == (
        f"5\t0\tkha\ttoan\ttot\t46\tsummer_training\t\tt\t7\t8\t{stamp}\n"
    )
