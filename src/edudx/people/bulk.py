"""The bulk write path for people: many students or staff in one transaction.

Used by the spreadsheet importer (`exchange`) and by the demo generator. The rules are the
single-record services' rules: every row goes through `services.person_clean`, duplicates
are found by ID, then by folded name + date of birth + commune (`services.find_duplicates`,
here in batched queries), an existing person who is not yet a student (or not yet staff of
that unit) gets the new role instead of a second `Person`, and `Student.search_name`,
`current_school` and `current_class` are set exactly as `services.student_create` sets them.

All or nothing: every row is validated first and every error is collected; if there is any,
`DomainErrors` is raised and nothing is written. Writes use explicit ids reserved up front
(PostgreSQL: `nextval` over `generate_series`; SQLite: above the table's AUTOINCREMENT
counter, safe because the IMMEDIATE transaction holds the write lock) so that Person,
Student and Enrolment rows can reference each other without reading ids back. PostgreSQL
loads with `COPY … FROM STDIN` (psycopg 3), SQLite with one `executemany` per table.
One audit entry per created record (`audit_append`, streamed and hashed as it is written)
and one outbox event for the whole import."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.audit.services import audit_append
from edudx.core import events
from edudx.core.errors import DomainError, DomainErrors, ErrorCollector, ErrorItem
from edudx.core.text import clean_name, fold
from edudx.core.validators import parse_date
from edudx.org.models import ClassGroup, OrgUnit, SchoolYear, UnitKind

from .models import Enrolment, EnrolmentStatus, Person, StaffKind, StaffMember, Student
from .services import PERSON_FIELDS, PersonData, commune_codes, person_clean

log = logging.getLogger(__name__)


class _Phases:
    """Wall time per phase, logged as `people.bulk.phases` (what to look at when an import
    is slow: validation, duplicate look-ups, inserts per table, audit)."""

    def __init__(self):
        self.t = time.perf_counter()
        self.times: dict[str, float] = {}

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.times[name] = round(now - self.t, 3)
        self.t = now

    def log(self, rows: int) -> None:
        log.info("people.bulk.phases", extra={"rows": rows, "phases": self.times})


# IN-list size for the duplicate look-ups: under SQLite's old 999-variable limit.
QUERY_CHUNK = 900
# From this many rows, PostgreSQL finds existing people by joining a temporary table of
# the rows' keys rather than by IN lists.
TEMP_TABLE_FROM = 2000

STAFF_KIND_WORDS = {
    "giao vien": StaffKind.TEACHER,
    "gv": StaffKind.TEACHER,
    "teacher": StaffKind.TEACHER,
    "can bo quan ly": StaffKind.MANAGER,
    "cbql": StaffKind.MANAGER,
    "quan ly": StaffKind.MANAGER,
    "manager": StaffKind.MANAGER,
    "nhan vien": StaffKind.EMPLOYEE,
    "nv": StaffKind.EMPLOYEE,
    "employee": StaffKind.EMPLOYEE,
}


@dataclass
class BulkResult:
    """What an import wrote. `persons_reused` counts rows attached to an existing person."""

    created: int = 0
    persons_created: int = 0
    persons_reused: int = 0
    person_ids: list[int] = field(default_factory=list)
    student_ids: list[int] = field(default_factory=list)
    staff_ids: list[int] = field(default_factory=list)


def parse_staff_kind(value) -> str | None:
    return STAFF_KIND_WORDS.get(fold(str(value or "")).replace("-", " "))


# ---------------------------------------------------------------------------- row input


def _row_number(raw: Mapping | PersonData, index: int) -> int:
    if _is_mapping(raw) and raw.get("row") is not None:
        return int(raw["row"])
    return index


def _person_raw(raw: Mapping | PersonData) -> Mapping:
    """person_clean takes text or typed values under the PERSON_FIELDS names."""
    if isinstance(raw, PersonData):
        d = asdict(raw)
        d["commune"] = d.pop("commune_id")
        return d
    person = raw.get("person")
    if isinstance(person, PersonData):
        return _person_raw(person)
    return raw


def _clean(raw, ec: ErrorCollector, communes, today) -> tuple[PersonData | None, tuple]:
    """person_clean on one row, plus the duplicate key (folded name, birth date, commune)
    computed once (PersonData.search_name folds on every access)."""
    data = person_clean(_person_raw(raw), errors=ec, communes=communes, today=today)
    if data is None:
        return None, ()
    return data, (fold(data.full_name), data.date_of_birth, data.commune_id)


def _is_mapping(raw) -> bool:
    # type() first: the ABC isinstance check costs ~0.3 µs, several times per row.
    return type(raw) is dict or isinstance(raw, Mapping)


def _get(raw: Mapping | PersonData, key: str):
    return raw.get(key) if _is_mapping(raw) else None


@dataclass
class _Refs:
    """Schools, school years and classes named by the rows, loaded in a few queries."""

    schools: dict[str, OrgUnit]
    years: dict[str, SchoolYear]
    classes: dict[tuple[int, int, str], int]
    class_objs: dict[int, ClassGroup]

    @classmethod
    def load(
        cls, rows: Sequence, *, school_key: str, need_classes: bool, default: OrgUnit | None
    ) -> _Refs:
        codes = {
            str(v).strip() for r in rows if isinstance(v := _get(r, school_key), str | int) and v
        }
        schools = {}
        for chunk in _chunks(sorted(codes)):
            for u in OrgUnit.objects.filter(code__in=chunk, valid_to__isnull=True).exclude(
                kind__in=[UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE]
            ):
                schools[u.code] = u
        year_codes = {
            str(v).strip() for r in rows if isinstance(v := _get(r, "school_year"), str) and v
        }
        years = {y.code: y for y in SchoolYear.objects.filter(code__in=sorted(year_codes))}
        classes: dict[tuple[int, int, str], int] = {}
        if need_classes:
            school_ids = {u.pk for u in schools.values()} | {
                v.pk for r in rows if isinstance(v := _get(r, school_key), OrgUnit)
            }
            if default is not None:
                school_ids.add(default.pk)
            for pk, school_id, year_id, name in ClassGroup.objects.filter(
                school_id__in=school_ids
            ).values_list("id", "school_id", "school_year_id", "name"):
                classes[(school_id, year_id, fold(name))] = pk
        return cls(schools, years, classes, {})


def _chunks(seq: Sequence, size: int = QUERY_CHUNK):
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def _resolve_unit(value, default, refs: _Refs, errors: ErrorCollector, *, field_name: str):
    if value in (None, ""):
        if default is None:
            errors.add(
                "school.required",
                _("Chưa có trường: hãy thêm cột Mã trường hoặc chọn trường khi nhập."),
                field_name,
            )
        return default
    if isinstance(value, OrgUnit):
        return value
    code = str(value).strip()
    unit = refs.schools.get(code)
    if unit is None:
        errors.add(
            "school.unknown", _("Mã trường '%(v)s' không tồn tại.") % {"v": code}, field_name
        )
    return unit


def _resolve_year(value, default, refs: _Refs, errors: ErrorCollector):
    if value in (None, ""):
        if default is None:
            errors.add(
                "school_year.required",
                _("Chưa có năm học: hãy thêm cột Năm học hoặc chọn năm học khi nhập."),
                "school_year",
            )
        return default
    if isinstance(value, SchoolYear):
        return value
    code = str(value).strip().replace(" ", "").replace("–", "-")
    year = refs.years.get(code)
    if year is None:
        errors.add(
            "school_year.unknown",
            _("Năm học %(y)s không tồn tại.") % {"y": code},
            "school_year",
        )
    return year


def _resolve_class(
    value, school, year, refs: _Refs, errors: ErrorCollector, cache: dict | None = None
) -> int | None:
    """`cache` (one per import) remembers the classes found by name: a file names a few
    dozen classes on 100,000 rows."""
    if value is None or value == "":
        return None
    if cache is not None and type(value) is str and school is not None and year is not None:
        key = (value, school.pk, year.pk)
        pk = cache.get(key)
        if pk is None:
            pk = _resolve_class(value, school, year, refs, errors)
            if pk is not None:
                cache[key] = pk
        return pk
    if isinstance(value, ClassGroup):
        if (
            school is not None
            and year is not None
            and (value.school_id != school.pk or value.school_year_id != year.pk)
        ):
            errors.add(
                "class.mismatch",
                _("Lớp %(c)s không thuộc trường và năm học đã chọn.") % {"c": value.name},
                "class_group",
            )
        return value.pk
    if school is None or year is None:
        return None  # the school or year error already names the row
    name = clean_name(str(value))
    pk = refs.classes.get((school.pk, year.pk, fold(name)))
    if pk is None:
        errors.add(
            "class.unknown",
            _("Lớp %(c)s không có trong năm học %(y)s của %(s)s.")
            % {"c": name, "y": year.code, "s": school.name},
            "class_group",
        )
    return pk


# ---------------------------------------------------------------------- duplicates


@dataclass
class _Known:
    """Existing people matching any row, by each duplicate key."""

    by_pid: dict[str, tuple] = field(default_factory=dict)
    by_moet: dict[str, tuple] = field(default_factory=dict)
    by_key: dict[tuple, list[tuple]] = field(default_factory=dict)

    @classmethod
    def load(cls, people: Iterable[tuple[PersonData, tuple]]) -> _Known:
        people = list(people)
        if connection.vendor == "postgresql" and len(people) >= TEMP_TABLE_FROM:
            return cls._load_joined(people)
        datas = [d for d, _k in people]
        known = cls()
        cols = ("id", "full_name", "date_of_birth", "search_name", "personal_id", "moet_id")
        live = Person.objects.filter(merged_into__isnull=True)
        pids = sorted({d.personal_id for d in datas if d.personal_id})
        for chunk in _chunks(pids):
            for p in live.filter(personal_id__in=chunk).values_list(*cols):
                known.by_pid[p[4]] = p
        moets = sorted({d.moet_id for d in datas if d.moet_id})
        for chunk in _chunks(moets):
            for p in live.filter(moet_id__in=chunk).values_list(*cols):
                known.by_moet[p[5]] = p
        # Name + date of birth + commune applies to rows whose IDs found nobody
        # (services.find_duplicates); index person_dup_key serves search_name IN (…).
        names = sorted(
            {
                k[0]
                for d, k in people
                if d.personal_id not in known.by_pid and d.moet_id not in known.by_moet
            }
        )
        for chunk in _chunks(names):
            for p in live.filter(search_name__in=chunk).values_list(*cols, "commune_id"):
                known.by_key.setdefault((p[3], p[2], p[6]), []).append(p[:6])
        return known

    @classmethod
    def _load_joined(cls, people: list[tuple[PersonData, tuple]]) -> _Known:
        """PostgreSQL: COPY the rows' keys into a temporary table and join it with
        people_person once per key (unique indexes on personal_id and moet_id, index
        person_dup_key on search_name + date_of_birth), instead of ~3 IN queries per 900
        rows. Same matches as the IN queries: name matches are keyed below by name, birth
        date and commune exactly as there."""
        known = cls()
        person = connection.ops.quote_name(Person._meta.db_table)
        cols = ", ".join(
            f"p.{c}"
            for c in ("id", "full_name", "date_of_birth", "search_name", "personal_id", "moet_id")
        )
        with connection.cursor() as c:
            c.execute(
                "CREATE TEMP TABLE bulk_person_keys (personal_id varchar(12),"
                " moet_id varchar(10), search_name varchar(200), date_of_birth date)"
                " ON COMMIT DROP"
            )
            with c.cursor.copy("COPY bulk_person_keys FROM STDIN") as copy:
                write = copy.write_row
                for d, k in people:
                    write((d.personal_id, d.moet_id, k[0], d.date_of_birth))
            c.execute("ANALYZE bulk_person_keys")
            c.execute(
                f"SELECT {cols} FROM {person} p"  # noqa: S608 — fixed column and table names
                " WHERE p.merged_into_id IS NULL AND p.personal_id IN"
                " (SELECT personal_id FROM bulk_person_keys WHERE personal_id IS NOT NULL)"
            )
            known.by_pid = {p[4]: p for p in c.fetchall()}
            c.execute(
                f"SELECT {cols} FROM {person} p"  # noqa: S608
                " WHERE p.merged_into_id IS NULL AND p.moet_id IN"
                " (SELECT moet_id FROM bulk_person_keys WHERE moet_id IS NOT NULL)"
            )
            known.by_moet = {p[5]: p for p in c.fetchall()}
            # Name + date of birth + commune: as in load(), for rows whose IDs found nobody.
            c.execute(
                f"SELECT {cols}, p.commune_id FROM {person} p"  # noqa: S608
                " WHERE p.merged_into_id IS NULL AND (p.search_name, p.date_of_birth) IN"
                " (SELECT search_name, date_of_birth FROM bulk_person_keys)"
            )
            found = c.fetchall()
            c.execute("DROP TABLE bulk_person_keys")
        if found:
            names = {
                k[0]
                for d, k in people
                if d.personal_id not in known.by_pid and d.moet_id not in known.by_moet
            }
            for p in found:
                if p[3] in names:
                    known.by_key.setdefault((p[3], p[2], p[6]), []).append(p[:6])
        return known

    def match(self, d: PersonData, key: tuple) -> tuple[tuple | None, str]:
        """The existing person this row is (or None), and the field that matched."""
        if d.personal_id and d.personal_id in self.by_pid:
            return self.by_pid[d.personal_id], "personal_id"
        if d.moet_id and d.moet_id in self.by_moet:
            return self.by_moet[d.moet_id], "moet_id"
        found = self.by_key.get(key)
        return (found[0], "full_name") if found else (None, "")


def _duplicate_error(errors: ErrorCollector, person: tuple, field_name: str) -> None:
    errors.add(
        "person.duplicate",
        _("Người này đã có trong hệ thống: %(name)s, sinh ngày %(dob)s.")
        % {"name": person[1], "dob": person[2].strftime("%d/%m/%Y")},
        field_name,
    )


class _InFile:
    """Rows already seen in this file, by each duplicate key."""

    def __init__(self):
        self.pid: dict[str, int] = {}
        self.moet: dict[str, int] = {}
        self.key: dict[tuple, int] = {}
        self.person: dict[int, int] = {}

    def check(
        self, d: PersonData, key: tuple, existing: tuple | None, row: int, errors: ErrorCollector
    ):
        hit = None
        if d.personal_id and d.personal_id in self.pid:
            hit = (self.pid[d.personal_id], "personal_id")
        elif d.moet_id and d.moet_id in self.moet:
            hit = (self.moet[d.moet_id], "moet_id")
        elif existing is not None and existing[0] in self.person:
            hit = (self.person[existing[0]], "personal_id" if d.personal_id else "full_name")
        elif key in self.key:
            hit = (self.key[key], "full_name")
        if hit:
            errors.add(
                "person.duplicate_in_file",
                _("Người này trùng với dòng %(row)s trong tệp.") % {"row": hit[0]},
                hit[1],
            )
            return
        if d.personal_id:
            self.pid[d.personal_id] = row
        if d.moet_id:
            self.moet[d.moet_id] = row
        if existing is not None:
            self.person[existing[0]] = row
        self.key.setdefault(key, row)


# --------------------------------------------------------------------------- writer


def _uuid_hex(n: int) -> list[str]:
    """n random (version 4) UUIDs as 32-digit hex: the form Django stores on SQLite and
    PostgreSQL's uuid type accepts; ~10x faster than uuid.uuid4() per row."""
    raw = bytearray(os.urandom(16 * n))
    raw[6::16] = bytes((b & 0x0F) | 0x40 for b in raw[6::16])
    raw[8::16] = bytes((b & 0x3F) | 0x80 for b in raw[8::16])
    h = raw.hex()
    return [h[i : i + 32] for i in range(0, 32 * n, 32)]


