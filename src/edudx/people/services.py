"""Every write of personal data. Each service validates, writes in one transaction, records
the audit event and emits the outbox event."""

import datetime as dt
import functools
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.audit.services import Entry, audit_record, audit_record_many, diff
from edudx.core import events
from edudx.core.errors import Conflict, DomainError, ErrorCollector
from edudx.core.ethnicity import ETHNIC_GROUPS, ETHNICITY_BY_CODE
from edudx.core.text import clean_name, fold
from edudx.core.validators import (
    parse_date,
    validate_birth_date,
    validate_moet_id,
    validate_personal_id,
)
from edudx.org.models import ClassGroup, OrgUnit, SchoolYear, UnitKind

from .models import (
    Enrolment,
    EnrolmentStatus,
    GuardianLink,
    Person,
    StaffKind,
    StaffMember,
    Student,
    StudentStatus,
    TeachingAssignment,
)

PERSON_FIELDS = (
    "full_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "commune",
    "address",
    "personal_id",
    "moet_id",
    "phone",
    "email",
)
_SEX_WORDS = {"m": "M", "nam": "M", "male": "M", "f": "F", "nu": "F", "female": "F"}
_ETHNICITY_BY_NAME = {fold(name): code for code, name in ETHNIC_GROUPS}
_ETHNICITY_BY_NAME.update({fold(name).replace("-", " "): code for code, name in ETHNIC_GROUPS})


@dataclass
class PersonData:
    full_name: str
    date_of_birth: dt.date
    sex: str
    ethnicity: str = "01"
    commune_id: int | None = None
    address: str = ""
    personal_id: str | None = None
    moet_id: str | None = None
    phone: str = ""
    email: str = ""

    @property
    def search_name(self) -> str:
        return fold(self.full_name)


def parse_sex(value) -> str | None:
    return _sex_code(str(value or ""))


@functools.lru_cache(maxsize=512)
def _sex_code(text: str) -> str | None:
    # A column of an import holds a handful of distinct spellings: fold each once.
    return _SEX_WORDS.get(fold(text))


def parse_ethnicity(value) -> str | None:
    return _ethnicity_code(str(value or ""))


@functools.lru_cache(maxsize=1024)
def _ethnicity_code(raw: str) -> str | None:
    text = raw.strip()
    if not text:
        return "01"
    if text.isdigit() and text.zfill(2) in ETHNICITY_BY_CODE:
        return text.zfill(2)
    key = fold(text)
    return _ETHNICITY_BY_NAME.get(key) or _ETHNICITY_BY_NAME.get(key.replace("-", " "))


# The rules of person_clean, one small function per field: each returns the clean value
# and records what is wrong in `errors` (messages only on the error path).


def clean_full_name(value, errors: ErrorCollector) -> str:
    name = clean_name(value)
    if not name:
        errors.add("full_name.required", _("Họ và tên không được để trống."), "full_name")
    return name


def clean_birth_date(value, errors: ErrorCollector, today: dt.date) -> dt.date | None:
    if value is None or value == "":
        errors.add("date_of_birth.required", _("Ngày sinh không được để trống."), "date_of_birth")
        return None
    try:
        return validate_birth_date(parse_date(value, field="date_of_birth"), today=today)
    except DomainError as exc:
        errors.capture(exc)
        return None


def clean_sex(value, errors: ErrorCollector) -> str | None:
    sex = parse_sex(value)
    if sex is None:
        errors.add("sex.invalid", _("Giới tính phải là Nam hoặc Nữ."), "sex")
    return sex


def clean_ethnicity(value, errors: ErrorCollector) -> str | None:
    ethnicity = parse_ethnicity(value)
    if ethnicity is None:
        errors.add(
            "ethnicity.invalid",
            _("Dân tộc '%(v)s' không có trong danh mục 54 dân tộc.") % {"v": value},
            "ethnicity",
        )
    return ethnicity


def clean_commune(value, errors: ErrorCollector, communes: dict[str, int] | None) -> int | None:
    """A commune unit, its id, or its 5-digit code (looked up in `communes`)."""
    if isinstance(value, OrgUnit):
        return value.pk
    if isinstance(value, int):
        return value
    if value is None or value == "":
        return None
    code = str(value).strip()
    commune_id = (communes if communes is not None else commune_codes()).get(code)
    if commune_id is None:
        errors.add("commune.unknown", _("Mã xã '%(v)s' không tồn tại.") % {"v": code}, "commune")
    return commune_id


