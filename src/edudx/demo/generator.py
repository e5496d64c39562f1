"""The demo district: Đắk Song (Đắk Nông) before and after the 1 July 2025 reform.

Deterministic: every name, ID, date and size is drawn from `random.Random` streams seeded
from one integer, so two runs with the same seed and scale produce the same rows (database
ids and `source_id` UUIDs aside).

The tree
--------
Bộ GDĐT → Tỉnh Đắk Nông (67, until 2025-07-01) → Sở GDĐT Đắk Nông; Huyện Đắk Song (665,
until 2025-07-01) → Phòng GDĐT Đắk Song and nine communes → schools. On 2025-07-01 (Resolution
202/2025/QH15 merged Đắk Nông into Lâm Đồng; the district level was abolished) Tỉnh Lâm Đồng
(68) and four new communes are created, every school is re-parented under its new commune with
`org.services.unit_reparent(effective=2025-07-01)`, and the old communes, the Phòng, the
district, the Sở and Đắk Nông are dissolved with `org.services.unit_dissolve`. So
`org.selectors.as_of(date(2025, 6, 30))` shows the old tree and `as_of(date(2025, 7, 1))` the
new one.

Codes: province 67 / 68 and district 665 are the official GSO codes. The commune codes of
the nine old communes follow the GSO numbering of Đắk Song (247xx) as far as we know it, and
all other commune codes (the new communes, the other districts of the province scale) are
ILLUSTRATIVE, not official. School codes are illustrative 8-digit codes "67" + district
code + serial (MOET codes keep the old province prefix after the merger). Names of people are
synthetic; any resemblance to a real person is coincidence.

Scales
------
* ``tiny``: two communes, three schools, 60 students (tests).
* ``district``: the nine communes, 45 schools, ~16,000 students, ~1,000 staff (``make demo``).
* ``province``: the district plus the seven other districts of Đắk Nông (~300,000 students,
  for benchmarks). Only Đắk Song's commune mergers are modelled; at the reform the other
  districts' communes move unchanged under Lâm Đồng (illustrative).

Writes
------
The organisation tree, school years and classes go through ``org.services`` (paths, history
and audit as in production). People are synthetic bulk data, written with ``bulk_create`` in
one batch per school and table, with the same derived fields ``people.services.student_create``
sets (``search_name``, ``current_school``, ``current_class``, an open enrolment). The audit
trail gets one summary entry per table per school batch (not one per row), reason
"Dữ liệu mẫu (demo)"; one outbox event ``demo.generated`` is emitted at the end."""

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from edudx.audit.services import Entry, audit_record_many
from edudx.core import events
from edudx.core.text import fold
from edudx.core.validators import personal_id_digit
from edudx.org import services as org
from edudx.org.models import School, SchoolLevel, UnitKind
from edudx.people.models import (
    Enrolment,
    EnrolmentStatus,
    GuardianLink,
    Person,
    Relationship,
    StaffKind,
    StaffMember,
    Student,
    TeachingAssignment,
)

from . import names as N

DEFAULT_SEED = 2025
REFORM = dt.date(2025, 7, 1)
PREVIOUS_YEAR = ("2024-2025", dt.date(2024, 9, 5), dt.date(2025, 5, 31))
CURRENT_YEAR = ("2025-2026", dt.date(2025, 9, 5), dt.date(2026, 5, 31))
DEMO_REASON = "Dữ liệu mẫu (demo)"
REFORM_REASON = "Sắp xếp đơn vị hành chính từ 01/07/2025 (Nghị quyết 202/2025/QH15)"
BATCH = 500

MN, TH, THCS = SchoolLevel.PRESCHOOL, SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY
LEVEL_PREFIX = {MN: "Trường Mầm non", TH: "Trường Tiểu học", THCS: "Trường THCS"}
# Preschool age groups of the 2025-2026 year: name and birth year.
PRESCHOOL_GROUPS = [("Mầm", 2022), ("Chồi", 2021), ("Lá", 2020)]

# ---------------------------------------------------------------------------------------
# Places


@dataclass(frozen=True)
class CommuneDef:
    key: str
    code: str
    name: str
    minority: float  # share of minority families
    schools: tuple[int, int, int]  # preschool, primary, lower secondary
    centre: tuple[float, float]