class _Writer:
    """Explicit-id inserts: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self):
        self.pg = connection.vendor == "postgresql"
        now = timezone.now()
        self.now = now.isoformat() if self.pg else connection.ops.adapt_datetimefield_value(now)

    def reserve(self, model: type[Model], n: int) -> list[int]:
        if n == 0:
            return []
        table = model._meta.db_table
        with connection.cursor() as c:
            if self.pg:
                # Resolve the sequence once: pg_get_serial_sequence per row is 7x slower.
                c.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                seq = c.fetchone()[0]
                c.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [seq, n])
                return [r[0] for r in c.fetchall()]
            c.execute(f'SELECT MAX("id") FROM "{table}"')  # noqa: S608 — a model's table name
            top = c.fetchone()[0] or 0
            c.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            seq = c.fetchone()
            start = max(top, seq[0] if seq else 0) + 1
            return list(range(start, start + n))

    def insert(self, model: type[Model], columns: Sequence[str], rows: Iterable[tuple]) -> None:
        """`rows` may be a generator: each row is built as the previous ones stream to the
        server, so the server's inserts overlap the building of the rest."""
        qn = connection.ops.quote_name
        table, cols = qn(model._meta.db_table), ", ".join(qn(c) for c in columns)
        with connection.cursor() as c:
            if self.pg:
                with c.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    write = copy.write_row
                    for r in rows:
                        write(r)
            else:
                marks = ", ".join(["%s"] * len(columns))
                c.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)  # noqa: S608