def clean_personal_id(
    value, errors: ErrorCollector, dob: dt.date | None, sex: str | None
) -> str | None:
    pid = str(value or "").strip() or None
    if pid:
        try:
            return validate_personal_id(pid, date_of_birth=dob, sex=sex)
        except DomainError as exc:
            errors.capture(exc)
    return pid


def clean_moet_id(value, errors: ErrorCollector) -> str | None:
    moet = str(value or "").strip() or None
    if moet:
        try:
            return validate_moet_id(moet)
        except DomainError as exc:
            errors.capture(exc)
    return moet


def person_clean(
    raw: dict,
    *,
    errors: ErrorCollector,
    communes: dict[str, int] | None = None,
    today: dt.date | None = None,
) -> PersonData | None:
    """Validate one person's fields, collecting every error (not just the first).

    `raw` holds text or typed values under the PERSON_FIELDS names; `commune` is a 5-digit
    commune code or an OrgUnit id (int). `communes` maps commune codes to unit ids.
    people.bulk runs this same function on every imported row."""
    today = today or timezone.localdate()
    get = raw.get
    name = clean_full_name(get("full_name"), errors)
    dob = clean_birth_date(get("date_of_birth"), errors, today)
    sex = clean_sex(get("sex"), errors)
    ethnicity = clean_ethnicity(get("ethnicity"), errors)
    commune_id = clean_commune(get("commune"), errors, communes)
    pid = clean_personal_id(get("personal_id"), errors, dob, sex)
    moet = clean_moet_id(get("moet_id"), errors)
    if errors.items:
        return None
    return PersonData(
        name,
        dob,
        sex,
        ethnicity,
        commune_id,
        clean_name(get("address")),
        pid,
        moet,
        str(get("phone") or "").strip(),
        str(get("email") or "").strip(),
    )


def commune_codes() -> dict[str, int]:
    return dict(OrgUnit.objects.filter(kind=UnitKind.COMMUNE).values_list("code", "id"))


def find_duplicates(data: PersonData, *, exclude_id: int | None = None) -> list[Person]:
    """DESIGN.md: duplicates by ID first, else normalised name + date of birth + commune."""
    qs = Person.objects.filter(merged_into__isnull=True)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    ids = Q(pk__in=[])
    if data.personal_id:
        ids |= Q(personal_id=data.personal_id)
    if data.moet_id:
        ids |= Q(moet_id=data.moet_id)
    found = list(qs.filter(ids)) if (data.personal_id or data.moet_id) else []
    if found:
        return found
    same_name = qs.filter(
        search_name=data.search_name,
        date_of_birth=data.date_of_birth,
        commune_id=data.commune_id,
    )
    # A different ID is a different person, however alike the names: common names share a
    # birthday in a big commune. Only a record without that ID can be the same person.
    if data.personal_id:
        same_name = same_name.filter(personal_id__isnull=True)
    if data.moet_id:
        same_name = same_name.filter(moet_id__isnull=True)
    return list(same_name)


def _person_snapshot(p: Person) -> dict:
    return {f: getattr(p, "commune_id" if f == "commune" else f) for f in PERSON_FIELDS}


def _raise_duplicate(dupes: list[Person], data: PersonData) -> None:
    if dupes:
        d = dupes[0]
        field = (
            "personal_id"
            if data.personal_id and d.personal_id == data.personal_id
            else ("moet_id" if data.moet_id and d.moet_id == data.moet_id else "full_name")
        )
        raise Conflict(
            "person.duplicate",
            _("Người này đã có trong hệ thống: %(name)s, sinh ngày %(dob)s.")
            % {"name": d.full_name, "dob": d.date_of_birth.strftime("%d/%m/%Y")},
            field=field,
        )


def person_create(*, actor, data: PersonData, reason: str = "") -> Person:
    _raise_duplicate(find_duplicates(data), data)
    with transaction.atomic():
        person = Person.objects.create(
            full_name=data.full_name,
            search_name=data.search_name,
            date_of_birth=data.date_of_birth,
            sex=data.sex,
            ethnicity=data.ethnicity,
            commune_id=data.commune_id,
            address=data.address,
            personal_id=data.personal_id,
            moet_id=data.moet_id,
            phone=data.phone,
            email=data.email,
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="people.person",
            object_id=person.pk,
            object_repr=person.full_name,
            reason=reason,
            changes=diff({}, _person_snapshot(person)),
        )
    return person