# The nine communes/towns of Đắk Song before 2025-07-01.
DAK_SONG_COMMUNES = [
    CommuneDef("duc_an_town", "24736", "Thị trấn Đức An", 0.14, (3, 3, 2), (12.245, 107.615)),
    CommuneDef("dak_mol", "24739", "Xã Đắk Môl", 0.35, (2, 2, 1), (12.300, 107.570)),
    CommuneDef("dak_hoa", "24742", "Xã Đắk Hòa", 0.28, (1, 2, 1), (12.330, 107.600)),
    CommuneDef("nam_binh", "24745", "Xã Nam Bình", 0.18, (2, 2, 1), (12.225, 107.575)),
    CommuneDef("thuan_ha", "24748", "Xã Thuận Hà", 0.38, (1, 2, 1), (12.290, 107.735)),
    CommuneDef("thuan_hanh", "24751", "Xã Thuận Hạnh", 0.30, (2, 3, 1), (12.320, 107.690)),
    CommuneDef("dak_ndrung", "24752", "Xã Đắk N'Drung", 0.48, (2, 2, 1), (12.215, 107.665)),
    CommuneDef("nam_njang", "24753", "Xã Nâm N'Jang", 0.38, (1, 2, 1), (12.265, 107.560)),
    CommuneDef("truong_xuan", "24754", "Xã Trường Xuân", 0.50, (1, 2, 1), (12.215, 107.760)),
]
# The four communes of Lâm Đồng that replaced them on 2025-07-01 (codes illustrative).
NEW_COMMUNES = [
    ("Xã Đắk Song", "24920", ("dak_mol", "dak_hoa")),
    ("Xã Đức An", "24923", ("duc_an_town", "dak_ndrung", "nam_binh")),
    ("Xã Thuận Hạnh", "24926", ("thuan_ha", "thuan_hanh")),
    ("Xã Trường Xuân", "24929", ("nam_njang", "truong_xuan")),
]
# The other districts of Đắk Nông (province scale): code, name, centre, communes.
OTHER_DISTRICTS = [
    ("660", "Thành phố Gia Nghĩa", (12.000, 107.690), 24611,
     ["Phường Nghĩa Đức", "Phường Nghĩa Thành", "Phường Nghĩa Phú", "Phường Nghĩa Tân",
      "Phường Nghĩa Trung", "Phường Quảng Thành", "Xã Đắk R'Moan", "Xã Đắk Nia"]),
    ("661", "Huyện Đăk Glong", (12.050, 107.850), 24634,
     ["Xã Quảng Sơn", "Xã Quảng Hòa", "Xã Đắk Ha", "Xã Đắk R'Măng", "Xã Quảng Khê",
      "Xã Đắk Plao", "Xã Đắk Som"]),
    ("662", "Huyện Cư Jút", (12.680, 107.950), 24655,
     ["Thị trấn Ea T'Ling", "Xã Đắk Wil", "Xã Ea Pô", "Xã Nam Dong", "Xã Đắk D'Rông",
      "Xã Tâm Thắng", "Xã Cư K'Nia", "Xã Trúc Sơn"]),
    ("663", "Huyện Đắk Mil", (12.450, 107.620), 24679,
     ["Thị trấn Đắk Mil", "Xã Đắk Lao", "Xã Đắk R'La", "Xã Đắk Gằn", "Xã Đức Mạnh",
      "Xã Đắk N'Drót", "Xã Long Sơn", "Xã Đắk Sắk", "Xã Thuận An", "Xã Đức Minh"]),
    ("664", "Huyện Krông Nô", (12.400, 107.900), 24757,
     ["Thị trấn Đắk Mâm", "Xã Đắk Sôr", "Xã Nam Xuân", "Xã Buôn Choah", "Xã Nam Đà",
      "Xã Tân Thành", "Xã Đắk Drô", "Xã Nâm Nung", "Xã Đức Xuyên", "Xã Đắk Nang",
      "Xã Quảng Phú", "Xã Nâm N'Đir"]),
    ("666", "Huyện Đắk R'Lấp", (11.900, 107.500), 24793,
     ["Thị trấn Kiến Đức", "Xã Quảng Tín", "Xã Đắk Wer", "Xã Nhân Cơ", "Xã Kiến Thành",
      "Xã Nghĩa Thắng", "Xã Đạo Nghĩa", "Xã Đắk Sin", "Xã Hưng Bình", "Xã Đắk Ru",
      "Xã Nhân Đạo"]),
    ("667", "Huyện Tuy Đức", (12.150, 107.400), 24826,
     ["Xã Quảng Trực", "Xã Đắk Búk So", "Xã Quảng Tâm", "Xã Đắk R'Tíh", "Xã Đắk Ngo",
      "Xã Quảng Tân"]),
]  # fmt: skip


@dataclass(frozen=True)
class Scale:
    name: str
    communes: tuple[str, ...] | None  # Đắk Song commune keys; None = all nine
    schools: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # overrides
    classes_per_grade: tuple[int, int] = (2, 4)
    preschool_classes: tuple[int, int] = (1, 3)
    class_size: tuple[int, int] = (30, 35)
    preschool_size: tuple[int, int] = (25, 32)
    history: bool = True  # 2024-2025 classes and completed enrolments
    other_districts: bool = False
    other_schools: tuple[int, int, int] = (2, 3, 2)
    other_classes_per_grade: tuple[int, int] = (3, 7)
    other_class_size: tuple[int, int] = (32, 40)


