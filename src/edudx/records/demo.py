"""Demo marks and results (called by `edudx demo`, see edudx.demo.extensions).

For every class of the current school year, both terms: secondary (Circular 22/2021) the
ĐĐGtx / ĐĐGgk / ĐĐGck columns `marks.layout` gives each subject (2, 3 or 4 regular marks by
periods per year; Đ / CĐ for comment-only subjects) and the homeroom teacher's conduct;
primary (Circular 27/2020) each subject's rating, the periodic test scores the circular sets
for the grade, and the qualities and competencies. Then `services.results_recompute` per
class, so the results, the student pages and the transcripts show real figures.

Deterministic: every value is a function of (seed, student, subject, term, column), not of
the order rows are made in. Fast: rows are written with plain multi-row statements
(PostgreSQL: COPY), without model instances; a district (~16,000 students, ~1.3 million
marks) takes about 20 s, most of it the results. The previous school year's classes get no
marks: its pupils have moved on to this year's classes, and results are per current roster."""

import datetime as dt
import json
import sqlite3
import time
import uuid
from collections import defaultdict

from django.db import connection
from django.utils import timezone

from edudx.accounts.models import User
from edudx.org.models import ClassGroup, Term
from edudx.people.models import Student, StudentStatus

from . import marks as marks_layout
from . import selectors, services
from .models import (
    AttendanceMark,
    AttendanceSession,
    AttendanceStatus,
    ConductRating,
    CurriculumSubject,
    Mark,
    QualityRating,
    SubjectKind,
)
from .services import QUALITY_CODES
from .sessions import AM


def _h(*parts: int) -> int:
    """A cheap deterministic hash of integers (Knuth multiplicative, mixed)."""
    x = 0x9E3779B1
    for p in parts:
        x = ((x ^ (p & 0xFFFFFFFF)) * 2654435761 + 0x7F4A7C15) & 0xFFFFFFFF
        x ^= x >> 15
    return x


def ability(seed: int, student: int) -> float:
    """A student's level, 4.5-10.0 (most around 7.3)."""
    a, b = _h(seed, student, 1) % 1000, _h(seed, student, 2) % 1000
    return 4.5 + 5.5 * (a + b) / 2000


def _noise(seed: int, *parts: int) -> float:
    return (_h(seed, *parts) % 41 - 20) / 10  # -2.0 … 2.0


def score_mark(seed: int, student: int, salt: int) -> str:
    """A secondary mark in half points, 0-10 (text, as stored)."""
    value = ability(seed, student) + _noise(seed, student, salt)
    halves = max(0, min(20, round(value * 2)))
    return f"{halves / 2:.1f}"


def test_score(seed: int, student: int, salt: int) -> int:
    """A primary periodic test score: a whole number 1-10 (Circular 27/2020, Art. 7(1)(d))."""
    return max(1, min(10, round(ability(seed, student) + 0.8 + _noise(seed, student, salt) / 2)))


def rating(seed: int, student: int, salt: int) -> str:
    value = ability(seed, student) + _noise(seed, student, salt) / 2
    return "htt" if value >= 7.0 else ("ht" if value >= 4.3 else "cht")


def competency(seed: int, student: int, salt: int) -> str:
    value = ability(seed, student) + _noise(seed, student, salt) / 2
    return "t" if value >= 6.6 else ("d" if value >= 4.3 else "c")


class _Writer:
    """Rows of one table, flushed in large multi-row statements or COPY."""

    def __init__(self, cur, table: str, columns: tuple[str, ...]):
        self.cur, self.table, self.columns = cur, table, columns
        self.rows: list[tuple] = []
        self.count = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= 20000:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        names = ", ".join(self.columns)
        if connection.vendor == "postgresql":
            with self.cur.cursor.copy(f"COPY {self.table} ({names}) FROM STDIN") as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["?"] * len(self.columns))
            sql = f"INSERT INTO {self.table} ({names}) VALUES ({marks})"  # noqa: S608
            # sqlite3's own executemany: Django's wrapper would rewrite every row's params.
            sqlite3.Cursor.executemany(self.cur.cursor, sql, self.rows)
        self.count += len(self.rows)
        self.rows = []