def person_update(*, actor, person: Person, data: PersonData, reason: str = "") -> Person:
    _raise_duplicate(find_duplicates(data, exclude_id=person.pk), data)
    before = _person_snapshot(person)
    with transaction.atomic():
        person.full_name, person.search_name = data.full_name, data.search_name
        person.date_of_birth, person.sex, person.ethnicity = (
            data.date_of_birth,
            data.sex,
            data.ethnicity,
        )
        person.commune_id, person.address = data.commune_id, data.address
        person.personal_id, person.moet_id = data.personal_id, data.moet_id
        person.phone, person.email = data.phone, data.email
        person.save()
        _roles_follow(person.pk, search_name=data.search_name)
        changes = diff(before, _person_snapshot(person))
        if changes:
            audit_record(
                actor=actor,
                action="update",
                object_type="people.person",
                object_id=person.pk,
                object_repr=person.full_name,
                reason=reason,
                changes=changes,
            )
            events.emit(
                "people.person_updated", {"person": person.pk, "source_id": str(person.source_id)}
            )
    return person


def _check_class(class_group: ClassGroup | None, school: OrgUnit, year: SchoolYear) -> None:
    if class_group is None:
        return
    if class_group.school_id != school.pk or class_group.school_year_id != year.pk:
        raise DomainError(
            "class.mismatch",
            _("Lớp %(c)s không thuộc trường và năm học đã chọn.") % {"c": class_group.name},
            field="class_group",
        )


def _roles_follow(person_id: int, **fields) -> None:
    """A person changed: its student and staff rows take `fields` (their copy of the folded
    name) and a new `updated_at`, so the change feeds, which order by the role row
    (selectors.student_changes), report the person's change."""
    now = timezone.now()
    Student.objects.filter(person_id=person_id).update(**fields, updated_at=now)
    StaffMember.objects.filter(person_id=person_id).update(**fields, updated_at=now)


def _touched(person_id: int, fields: dict) -> None:
    """Write `fields` on a person; its role rows follow (`_roles_follow`)."""
    Person.objects.filter(pk=person_id).update(**fields, updated_at=timezone.now())
    _roles_follow(person_id)


def _fill_identifiers(*, actor, person: Person, data: PersonData) -> Person:
    """A person found again (as a new student or staff member) gains the identifiers the new
    record brings and it lacked; identifiers it already has are never overwritten."""
    fill = {
        f: getattr(data, f)
        for f in ("personal_id", "moet_id")
        if getattr(data, f) and not getattr(person, f)
    }
    if fill:
        _touched(person.pk, fill)
        for f, v in fill.items():
            setattr(person, f, v)
        audit_record(
            actor=actor,
            action="update",
            object_type="people.person",
            object_id=person.pk,
            object_repr=person.full_name,
            changes={f: [None, v] for f, v in fill.items()},
        )
    return person


def student_create(
    *,
    actor,
    data: PersonData,
    school: OrgUnit,
    school_year: SchoolYear,
    class_group: ClassGroup | None = None,
    start_date: dt.date | None = None,
    student_code: str = "",
) -> Student:
    """Enrol a new learner. If the person exists (same ID) and is not yet a student, the
    student role is added to that person; a second student record is never made."""
    if school.kind != UnitKind.SCHOOL:
        raise DomainError(
            "student.school", _("Đơn vị được chọn không phải là trường."), field="school"
        )
    _check_class(class_group, school, school_year)
    with transaction.atomic():
        dupes = find_duplicates(data)
        if dupes and Student.objects.filter(person__in=dupes).exists():
            _raise_duplicate(dupes, data)
        person = (
            _fill_identifiers(actor=actor, person=dupes[0], data=data)
            if dupes
            else person_create(actor=actor, data=data)
        )
        student = Student.objects.create(
            person=person,
            student_code=student_code,
            current_school=school,
            current_class=class_group,
            search_name=person.search_name,
        )
        Enrolment.objects.create(
            student=student,
            school=school,
            school_year=school_year,
            class_group=class_group,
            start_date=start_date or timezone.localdate(),
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="people.student",
            object_id=student.pk,
            object_repr=person.full_name,
            changes={
                "school": [None, str(school.pk)],
                "class_group": [None, str(class_group.pk if class_group else "")],
            },
        )
        events.emit(
            "people.student_created",
            {"student": student.pk, "source_id": str(student.source_id), "school": school.pk},
        )
    return student