SCALES = {
    "tiny": Scale(
        "tiny",
        communes=("duc_an_town", "thuan_ha"),
        schools={"duc_an_town": (1, 1, 0), "thuan_ha": (0, 0, 1)},
        classes_per_grade=(1, 1),
        preschool_classes=(1, 1),
        class_size=(5, 5),
        preschool_size=(5, 5),
    ),
    "district": Scale("district", communes=None),
    "province": Scale("province", communes=None, history=False, other_districts=True),
}

# ---------------------------------------------------------------------------------------
# The plan: every school and class, drawn before anything touches the database.


@dataclass
class ClassPlan:
    name: str
    grade: int | None
    birth_year: int
    size: int
    previous: str | None  # the same pupils' class name in 2024-2025


@dataclass
class SchoolPlan:
    name: str
    code: str
    level: str
    lat: float
    lon: float
    address: str
    classes: list[ClassPlan]
    unit: object = None  # OrgUnit once created


@dataclass
class CommunePlan:
    key: str
    code: str
    name: str
    minority: float
    schools: list[SchoolPlan]
    unit: object = None
    current: object = None  # the commune it belongs to after the reform


@dataclass
class DistrictPlan:
    code: str
    name: str
    communes: list[CommunePlan]
    unit: object = None
    office: object = None


def _classes(rng: random.Random, level: str, per_grade, size, pre_classes, pre_size):
    out = []
    if level == MN:
        for i, (group, year) in enumerate(PRESCHOOL_GROUPS):
            prev = PRESCHOOL_GROUPS[i - 1][0] if i else None
            for k in range(1, rng.randint(*pre_classes) + 1):
                size = rng.randint(*pre_size)
                out.append(ClassPlan(f"{group} {k}", None, year, size, prev and f"{prev} {k}"))
        return out
    grades = range(1, 6) if level == TH else range(6, 10)
    entry = grades[0]
    for g in grades:
        for k in range(1, rng.randint(*per_grade) + 1):
            if level == TH:
                name, prev = f"{g}{'ABCDEFGH'[k - 1]}", f"{g - 1}{'ABCDEFGH'[k - 1]}"
            else:
                name, prev = f"{g}A{k}", f"{g - 1}A{k}"
            out.append(
                ClassPlan(name, g, 2020 - g, rng.randint(*size), prev if g > entry else None)
            )
    return out


def _school_name(rng, level, used: set[str], commune_name: str) -> str:
    pool = {MN: N.PRESCHOOL_NAMES, TH: N.PRIMARY_NAMES, THCS: N.LOWER_SECONDARY_NAMES}[level]
    free = [n for n in pool if f"{LEVEL_PREFIX[level]} {n}" not in used]
    if free:
        name = f"{LEVEL_PREFIX[level]} {rng.choice(free)}"
    else:  # pool exhausted (province scale): "Trường Tiểu học số 2 Đắk Gằn"
        short = commune_name.split(" ", 1)[1] if " " in commune_name else commune_name
        k = 1
        while (name := f"{LEVEL_PREFIX[level]} số {k} {short}") in used:
            k += 1
    used.add(name)
    return name


# Schools of Đắk Song stay inside this box (latitude, longitude).
DAK_SONG_BOX = ((12.20, 12.35), (107.55, 107.80))


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return round(min(max(value, bounds[0]), bounds[1]), 6)


def make_plan(scale: Scale, seed: int) -> list[DistrictPlan]:
    rng = random.Random(f"{seed}:plan")
    districts = []

    def commune_plan(key, code, name, minority, counts, centre, district_code, serial, used,
                     per_grade, size, box=((-90, 90), (-180, 180))):  # fmt: skip
        schools = []
        short = name.split(" ", 1)[1] if name.startswith("Xã ") else name
        for level, n in zip((MN, TH, THCS), counts, strict=True):
            for _ in range(n):
                serial[0] += 1
                schools.append(
                    SchoolPlan(
                        name=_school_name(rng, level, used, name),
                        code=f"67{district_code}{serial[0]:03d}",
                        level=level,
                        lat=_clamp(centre[0] + rng.uniform(-0.03, 0.03), box[0]),
                        lon=_clamp(centre[1] + rng.uniform(-0.03, 0.03), box[1]),
                        address=f"{rng.choice(['Thôn', 'Tổ dân phố'])} {rng.randint(1, 12)}, "
                        f"{short}",
                        classes=_classes(
                            rng,
                            level,
                            per_grade,
                            size,
                            scale.preschool_classes,
                            scale.preschool_size,
                        ),  # fmt: skip
                    )
                )
        return CommunePlan(key, code, name, minority, schools)

    used: set[str] = set()
    serial = [0]
    communes = [
        commune_plan(
            c.key,
            c.code,
            c.name,
            c.minority,
            scale.schools.get(c.key, c.schools),
            c.centre,
            "665",
            serial,
            used,
            scale.classes_per_grade,
            scale.class_size,
            DAK_SONG_BOX,
        )  # fmt: skip
        for c in DAK_SONG_COMMUNES
        if scale.communes is None or c.key in scale.communes
    ]
    districts.append(DistrictPlan("665", "Huyện Đắk Song", communes))
    if scale.other_districts:
        for code, dname, centre, base, commune_names in OTHER_DISTRICTS:
            used, serial = set(), [0]
            communes = []
            for i, cname in enumerate(commune_names):
                c_centre = (
                    centre[0] + rng.uniform(-0.08, 0.08),
                    centre[1] + rng.uniform(-0.08, 0.08),
                )
                communes.append(
                    commune_plan(
                        f"{code}-{i}", f"{base + 3 * i:05d}", cname, rng.uniform(0.1, 0.45),
                        scale.other_schools, c_centre, code, serial, used,
                        scale.other_classes_per_grade, scale.other_class_size,
                    )
                )  # fmt: skip
            districts.append(DistrictPlan(code, dname, communes))
    return districts