_PERSON_COLUMNS = (
    "id",
    "source_id",
    "created_at",
    "updated_at",
    "full_name",
    "search_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "commune_id",
    "address",
    "personal_id",
    "moet_id",
    "phone",
    "email",
    "merged_into_id",
)


def _write_persons(w: _Writer, datas: list[PersonData], names: list[str]) -> list[int]:
    ids = w.reserve(Person, len(datas))
    now = w.now
    w.insert(
        Person,
        _PERSON_COLUMNS,
        (
            (
                pk,
                u,
                now,
                now,
                d.full_name,
                name,
                d.date_of_birth.isoformat(),
                d.sex,
                d.ethnicity,
                d.commune_id,
                d.address,
                d.personal_id,
                d.moet_id,
                d.phone,
                d.email,
                None,
            )
            for pk, u, d, name in zip(ids, _uuid_hex(len(datas)), datas, names, strict=True)
        ),
    )
    return ids


def _person_changes(d: PersonData) -> dict:
    """What services.person_create records: diff({}, snapshot), i.e. every field that is
    not None, as text (the audit trail sorts the keys)."""
    snap = {
        "address": d.address,
        "commune": d.commune_id,
        "date_of_birth": d.date_of_birth,
        "email": d.email,
        "ethnicity": d.ethnicity,
        "full_name": d.full_name,
        "moet_id": d.moet_id,
        "personal_id": d.personal_id,
        "phone": d.phone,
        "sex": d.sex,
    }
    assert len(snap) == len(PERSON_FIELDS)  # noqa: S101 — keep in step with services
    return {k: [None, str(v)] for k, v in snap.items() if v is not None}