def student_update(
    *,
    actor,
    student: Student,
    data: PersonData,
    class_group: ClassGroup | None = None,
    reason: str = "",
) -> Student:
    with transaction.atomic():
        person_update(actor=actor, person=student.person, data=data, reason=reason)
        if class_group is not None and class_group.pk != student.current_class_id:
            enrol = student.enrolments.filter(status=EnrolmentStatus.ACTIVE).last()
            _check_class(class_group, student.current_school, class_group.school_year)
            old = student.current_class_id
            student.current_class = class_group
            student.save(update_fields=["current_class", "updated_at"])
            if enrol:
                enrol.class_group = class_group
                enrol.save(update_fields=["class_group", "updated_at"])
            audit_record(
                actor=actor,
                action="update",
                object_type="people.student",
                object_id=student.pk,
                object_repr=student.person.full_name,
                changes={"class_group": [str(old), str(class_group.pk)]},
                reason=reason,
            )
        student.refresh_from_db()
    return student


def student_transfer(
    *,
    actor,
    student: Student,
    to_school: OrgUnit,
    school_year: SchoolYear,
    class_group: ClassGroup | None = None,
    effective: dt.date,
    reason: str = "",
) -> Enrolment:
    """A transfer closes the open enrolment and opens a new one; the person and every
    earlier row stay as they are."""
    if to_school.kind != UnitKind.SCHOOL:
        raise DomainError(
            "student.school", _("Đơn vị được chọn không phải là trường."), field="school"
        )
    if to_school.pk == student.current_school_id:
        raise DomainError(
            "transfer.same_school",
            _("Trường chuyển đến trùng với trường hiện tại."),
            field="school",
        )
    _check_class(class_group, to_school, school_year)
    current = student.enrolments.filter(status=EnrolmentStatus.ACTIVE).order_by("-start_date")
    started = current.values_list("start_date", flat=True).first()
    if started is not None and effective < started:
        raise DomainError(
            "transfer.effective",
            _("Ngày chuyển %(d)s sớm hơn ngày bắt đầu học ở trường hiện tại (%(s)s).")
            % {"d": effective.strftime("%d/%m/%Y"), "s": started.strftime("%d/%m/%Y")},
            field="effective",
        )
    with transaction.atomic():
        old_school = student.current_school_id
        student.enrolments.filter(status=EnrolmentStatus.ACTIVE).update(
            status=EnrolmentStatus.TRANSFERRED_OUT, end_date=effective, updated_at=timezone.now()
        )
        enrol = Enrolment.objects.create(
            student=student,
            school=to_school,
            school_year=school_year,
            class_group=class_group,
            start_date=effective,
        )
        student.current_school, student.current_class = to_school, class_group
        student.status = StudentStatus.STUDYING
        student.save(update_fields=["current_school", "current_class", "status", "updated_at"])
        audit_record(
            actor=actor,
            action="update",
            object_type="people.student",
            object_id=student.pk,
            object_repr=student.person.full_name,
            reason=reason,
            changes={"school": [str(old_school), str(to_school.pk)]},
        )
        events.emit(
            "people.student_transferred",
            {"student": student.pk, "from": old_school, "to": to_school.pk},
        )
    return enrol


def staff_create(
    *,
    actor,
    data: PersonData,
    unit: OrgUnit,
    kind: str,
    position: str = "",
    qualification: str = "",
    main_subject: str = "",
    start_date: dt.date | None = None,
) -> StaffMember:
    if kind not in StaffKind.values:
        raise DomainError("staff.kind", _("Loại cán bộ không hợp lệ."), field="kind")
    with transaction.atomic():
        dupes = find_duplicates(data)
        if (
            dupes
            and StaffMember.objects.filter(
                person__in=dupes, unit=unit, end_date__isnull=True
            ).exists()
        ):
            _raise_duplicate(dupes, data)
        person = (
            _fill_identifiers(actor=actor, person=dupes[0], data=data)
            if dupes
            else person_create(actor=actor, data=data)
        )
        staff = StaffMember.objects.create(
            person=person,
            unit=unit,
            kind=kind,
            position=position,
            qualification=qualification,
            main_subject=main_subject,
            start_date=start_date,
            search_name=person.search_name,
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="people.staff",
            object_id=staff.pk,
            object_repr=person.full_name,
            changes={"unit": [None, str(unit.pk)], "kind": [None, kind]},
        )
        events.emit("people.staff_created", {"staff": staff.pk, "unit": unit.pk})
    return staff