def generate(classes: list[ClassGroup], *, seed: int) -> dict[str, int]:
    """Write the marks, conduct and qualities of every current student of `classes` (both
    terms). Returns the number of rows per table."""
    now = timezone.now()
    terms: dict[int, dict[int, int]] = defaultdict(dict)
    for year_id, number, pk in Term.objects.filter(
        school_year_id__in={c.school_year_id for c in classes}
    ).values_list("school_year_id", "number", "id"):
        terms[year_id][number] = pk
    curriculum: dict[int, list] = defaultdict(list)
    for grade, sid, code, assessed, periods in CurriculumSubject.objects.filter(
        kind=SubjectKind.COMPULSORY
    ).values_list(
        "grade", "subject_id", "subject__code", "subject__assessed_by", "periods_per_year"
    ):
        curriculum[grade].append((sid, code, assessed, periods))
    by_class: dict[int, list[int]] = defaultdict(list)
    for pk, cls_id in Student.objects.filter(
        current_class__in=[c.pk for c in classes], status=StudentStatus.STUDYING
    ).values_list("id", "current_class_id"):
        by_class[cls_id].append(pk)
    serial = _h(seed, 27) << 64
    common = ("source_id", "created_at", "updated_at")
    with connection.cursor() as cur:
        stamp = connection.ops.adapt_datetimefield_value(now)
        mark_w = _Writer(
            cur,
            Mark._meta.db_table,
            (
                *common,
                "student_id",
                "class_group_id",
                "subject_id",
                "term_id",
                "kind",
                "value",
                "comment",
            ),
        )
        conduct_w = _Writer(
            cur,
            ConductRating._meta.db_table,
            (*common, "student_id", "class_group_id", "term_id", "level"),
        )
        quality_w = _Writer(
            cur,
            QualityRating._meta.db_table,
            (
                *common,
                "student_id",
                "class_group_id",
                "term_id",
                "checkpoint",
                "ratings",
                "outstanding",
                "class_recognised",
            ),
        )

        def uid() -> str:
            nonlocal serial
            serial += 1
            return str(uuid.UUID(int=serial))

        for cls in classes:
            if not cls.grade_id or cls.school_year_id not in terms:
                continue
            grade = cls.grade.number
            primary = grade in marks_layout.PRIMARY_GRADES
            year_terms = sorted(terms[cls.school_year_id].items())
            last = max(terms[cls.school_year_id])
            columns = [
                (number, term_id, sid, sid * 100 + number * 10 + k, col.kind, col.reader)
                for number, term_id in year_terms
                for sid, code, assessed, periods in curriculum.get(grade, ())
                for k, col in enumerate(
                    marks_layout.layout(
                        grade=grade,
                        subject_code=code,
                        assessed_by=assessed,
                        periods=periods,
                        term=number,
                    ).columns
                )
            ]
            # Student by student: the rows reach the (student, subject, term, kind) index
            # in nearly its order, which keeps SQLite's inserts cheap.
            for st in by_class.get(cls.pk, ()):
                for _number, term_id, sid, salt, kind, reader in columns:
                    value, comment = None, ""
                    if reader == "mark":
                        value = score_mark(seed, st, salt)
                    elif reader == "test_score":
                        value = f"{test_score(seed, st, salt)}.0"
                    elif reader == "rating":
                        comment = rating(seed, st, salt)
                    else:
                        comment = "chua_dat" if _h(seed, st, salt) % 80 == 0 else "dat"
                    mark_w.add(
                        (uid(), stamp, stamp, st, cls.pk, sid, term_id, kind, value, comment)
                    )
                for number, term_id in year_terms:
                    if primary:
                        ratings = {
                            c: competency(seed, st, number * 100 + i)
                            for i, c in enumerate(QUALITY_CODES)
                        }
                        flag = number == last and _h(seed, st, 99) % 5 == 0
                        quality_w.add(
                            (
                                uid(),
                                stamp,
                                stamp,
                                st,
                                cls.pk,
                                term_id,
                                "ck",
                                json.dumps(ratings),
                                flag,
                                flag,
                            )
                        )
                    else:
                        a = ability(seed, st) + _noise(seed, st, 500 + number)
                        level = (
                            "tot"
                            if a >= 6.5
                            else "kha"
                            if a >= 5.0
                            else "dat"
                            if a >= 3.5
                            else "chua_dat"
                        )
                        conduct_w.add((uid(), stamp, stamp, st, cls.pk, term_id, level))
        for w in (mark_w, conduct_w, quality_w):
            w.flush()
    return {"marks": mark_w.count, "conduct": conduct_w.count, "qualities": quality_w.count}


# The weeks of morning attendance the demo has taken: the four before the yearly report's
# date (monitoring: 10 December of the report year), so the operations centre's "schools
# managing on data" (T08) and the dropout-risk model's absences have something to count.
ATTENDANCE_FROM, ATTENDANCE_TO = dt.date(2025, 11, 17), dt.date(2025, 12, 10)
STREAK_DAYS = 3  # the weakest pupils' last mornings: a run of unexcused absences


