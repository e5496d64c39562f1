"""Demo logins: one user per role, with a known password and, for staff roles, a confirmed
TOTP device whose key is derived from the username (so an authenticator app set up once keeps
working after a rebuild) plus a few static backup codes.

This is a DEMO: the password and the TOTP keys are public. Never run `edudx demo` against a
database that real people use."""

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from edudx.accounts.models import STAFF_ROLES, Role, User
from edudx.accounts.services import role_grant
from edudx.core.validators import personal_id_digit
from edudx.org.models import OrgUnit, School, SchoolLevel, UnitKind
from edudx.people import services as people_services
from edudx.people.models import GuardianLink, StaffMember, Student, TeachingAssignment

DEMO_PASSWORD = "edudx-demo-2025"  # noqa: S105 — public, demo only
BACKUP_CODES = 5


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    sees: str  # what the user sees, for the printed table


# Accounts of the offices have no Person in the demo (the district's people are its schools'
# staff, students and guardians): a display name, so pages greet and credit someone.
OFFICE_NAMES = {
    "admin": "Quản trị hệ thống",
    "so_gddt": "Nguyễn Thị Thu Hà",
    "phong_gddt": "Trần Văn Minh",
}

DEMO_LOGINS = [
    DemoLogin("admin", Role.SYSTEM_ADMIN, "Toàn hệ thống (quản trị, Bộ GDĐT)"),
    DemoLogin("so_gddt", Role.PROVINCE_OFFICER, "Mọi trường thuộc tỉnh Lâm Đồng (cây mới)"),
    DemoLogin("phong_gddt", Role.COMMUNE_OFFICER, "Các trường thuộc một xã mới"),
    DemoLogin("hieu_truong", Role.PRINCIPAL, "Toàn bộ một trường THCS"),
    DemoLogin("van_thu", Role.CLERK, "Hồ sơ của cùng trường THCS"),
    DemoLogin("giao_vien", Role.TEACHER, "Các lớp mình dạy bộ môn"),
    DemoLogin("gvcn", Role.HOMEROOM_TEACHER, "Lớp chủ nhiệm và các lớp mình dạy"),
    DemoLogin("hoc_sinh", Role.STUDENT, "Hồ sơ của chính mình"),
    DemoLogin("phu_huynh", Role.GUARDIAN, "Hai con của mình"),
    DemoLogin("cong_dan", Role.CITIZEN, "Hồ sơ dịch vụ công của mình"),
]


def totp_key(username: str) -> str:
    """A fixed 20-byte TOTP key (hex) per demo username."""
    return hashlib.sha1(f"edudx-demo-totp:{username}".encode()).hexdigest()  # noqa: S324


def backup_codes(username: str) -> list[str]:
    return [
        hashlib.sha256(f"edudx-demo-backup:{username}:{i}".encode()).hexdigest()[:8]
        for i in range(BACKUP_CODES)
    ]


def _demo_school() -> OrgUnit:
    """The first lower-secondary school of Đắk Song (school codes 67665…)."""
    school = (
        School.objects.filter(
            level=SchoolLevel.LOWER_SECONDARY,
            unit__valid_to__isnull=True,
            unit__code__startswith="67665",
        )
        .select_related("unit")
        .order_by("unit__code")
        .first()
    )
    return school.unit


