"""Demo public services: the catalogue, an open grade-1 round for the demo commune (zones
and quotas for its primary schools), and dossiers in several states for `cong_dan` and
`phu_huynh`, handled by `phong_gddt` (the commune officer) and `hieu_truong`."""

import datetime as dt
import random

from django.utils import timezone

from edudx.org import services as org_services
from edudx.org.models import OrgUnit, School, SchoolLevel, SchoolYear, UnitKind
from edudx.people.models import GuardianLink

from . import admissions, services
from .catalogue import catalogue_load
from .models import Procedure

PDF = b"%PDF-1.4\n% EduDX demo attachment\n%%EOF\n"


def _upload(actor, kind: str) -> str:
    a = services.attachment_upload(
        actor=actor, kind=kind, filename=f"{kind}.pdf", data=PDF, claimed_type="application/pdf"
    )
    return str(a.token)


def _next_year(today: dt.date) -> SchoolYear:
    start_year = today.year if today.month < 9 else today.year + 1
    return org_services.school_year_create(
        actor=None,
        code=f"{start_year}-{start_year + 1}",
        start_date=dt.date(start_year, 9, 5),
        end_date=dt.date(start_year + 1, 5, 31),
    )


def build_demo(summary, users, *, seed: int, log=print) -> None:
    catalogue_load()
    by_name = {u.username: u for u in users}
    officer = by_name.get("phong_gddt")
    citizen = by_name.get("cong_dan")
    parent = by_name.get("phu_huynh")
    principal = by_name.get("hieu_truong")
    if officer is None or citizen is None:
        return
    rng = random.Random(seed)  # noqa: S311 — deterministic demo data, not a secret
    commune = officer.role_assignments.select_related("unit").first().unit
    proc = {p.code: p for p in Procedure.objects.all()}

    # An open grade-1 round organised by the demo commune: the primary schools of the
    # province (at most six), each zoned on its own commune; the demo commune is zoned on
    # the first school when it has no primary school of its own.
    province = services.ancestor_of_kind(commune, UnitKind.PROVINCE)
    primaries = [
        s.unit
        for s in School.objects.filter(
            level=SchoolLevel.PRIMARY,
            unit__valid_to__isnull=True,
            unit__path__startswith=(province or commune).path,
        )
        .select_related("unit")
        .order_by("unit__code")[:6]
    ]
    zones = [(s, services.ancestor_of_kind(s, UnitKind.COMMUNE), "") for s in primaries]
    zones = [z for z in zones if z[1] is not None]
    if primaries and not any(c == commune for _s, c, _v in zones):
        zones.append((primaries[0], commune, ""))
    # The round is open now, as a commune would set it: from 07:30 yesterday to 17:00 in
    # two weeks (office hours, not the minute the demo was built).
    today, tz = timezone.localdate(), timezone.get_current_timezone()
    opens_at = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(7, 30), tzinfo=tz)
    closes_at = dt.datetime.combine(today + dt.timedelta(days=14), dt.time(17, 0), tzinfo=tz)
    if primaries:
        r = admissions.round_create(
            actor=None,
            procedure=proc["admission_grade1"],
            unit=commune,
            school_year=_next_year(today),
            name=f"Tuyển sinh lớp 1 — {commune.name}",
            opens_at=opens_at,
            closes_at=closes_at,
            seed=f"demo-{seed}-{rng.randrange(10**6):06d}",
            schools=[(s, 70) for s in primaries],
            zones=zones,
            # Schools of one commune share its zone (a free place at any of them).
            allow_overlaps=True,
        )
        log(f"Tuyển sinh: {r.name}, {len(primaries)} trường.")

    # Citizen dossiers in several states (diploma copy is full service: a signed result).
    def copy_dossier(name: str) -> object:
        return services.dossier_create(
            actor=citizen,
            procedure=proc["diploma_copy"],
            raw={
                "applicant_name": citizen.person.full_name if citizen.person else "Công dân",
                "phone": (citizen.person.phone if citizen.person else "") or "0912345678",
                "holder_name": name,
                "holder_birth_date": "12/03/2005",
                "certificate_type": "Bằng tốt nghiệp THCS",
                "graduation_year": "2020",
                "copies": "1",
            },
            attachments=[_upload(citizen, "id_document")],
            unit_id=commune.pk,
        )

    def step(d, action, comment, actor=officer):
        return services.dossier_transition(actor=actor, dossier=d, action=action, comment=comment)

    done = copy_dossier("Trần Thị Thanh Hương")
    for action, comment in [
        ("receive", "Hồ sơ đầy đủ"),
        ("process", "Đối chiếu sổ gốc"),
        ("approve", "Đúng sổ gốc"),
        ("return_result", "Trả bản sao điện tử"),
    ]:
        done = step(done, action, comment)
    services.dossier_rate(actor=citizen, dossier=done, score=5, comment="Nhanh, không phải đi lại")
    waiting = copy_dossier("Trần Văn Tú")
    step(step(waiting, "receive", "Đã tiếp nhận"), "request_supplement", "Bổ sung CCCD bản rõ nét")
    step(copy_dossier("Nguyễn Thị Lan"), "receive", "Đã tiếp nhận")
    copy_dossier("Lê Văn Minh")

    # A parent asks to move one child to another lower-secondary school of the district.
    link = (
        GuardianLink.objects.filter(guardian_id=getattr(parent, "person_id", None))
        .select_related("student__person", "student__current_school")
        .order_by("student_id")
        .first()
    )
    if link is not None and link.student.current_school is not None:
        student = link.student
        level = School.objects.filter(unit=student.current_school).values_list("level", flat=True)
        province = services.ancestor_of_kind(student.current_school, UnitKind.PROVINCE)
        other = (
            OrgUnit.objects.filter(
                kind=UnitKind.SCHOOL,
                valid_to__isnull=True,
                school__level=level.first(),
                path__startswith=province.path[:7] if province else "",
            )
            .exclude(pk=student.current_school_id)
            .order_by("code")
            .first()
        )
        code = {
            SchoolLevel.PRIMARY: "transfer_primary",
            SchoolLevel.LOWER_SECONDARY: "transfer_lower_secondary",
        }.get(level.first())
        if other is not None and code:
            d = services.dossier_create(
                actor=parent,
                procedure=proc[code],
                raw={
                    "applicant_name": parent.person.full_name,
                    "phone": parent.person.phone or "0987000111",
                    "student_personal_id": student.person.personal_id,
                    "student_name": student.person.full_name,
                    "date_of_birth": student.person.date_of_birth.isoformat(),
                    "to_school": str(other.pk),
                    "reason": "Gia đình chuyển nơi ở",
                },
                attachments=[_upload(parent, "request_letter")],
            )
            if principal is not None and services.covers(officer, d.unit):
                step(step(d, "receive", "Đã tiếp nhận"), "process", "Chuyển hai trường")
            log(f"Chuyển trường: {d.code} ({student.current_school.name} → {other.name}).")
    log("Dịch vụ công: danh mục thủ tục, hồ sơ mẫu, đợt tuyển sinh lớp 1.")