# -------------------------------------------------------------------------- students


@dataclass(slots=True)
class _StudentPlan:
    row: int
    data: PersonData
    search_name: str
    existing: tuple | None
    school: OrgUnit
    year: SchoolYear
    class_id: int | None
    student_code: str
    start_date: dt.date


def students_import(
    *,
    actor,
    rows: Iterable[Mapping[str, Any] | PersonData],
    school: OrgUnit | None = None,
    school_year: SchoolYear | None = None,
    class_group: ClassGroup | None = None,
    start_date: dt.date | None = None,
    today: dt.date | None = None,
    school_allowed: Callable[[OrgUnit], bool] | None = None,
    communes: dict[str, int] | None = None,
    event_payload: dict | None = None,
) -> BulkResult:
    """Enrol many learners at once, all or nothing.

    Each row is a `PersonData`, or a mapping with the PERSON_FIELDS (text as typed, or typed
    values; `commune` a 5-digit code or a unit id) and optionally `row` (the spreadsheet
    row, used in errors), `person` (a PersonData instead of the person fields), `school`
    (OrgUnit or 8-digit code), `school_year` (SchoolYear or "2025-2026"), `class_group`
    (ClassGroup or class name), `student_code`, `start_date`. The keyword arguments are the
    defaults for rows that leave a reference out. `school_allowed` lets the caller refuse
    schools outside the actor's scope. Raises `DomainErrors` with every error found."""
    rows = list(rows)
    today = today or timezone.localdate()
    start_date = start_date or today
    ph = _Phases()
    with transaction.atomic():
        communes = commune_codes() if communes is None else communes
        refs = _Refs.load(rows, school_key="school", need_classes=True, default=school)
        ph("references")
        errors: list[ErrorItem] = []
        cleaned: list[tuple[int, PersonData, Mapping | PersonData, tuple]] = []
        allowed_cache: dict[int, bool] = {}
        class_cache: dict[tuple, int] = {}
        for index, raw in enumerate(rows, start=1):
            row = _row_number(raw, index)
            ec = ErrorCollector(row=row)
            data, key = _clean(raw, ec, communes, today)
            unit = _resolve_unit(_get(raw, "school"), school, refs, ec, field_name="school")
            if unit is not None and unit.kind != UnitKind.SCHOOL:
                ec.add("student.school", _("Đơn vị được chọn không phải là trường."), "school")
                unit = None
            if unit is not None and school_allowed is not None:
                if unit.pk not in allowed_cache:
                    allowed_cache[unit.pk] = school_allowed(unit)
                if not allowed_cache[unit.pk]:
                    _forbidden(ec, unit)
                    unit = None
            year = _resolve_year(_get(raw, "school_year"), school_year, refs, ec)
            class_id = _resolve_class(
                _get(raw, "class_group") or class_group, unit, year, refs, ec, class_cache
            )
            if ec.items:
                errors.extend(ec.items)
                continue
            start = _optional_date(_get(raw, "start_date"), ec) or start_date
            if ec.items:
                errors.extend(ec.items)
                continue
            cleaned.append((row, data, key, raw, (unit, year, class_id, start)))

        ph("validate")
        known = _Known.load((c[1], c[2]) for c in cleaned)
        existing_ids = {p[0] for p in known.by_pid.values()} | {
            p[0] for p in known.by_moet.values()
        }
        existing_ids |= {ps[0][0] for ps in known.by_key.values()}
        students_of = _existing_students(existing_ids)
        ph("duplicates_db")
        seen = _InFile()
        plans: list[_StudentPlan] = []
        for row, data, key, raw, (unit, year, class_id, start) in cleaned:
            ec = ErrorCollector(row=row)
            existing, matched = known.match(data, key)
            seen.check(data, key, existing, row, ec)
            if existing is not None and existing[0] in students_of:
                _duplicate_error(ec, existing, matched)
            if ec.items:
                errors.extend(ec.items)
                continue
            plans.append(
                _StudentPlan(
                    row,
                    data,
                    key[0],
                    existing,
                    unit,
                    year,
                    class_id,
                    str(_get(raw, "student_code") or "").strip(),
                    start,
                )
            )
        if errors:
            errors.sort(key=lambda e: e.row or 0)
            raise DomainErrors(errors)
        ph("duplicates_file")
        result = _write_students(actor, plans, ph)
        events.emit(
            "people.students_imported",
            {
                "count": result.created,
                "persons_created": result.persons_created,
                "persons_reused": result.persons_reused,
                "schools": sorted({p.school.pk for p in plans}),
                "first_student": result.student_ids[0] if result.student_ids else None,
                "last_student": result.student_ids[-1] if result.student_ids else None,
                **(event_payload or {}),
            },
        )
    return result


