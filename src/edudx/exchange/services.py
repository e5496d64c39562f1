"""Importing students and staff from an uploaded spreadsheet.

`import_upload` parses the file (`parsers`), hands the rows to the bulk write path in
`people.bulk` (the single-record services' validation, duplicate rules and audit), and
records an `ImportBatch`. One transaction: any error, and nothing but the failed batch row
is written. The same file (kind + SHA-256) imports once: a re-upload returns the earlier
batch."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from edudx.core.errors import DomainError, DomainErrors, ErrorItem
from edudx.org.models import OrgUnit, SchoolYear
from edudx.org.selectors import school_year_current
from edudx.people import bulk
from edudx.people.selectors import unit_visible

from . import parsers
from .models import ImportBatch, ImportKind, ImportStatus

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 30 * 1024 * 1024


@dataclass
class ImportOutcome:
    batch: ImportBatch
    reused: bool = False  # the same file had already been imported


def _error_rows(items: list[ErrorItem], sheet: parsers.Sheet | None) -> list[dict]:
    out = []
    for item in items:
        d = item.as_dict()
        if sheet is not None and item.field in sheet.columns:
            d["column"] = sheet.column_label(item.field)
        else:
            d["column"] = f"{parsers.field_label(item.field)} ({item.field})" if item.field else ""
        out.append(d)
    return out


def import_upload(
    *,
    actor,
    kind: str,
    file_name: str,
    content: bytes,
    school: OrgUnit | None = None,
    school_year: SchoolYear | None = None,
    today=None,
) -> ImportOutcome:
    """Import a .csv or .xlsx list of students or staff. `school` is the target for rows
    without a Mã trường column; every school named must be in the actor's scope."""
    if kind not in ImportKind.values:
        raise DomainError("import.kind", _("Loại dữ liệu nhập không hợp lệ."), field="kind")
    if school is not None and not unit_visible(actor=actor, unit=school):
        raise DomainError(
            "school.forbidden",
            _("Bạn không có quyền nhập dữ liệu cho %(s)s.") % {"s": school.name},
            field="school",
        )
    digest = hashlib.sha256(content).hexdigest()
    earlier = ImportBatch.objects.filter(
        kind=kind, sha256=digest, status=ImportStatus.SUCCEEDED
    ).first()
    if earlier is not None:
        return ImportOutcome(earlier, reused=True)

    batch = ImportBatch(
        kind=kind, file_name=file_name[:255], sha256=digest, actor=actor, school=school
    )
    sheet = None
    try:
        if len(content) > MAX_UPLOAD_BYTES:
            raise DomainErrors(
                [
                    ErrorItem(
                        "file.too_large",
                        _("Tệp lớn hơn %(n)s MB; hãy chia thành nhiều tệp.")
                        % {"n": MAX_UPLOAD_BYTES // (1024 * 1024)},
                    )
                ]
            )
        sheet = parsers.parse_upload(file_name=file_name, content=content, kind=kind)
        batch.header_row, batch.rows_total = sheet.header_row, len(sheet.rows)
        if not sheet.rows:
            raise DomainErrors(
                [
                    ErrorItem(
                        "file.empty",
                        _("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề."),
                        None,
                        sheet.header_row,
                    )
                ]
            )
        payload = {"import_batch": str(batch.source_id), "file_name": batch.file_name}
        with transaction.atomic():
            if kind == ImportKind.STUDENTS:
                result = bulk.students_import(
                    actor=actor,
                    rows=sheet.rows,
                    school=school,
                    school_year=school_year or school_year_current(today),
                    today=today,
                    school_allowed=lambda u: unit_visible(actor=actor, unit=u),
                    event_payload=payload,
                )
            else:
                result = bulk.staff_import(
                    actor=actor,
                    rows=sheet.rows,
                    unit=school,
                    today=today,
                    unit_allowed=lambda u: unit_visible(actor=actor, unit=u),
                    event_payload=payload,
                )
            batch.status = ImportStatus.SUCCEEDED
            batch.created_count = result.created
            batch.persons_created = result.persons_created
            batch.persons_reused = result.persons_reused
            batch.save()
    except DomainErrors as exc:
        batch.status = ImportStatus.FAILED
        batch.errors = _error_rows(exc.items, sheet)
        batch.pk = None
        batch.save()
    except IntegrityError:
        # Another upload of the same file, or of the same people, committed first.
        earlier = ImportBatch.objects.filter(
            kind=kind, sha256=digest, status=ImportStatus.SUCCEEDED
        ).first()
        if earlier is not None:
            return ImportOutcome(earlier, reused=True)
        log.warning("exchange.import_conflict", extra={"file": file_name, "sha256": digest})
        batch.status = ImportStatus.FAILED
        batch.errors = _error_rows(
            [
                ErrorItem(
                    "import.conflict",
                    _(
                        "Một lần nhập khác vừa ghi cùng những người này; hãy tải lại tệp để "
                        "kiểm tra trùng lặp."
                    ),
                )
            ],
            None,
        )
        batch.pk = None
        batch.save()
    log.info(
        "exchange.import",
        extra={"batch": batch.pk, "status": batch.status, "rows": batch.rows_total},
    )
    return ImportOutcome(batch)
