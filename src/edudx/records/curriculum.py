"""Loading the national curriculum (CT GDPT 2018) from CSV; format in docs/curriculum.md.

`curriculum_load` is idempotent: subjects are matched by code and curriculum rows by
(grade, subject), updated in place, and rows no longer in the file are removed. It takes
the model classes as arguments so the data migration can run it with historical models."""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from edudx.core.errors import ErrorCollector

CURRICULUM_CSV = Path(__file__).resolve().parent / "data" / "curriculum_2018.csv"
COLUMNS = ("grade", "subject_code", "subject_name", "periods_per_year", "kind", "assessed_by")
KINDS = ("compulsory", "elective", "optional")
ASSESSED_BY = ("score", "comment")


@dataclass(frozen=True)
class CurriculumRow:
    grade: int
    subject_code: str
    subject_name: str
    periods_per_year: int
    kind: str
    assessed_by: str


def _int(value: str, lo: int, hi: int) -> int | None:
    try:
        n = int(value.strip())
    except (AttributeError, ValueError):
        return None
    return n if lo <= n <= hi else None


def read_curriculum(path: Path = CURRICULUM_CSV) -> list[CurriculumRow]:
    """Parse and check the whole file; every bad row and field is reported at once."""
    rows: list[CurriculumRow] = []
    errors = ErrorCollector()
    seen: dict[tuple[int, str], int] = {}
    subjects: dict[str, tuple[str, str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            errors.add(
                "curriculum.columns",
                _("Thiếu cột: %(cols)s.") % {"cols": ", ".join(missing)},
                "header",
            )
            errors.raise_if_any()
        for line, raw in enumerate(reader, start=2):
            errors.row = line
            grade = _int(raw["grade"], 1, 12)
            periods = _int(raw["periods_per_year"], 1, 1000)
            code = (raw["subject_code"] or "").strip()
            name = " ".join((raw["subject_name"] or "").split())
            kind = (raw["kind"] or "").strip()
            assessed = (raw["assessed_by"] or "").strip()
            if grade is None:
                errors.add("curriculum.grade", _("Khối lớp phải từ 1 đến 12."), "grade")
            if periods is None:
                errors.add(
                    "curriculum.periods", _("Số tiết/năm phải là số nguyên dương."), "periods"
                )
            if not code or not name:
                errors.add("curriculum.subject", _("Thiếu mã hoặc tên môn học."), "subject_code")
            if kind not in KINDS:
                errors.add(
                    "curriculum.kind",
                    _("Loại môn phải là một trong: %(v)s.") % {"v": ", ".join(KINDS)},
                    "kind",
                )
            if assessed not in ASSESSED_BY:
                errors.add(
                    "curriculum.assessed_by",
                    _("Hình thức đánh giá phải là một trong: %(v)s.")
                    % {"v": ", ".join(ASSESSED_BY)},
                    "assessed_by",
                )
            if code and subjects.setdefault(code, (name, assessed)) != (name, assessed):
                errors.add(
                    "curriculum.subject_mismatch",
                    _("Môn %(code)s có tên hoặc hình thức đánh giá khác với dòng trước.")
                    % {"code": code},
                    "subject_name",
                )
            if grade is not None and code:
                if (grade, code) in seen:
                    errors.add(
                        "curriculum.duplicate",
                        _("Môn %(code)s lặp lại ở khối %(grade)s (dòng %(line)s).")
                        % {"code": code, "grade": grade, "line": seen[(grade, code)]},
                        "subject_code",
                    )
                seen[(grade, code)] = line
            if not errors.items:
                rows.append(CurriculumRow(grade, code, name, periods, kind, assessed))
    errors.raise_if_any()
    return rows


def curriculum_load(rows: list[CurriculumRow], *, subject_model, curriculum_model) -> dict:
    """Write `rows`; returns counts {subjects, curriculum, created, updated, removed}."""
    by_code: dict[str, dict] = {}
    for order, r in enumerate(rows):
        s = by_code.setdefault(
            r.subject_code,
            {
                "name": r.subject_name,
                "assessed_by": r.assessed_by,
                "grade_from": r.grade,
                "grade_to": r.grade,
                "sort_order": order,
            },
        )
        s["grade_from"] = min(s["grade_from"], r.grade)
        s["grade_to"] = max(s["grade_to"], r.grade)
    created = updated = 0
    with transaction.atomic():
        existing = {s.code: s for s in subject_model.objects.all()}
        # Sort order: position of a subject's first row in the file, compacted.
        ranks = {code: i for i, code in enumerate(by_code)}
        changed = []
        for code, values in by_code.items():
            values["sort_order"] = ranks[code]
            subj = existing.get(code)
            if subj is None:
                existing[code] = subject_model.objects.create(code=code, **values)
                created += 1
            elif any(getattr(subj, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(subj, k, v)
                changed.append(subj)
        if changed:
            subject_model.objects.bulk_update(
                changed, ["name", "assessed_by", "grade_from", "grade_to", "sort_order"]
            )
            updated += len(changed)
        current = {(c.grade, c.subject_id): c for c in curriculum_model.objects.all()}
        wanted = set()
        new, changed = [], []
        for r in rows:
            subj = existing[r.subject_code]
            key = (r.grade, subj.pk)
            wanted.add(key)
            row = current.get(key)
            if row is None:
                new.append(
                    curriculum_model(
                        grade=r.grade,
                        subject=subj,
                        periods_per_year=r.periods_per_year,
                        kind=r.kind,
                    )
                )
            elif (row.periods_per_year, row.kind) != (r.periods_per_year, r.kind):
                row.periods_per_year, row.kind = r.periods_per_year, r.kind
                changed.append(row)
        curriculum_model.objects.bulk_create(new)
        if changed:
            curriculum_model.objects.bulk_update(changed, ["periods_per_year", "kind"])
        stale = [c.pk for key, c in current.items() if key not in wanted]
        if stale:
            curriculum_model.objects.filter(pk__in=stale).delete()
    return {
        "subjects": len(by_code),
        "curriculum": len(rows),
        "created": created + len(new),
        "updated": updated + len(changed),
        "removed": len(stale),
    }