def staff_update(
    *,
    actor,
    staff: StaffMember,
    data: PersonData,
    kind: str | None = None,
    position: str | None = None,
    qualification: str | None = None,
    reason: str = "",
) -> StaffMember:
    with transaction.atomic():
        person_update(actor=actor, person=staff.person, data=data, reason=reason)
        before = {
            "kind": staff.kind,
            "position": staff.position,
            "qualification": staff.qualification,
        }
        if kind is not None:
            if kind not in StaffKind.values:
                raise DomainError("staff.kind", _("Loại cán bộ không hợp lệ."), field="kind")
            staff.kind = kind
        if position is not None:
            staff.position = position
        if qualification is not None:
            staff.qualification = qualification
        staff.search_name = staff.person.search_name
        staff.save()
        changes = diff(
            before,
            {"kind": staff.kind, "position": staff.position, "qualification": staff.qualification},
        )
        if changes:
            audit_record(
                actor=actor,
                action="update",
                object_type="people.staff",
                object_id=staff.pk,
                object_repr=staff.person.full_name,
                changes=changes,
                reason=reason,
            )
    return staff


def teaching_assign(
    *,
    actor,
    staff: StaffMember,
    class_group: ClassGroup,
    subject: str = "",
    is_homeroom: bool = False,
) -> TeachingAssignment:
    if staff.unit_id != class_group.school_id:
        raise DomainError(
            "assignment.school", _("Giáo viên và lớp không cùng một trường."), field="class_group"
        )
    with transaction.atomic():
        ta, _created = TeachingAssignment.objects.get_or_create(
            staff=staff,
            class_group=class_group,
            subject=subject,
            defaults={"is_homeroom": is_homeroom},
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="people.assignment",
            object_id=ta.pk,
            object_repr=f"{staff.person.full_name} {class_group}",
        )
    return ta


def teaching_unassign(*, actor, staff_id: int, class_group_id: int, subject: str) -> int:
    """Remove a subject teaching row (not the homeroom one); returns how many were removed."""
    with transaction.atomic():
        rows = list(
            TeachingAssignment.objects.filter(
                staff_id=staff_id,
                class_group_id=class_group_id,
                subject=subject,
                is_homeroom=False,
            ).values_list("pk", flat=True)
        )
        TeachingAssignment.objects.filter(pk__in=rows).delete()
        audit_record_many(
            actor=actor,
            entries=[
                Entry("delete", "people.assignment", str(pk), f"{staff_id} {class_group_id}")
                for pk in rows
            ],
        )
    return len(rows)


def homeroom_move(*, actor, class_group: ClassGroup, staff: StaffMember) -> TeachingAssignment:
    """Make `staff` the class's only homeroom teacher; returns the homeroom row. Previous
    homeroom teachers keep their other rows. accounts.scope reads this flag."""
    now = timezone.now()
    with transaction.atomic():
        TeachingAssignment.objects.filter(class_group=class_group, is_homeroom=True).exclude(
            staff=staff
        ).update(is_homeroom=False, updated_at=now)
        ta = teaching_assign(
            actor=actor, staff=staff, class_group=class_group, subject="", is_homeroom=True
        )
        if not ta.is_homeroom:
            TeachingAssignment.objects.filter(pk=ta.pk).update(is_homeroom=True, updated_at=now)
            ta.is_homeroom = True
    return ta


def guardian_link(
    *, actor, guardian: Person, student: Student, relationship: str = "guardian"
) -> GuardianLink:
    with transaction.atomic():
        link, _created = GuardianLink.objects.get_or_create(
            guardian=guardian, student=student, defaults={"relationship": relationship}
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="people.guardian_link",
            object_id=link.pk,
            object_repr=f"{guardian.full_name} → {student.person.full_name}",
        )
    return link