def plan_counts(plan: list[DistrictPlan]) -> dict[str, int]:
    schools = [s for d in plan for c in d.communes for s in c.schools]
    classes = [k for s in schools for k in s.classes]
    return {
        "communes": sum(len(d.communes) for d in plan),
        "schools": len(schools),
        "classes": len(classes),
        "students": sum(k.size for k in classes),
    }


# ---------------------------------------------------------------------------------------
# People


THCS_SUBJECTS = [
    ("Ngữ văn", 4), ("Toán", 4), ("Tiếng Anh", 3), ("Khoa học tự nhiên", 4),
    ("Lịch sử và Địa lí", 3), ("Giáo dục công dân", 1), ("Công nghệ", 1.5), ("Tin học", 1),
    ("Giáo dục thể chất", 2), ("Âm nhạc", 1), ("Mĩ thuật", 1),
]  # fmt: skip
HOMEROOM_SUBJECT = "Hoạt động trải nghiệm, hướng nghiệp"
TH_SPECIALISTS = ["Tiếng Anh", "Tin học", "Giáo dục thể chất", "Âm nhạc", "Mĩ thuật"]
EMPLOYEES = {
    MN: ["Kế toán", "Văn thư", "Bảo vệ"],
    TH: ["Kế toán", "Văn thư", "Nhân viên y tế", "Bảo vệ"],
    THCS: ["Kế toán", "Văn thư", "Nhân viên y tế", "Nhân viên thư viện", "Nhân viên thiết bị",
           "Bảo vệ"],
}  # fmt: skip


class People:
    """Draws persons: names, dates of birth, IDs. Holds the ID counters so every personal ID
    and MOET ID is unique within a run."""

    def __init__(self, seed: int):
        self.rng = random.Random(f"{seed}:people")
        self._pid: dict[str, int] = {}
        self._moet = 6700100000 + self.rng.randint(0, 99999)

    def personal_id(self, province: str, dob: dt.date, sex: str) -> str:
        prefix = f"{province}{personal_id_digit(dob.year, sex)}{dob.year % 100:02d}"
        n = self._pid.get(prefix)
        n = self.rng.randint(1000, 60000) if n is None else n + self.rng.randint(1, 40)
        self._pid[prefix] = n
        return f"{prefix}{n:06d}"

    def moet_id(self) -> str:
        self._moet += self.rng.randint(1, 9)
        return str(self._moet)

    def birth(self, year: int) -> dt.date:
        return dt.date(year, 1, 1) + dt.timedelta(days=self.rng.randrange(365))

    def phone(self) -> str:
        return self.rng.choice(["09", "03", "08", "07"]) + f"{self.rng.randrange(10**8):08d}"

    def minority(self) -> str:
        return N.weighted(self.rng, N.MINORITY_MIX)

    def adult_province(self, ethnicity: str) -> str:
        r = self.rng.random()
        if ethnicity in N.MIGRANT_PROVINCES and r < (0.55 if ethnicity == N.KINH else 0.7):
            return self.rng.choice(N.MIGRANT_PROVINCES[ethnicity])
        return "066" if r > 0.92 else "067"  # born in Đắk Lắk before the 2004 split

    def person(
        self, *, name, dob, sex, ethnicity, commune_id, address, pid_province=None,
        moet=False, phone=False,
    ) -> Person:  # fmt: skip
        pid = self.personal_id(pid_province, dob, sex) if pid_province else None
        return Person(
            full_name=name,
            search_name=fold(name),
            date_of_birth=dob,
            sex=sex,
            ethnicity=ethnicity,
            commune_id=commune_id,
            address=address,
            personal_id=pid,
            moet_id=self.moet_id() if moet else None,
            phone=self.phone() if phone else "",
        )


@dataclass
class Summary:
    scale: str
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    demo_school_id: int | None = None


