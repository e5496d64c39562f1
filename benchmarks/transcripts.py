"""Transcripts for one school: every student's digital transcript (học bạ số) for the year,
through the platform's services, on a fresh SQLite database.

Side A is the platform's path, one student at a time: `transcript_issue` (assemble the data from the
results summary tables, attendance and staff; render the PDF; the homeroom teacher's PAdES
signature; the row, its audit event and outbox event in one transaction) then
`transcript_countersign` (the principal's signature as an incremental update, saved and
audited). Side B, the baseline, does what any transcript must: assemble the same data and
render the same PDF, without signing or storing anything. Side A2 is the platform's path a
class at a time (`transcript_issue_class`, `transcript_countersign_many`: what a homeroom
teacher and the principal do at the end of the year; shared reads, one transaction each),
against B2, its baseline: the same shared reads and rendering, without signing or storing.
One process, so transcripts/s of CPU time is per core. Target: at least 20 signed
transcripts/s per core.

    .venv/bin/python benchmarks/transcripts.py --classes 8 --size 35

The school (grades 6-9, the given number of classes of the given size, a homeroom teacher
each, a principal, subject and year results for every student) is built first, outside the
timings, in a temporary folder that also holds the demo PKI (RSA-2048 signing keys in
PKCS#12 files, loaded once per process)."""

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
TMP = tempfile.TemporaryDirectory(prefix="edudx-bench-transcripts-")
os.environ["EDUDX_VAR_DIR"] = TMP.name
os.environ["EDUDX_DATABASE_URL"] = f"sqlite:///{TMP.name}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edudx.settings")

import django  # noqa: E402

django.setup()