def _one_open_enrolment(student: Student, now) -> int:
    """After a merge of two student records the survivor may hold two open enrolments (the
    same child entered twice). The latest one is where the child is now; earlier open ones
    end the day it starts (status transferred_out, history kept). Returns how many closed."""
    open_rows = list(
        Enrolment.objects.filter(student=student, status=EnrolmentStatus.ACTIVE).order_by(
            "start_date", "id"
        )
    )
    if not open_rows:
        return 0
    current = open_rows[-1]
    for e in open_rows[:-1]:
        e.status = EnrolmentStatus.TRANSFERRED_OUT
        e.end_date = current.start_date
        e.updated_at = now
    Enrolment.objects.bulk_update(open_rows[:-1], ["status", "end_date", "updated_at"])
    Student.objects.filter(pk=student.pk).update(
        current_school_id=current.school_id,
        current_class_id=current.class_group_id,
        status=StudentStatus.STUDYING,
        updated_at=now,
    )
    return len(open_rows) - 1


def person_merge(*, actor, keep: Person, drop: Person, reason: str = "") -> Person:
    """Merge a duplicate into `keep`. Every row that pointed at `drop` — student role and its
    enrolments, staff roles, guardian links, user accounts — now points at `keep`; nothing is
    deleted, and `drop` stays as a tombstone with `merged_into` set."""
    if keep.pk == drop.pk:
        raise DomainError("merge.same", _("Không thể gộp một người với chính họ."))
    from django.apps import apps  # accounts sits above people: reach User by name only

    with transaction.atomic():
        locked = Person.objects.select_for_update().in_bulk([keep.pk, drop.pk])
        if locked[keep.pk].merged_into_id or locked[drop.pk].merged_into_id:
            raise DomainError(
                "merge.tombstone", _("Hồ sơ này đã được gộp vào một người khác trước đó.")
            )
        # Moved rows get a new `updated_at` so incremental sync (DESIGN.md) sees the move.
        now = timezone.now()
        moved: dict[str, int] = {}
        keep_student = Student.objects.filter(person=keep).first()
        drop_student = Student.objects.filter(person=drop).first()
        if drop_student and keep_student:
            moved["enrolments"] = Enrolment.objects.filter(student=drop_student).update(
                student=keep_student, updated_at=now
            )
            for link in GuardianLink.objects.filter(student=drop_student):
                if GuardianLink.objects.filter(
                    guardian=link.guardian_id, student=keep_student
                ).exists():
                    link.delete()
                else:
                    link.student = keep_student
                    link.save(update_fields=["student", "updated_at"])
            drop_student.status = StudentStatus.TRANSFERRED
            drop_student.current_school = None
            drop_student.current_class = None
            drop_student.save()
            moved["closed_enrolments"] = _one_open_enrolment(keep_student, now)
        elif drop_student:
            drop_student.person = keep
            drop_student.search_name = locked[keep.pk].search_name
            drop_student.save(update_fields=["person", "search_name", "updated_at"])
            moved["student"] = 1
        moved["staff"] = StaffMember.objects.filter(person=drop).update(
            person=keep, search_name=locked[keep.pk].search_name, updated_at=now
        )
        for link in GuardianLink.objects.filter(guardian=drop):
            if GuardianLink.objects.filter(guardian=keep, student=link.student_id).exists():
                link.delete()
            else:
                link.guardian = keep
                link.save(update_fields=["guardian", "updated_at"])
        moved["users"] = (
            apps.get_model("accounts", "User").objects.filter(person=drop).update(person=keep)
        )
        # Keep the identifiers on the survivor if it lacked them.
        fill = {}
        for f in ("personal_id", "moet_id"):
            if not getattr(locked[keep.pk], f) and getattr(locked[drop.pk], f):
                fill[f] = getattr(locked[drop.pk], f)
        Person.objects.filter(pk=drop.pk).update(
            merged_into=keep, personal_id=None, moet_id=None, updated_at=timezone.now()
        )
        if fill:
            _touched(keep.pk, fill)
        audit_record_many(
            actor=actor,
            entries=[
                Entry(
                    "merge",
                    "people.person",
                    str(keep.pk),
                    keep.full_name,
                    {
                        "merged": [None, str(drop.pk)],
                        **{k: [None, str(v)] for k, v in moved.items()},
                    },
                    reason,
                ),
                Entry(
                    "update",
                    "people.person",
                    str(drop.pk),
                    drop.full_name,
                    {"merged_into": [None, str(keep.pk)]},
                    reason,
                ),
            ],
        )
        events.emit("people.person_merged", {"keep": keep.pk, "drop": drop.pk})
    keep.refresh_from_db()
    return keep