def attendance(classes: list[ClassGroup], *, seed: int) -> dict[str, int]:
    """Morning attendance (buổi sáng) of every school day from ATTENDANCE_FROM to
    ATTENDANCE_TO for the classes whose school year covers them, except in about one school
    in ten (a school that does not take attendance on the platform yet). Absences: a pupil
    misses a morning now and then, the weaker more often and more often without leave;
    the weakest (about 1 in 150) miss the last STREAK_DAYS mornings without leave."""
    years = {
        c.school_year_id
        for c in classes
        if c.school_year.start_date <= ATTENDANCE_FROM and ATTENDANCE_TO <= c.school_year.end_date
    }
    taking = [c for c in classes if c.school_year_id in years and _h(seed, c.school_id, 77) % 10]
    span = (ATTENDANCE_TO - ATTENDANCE_FROM).days + 1
    days = [ATTENDANCE_FROM + dt.timedelta(n) for n in range(span)]
    days = [d for d in days if d.weekday() < 5]
    tz = timezone.get_default_timezone()
    sessions = AttendanceSession.objects.bulk_create(
        [
            AttendanceSession(
                class_group_id=c.pk,
                date=day,
                session=AM,
                taken_at=dt.datetime.combine(day, dt.time(7, 15), tzinfo=tz),
            )
            for c in taking
            for day in days
        ],
        batch_size=2000,
    )
    roster: dict[int, list[int]] = defaultdict(list)
    for pk, cls_id in Student.objects.filter(
        current_class__in=[c.pk for c in taking], status=StudentStatus.STUDYING
    ).values_list("id", "current_class_id"):
        roster[cls_id].append(pk)
    last = set(days[-STREAK_DAYS:])
    marks = []
    for row in sessions:
        n = row.date.toordinal()
        for student in roster[row.class_group_id]:
            level = ability(seed, student)
            if level < 4.8 and row.date in last:
                status = AttendanceStatus.UNEXCUSED
            elif _h(seed, student, n, 91) % 10_000 < 50 + 120 * max(0.0, 7.5 - level):
                weak = level < 6.0
                excused = _h(seed, student, n, 92) % 10 >= (7 if weak else 3)
                status = AttendanceStatus.EXCUSED if excused else AttendanceStatus.UNEXCUSED
            else:
                continue
            marks.append(AttendanceMark(session_id=row.pk, student_id=student, status=status))
    AttendanceMark.objects.bulk_create(marks, batch_size=5000)
    return {"sessions": len(sessions), "absences": len(marks)}


def build_demo(summary, users, *, seed: int, log=print) -> None:
    """Marks, conduct, qualities and results for the current school year's classes."""
    if summary.scale == "province":
        # ~300,000 students: the benchmarks (benchmarks/year_end.py) write their own marks.
        log("Điểm mẫu: bỏ qua ở quy mô tỉnh (benchmarks/year_end.py tự tạo điểm).")
        return
    t0, c0 = time.monotonic(), time.process_time()
    latest = (
        ClassGroup.objects.order_by("-school_year__start_date").values("school_year_id").first()
    )
    if latest is None:
        return
    classes = list(
        ClassGroup.objects.filter(school_year_id=latest["school_year_id"], grade__isnull=False)
        .select_related("grade")
        .order_by("id")
    )
    counts = generate(classes, seed=seed)
    # Attendance in every class, preschool ones (no grade, no marks) included.
    taken = attendance(
        list(
            ClassGroup.objects.filter(school_year_id=latest["school_year_id"])
            .select_related("school_year")
            .order_by("id")
        ),
        seed=seed,
    )
    t1 = time.monotonic()
    for i in range(0, len(classes), 40):
        services.results_recompute_many(classes[i : i + 40])
    log(
        f"Điểm mẫu: {counts['marks']:,} điểm, {counts['conduct']:,} đánh giá rèn luyện, "
        f"{counts['qualities']:,} đánh giá phẩm chất, năng lực, {taken['sessions']:,} buổi "
        f"điểm danh với {taken['absences']:,} lượt vắng ({t1 - t0:.1f}s); "
        f"kết quả {len(classes)} lớp ({time.monotonic() - t1:.1f}s; CPU tổng "
        f"{time.process_time() - c0:.1f}s)."
    )
    _locked_term_with_request(users, log)


def _locked_term_with_request(users, log) -> None:
    """The demo school's homeroom class (gvcn's) has term I approved and locked, and the
    maths teacher (giao_vien) has asked to change one final mark after a re-marking, so the
    principal's home page shows a request waiting and the lock workflow can be tried."""
    # Fresh objects: a user's scope is cached, and may predate the teaching assignments.
    by_name = {u.username: u for u in User.objects.filter(pk__in=[u.pk for u in users])}
    homeroom, teacher = by_name.get("gvcn"), by_name.get("giao_vien")
    principal = by_name.get("hieu_truong")
    if not (homeroom and teacher and principal and homeroom.scope.homeroom_class_ids):
        return
    cls = ClassGroup.objects.select_related("school").get(pk=min(homeroom.scope.homeroom_class_ids))
    subjects = selectors.teacher_subjects(actor=teacher, class_id=cls.pk)
    if not subjects:
        return
    subject, term = subjects[0], selectors.term_get(cls, 1)
    services.term_approve(actor=homeroom, class_group=cls, term=term, as_role="homeroom")
    services.term_approve(actor=principal, class_group=cls, term=term, as_role="principal")
    mark = (
        Mark.objects.filter(class_group=cls, subject=subject, term=term, kind="ck")
        .exclude(value=None)
        .order_by("value", "student__search_name", "student_id")
        .first()
    )
    if mark is None:
        return
    services.mark_change_request(
        actor=teacher,
        class_group=cls,
        subject=subject,
        term=term,
        student_id=mark.student_id,
        kind="ck",
        text=marks_layout.shown(min(mark.value + 1, 10), ""),
        reason="Phúc khảo bài kiểm tra cuối học kỳ I: chấm lại được thêm 1 điểm",
    )
    log(f"Điểm mẫu: lớp {cls.name} đã khoá học kỳ I; 1 đề nghị sửa điểm chờ hiệu trưởng duyệt.")