def _targets(summary=None) -> dict[str, tuple[OrgUnit | None, object]]:
    """username → (unit of the role, person to link)."""
    ministry = OrgUnit.objects.get(kind=UnitKind.MINISTRY, parent__isnull=True)
    province = OrgUnit.objects.get(kind=UnitKind.PROVINCE, code="68", valid_to__isnull=True)
    school = _demo_school()
    commune = school.parent
    staff = StaffMember.objects.filter(unit=school).select_related("person").order_by("id")
    principal = staff.filter(position="Hiệu trưởng").first()
    clerk = staff.filter(position="Văn thư").first()
    homeroom = (
        TeachingAssignment.objects.filter(class_group__school=school, is_homeroom=True)
        .select_related("staff__person", "class_group")
        .order_by("staff_id", "class_group_id")
        .first()
    )
    homeroom_ids = TeachingAssignment.objects.filter(
        class_group__school=school, is_homeroom=True
    ).values("staff_id")
    teacher = (
        staff.filter(kind="teacher", assignments__isnull=False)
        .exclude(pk__in=homeroom_ids)
        .distinct()
        .first()
    )
    student = (
        Student.objects.filter(current_class=homeroom.class_group)
        .select_related("person")
        .order_by("id")
        .first()
    )
    two = (
        GuardianLink.objects.values("guardian_id")
        .annotate(n=Count("student_id"))
        .filter(n=2)
        .values("guardian_id")
    )
    parent_link = (
        GuardianLink.objects.filter(guardian_id__in=two, student__current_school=school)
        .order_by("guardian_id")
        .first()
    ) or GuardianLink.objects.filter(guardian_id__in=two).order_by("guardian_id").first()
    return {
        "admin": (ministry, None),
        "so_gddt": (province, None),
        "phong_gddt": (commune, None),
        "hieu_truong": (school, principal.person if principal else None),
        "van_thu": (school, clerk.person if clerk else None),
        "giao_vien": (school, teacher.person if teacher else None),
        "gvcn": (school, homeroom.staff.person),
        "hoc_sinh": (school, student.person if student else None),
        "phu_huynh": (None, parent_link.guardian if parent_link else None),
        "cong_dan": (None, _citizen(commune)),
    }


def _citizen(commune: OrgUnit):
    dob = dt.date(1990, 3, 12)
    return people_services.person_create(
        actor=None,
        data=people_services.PersonData(
            full_name="Trần Thị Thanh Hương",
            date_of_birth=dob,
            sex="F",
            commune_id=commune.pk,
            address=f"Thôn 2, {commune.name}",
            personal_id=f"067{personal_id_digit(dob.year, 'F')}90999001",
            phone="0912345678",
        ),
        reason="Dữ liệu mẫu (demo)",
    )


def create_demo_users(summary=None) -> list[User]:
    """Create the demo users (after the demo data). Idempotent: existing ones are kept."""
    users = []
    # One Argon2 hash for every demo user (same public password): ~0.3 s instead of ~3 s.
    encoded = make_password(DEMO_PASSWORD)
    with transaction.atomic():
        targets = _targets(summary)
        for login in DEMO_LOGINS:
            if User.objects.filter(username=login.username).exists():
                users.append(User.objects.get(username=login.username))
                continue
            unit, person = targets[login.username]
            user = User(
                username=login.username,
                person=person,
                first_name="" if person else OFFICE_NAMES.get(login.username, ""),
                language="vi",
                password=encoded,
            )
            user.save()
            role_grant(actor=None, user=user, role=login.role, unit=unit)
            if login.role in STAFF_ROLES:
                TOTPDevice.objects.create(
                    user=user, name="EduDX demo", key=totp_key(login.username), confirmed=True
                )
                static = StaticDevice.objects.create(
                    user=user, name="EduDX demo backup", confirmed=True
                )
                StaticToken.objects.bulk_create(
                    StaticToken(device=static, token=code) for code in backup_codes(login.username)
                )
            users.append(user)
    return users


@dataclass
class LoginRow:
    role: str
    username: str
    password: str
    unit: str
    sees: str
    totp_secret: str = ""
    totp_now: str = ""
    backup_codes: tuple[str, ...] = ()


def login_rows() -> list[LoginRow]:
    from edudx.people.selectors import student_list  # noqa: PLC0415

    rows = []
    for login in DEMO_LOGINS:
        user = User.objects.filter(username=login.username).first()
        if user is None:
            continue
        ra = user.role_assignments.select_related("unit").first()
        unit = ra.unit.name if ra and ra.unit else "—"
        sees = login.sees
        if login.role != Role.CITIZEN:
            sees += f" — {student_list(actor=user).count():,} học sinh".replace(",", ".")
        row = LoginRow(Role(login.role).label, user.username, DEMO_PASSWORD, unit, sees)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            row.totp_secret = base64.b32encode(device.bin_key).decode().rstrip("=")
            row.totp_now = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
            row.backup_codes = tuple(
                StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
            )
        rows.append(row)
    return rows