def _optional_date(value, ec: ErrorCollector) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return parse_date(value, field="start_date")
    except DomainError as exc:
        ec.capture(exc)
        return None


def _forbidden(ec: ErrorCollector, unit: OrgUnit) -> None:
    ec.add(
        "school.forbidden",
        _("Bạn không có quyền nhập dữ liệu cho %(s)s.") % {"s": unit.name},
        "school",
    )


def _existing_students(person_ids: set[int]) -> set[int]:
    out: set[int] = set()
    for chunk in _chunks(sorted(person_ids)):
        out.update(Student.objects.filter(person_id__in=chunk).values_list("person_id", flat=True))
    return out


def _write_students(actor, plans: list[_StudentPlan], ph: _Phases) -> BulkResult:
    w = _Writer()
    new = [p for p in plans if p.existing is None]
    new_person_ids = _write_persons(w, [p.data for p in new], [p.search_name for p in new])
    new_ids = iter(new_person_ids)
    person_ids = [next(new_ids) if p.existing is None else p.existing[0] for p in plans]
    n = len(plans)
    ph("insert_person")
    student_ids = w.reserve(Student, n)
    now = w.now
    w.insert(
        Student,
        (
            "id",
            "source_id",
            "created_at",
            "updated_at",
            "person_id",
            "student_code",
            "status",
            "current_school_id",
            "current_class_id",
            "search_name",
        ),
        (
            (
                sid,
                u,
                now,
                now,
                pid,
                p.student_code,
                "studying",
                p.school.pk,
                p.class_id,
                p.search_name if p.existing is None else p.existing[3],
            )
            for sid, u, pid, p in zip(student_ids, _uuid_hex(n), person_ids, plans, strict=True)
        ),
    )
    ph("insert_student")
    enrol_ids = w.reserve(Enrolment, n)
    active = EnrolmentStatus.ACTIVE.value
    w.insert(
        Enrolment,
        (
            "id",
            "source_id",
            "created_at",
            "updated_at",
            "student_id",
            "school_id",
            "school_year_id",
            "class_group_id",
            "start_date",
            "end_date",
            "status",
        ),
        (
            (
                eid,
                u,
                now,
                now,
                sid,
                p.school.pk,
                p.year.pk,
                p.class_id,
                p.start_date.isoformat(),
                None,
                active,
            )
            for eid, u, sid, p in zip(enrol_ids, _uuid_hex(n), student_ids, plans, strict=True)
        ),
    )
    ph("insert_enrolment")

    def audit_rows():
        # The same entries student_create writes: people.person (new persons only), then
        # people.student.
        for pid, p in zip(new_person_ids, new, strict=True):
            yield (
                "create",
                "people.person",
                str(pid),
                p.data.full_name,
                _person_changes(p.data),
                "",
            )
        for sid, p in zip(student_ids, plans, strict=True):
            yield (
                "create",
                "people.student",
                str(sid),
                p.data.full_name if p.existing is None else p.existing[1],
                {"school": [None, str(p.school.pk)], "class_group": [None, str(p.class_id or "")]},
                "",
            )

    audit_append(actor=actor, rows=audit_rows(), size=len(new) + n)
    ph("audit")
    ph.log(n)
    return BulkResult(
        created=n,
        persons_created=len(new),
        persons_reused=n - len(new),
        person_ids=person_ids,
        student_ids=student_ids,
    )