from decimal import Decimal  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from edudx.accounts.models import Role, RoleAssignment, User  # noqa: E402
from edudx.org import services as org_services  # noqa: E402
from edudx.org.models import UnitKind  # noqa: E402
from edudx.people import services as people_services  # noqa: E402
from edudx.people.services import PersonData  # noqa: E402
from edudx.records.models import (  # noqa: E402
    YEAR,
    AssessedBy,
    CurriculumSubject,
    StudentResult,
    SubjectKind,
    SubjectResult,
    Transcript,
)
from edudx.records.transcripts import new_reference, transcript_pdf  # noqa: E402
from edudx.records.transcripts_data import (  # noqa: E402
    assemble,
    class_context,
    student_facts,
    transcript_data_for,
)
from edudx.records.transcripts_selectors import transcript_verify  # noqa: E402
from edudx.records.transcripts_services import (  # noqa: E402
    transcript_countersign,
    transcript_countersign_many,
    transcript_issue,
    transcript_issue_class,
    verify_url,
)

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "H'Nie"]
MIDDLE = ["Văn", "Thị", "Đức", "Ngọc", "Minh", "Thu"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hằng", "Khánh", "Linh", "Nhung", "Phúc", "Tuyết"]
LEVELS = ["tot", "kha", "dat"]


def name(i: int) -> str:
    return f"{FAMILY[i % 10]} {MIDDLE[(i // 10) % 6]} {GIVEN[(i // 60) % 10]}"


def user_for(person, role, unit, username):
    user = User.objects.create(username=username, person=person)
    RoleAssignment.objects.create(user=user, role=role, unit=unit)
    return user


def build(classes: int, size: int):
    """One lower-secondary school under a commune; `classes` classes over grades 6-9."""
    ministry = org_services.unit_create(
        actor=None, kind=UnitKind.MINISTRY, name="Bộ Giáo dục và Đào tạo"
    )
    province = org_services.unit_create(
        actor=None, kind=UnitKind.PROVINCE, name="Tỉnh Lâm Đồng", code="68", parent=ministry
    )
    commune = org_services.unit_create(
        actor=None, kind=UnitKind.COMMUNE, name="Xã Đắk Song", code="24733", parent=province
    )
    school = org_services.school_create(
        actor=None,
        name="Trường THCS Nguyễn Trãi",
        code="68000001",
        parent=commune,
        level="lower_secondary",
    ).unit
    year = org_services.school_year_create(
        actor=None, code="2025-2026", start_date=dt.date(2025, 9, 5), end_date=dt.date(2026, 5, 31)
    )
    head = people_services.staff_create(
        actor=None,
        data=PersonData(full_name="Lê Thị Hồng Nhung", date_of_birth=dt.date(1975, 2, 3), sex="F"),
        unit=school,
        kind="manager",
    )
    principal = user_for(head.person, Role.PRINCIPAL, school, "hieu_truong")
    now = timezone.now()
    work = []  # (student, homeroom user)
    serial = 0
    for c in range(classes):
        grade = 6 + c % 4
        cls = org_services.class_create(
            actor=None,
            school=school,
            school_year_code=year.code,
            name=f"{grade}A{c // 4 + 1}",
            grade_number=grade,
        )
        staff = people_services.staff_create(
            actor=None,
            data=PersonData(
                full_name=f"Trần Văn Bình {c + 1}", date_of_birth=dt.date(1985, 1, 1), sex="M"
            ),
            unit=school,
            kind="teacher",
        )
        people_services.teaching_assign(
            actor=None, staff=staff, class_group=cls, subject="", is_homeroom=True
        )
        teacher = user_for(staff.person, Role.TEACHER, school, f"gvcn{c + 1}")
        subjects = list(
            CurriculumSubject.objects.filter(
                grade=grade, kind=SubjectKind.COMPULSORY
            ).select_related("subject")
        )
        rows, results = [], []
        for _ in range(size):
            serial += 1
            student = people_services.student_create(
                actor=None,
                data=PersonData(
                    full_name=name(serial),
                    date_of_birth=dt.date(2020 - grade, 1 + serial % 12, 1 + serial % 28),
                    sex="MF"[serial % 2],
                ),
                school=school,
                school_year=year,
                class_group=cls,
                start_date=year.start_date,
            )
            work.append((student, teacher, cls))
            for k, cs in enumerate(subjects):
                for period in (1, 2, YEAR):
                    score = cs.subject.assessed_by == AssessedBy.SCORE
                    rows.append(
                        SubjectResult(
                            student=student,
                            class_group=cls,
                            school_year=year,
                            subject=cs.subject,
                            period=period,
                            average=Decimal(50 + (serial * 7 + k * 3 + period) % 50) / 10
                            if score
                            else None,
                            comment="" if score else "dat",
                            complete=True,
                            computed_at=now,
                        )
                    )
            results.extend(
                StudentResult(
                    student=student,
                    class_group=cls,
                    school_year=year,
                    period=period,
                    learning=LEVELS[(serial + period) % 3],
                    conduct=LEVELS[serial % 2],
                    status="PROMOTED" if period == YEAR else "",
                    title="GOOD" if period == YEAR and serial % 5 == 0 else "",
                    complete=True,
                    computed_at=now,
                )
                for period in (1, 2, YEAR)
            )
        SubjectResult.objects.bulk_create(rows)
        StudentResult.objects.bulk_create(results)
    return year, principal, work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classes", type=int, default=8)
    parser.add_argument("--size", type=int, default=35, help="students per class")
    parser.add_argument("--verify", type=int, default=30, help="transcripts to verify")
    args = parser.parse_args()

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    year, principal, work = build(args.classes, args.size)
    warm_student, warm_teacher, _cls = work.pop()
    print(
        f"setup: {len(work) + 1} students in {args.classes} classes, "
        f"{time.perf_counter() - t0:.1f}s (not timed)"
    )
    # Warm up: PKI and keys made and loaded, fonts registered, code paths imported.
    t = transcript_countersign(
        actor=principal,
        transcript=transcript_issue(actor=warm_teacher, student=warm_student, school_year=year)[0],
    )

    # B: assemble and render only.
    base_ms = []
    cpu0, w0 = time.process_time(), time.perf_counter()
    for student, _teacher, _cls in work:
        a = time.perf_counter()
        ref = new_reference()
        transcript_pdf(transcript_data_for(student, year, reference=ref), verify_url(ref))
        base_ms.append((time.perf_counter() - a) * 1000)
    base_wall, base_cpu = time.perf_counter() - w0, time.process_time() - cpu0

    # B2: the same, the reads shared by a class (class_context, student_facts).
    classes: dict = {}
    for student, teacher, cls in work:
        classes.setdefault(cls.pk, (cls, teacher, []))[2].append(student)
    cpu0, w0 = time.process_time(), time.perf_counter()
    for cls, _teacher, students in classes.values():
        ctx = class_context(cls, year)
        facts = student_facts([s.pk for s in students], year, ctx.terms)
        for student in students:
            ref = new_reference()
            transcript_pdf(
                assemble(ctx, student, facts[student.pk], reference=ref), verify_url(ref)
            )
    base2_wall, base2_cpu = time.perf_counter() - w0, time.process_time() - cpu0

    # A: issue (homeroom signature) and countersign (principal), stored and audited.
    issue_ms, counter_ms, issued = [], [], []
    cpu0, w0 = time.process_time(), time.perf_counter()
    for student, teacher, _cls in work:
        a = time.perf_counter()
        t, created = transcript_issue(actor=teacher, student=student, school_year=year)
        b = time.perf_counter()
        t = transcript_countersign(actor=principal, transcript=t)
        c = time.perf_counter()
        assert created
        issue_ms.append((b - a) * 1000)
        counter_ms.append((c - b) * 1000)
        issued.append(t.pk)  # not the object: a server keeps nothing between requests
        del t
    wall, cpu = time.perf_counter() - w0, time.process_time() - cpu0

    # A2: a class at a time (the homeroom teacher signs the class, the principal countersigns
    # it): the same students again, their transcripts of side A deleted first.
    Transcript.objects.filter(pk__in=issued).delete()
    cpu0, w0 = time.process_time(), time.perf_counter()
    batch_n = 0
    for cls, teacher, _students in classes.values():
        created = transcript_issue_class(actor=teacher, class_group=cls)
        batch_n += transcript_countersign_many(actor=principal, transcripts=created)
    batch_wall, batch_cpu = time.perf_counter() - w0, time.process_time() - cpu0
    assert batch_n == len(work), batch_n
    issued = list(
        Transcript.objects.filter(student__in=[w[0] for w in work]).values_list("pk", flat=True)
    )

    verify_ms = []
    pdfs = dict(Transcript.objects.filter(pk__in=issued).values_list("pk", "pdf"))
    for pk in issued[: args.verify]:
        a = time.perf_counter()
        check = transcript_verify(bytes(pdfs[pk]))
        verify_ms.append((time.perf_counter() - a) * 1000)
        assert check.result.authentic and check.matches_issued, check.result

    n, med = len(work), statistics.median
    size_kb = statistics.mean(len(p) for p in pdfs.values()) / 1024
    print(f"{n} transcripts for one school, one process")
    print(f"{'':44}{'transcripts/s (wall)':>22}{'(CPU, per core)':>17}")
    print(f"{'B: assemble + render (baseline)':44}{n / base_wall:>22.1f}{n / base_cpu:>17.1f}")
    print(f"{'A: issue + countersign (2 signatures, stored)':44}{n / wall:>22.1f}{n / cpu:>17.1f}")
    print(f"{'A / B':44}{base_wall / wall:>22.2f}{base_cpu / cpu:>17.2f}")
    b2, a2 = (
        "B2: assemble + render, a class at a time",
        "A2: issue + countersign, a class at a time",
    )
    print(f"{b2:44}{n / base2_wall:>22.1f}{n / base2_cpu:>17.1f}")
    print(f"{a2:44}{n / batch_wall:>22.1f}{n / batch_cpu:>17.1f}")
    print(f"{'A2 / B2':44}{base2_wall / batch_wall:>22.2f}{base2_cpu / batch_cpu:>17.2f}")
    print(
        f"median ms: assemble + render {med(base_ms):.1f}; issue {med(issue_ms):.1f}; "
        f"countersign {med(counter_ms):.1f}; verify an upload {med(verify_ms):.1f}; "
        f"signed file {size_kb:.0f} KB"
    )
    TMP.cleanup()


if __name__ == "__main__":
    main()