class Generator:
    def __init__(self, scale: Scale, seed: int, log: Callable[[str], None]):
        self.scale, self.seed, self.log = scale, seed, log
        self.plan = make_plan(scale, seed)
        self.people = People(seed)
        self.rng = random.Random(f"{seed}:families")
        self.families: dict[int, list[N.Family]] = {}  # by current commune id
        self.counts: dict[str, int] = {}
        self.t0 = time.monotonic()

    # ---- org tree, through org.services
    def build_tree(self) -> None:
        self.ministry = org.unit_create(
            actor=None, kind=UnitKind.MINISTRY, name="Bộ Giáo dục và Đào tạo", code="BGDDT"
        )
        self.old_province = org.unit_create(
            actor=None, kind=UnitKind.PROVINCE, name="Tỉnh Đắk Nông", code="67",
            parent=self.ministry, valid_from=dt.date(2004, 1, 1),
        )  # fmt: skip
        self.old_department = org.unit_create(
            actor=None, kind=UnitKind.DEPARTMENT, name="Sở Giáo dục và Đào tạo tỉnh Đắk Nông",
            code="SGDDT67", parent=self.old_province, valid_from=dt.date(2004, 1, 1),
        )  # fmt: skip
        for d in self.plan:
            d.unit = org.unit_create(
                actor=None, kind=UnitKind.DISTRICT, name=d.name, code=d.code,
                parent=self.old_province,
            )  # fmt: skip
            office_name = d.name.replace("Huyện", "huyện").replace("Thành phố", "thành phố")
            d.office = org.unit_create(
                actor=None, kind=UnitKind.DISTRICT_OFFICE,
                name=f"Phòng Giáo dục và Đào tạo {office_name}", code=f"PGDDT{d.code}",
                parent=d.unit,
            )  # fmt: skip
            for c in d.communes:
                c.unit = org.unit_create(
                    actor=None, kind=UnitKind.COMMUNE, name=c.name, code=c.code, parent=d.unit
                )
                for s in c.schools:
                    s.unit = org.school_create(
                        actor=None, name=s.name, code=s.code, parent=c.unit, level=s.level,
                        latitude=Decimal(str(s.lat)), longitude=Decimal(str(s.lon)),
                        address=f"{s.address}, {d.name}, tỉnh Đắk Nông",
                    ).unit  # fmt: skip
        for code, start, end in (PREVIOUS_YEAR, CURRENT_YEAR):
            org.school_year_create(actor=None, code=code, start_date=start, end_date=end)
        org.grades_ensure()
        self._progress("cây tổ chức trước 01/07/2025")

    def reform(self) -> None:
        """1 July 2025: Đắk Nông into Lâm Đồng, districts abolished, communes merged."""
        self.new_province = org.unit_create(
            actor=None, kind=UnitKind.PROVINCE, name="Tỉnh Lâm Đồng", code="68",
            parent=self.ministry, valid_from=REFORM,
        )  # fmt: skip
        self.new_department = org.unit_create(
            actor=None, kind=UnitKind.DEPARTMENT, name="Sở Giáo dục và Đào tạo tỉnh Lâm Đồng",
            code="SGDDT68", parent=self.new_province, valid_from=REFORM,
        )  # fmt: skip
        dak_song = self.plan[0]
        by_key = {c.key: c for c in dak_song.communes}
        self.new_communes = []
        for name, code, old_keys in NEW_COMMUNES:
            olds = [by_key[k] for k in old_keys if k in by_key]
            if not olds:
                continue
            unit = org.unit_create(
                actor=None, kind=UnitKind.COMMUNE, name=name, code=code,
                parent=self.new_province, valid_from=REFORM,
            )  # fmt: skip
            org.unit_create(
                actor=None, kind=UnitKind.COMMUNE_OFFICE,
                name=f"Phòng Văn hóa - Xã hội {name.replace('Xã', 'xã')}", parent=unit,
                valid_from=REFORM,
            )  # fmt: skip
            self.new_communes.append(unit)
            for c in olds:
                c.current = unit
                for s in c.schools:
                    org.unit_reparent(
                        actor=None, unit=s.unit, new_parent=unit, effective=REFORM,
                        reason=REFORM_REASON,
                    )  # fmt: skip
                    s.unit.refresh_from_db()
                School.objects.filter(unit__in=[s.unit for s in c.schools]).update(
                    commune=unit, updated_at=timezone.now()
                )
        for d in self.plan[1:]:  # other districts: communes move unchanged (illustrative)
            for c in d.communes:
                org.unit_reparent(
                    actor=None, unit=c.unit, new_parent=self.new_province, effective=REFORM,
                    reason=REFORM_REASON,
                )  # fmt: skip
                c.current = c.unit
                for s in c.schools:
                    s.unit.refresh_from_db()
        for c in dak_song.communes:
            org.unit_dissolve(actor=None, unit=c.unit, effective=REFORM, reason=REFORM_REASON)
        for d in self.plan:
            org.unit_dissolve(actor=None, unit=d.office, effective=REFORM, reason=REFORM_REASON)
            org.unit_dissolve(actor=None, unit=d.unit, effective=REFORM, reason=REFORM_REASON)
        org.unit_dissolve(
            actor=None, unit=self.old_department, effective=REFORM, reason=REFORM_REASON
        )
        org.unit_dissolve(
            actor=None, unit=self.old_province, effective=REFORM, reason=REFORM_REASON
        )
        self._progress("sắp xếp đơn vị hành chính 01/07/2025")

    # ---- schools: classes, staff, students
    def build_school(self, commune: CommunePlan, s: SchoolPlan) -> None:
        classes = []
        for k in s.classes:
            cls = org.class_create(
                actor=None, school=s.unit, school_year_code=CURRENT_YEAR[0], name=k.name,
                grade_number=k.grade, capacity=max(35, k.size),
            )  # fmt: skip
            prev = None
            if self.scale.history and k.previous:
                prev = org.class_create(
                    actor=None, school=s.unit, school_year_code=PREVIOUS_YEAR[0],
                    name=k.previous, grade_number=k.grade - 1 if k.grade else None,
                    capacity=max(35, k.size),
                )  # fmt: skip
            classes.append((k, cls, prev))
        entries = self._staff(commune, s, classes)
        entries += self._students(commune, s, classes)
        audit_record_many(actor=None, entries=entries)

    def _staff_person(self, commune, s, *, sex=None, female_share=0.7, minority_share=0.1):
        p = self.people
        sex = sex or ("F" if p.rng.random() < female_share else "M")
        eth = p.minority() if p.rng.random() < minority_share else N.KINH
        dob = p.birth(p.rng.randint(1968, 2001))
        return p.person(
            name=N.full_name(p.rng, eth, sex, child=False), dob=dob, sex=sex, ethnicity=eth,
            commune_id=commune.current.pk, address=s.address,
            pid_province=p.adult_province(eth), moet=p.rng.random() < 0.9, phone=True,
        )  # fmt: skip

    def _staff(self, commune, s: SchoolPlan, classes) -> list[Entry]:
        rng = self.people.rng
        n = len(classes)
        female = {MN: 0.98, TH: 0.8, THCS: 0.68}[s.level]
        rows: list[tuple[Person, dict]] = []  # (person, StaffMember fields)

        def add(kind, position, subject="", qualification="Đại học", **kw):
            person = self._staff_person(commune, s, **kw)
            rows.append(
                (person, {"kind": kind, "position": position, "main_subject": subject,
                          "qualification": qualification})
            )  # fmt: skip

        add(StaffKind.MANAGER, "Hiệu trưởng", female_share=0.5 if s.level != MN else 0.95)
        for _ in range(1 if n < 15 else 2):
            add(StaffKind.MANAGER, "Phó Hiệu trưởng", female_share=0.6 if s.level != MN else 0.95)
        teachers: list[tuple[int, str]] = []  # (row index, subject)
        if s.level == MN:
            for _ in range(max(n, round(n * 1.7))):
                teachers.append((len(rows), ""))
                degree = rng.choice(["Cao đẳng", "Đại học", "Đại học"])
                add(StaffKind.TEACHER, "Giáo viên", "Giáo dục mầm non", degree, female_share=female)
        elif s.level == TH:
            for _ in range(n):
                teachers.append((len(rows), ""))
                add(StaffKind.TEACHER, "Giáo viên", "Giáo dục tiểu học", female_share=female)
            for j in range(max(2, round(n * 0.25))):
                subject = TH_SPECIALISTS[j % len(TH_SPECIALISTS)]
                teachers.append((len(rows), subject))
                add(StaffKind.TEACHER, "Giáo viên", subject, female_share=female)
        else:
            for subject, periods in THCS_SUBJECTS:
                for _ in range(max(1, round(n * periods / 14))):
                    teachers.append((len(rows), subject))
                    add(StaffKind.TEACHER, "Giáo viên", subject,
                        rng.choice(["Đại học", "Đại học", "Đại học", "Thạc sĩ"]),
                        female_share=female)  # fmt: skip
        employees = list(EMPLOYEES[s.level])
        if s.level == MN:
            employees += ["Nhân viên nuôi dưỡng"] * (n // 4 + 1)
        for position in employees:
            add(StaffKind.EMPLOYEE, position, qualification="Trung cấp",
                female_share=0.2 if position == "Bảo vệ" else 0.75)  # fmt: skip
        persons = Person.objects.bulk_create([p for p, _ in rows], batch_size=BATCH)
        start = dt.date(2025, 8, 1)
        staff = StaffMember.objects.bulk_create(
            [
                StaffMember(
                    person=p,
                    unit=s.unit,
                    search_name=p.search_name,
                    start_date=start - dt.timedelta(days=rng.randrange(365 * 20)),
                    **f,
                )  # fmt: skip
                for p, (_, f) in zip(persons, rows, strict=True)
            ],
            batch_size=BATCH,
        )
        # Teaching assignments for 2025-2026.
        ta: list[TeachingAssignment] = []
        by_subject: dict[str, list[StaffMember]] = {}
        for idx, subject in teachers:
            by_subject.setdefault(subject, []).append(staff[idx])
        current = [cls for _, cls, _ in classes]
        if s.level == MN:
            pool = by_subject[""]
            for i, cls in enumerate(current):
                ta.append(TeachingAssignment(staff=pool[i % len(pool)], class_group=cls,
                                             is_homeroom=True))  # fmt: skip
                j = i + len(current)
                if j < len(pool):
                    ta.append(TeachingAssignment(staff=pool[j], class_group=cls))
        elif s.level == TH:
            for i, cls in enumerate(current):
                ta.append(TeachingAssignment(staff=by_subject[""][i], class_group=cls,
                                             is_homeroom=True))  # fmt: skip
            for subject in TH_SPECIALISTS:
                pool = by_subject.get(subject)
                if not pool:
                    continue
                targets = [
                    cls for k, cls, _ in classes
                    if subject not in ("Tiếng Anh", "Tin học") or (k.grade or 0) >= 3
                ]  # fmt: skip
                for i, cls in enumerate(targets):
                    ta.append(TeachingAssignment(staff=pool[i % len(pool)], class_group=cls,
                                                 subject=subject))  # fmt: skip
        else:
            all_teachers = [staff[i] for i, _ in teachers]
            order = list(range(len(all_teachers)))
            rng.shuffle(order)
            for i, cls in enumerate(current):
                ta.append(TeachingAssignment(staff=all_teachers[order[i % len(order)]],
                                             class_group=cls, subject=HOMEROOM_SUBJECT,
                                             is_homeroom=True))  # fmt: skip
            for subject, _ in THCS_SUBJECTS:
                pool = by_subject[subject]
                for i, cls in enumerate(current):
                    ta.append(TeachingAssignment(staff=pool[i % len(pool)], class_group=cls,
                                                 subject=subject))  # fmt: skip
        TeachingAssignment.objects.bulk_create(ta, batch_size=BATCH)
        self._count("staff", len(staff))
        self._count("assignments", len(ta))
        return [
            _summary("people.person", persons, f"{len(persons)} người (cán bộ) – {s.name}"),
            _summary("people.staff", staff, f"{len(staff)} cán bộ – {s.name}"),
            _summary("people.assignment", ta, f"{len(ta)} phân công – {s.name}"),
        ]

    def _family(self, commune: CommunePlan, birth_year: int) -> tuple[N.Family, list[Person]]:
        """A family for a new pupil: an existing one in the commune (a sibling), or new
        parents. Returns the family and any parent Persons still to be written."""
        rng, p = self.rng, self.people
        pool = self.families.setdefault(commune.current.pk, [])
        if pool and rng.random() < 0.3:
            fam = pool[rng.randrange(len(pool))]
            if birth_year not in fam.years:
                fam.years.add(birth_year)
                if len(fam.years) >= 3:
                    pool.remove(fam)
                return fam, []
        eth = p.minority() if rng.random() < commune.minority else N.KINH
        fam = N.Family(ethnicity=eth, surname=N.family_surname(rng, eth), years={birth_year})
        new = []
        address = f"{rng.choice(N.VILLAGE_WORDS) if eth != N.KINH else 'Thôn'} {rng.randint(1, 15)}"
        address += f", {commune.current.name}"
        fam.address = address
        r = rng.random()
        has_father, has_mother = r > 0.08, r < 0.9 or r <= 0.08
        patri = eth not in N.MATRILINEAL
        if has_father:
            dob = p.birth(birth_year - rng.randint(24, 40))
            fam.father = p.person(
                name=N.full_name(rng, eth, "M", surname=fam.surname if patri else None,
                                 child=False),
                dob=dob, sex="M", ethnicity=eth, commune_id=commune.current.pk,
                address=address, pid_province=p.adult_province(eth), phone=True,
            )  # fmt: skip
            new.append(fam.father)
        if has_mother:
            dob = p.birth(birth_year - rng.randint(21, 37))
            fam.mother = p.person(
                name=N.full_name(rng, eth, "F", surname=None if patri else fam.surname,
                                 child=False),
                dob=dob, sex="F", ethnicity=eth, commune_id=commune.current.pk,
                address=address, pid_province=p.adult_province(eth), phone=True,
            )  # fmt: skip
            new.append(fam.mother)
        pool.append(fam)
        return fam, new

    def _students(self, commune, s: SchoolPlan, classes) -> list[Entry]:
        rng, p = self.rng, self.people
        preschool = s.level == MN
        parents: list[Person] = []
        kids: list[tuple[Person, N.Family, object, object]] = []
        for k, cls, prev in classes:
            for _ in range(k.size):
                year = k.birth_year - (1 if rng.random() < 0.02 else 0)  # a few repeaters
                fam, new = self._family(commune, year)
                parents += new
                sex = "M" if rng.random() < 0.52 else "F"
                has_id = rng.random() < (0.88 if preschool else 0.975)
                born_here = rng.random() < 0.96
                person = p.person(
                    name=N.full_name(rng, fam.ethnicity, sex, surname=fam.surname or None,
                                     child=True),
                    dob=p.birth(year), sex=sex, ethnicity=fam.ethnicity,
                    commune_id=commune.current.pk, address=fam.address,
                    pid_province=("067" if born_here else "066") if has_id else None,
                    moet=rng.random() < (0.6 if preschool else 0.95),
                )  # fmt: skip
                kids.append((person, fam, cls, prev))
        Person.objects.bulk_create(parents + [k[0] for k in kids], batch_size=BATCH)
        students = Student.objects.bulk_create(
            [
                Student(
                    person=person,
                    student_code=f"{s.code}{i + 1:04d}",
                    current_school=s.unit,
                    current_class=cls,
                    search_name=person.search_name,
                )  # fmt: skip
                for i, (person, _, cls, _) in enumerate(kids)
            ],
            batch_size=BATCH,
        )
        enrolments = []
        links = []
        for st, (_, fam, cls, prev) in zip(students, kids, strict=True):
            if prev is not None:
                enrolments.append(
                    Enrolment(
                        student=st, school=s.unit, school_year=prev.school_year,
                        class_group=prev, start_date=PREVIOUS_YEAR[1], end_date=PREVIOUS_YEAR[2],
                        status=EnrolmentStatus.COMPLETED,
                    )
                )  # fmt: skip
            enrolments.append(
                Enrolment(
                    student=st,
                    school=s.unit,
                    school_year=cls.school_year,
                    class_group=cls,
                    start_date=CURRENT_YEAR[1],
                )  # fmt: skip
            )
            if fam.father is not None:
                links.append(GuardianLink(guardian=fam.father, student=st,
                                          relationship=Relationship.FATHER))  # fmt: skip
            if fam.mother is not None:
                links.append(GuardianLink(guardian=fam.mother, student=st,
                                          relationship=Relationship.MOTHER))  # fmt: skip
        Enrolment.objects.bulk_create(enrolments, batch_size=BATCH)
        GuardianLink.objects.bulk_create(links, batch_size=BATCH)
        self._count("students", len(students))
        self._count("guardians", len(parents))
        self._count("enrolments", len(enrolments))
        self._count("guardian_links", len(links))
        return [
            _summary("people.person", parents, f"{len(parents)} người (phụ huynh) – {s.name}"),
            _summary("people.person", [k[0] for k in kids], f"{len(kids)} người – {s.name}"),
            _summary("people.student", students, f"{len(students)} học sinh – {s.name}"),
            _summary("people.enrolment", enrolments, f"{len(enrolments)} lượt học – {s.name}"),
            _summary("people.guardian_link", links, f"{len(links)} liên kết PH – {s.name}"),
        ]

    # ---- driver
    def run(self) -> Summary:
        counts = plan_counts(self.plan)
        self.log(
            f"Kế hoạch ({self.scale.name}, seed {self.seed}): {counts['communes']} xã, "
            f"{counts['schools']} trường, {counts['classes']} lớp, ~{counts['students']} học sinh"
        )
        self.build_tree()
        self.reform()
        done = 0
        for d in self.plan:
            for c in d.communes:
                for s in c.schools:
                    self.build_school(c, s)
                    done += 1
                    if done % 25 == 0 or done == counts["schools"]:
                        self._progress(
                            f"{done}/{counts['schools']} trường, "
                            f"{self.counts.get('students', 0)} học sinh"
                        )
        self.counts.update(
            schools=counts["schools"], classes=counts["classes"], communes=counts["communes"]
        )
        events.emit("demo.generated", {"scale": self.scale.name, "seed": self.seed, **self.counts})
        summary = Summary(self.scale.name, self.seed, dict(self.counts))
        summary.seconds = time.monotonic() - self.t0
        return summary

    def _count(self, key: str, n: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def _progress(self, what: str) -> None:
        self.log(f"  [{time.monotonic() - self.t0:6.1f}s] {what}")


def _summary(object_type: str, rows, text: str) -> Entry:
    ids = [r.pk for r in rows if r.pk is not None]
    return Entry(
        "create",
        object_type,
        f"{min(ids)}-{max(ids)}" if ids else "-",
        f"Dữ liệu mẫu: {text}",
        {"count": [None, str(len(rows))]},
        DEMO_REASON,
    )


def build(scale: str = "district", seed: int = DEFAULT_SEED, log=print) -> Summary:
    """Build the demo data in one transaction (nothing half-written on failure)."""
    gen = Generator(SCALES[scale], seed, log)
    with transaction.atomic():
        return gen.run()