# ----------------------------------------------------------------------------- staff


@dataclass
class _StaffPlan:
    row: int
    data: PersonData
    search_name: str
    existing: tuple | None
    unit: OrgUnit
    kind: str
    position: str
    qualification: str
    main_subject: str
    start_date: dt.date | None


def staff_import(
    *,
    actor,
    rows: Iterable[Mapping[str, Any] | PersonData],
    unit: OrgUnit | None = None,
    kind: str | None = None,
    today: dt.date | None = None,
    unit_allowed: Callable[[OrgUnit], bool] | None = None,
    communes: dict[str, int] | None = None,
    event_payload: dict | None = None,
) -> BulkResult:
    """Add many staff members at once, all or nothing (the rules of services.staff_create).

    Rows as for `students_import`, with `school` (or `unit`: OrgUnit or code), `kind`
    (teacher/manager/employee, or "Giáo viên", "Cán bộ quản lý", "Nhân viên"),
    `position`, `qualification`, `main_subject`, `start_date`."""
    rows = list(rows)
    today = today or timezone.localdate()
    with transaction.atomic():
        communes = commune_codes() if communes is None else communes
        refs = _Refs.load(
            [{"school": _get(r, "school") or _get(r, "unit")} for r in rows],
            school_key="school",
            need_classes=False,
            default=unit,
        )
        errors: list[ErrorItem] = []
        cleaned = []
        allowed_cache: dict[int, bool] = {}
        for index, raw in enumerate(rows, start=1):
            row = _row_number(raw, index)
            ec = ErrorCollector(row=row)
            data, key = _clean(raw, ec, communes, today)
            where = _get(raw, "school") or _get(raw, "unit")
            target = _resolve_unit(where, unit, refs, ec, field_name="school")
            if target is not None and unit_allowed is not None:
                if target.pk not in allowed_cache:
                    allowed_cache[target.pk] = unit_allowed(target)
                if not allowed_cache[target.pk]:
                    _forbidden(ec, target)
                    target = None
            kind_raw = _get(raw, "kind") or kind
            staff_kind = kind_raw if kind_raw in StaffKind.values else parse_staff_kind(kind_raw)
            if staff_kind is None:
                ec.add(
                    "staff.kind",
                    _("Loại cán bộ '%(v)s' không hợp lệ (Giáo viên, Cán bộ quản lý, Nhân viên).")
                    % {"v": kind_raw or ""},
                    "kind",
                )
            start = _optional_date(_get(raw, "start_date"), ec)
            if ec.items:
                errors.extend(ec.items)
                continue
            cleaned.append((row, data, key, raw, target, staff_kind, start))

        known = _Known.load((c[1], c[2]) for c in cleaned)
        existing_ids = {p[0] for p in known.by_pid.values()} | {
            p[0] for p in known.by_moet.values()
        }
        existing_ids |= {ps[0][0] for ps in known.by_key.values()}
        active_at: set[tuple[int, int]] = set()
        for chunk in _chunks(sorted(existing_ids)):
            active_at.update(
                StaffMember.objects.filter(person_id__in=chunk, end_date__isnull=True).values_list(
                    "person_id", "unit_id"
                )
            )
        seen = _InFile()
        plans: list[_StaffPlan] = []
        for row, data, key, raw, target, staff_kind, start in cleaned:
            ec = ErrorCollector(row=row)
            existing, matched = known.match(data, key)
            seen.check(data, key, existing, row, ec)
            if existing is not None and (existing[0], target.pk) in active_at:
                _duplicate_error(ec, existing, matched)
            if ec.items:
                errors.extend(ec.items)
                continue
            plans.append(
                _StaffPlan(
                    row,
                    data,
                    key[0],
                    existing,
                    target,
                    staff_kind,
                    clean_name(str(_get(raw, "position") or "")),
                    clean_name(str(_get(raw, "qualification") or "")),
                    clean_name(str(_get(raw, "main_subject") or "")),
                    start,
                )
            )
        if errors:
            errors.sort(key=lambda e: e.row or 0)
            raise DomainErrors(errors)
        result = _write_staff(actor, plans)
        events.emit(
            "people.staff_imported",
            {
                "count": result.created,
                "persons_created": result.persons_created,
                "persons_reused": result.persons_reused,
                "units": sorted({p.unit.pk for p in plans}),
                **(event_payload or {}),
            },
        )
    return result


def _write_staff(actor, plans: list[_StaffPlan]) -> BulkResult:
    w = _Writer()
    new = [p for p in plans if p.existing is None]
    new_ids = iter(_write_persons(w, [p.data for p in new], [p.search_name for p in new]))
    person_ids = [next(new_ids) if p.existing is None else p.existing[0] for p in plans]
    n = len(plans)
    staff_ids = w.reserve(StaffMember, n)
    now = w.now
    w.insert(
        StaffMember,
        (
            "id",
            "source_id",
            "created_at",
            "updated_at",
            "person_id",
            "unit_id",
            "kind",
            "position",
            "qualification",
            "main_subject",
            "start_date",
            "end_date",
            "search_name",
        ),
        (
            (
                sid,
                u,
                now,
                now,
                pid,
                p.unit.pk,
                p.kind,
                p.position,
                p.qualification,
                p.main_subject,
                p.start_date.isoformat() if p.start_date else None,
                None,
                p.search_name if p.existing is None else p.existing[3],
            )
            for sid, u, pid, p in zip(staff_ids, _uuid_hex(n), person_ids, plans, strict=True)
        ),
    )
    rows = [
        ("create", "people.person", str(pid), p.data.full_name, _person_changes(p.data), "")
        for pid, p in zip(person_ids, plans, strict=True)
        if p.existing is None
    ]
    rows += [
        (
            "create",
            "people.staff",
            str(sid),
            p.data.full_name if p.existing is None else p.existing[1],
            {"unit": [None, str(p.unit.pk)], "kind": [None, p.kind]},
            "",
        )
        for sid, p in zip(staff_ids, plans, strict=True)
    ]
    audit_append(actor=actor, rows=rows)
    return BulkResult(
        created=n,
        persons_created=len(new),
        persons_reused=n - len(new),
        person_ids=person_ids,
        staff_ids=staff_ids,
    )
