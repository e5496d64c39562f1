"""Every write of the exams app: questions and versions, imports, matrices and papers,
online tests, attempts (start, autosave, submit), grading, results, item analysis.

The hot path of an exam (`attempt_start`, `answer_save`) is built for a whole district
starting at once: the attempt row exists before the window opens, start is one conditional
UPDATE, and an autosave is one statement: an upsert of the (attempt, position) row guarded
by the client's sequence number, so a replayed or reordered request never overwrites a
newer answer. Neither writes the audit chain (its head row is a single lock for the whole
platform); the answer rows carry their own time and sequence. Teachers' grading and the
push to the gradebook are audited."""

import datetime as dt
import hashlib
import json
import logging
import math
import random
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from edudx.audit.services import audit_record
from edudx.core import events, filetypes, hotsql
from edudx.core.api_errors import Forbidden
from edudx.core.errors import Conflict, DomainError, ErrorCollector, NotFound
from edudx.core.scope import scope_of
from edudx.core.text import fold
from edudx.org.models import ClassGroup, Term, UnitKind
from edudx.org.selectors import ancestors
from edudx.records import selectors as records_selectors
from edudx.records import services as records_services
from edudx.records.models import MarkKind, Subject

from . import analysis, grading, selectors
from .mathtext import to_html
from .models import (
    Asset,
    Attempt,
    AttemptAnswer,
    AttemptStatus,
    ExamTest,
    ItemStatistic,
    Kind,
    Level,
    Matrix,
    Paper,
    PaperVersion,
    Question,
    QuestionVersion,
    Sharing,
)

log = logging.getLogger(__name__)

# Network slack after the deadline: an answer typed in time may arrive a little later.
GRACE = dt.timedelta(seconds=30)
SECTION_ORDER = [
    Kind.SINGLE,
    Kind.MULTIPLE,
    Kind.TRUE_FALSE4,
    Kind.SHORT,
    Kind.MATCHING,
    Kind.CLOZE,
    Kind.ESSAY,
]
TEST_SUBMITTED = "exams.attempt_submitted"
RESULTS_PUSHED = "exams.results_pushed"


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require_bank(actor) -> None:
    if not selectors.is_bank_user(actor):
        raise Forbidden(
            "exams.forbidden", _("Chỉ giáo viên và cán bộ quản lý dùng ngân hàng câu hỏi.")
        )


# --- assets --------------------------------------------------------------------------------


def asset_store(*, name: str, mime: str, data: bytes) -> str:
    """Store an image once (by SHA-256) and return its hash."""
    sha = hashlib.sha256(data).hexdigest()
    Asset.objects.get_or_create(
        sha256=sha, defaults={"name": name[:200], "mime": mime, "data": data}
    )
    return sha


# --- questions -----------------------------------------------------------------------------


@dataclass
class QuestionIn:
    kind: str
    stem: str
    data: dict = field(default_factory=dict)
    points: Decimal = Decimal(1)
    name: str = ""
    feedback: str = ""
    subject_id: int | None = None
    grade: int | None = None
    topic_code: str = ""
    outcome_code: str = ""
    level: str = Level.RECALL
    sharing: str = Sharing.SCHOOL


def text_key(kind: str, stem: str, data: dict) -> str:
    """Duplicate detection: the folded stem plus the folded option/statement texts."""
    parts = [kind, fold(stem)]
    parts += [fold(o.get("text")) for o in data.get("options") or []]
    parts += [fold(s.get("text")) for s in data.get("statements") or []]
    parts += [fold(p.get("left")) + "=" + fold(p.get("right")) for p in data.get("pairs") or []]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _search_text(stem: str, data: dict, name: str) -> str:
    texts = [name, stem] + [o.get("text", "") for o in data.get("options") or []]
    return fold(" ".join(texts))[:4000]


def _shared_path(unit, sharing: str) -> str:
    if unit is None or sharing == Sharing.PRIVATE:
        return ""
    if sharing == Sharing.SCHOOL:
        return unit.path
    wanted = {
        Sharing.COMMUNE: {UnitKind.COMMUNE, UnitKind.COMMUNE_OFFICE, UnitKind.DISTRICT},
        Sharing.PROVINCE: {UnitKind.PROVINCE, UnitKind.DEPARTMENT},
    }[sharing]
    for a in reversed(ancestors(unit)):
        if a.kind in wanted:
            return a.path
    return unit.path


def _check_meta(errors: ErrorCollector, data: QuestionIn) -> Subject | None:
    subject = Subject.objects.filter(pk=data.subject_id).first() if data.subject_id else None
    if subject is None:
        errors.add("exams.question.subject", _("Chọn môn học."), "subject")
    if not data.grade or not 1 <= int(data.grade) <= 12:
        errors.add("exams.question.grade", _("Khối lớp phải từ 1 đến 12."), "grade")
    if data.level not in Level.values:
        errors.add("exams.question.level", _("Mức độ nhận thức không hợp lệ."), "level")
    if data.sharing not in Sharing.values:
        errors.add("exams.question.sharing", _("Phạm vi chia sẻ không hợp lệ."), "sharing")
    if data.kind not in Kind.values:
        errors.add("exams.question.kind", _("Loại câu hỏi không hợp lệ: %s.") % data.kind, "kind")
    if Decimal(str(data.points)) <= 0:
        errors.add("exams.question.points", _("Điểm của câu phải lớn hơn 0."), "points")
    return subject


def _clean(data: QuestionIn, *, row: int | None = None) -> None:
    errors = ErrorCollector(row=row)
    _check_meta(errors, data)
    try:
        grading.validate(data.kind, data.stem, data.data, row=row)
    except DomainError as exc:
        errors.capture(exc)
    errors.raise_if_any()


def duplicates(actor, key: str, exclude: int | None = None) -> list[int]:
    qs = selectors.questions(actor).filter(text_key=key)
    if exclude:
        qs = qs.exclude(pk=exclude)
    return list(qs.values_list("pk", flat=True)[:5])


def _version(question: Question, number: int, data: QuestionIn, actor) -> QuestionVersion:
    return QuestionVersion.objects.create(
        question=question,
        number=number,
        kind=data.kind,
        name=data.name[:200],
        stem=data.stem,
        data=data.data,
        feedback=data.feedback,
        points=Decimal(str(data.points)),
        created_by=_user(actor),
    )


def question_create(*, actor, data: QuestionIn, allow_duplicate: bool = False) -> Question:
    """A new question (version 1). A question with the same folded text already visible to
    the actor is refused (`exams.question.duplicate`, naming it) unless allowed."""
    _require_bank(actor)
    _clean(data)
    key = text_key(data.kind, data.stem, data.data)
    if not allow_duplicate and (dups := duplicates(actor, key)):
        raise Conflict(
            "exams.question.duplicate",
            _("Câu hỏi trùng với câu đã có trong ngân hàng (mã %(ids)s).")
            % {"ids": ", ".join(map(str, dups))},
            field="stem",
        )
    unit = selectors.actor_unit(actor)
    with transaction.atomic():
        q = Question.objects.create(
            subject_id=data.subject_id,
            grade=data.grade,
            topic_code=data.topic_code[:60],
            outcome_code=data.outcome_code[:60],
            level=data.level,
            kind=data.kind,
            author=_user(actor),
            unit=unit,
            unit_path=unit.path if unit else "",
            sharing=data.sharing,
            shared_path=_shared_path(unit, data.sharing),
            text_key=key,
            search_text=_search_text(data.stem, data.data, data.name),
        )
        v = _version(q, 1, data, actor)
        Question.objects.filter(pk=q.pk).update(current=v)
        q.current = v
        audit_record(
            actor=_user(actor),
            action="create",
            object_type="exams.question",
            object_id=q.pk,
            object_repr=data.name or data.stem[:80],
        )
    return q


def question_update(*, actor, question: Question, data: QuestionIn) -> QuestionVersion:
    """Edit a question. A version already put on a paper is never changed: the edit
    becomes a new version (past attempts keep theirs)."""
    _require_bank(actor)
    scope = scope_of(actor)
    manages = scope.everything or any(
        question.unit_path.startswith(p) for p in scope.unit_paths if question.unit_path
    )
    if question.author_id != getattr(actor, "pk", None) and not manages:
        # The author, or a principal/officer over the question's school.
        raise Forbidden("exams.question.owner", _("Chỉ tác giả được sửa câu hỏi này."))
    data.kind = data.kind or question.kind
    _clean(data)
    key = text_key(data.kind, data.stem, data.data)
    with transaction.atomic():
        current = QuestionVersion.objects.select_for_update().get(pk=question.current_id)
        if current.used:
            version = _version(question, current.number + 1, data, actor)
        else:
            version = current
            for name in ("kind", "stem", "data", "feedback"):
                setattr(version, name, getattr(data, name))
            version.name = data.name[:200]
            version.points = Decimal(str(data.points))
            version.save()
        Question.objects.filter(pk=question.pk).update(
            current=version,
            kind=data.kind,
            subject_id=data.subject_id or question.subject_id,
            grade=data.grade or question.grade,
            topic_code=data.topic_code[:60],
            outcome_code=data.outcome_code[:60],
            level=data.level,
            sharing=data.sharing,
            shared_path=_shared_path(question.unit, data.sharing),
            text_key=key,
            search_text=_search_text(data.stem, data.data, data.name),
            updated_at=timezone.now(),
        )
        audit_record(
            actor=_user(actor),
            action="update",
            object_type="exams.question",
            object_id=question.pk,
            object_repr=data.name or data.stem[:80],
            changes={"version": [current.number, version.number]},
        )
    return version


IMAGE_TYPES = (filetypes.PNG, filetypes.JPEG, filetypes.GIF, filetypes.WEBP)
IMAGE_MAX_BYTES = 2 * 1024 * 1024


def question_image_add(
    *, actor, question: Question, name: str, data: bytes, alt: str = ""
) -> QuestionVersion:
    """Add an image below a question's stem (`![alt](asset:<sha>)`). The type is read from
    the bytes (core.filetypes.sniff: PNG, JPEG, GIF or WebP), never from the name; at most
    2 MB. Goes through question_update (a used version becomes a new version; audited)."""
    if len(data) > IMAGE_MAX_BYTES:
        raise DomainError(
            "exams.image.size",
            _("Ảnh “%(name)s” quá lớn (%(size)s KB); tối đa 2048 KB.")
            % {"name": name, "size": (len(data) + 1023) // 1024},
            field="image",
        )
    mime = filetypes.sniff(data[:64])
    if mime not in IMAGE_TYPES:
        raise DomainError(
            "exams.image.type",
            _("Tệp “%s” không phải ảnh PNG, JPEG, GIF hay WebP.") % name,
            field="image",
        )
    alt = " ".join(alt.replace("]", " ").replace("[", " ").split())[:120]
    v = question.current
    sha = asset_store(name=name, mime=mime, data=data)
    return question_update(
        actor=actor,
        question=question,
        data=QuestionIn(
            kind=v.kind,
            stem=f"{v.stem.rstrip()}\n![{alt}](asset:{sha})",
            data=v.data,
            points=v.points,
            name=v.name,
            feedback=v.feedback,
            subject_id=question.subject_id,
            grade=question.grade,
            topic_code=question.topic_code,
            outcome_code=question.outcome_code,
            level=question.level,
            sharing=question.sharing,
        ),
    )


def question_edit_gift(
    *,
    actor,
    question: Question,
    text: str,
    level: str,
    topic_code: str,
    outcome_code: str,
    sharing: str,
) -> QuestionVersion:
    """Edit a question from one GIFT question (the page's editor); see question_update."""
    from .formats import gift  # noqa: PLC0415

    parsed = gift.parse(text)
    if len(parsed.questions) != 1:
        raise DomainError(
            "exams.question.gift", _("Hãy nhập đúng một câu hỏi theo cú pháp GIFT."), field="gift"
        )
    item = parsed.questions[0]
    return question_update(
        actor=actor,
        question=question,
        data=QuestionIn(
            kind=item.kind,
            stem=item.stem,
            data=item.data,
            points=question.current.points,
            name=item.name,
            feedback=item.feedback,
            subject_id=question.subject_id,
            grade=question.grade,
            topic_code=topic_code,
            outcome_code=outcome_code,
            level=level,
            sharing=sharing,
        ),
    )


@dataclass
class ImportReport:
    created: list[int] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)  # {row, name, existing}
    unsupported: list[dict] = field(default_factory=list)  # {row, name, type}

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "duplicates": self.duplicates,
            "unsupported": self.unsupported,
        }


def questions_import(
    *,
    actor,
    parsed,
    subject_id: int,
    grade: int,
    level: str = Level.RECALL,
    topic_code: str = "",
    sharing: str = Sharing.SCHOOL,
) -> ImportReport:
    """Import the questions of a parsed file (formats.ParseResult). Every invalid question
    is reported (row = its number in the file) and nothing is written if one is;
    duplicates of the bank and unsupported types are reported and skipped."""
    _require_bank(actor)
    report = ImportReport(
        unsupported=[{"row": u.row, "name": u.name, "type": u.qtype} for u in parsed.unsupported]
    )
    errors = ErrorCollector()
    rows: list[tuple[object, QuestionIn]] = []
    for item in parsed.questions:
        data = QuestionIn(
            kind=item.kind,
            stem=item.stem,
            data=item.data,
            points=item.points,
            name=item.name,
            feedback=item.feedback,
            subject_id=subject_id,
            grade=grade,
            topic_code=item.topic_code or topic_code,
            outcome_code=item.outcome_code,
            level=item.level or level,
            sharing=sharing,
        )
        try:
            _clean(data, row=item.row)
        except DomainError as exc:
            errors.capture(exc)
            continue
        rows.append((item, data))
    errors.raise_if_any()
    with transaction.atomic():
        for name, mime, blob in parsed.assets.values():
            asset_store(name=name, mime=mime, data=blob)
        seen: set[str] = set()
        for item, data in rows:
            key = text_key(data.kind, data.stem, data.data)
            dups = duplicates(actor, key)
            if dups or key in seen:
                report.duplicates.append({"row": item.row, "name": item.name, "existing": dups})
                continue
            seen.add(key)
            q = question_create(actor=actor, data=data, allow_duplicate=True)
            report.created.append(q.pk)
    return report


def asset_loader(sha: str) -> tuple[str, str, bytes]:
    a = Asset.objects.filter(sha256=sha).first()
    if a is None:
        return ("missing.png", "image/png", b"")
    return a.name, a.mime, bytes(a.data)


def questions_export(*, actor, question_ids: list[int], fmt: str):
    """Export the current versions of visible questions as GIFT or Moodle XML; the kinds
    the format cannot carry come back in `unsupported`, by name."""
    from .formats import gift, moodle_xml  # noqa: PLC0415 — formats load parsers lazily

    qs = selectors.questions(actor).filter(pk__in=question_ids).order_by("pk")
    versions = [q.current for q in qs if q.current is not None]
    if fmt == "gift":
        return gift.export(versions)
    if fmt == "moodle":
        return moodle_xml.export(versions, assets=asset_loader)
    raise DomainError("exams.export.format", _("Định dạng không hỗ trợ: %s.") % fmt, field="format")


def parse_upload(*, fmt: str, data: bytes):
    """Parse an uploaded file (gift, moodle, qti)."""
    from .formats import gift, moodle_xml, qti  # noqa: PLC0415

    if fmt == "gift":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise DomainError(
                "exams.import.encoding", _("Tệp GIFT phải mã hóa UTF-8."), field="file"
            ) from None
        return gift.parse(text)
    if fmt == "moodle":
        return moodle_xml.parse(data)
    if fmt == "qti":
        return qti.parse(data)
    raise DomainError("exams.import.format", _("Định dạng không hỗ trợ: %s.") % fmt, field="format")


# --- matrices and papers ---------------------------------------------------------------------


def _choice(value, choices) -> str | None:
    """A level or kind as its code ("nb") or its name in Vietnamese or the page's language,
    with or without diacritics ("Nhận biết", "nhan biet"); None when it is neither."""
    folded = fold(str(value or ""))
    for code, label in choices:
        with translation.override("vi"):
            vi = fold(str(label))
        if folded in (code, vi, fold(str(label))):
            return code
    return None


def _clean_cells(cells) -> list[dict]:
    """Each cell checked; an error names the cell's `row` (the line the teacher typed it
    on) or else its position."""
    errors = ErrorCollector()
    out = []
    if not cells:
        errors.add("exams.matrix.cells", _("Ma trận cần ít nhất một ô."), "cells")
    for i, c in enumerate(cells or [], start=1):
        errors.row = c.get("row") or i
        level = _choice(c.get("level"), Level.choices)
        kind = _choice(c.get("kind"), Kind.choices) if c.get("kind") else ""
        try:
            count = int(c.get("count", 0))
            pts = Decimal(str(c.get("points", "0")).replace(",", "."))
        except (ValueError, ArithmeticError):
            errors.add("exams.matrix.cell", _("Số câu hoặc điểm không hợp lệ."), "count")
            continue
        if level is None:
            errors.add(
                "exams.matrix.level",
                _("Mức độ nhận thức không hợp lệ (nb, th, vd hoặc vdc)."),
                "level",
            )
        if kind is None:
            errors.add("exams.matrix.kind", _("Loại câu hỏi không hợp lệ."), "kind")
        if count < 1:
            errors.add("exams.matrix.count", _("Số câu phải lớn hơn 0."), "count")
        if not pts.is_finite() or not 0 < pts <= 10:  # noqa: PLR2004 — a test is out of 10
            errors.add(
                "exams.matrix.points", _("Điểm mỗi câu phải lớn hơn 0 và không quá 10."), "points"
            )
        out.append(
            {
                "topic": str(c.get("topic", "")).strip()[:60],
                "level": level,
                "count": count,
                "points": str(pts),
                "kind": kind or "",
            }
        )
    errors.raise_if_any()
    return out


def matrix_create(*, actor, name: str, subject_id: int, grade: int, cells: list[dict]) -> Matrix:
    _require_bank(actor)
    if not Subject.objects.filter(pk=subject_id).exists():
        raise DomainError("exams.matrix.subject", _("Chọn môn học."), field="subject")
    if not 1 <= (grade or 0) <= 12:
        raise DomainError("exams.matrix.grade", _("Khối phải từ 1 đến 12."), field="grade")
    clean = _clean_cells(cells)
    with transaction.atomic():
        m = Matrix.objects.create(
            name=name.strip()[:200] or _("Ma trận đề"),
            subject_id=subject_id,
            grade=grade,
            cells=clean,
            unit=selectors.actor_unit(actor),
            created_by=_user(actor),
        )
        audit_record(
            actor=_user(actor),
            action="create",
            object_type="exams.matrix",
            object_id=m.pk,
            object_repr=m.name,
        )
    return m


def _level_label(level: str) -> str:
    return str(Level(level).label) if level in Level.values else level


def _pick(actor, matrix: Matrix, rng: random.Random) -> list[tuple[QuestionVersion, Decimal]]:
    """Questions satisfying every cell exactly, or DomainErrors naming each short cell."""
    pool = selectors.questions(actor).filter(subject_id=matrix.subject_id, grade=matrix.grade)
    errors = ErrorCollector()
    picked: list[tuple[QuestionVersion, Decimal]] = []
    taken: set[int] = set()
    for i, cell in enumerate(matrix.cells, start=1):
        qs = pool.filter(topic_code=cell["topic"], level=cell["level"])
        if cell.get("kind"):
            qs = qs.filter(kind=cell["kind"])
        ids = [pk for pk in qs.order_by("pk").values_list("current_id", flat=True) if pk]
        ids = [pk for pk in ids if pk not in taken]
        if len(ids) < cell["count"]:
            errors.row = i
            errors.add(
                "exams.matrix.lacking",
                _("Chủ đề “%(t)s”, mức %(l)s: cần %(n)s câu, ngân hàng chỉ có %(h)s.")
                % {
                    "t": cell["topic"] or "—",
                    "l": _level_label(cell["level"]),
                    "n": cell["count"],
                    "h": len(ids),
                },
                "cells",
            )
            continue
        chosen = rng.sample(ids, cell["count"])
        taken.update(chosen)
        picked += [(pk, Decimal(cell["points"])) for pk in chosen]
    errors.raise_if_any()
    versions = QuestionVersion.objects.in_bulk([pk for pk, _p in picked])
    return [(versions[pk], pts) for pk, pts in picked]


def _shuffled(picked, rng: random.Random) -> tuple[list[dict], tuple]:
    sections: dict[str, list] = {}
    for v, pts in picked:
        sections.setdefault(v.kind, []).append((v, pts))
    items = []
    for kind in SECTION_ORDER:
        group = list(sections.get(kind, []))
        rng.shuffle(group)
        for v, pts in group:
            order = None
            if v.kind in (Kind.SINGLE, Kind.MULTIPLE):
                order = [o["id"] for o in v.data["options"]]
                rng.shuffle(order)
            elif v.kind == Kind.MATCHING:
                n = len(v.data["pairs"]) + len(v.data.get("extra") or [])
                order = [str(i) for i in range(n)]
                rng.shuffle(order)
            items.append({"qv": v.pk, "points": str(pts), "order": order})
    signature = tuple((i["qv"], tuple(i["order"] or ())) for i in items)
    return items, signature


def _key(items: list[dict], versions: dict[int, QuestionVersion]) -> list[dict]:
    out = []
    for n, item in enumerate(items, start=1):
        v = versions[item["qv"]]
        order = item["order"] if v.kind in (Kind.SINGLE, Kind.MULTIPLE) else None
        out.append(
            {
                "n": n,
                "qv": v.pk,
                "kind": v.kind,
                "key": grading.key_text(v.kind, v.data, order),
                "points": item["points"],
            }
        )
    return out


def paper_generate(
    *,
    actor,
    matrix: Matrix,
    title: str,
    versions: int = 4,
    seed: int | None = None,
    duration_minutes: int = 45,
    first_code: int = 101,
) -> Paper:
    """Pick the questions the matrix asks for and deal them into `versions` mã đề, each
    with its own order of questions (within each section) and of options; no two the same."""
    _require_bank(actor)
    if not 1 <= versions <= 24:
        raise DomainError("exams.paper.versions", _("Số mã đề từ 1 đến 24."), field="versions")
    if not 1 <= duration_minutes <= 300:
        raise DomainError(
            "exams.paper.duration", _("Thời gian làm bài từ 1 đến 300 phút."), field="duration"
        )
    seed = secrets.randbelow(2**31) if seed is None else seed
    rng = random.Random(seed)  # noqa: S311 — a reproducible shuffle, not a secret
    picked = _pick(actor, matrix, rng)
    by_id = {v.pk: v for v, _p in picked}
    dealt: list[list[dict]] = []
    seen: set[tuple] = set()
    for _n in range(versions):
        for _try in range(200):
            items, sig = _shuffled(picked, rng)
            if sig not in seen:
                break
        else:
            raise DomainError(
                "exams.paper.versions",
                _("Không thể tạo %(n)s mã đề khác nhau từ %(q)s câu hỏi; hãy giảm số mã đề.")
                % {"n": versions, "q": len(picked)},
                field="versions",
            )
        seen.add(sig)
        dealt.append(items)
    with transaction.atomic():
        paper = Paper.objects.create(
            title=title.strip()[:200] or matrix.name,
            subject_id=matrix.subject_id,
            grade=matrix.grade,
            matrix=matrix,
            duration_minutes=duration_minutes,
            seed=seed,
            unit=selectors.actor_unit(actor),
            created_by=_user(actor),
        )
        dealt_versions = [
            PaperVersion(paper=paper, code=str(first_code + i), items=items, key=_key(items, by_id))
            for i, items in enumerate(dealt)
        ]
        for pv in dealt_versions:
            pv.rendered = render_version(pv, by_id)
        PaperVersion.objects.bulk_create(dealt_versions)
        QuestionVersion.objects.filter(pk__in=list(by_id)).update(used=True)
        audit_record(
            actor=_user(actor),
            action="create",
            object_type="exams.paper",
            object_id=paper.pk,
            object_repr=paper.title,
            changes={"versions": versions, "seed": seed},
        )
    return paper


# --- online tests ----------------------------------------------------------------------------


def _may_run_class(actor, cls: ClassGroup) -> bool:
    scope = scope_of(actor)
    if scope.everything or cls.pk in scope.class_ids:
        return True
    return any(cls.school.path.startswith(p) for p in scope.unit_paths)


def test_schedule(
    *,
    actor,
    paper: Paper,
    class_group: ClassGroup,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    duration_minutes: int,
    title: str = "",
    mark_kind: str = "",
    term: Term | None = None,
) -> ExamTest:
    """Schedule a paper for a class; every student on the roster gets an attempt now (the
    mã đề dealt in turn), so at the start of the window nothing needs creating."""
    _require_bank(actor)
    if not _may_run_class(actor, class_group):
        raise Forbidden(
            "exams.test.class", _("Bạn không dạy lớp %s.") % class_group.name, field="class"
        )
    errors = ErrorCollector()
    if closes_at <= opens_at:
        errors.add("exams.test.window", _("Giờ đóng phải sau giờ mở."), "closes_at")
    if not 1 <= duration_minutes <= 300:
        errors.add("exams.test.duration", _("Thời gian làm bài từ 1 đến 300 phút."), "duration")
    if mark_kind and mark_kind not in MarkKind.values:
        errors.add("exams.test.mark_kind", _("Cột điểm không hợp lệ."), "mark_kind")
    if term is not None and term.school_year_id != class_group.school_year_id:
        errors.add("exams.test.term", _("Học kỳ không thuộc năm học của lớp."), "term")
    grade = class_group.grade.number if class_group.grade_id else None
    if grade != paper.grade:
        errors.add(
            "exams.test.grade",
            _("Đề dành cho khối %(p)s; lớp %(c)s không phải lớp khối %(p)s.")
            % {"p": paper.grade, "c": class_group.name},
            "class",
        )
    errors.raise_if_any()
    versions = list(paper.versions.order_by("code"))
    if not versions:
        raise DomainError("exams.test.paper", _("Đề chưa có mã đề nào."), field="paper")
    students = list(records_selectors.roster(class_group).values_list("id", "person_id"))
    with transaction.atomic():
        test = ExamTest.objects.create(
            title=(title.strip() or paper.title)[:200],
            paper=paper,
            class_group=class_group,
            opens_at=opens_at,
            closes_at=closes_at,
            duration_minutes=duration_minutes,
            mark_kind=mark_kind,
            term=term,
            created_by=_user(actor),
        )
        max_score = sum(Decimal(i["points"]) for i in versions[0].items)
        Attempt.objects.bulk_create(
            [
                Attempt(
                    test=test,
                    student_id=sid,
                    person_id=pid,
                    version=versions[n % len(versions)],
                    max_score=max_score,
                )
                for n, (sid, pid) in enumerate(students)
            ],
            batch_size=1000,
        )
        audit_record(
            actor=_user(actor),
            action="create",
            object_type="exams.test",
            object_id=test.pk,
            object_repr=f"{test.title} · {class_group.name}",
            changes={"students": len(students)},
        )
    return test


def render_version(pv: PaperVersion, versions: dict[int, QuestionVersion]) -> dict:
    """The questions of a mã đề as a student sees them: HTML with MathML, no keys."""
    questions = []
    for n, item in enumerate(pv.items):
        v = versions[item["qv"]]
        questions.append(
            {
                "position": n,
                "qv": v.pk,
                "kind": v.kind,
                "points": item["points"],
                "html": str(to_html(grading.BLANK.sub(lambda m: f"[{m.group(1)}]", v.stem))),
                "data": _public_rendered(
                    v.kind, grading.public_data(v.kind, v.data, item["order"])
                ),
            }
        )
    return {
        "code": pv.code,
        "questions": questions,
        "positions": {str(q["qv"]): q["position"] for q in questions},
    }


_PAPERS: dict[int, dict] = {}


def version_payload(version_id: int) -> dict:
    """The rendered mã đề (stored at generation), kept in process memory (and the shared
    cache): a paper version never changes once dealt. Callers must not modify it."""
    payload = _PAPERS.get(version_id)
    if payload is not None:
        return payload
    key = f"exams:pv:{version_id}"
    cached = cache.get(key)
    if cached is not None:
        if len(_PAPERS) > 256:
            _PAPERS.clear()
        _PAPERS[version_id] = cached
        return cached
    pv = PaperVersion.objects.get(pk=version_id)
    payload = pv.rendered
    if not payload:
        versions = QuestionVersion.objects.in_bulk([i["qv"] for i in pv.items])
        payload = render_version(pv, versions)
        PaperVersion.objects.filter(pk=pv.pk).update(rendered=payload)
    cache.set(key, payload, 3600)
    if len(_PAPERS) > 256:
        _PAPERS.clear()
    _PAPERS[version_id] = payload
    return payload


_PAPER_BYTES: dict[int, bytes] = {}


def version_payload_bytes(version_id: int) -> bytes:
    """`version_payload` as JSON bytes, encoded once per process (the live start splices
    them into its answer instead of encoding 40 questions for every student)."""
    b = _PAPER_BYTES.get(version_id)
    if b is None:
        if len(_PAPER_BYTES) > 256:
            _PAPER_BYTES.clear()
        b = json.dumps(version_payload(version_id), ensure_ascii=False).encode()
        _PAPER_BYTES[version_id] = b
    return b


def papers_forget() -> None:
    """Drop the process memory of rendered papers (tests: ids repeat after a rollback)."""
    _PAPERS.clear()
    _PAPER_BYTES.clear()
    _TEST_TIMING.clear()
    _GRADING.clear()


def _public_rendered(kind: str, data: dict) -> dict:
    for o in data.get("options") or []:
        o["html"] = str(to_html(o["text"]))
    for s in data.get("statements") or []:
        s["html"] = str(to_html(s["text"]))
    return data


def _attempt_state(a: Attempt, now: dt.datetime) -> dict:
    return {
        "attempt": a.pk,
        "status": a.status,
        "deadline": a.deadline,
        "server_now": now,
        "seconds_left": max(0, int((a.deadline - now).total_seconds())) if a.deadline else None,
        "submitted_at": a.submitted_at,
        "late": a.late,
        "auto_submitted": a.auto_submitted,
        "score": str(a.score) if a.score is not None else None,
        "max_score": str(a.max_score),
        "needs_grading": a.needs_grading,
    }


OTHER_DEVICE = "exams.attempt.other_device"
RESET_DEVICE = "*"


def _other_device():
    return Conflict(
        OTHER_DEVICE,
        _(
            "Bài làm này đang mở trên một thiết bị khác. Hãy tiếp tục trên thiết bị đó, hoặc "
            "nhờ giáo viên cho phép đổi thiết bị."
        ),
        field="device",
    )


def _load_attempt(actor, attempt_id: int) -> Attempt:
    a = (
        Attempt.objects.select_related("test")
        .filter(pk=attempt_id, person_id=getattr(actor, "person_id", None) or -1)
        .first()
    )
    if a is None:
        raise NotFound("exams.attempt.not_found", _("Không tìm thấy bài làm."), field="attempt")
    return a


def attempt_start(
    *, actor, attempt_id: int, device_token: str, now: dt.datetime | None = None
) -> dict:
    """Open (or reopen) the student's attempt on this device: state, questions, answers
    saved so far. The first start binds the device and starts the clock; another device is
    refused while the attempt runs."""
    now = now or timezone.now()
    device_token = (device_token or "").strip()[:64]
    if len(device_token) < 8:
        raise DomainError("exams.attempt.device", _("Thiếu mã thiết bị."), field="device")
    a = _load_attempt(actor, attempt_id)
    test = a.test
    first = False
    if a.status == AttemptStatus.READY:
        if now < test.opens_at:
            raise Conflict(
                "exams.attempt.not_open",
                _("Bài kiểm tra chưa mở; giờ mở: %s.")
                % timezone.localtime(test.opens_at).strftime("%H:%M %d/%m/%Y"),
                field="attempt",
            )
        if now >= test.closes_at:
            raise Conflict("exams.attempt.closed", _("Bài kiểm tra đã đóng."), field="attempt")
        deadline = min(now + dt.timedelta(minutes=test.duration_minutes), test.closes_at)
        won = Attempt.objects.filter(pk=a.pk, status=AttemptStatus.READY).update(
            status=AttemptStatus.STARTED,
            started_at=now,
            deadline=deadline,
            device_token=device_token,
        )
        if won:
            first = True
            a.status, a.started_at, a.deadline, a.device_token = (
                AttemptStatus.STARTED,
                now,
                deadline,
                device_token,
            )
        else:
            a.refresh_from_db()
    if a.status == AttemptStatus.STARTED:
        if a.device_token == RESET_DEVICE and Attempt.objects.filter(
            pk=a.pk, device_token=RESET_DEVICE
        ).update(device_token=device_token):
            a.device_token = device_token
        if a.device_token != device_token:
            raise _other_device()
        if now > a.deadline + GRACE:
            attempt_submit(
                actor=actor, attempt_id=a.pk, device_token=device_token, now=now, auto=True
            )
            a.refresh_from_db()
    state = _attempt_state(a, now)
    state["title"] = test.title
    state["paper"] = version_payload(a.version_id)
    # A first start has no answers yet: one query fewer in the burst at the window's start.
    rows = (
        []
        if first
        else AttemptAnswer.objects.filter(attempt_id=a.pk).values_list(
            "position", "response", "seq"
        )
    )
    state["answers"] = {str(pos): {"response": resp, "seq": seq} for pos, resp, seq in rows}
    cache.set(f"exams:av:{a.pk}:{a.person_id}", a.version_id, 6 * 3600)
    return state


_TEST_TIMING: dict[int, tuple[float, tuple]] = {}
_FIRST_START = """
UPDATE exams_attempt SET status = %s, started_at = %s, deadline = %s, device_token = %s
WHERE id = %s AND person_id = %s AND status = %s AND test_id = %s AND EXISTS (
  SELECT 1 FROM exams_examtest t
  WHERE t.id = %s AND t.opens_at = %s AND t.closes_at = %s AND t.duration_minutes = %s)
RETURNING max_score
"""


def test_timing(test_id: int) -> tuple | None:
    """(opens_at, closes_at, duration_minutes, title) of a test, read once per process every
    10 s (the live start and the waiting room's clock ask for it thousands of times)."""
    cached = _TEST_TIMING.get(test_id)
    if cached is None or cached[0] < time.monotonic():
        row = (
            ExamTest.objects.filter(pk=test_id)
            .values_list("opens_at", "closes_at", "duration_minutes", "title")
            .first()
        )
        if row is None:
            return None
        if len(_TEST_TIMING) > 1024:
            _TEST_TIMING.clear()
        cached = (time.monotonic() + 10, row)
        _TEST_TIMING[test_id] = cached
    return cached[1]


def waiting_room_clock(test_id: int, now: dt.datetime | None = None) -> dict:
    """What the test page shows before the window opens: the server's time and the seconds
    until it opens (the page counts down and starts by itself; no database write)."""
    now = now or timezone.now()
    timing = test_timing(test_id)
    if timing is None:
        raise NotFound("exams.test.not_found", _("Không tìm thấy bài kiểm tra."), field="test")
    opens_at, closes_at, _duration, _title = timing
    return {
        "server_now": now,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "seconds_to_open": max(0, math.ceil((opens_at - now).total_seconds())),
        "open": opens_at <= now < closes_at,
    }


def attempt_first_start(
    *, attempt_id: int, person_id: int, test_id: int, device_token: str, now=None
) -> dict | None:
    """The common case of `attempt_start` in one statement: a READY attempt of this person
    starts on this device inside the window. The test's timing is read once per process
    (10 s) and the UPDATE re-checks it against the row, so a changed test only costs the
    fallback. None when the statement does not apply (resume, other device, before or after
    the window, device missing): the caller then runs `attempt_start`, which says why."""
    now = now or timezone.now()
    device_token = (device_token or "").strip()[:64]
    if len(device_token) < 8:
        return None
    timing = test_timing(test_id)
    if timing is None:
        return None
    opens_at, closes_at, duration, title = timing
    if not opens_at <= now < closes_at:
        return None
    deadline = min(now + dt.timedelta(minutes=duration), closes_at)
    adapt = connection.ops.adapt_datetimefield_value
    row = hotsql.fetchone(
        _FIRST_START,
        [
            AttemptStatus.STARTED,
            adapt(now),
            adapt(deadline),
            device_token,
            attempt_id,
            person_id,
            AttemptStatus.READY,
            test_id,
            test_id,
            adapt(opens_at),
            adapt(closes_at),
            duration,
        ],
    )
    if row is None:
        return None
    return {
        "attempt": attempt_id,
        "status": AttemptStatus.STARTED.value,
        "deadline": deadline,
        "server_now": now,
        "seconds_left": max(0, int((deadline - now).total_seconds())),
        "submitted_at": None,
        "late": False,
        "auto_submitted": False,
        "score": None,
        "max_score": str(Decimal(str(row[0])).quantize(Decimal("0.01"))),
        "needs_grading": False,
        "title": title,
        "paper": True,  # the caller splices in version_payload_bytes
        "answers": {},
    }


def attempt_device_reset(*, actor, attempt: Attempt) -> None:
    """A teacher lets a student continue on another device (the next start binds it)."""
    if not _may_run_class(actor, attempt.test.class_group):
        raise Forbidden("exams.test.class", _("Bạn không dạy lớp này."))
    with transaction.atomic():
        # The next start on any device binds it (status stays STARTED, the clock runs on).
        Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.STARTED).update(
            device_token=RESET_DEVICE
        )
        audit_record(
            actor=_user(actor),
            action="update",
            object_type="exams.attempt",
            object_id=attempt.pk,
            object_repr=str(attempt.student_id),
            changes={"device": ["…", "reset"]},
        )


# One statement: the row is written only while the attempt is open on this device (the
# SELECT's WHERE), and only over an older seq (the DO UPDATE's WHERE).
_UPSERT = """
INSERT INTO exams_attemptanswer (attempt_id, position, response, seq, saved_at, comment)
SELECT id, %s, {json}, %s, %s, '' FROM exams_attempt
WHERE id = %s AND person_id = %s AND status = %s AND device_token = %s AND deadline >= %s
ON CONFLICT (attempt_id, position) DO UPDATE
SET response = excluded.response, seq = excluded.seq, saved_at = excluded.saved_at
WHERE exams_attemptanswer.seq < excluded.seq
RETURNING seq
"""


def _check_response(kind: str, response) -> bool:
    if response is None:
        return True
    if kind == Kind.SINGLE:
        return isinstance(response, str) and len(response) <= 40
    if kind == Kind.MULTIPLE:
        return isinstance(response, list) and all(isinstance(x, str) for x in response)
    if kind in (Kind.TRUE_FALSE4, Kind.MATCHING, Kind.CLOZE):
        return isinstance(response, dict) and len(json.dumps(response)) <= 4000
    if kind == Kind.SHORT:
        return isinstance(response, str | int | float) and len(str(response)) <= 200
    return isinstance(response, str) and len(response) <= 20000


def answer_save(
    *,
    actor,
    attempt_id: int,
    device_token: str,
    question: int,
    response,
    seq: int,
    now: dt.datetime | None = None,
) -> dict:
    """Autosave one answer for a signed-in student (the ordinary API): the attempt's paper
    version (cached per process) and then `answer_write`."""
    person_id = getattr(actor, "person_id", None) or -1
    return answer_write(
        attempt_id=attempt_id,
        person_id=person_id,
        version_id=_attempt_version(attempt_id, person_id),
        device_token=device_token,
        question=question,
        response=response,
        seq=seq,
        now=now,
    )


def answer_write(
    *,
    attempt_id: int,
    person_id: int,
    version_id: int,
    device_token: str,
    question: int,
    response,
    seq: int,
    now: dt.datetime | None = None,
) -> dict:
    """Autosave one answer in one SQL statement: an upsert guarded by the attempt's state
    (this person's, started, this device, before the deadline plus grace) and by the
    client's `seq`. Idempotent: the row keeps the highest seq it has seen, so a replayed or
    late-arriving older request is acknowledged (`stored: false`) without overwriting the
    newer answer. Runs in autocommit: when it returns, the row is committed. The caller
    vouches for `version_id` (the attempt's; the live path has it signed in its token)."""
    now = now or timezone.now()
    paper = version_payload(version_id)
    position = paper["positions"].get(str(question))
    if position is None:
        raise DomainError(
            "exams.answer.not_in_version",
            _("Câu hỏi %s không có trong đề của bạn.") % question,
            field="question",
        )
    kind = paper["questions"][position]["kind"]
    if not _check_response(kind, response):
        raise DomainError(
            "exams.answer.shape", _("Câu trả lời không đúng dạng của câu hỏi."), field="response"
        )
    if not 0 < seq < 2**62:
        raise DomainError("exams.answer.seq", _("Số thứ tự lưu không hợp lệ."), field="seq")
    sql = _UPSERT.format(json="%s::jsonb" if connection.vendor == "postgresql" else "%s")
    adapt = connection.ops.adapt_datetimefield_value
    body = json.dumps(response, ensure_ascii=False)
    params = [position, body, seq, adapt(now), attempt_id, person_id, AttemptStatus.STARTED]
    won = hotsql.fetchone(sql, [*params, device_token, adapt(now - GRACE)])
    if won is None:
        # Nothing written: either an older (or repeated) seq, which is fine, or the attempt
        # refused it; only now is the attempt read, to say which.
        _check_open(attempt_id, person_id, device_token, now)
    return {
        "question": question,
        "position": position,
        "seq": seq,
        "stored": won is not None,
        "saved_at": now,
    }


def _attempt_version(attempt_id: int, person_id: int) -> int:
    """The attempt's paper version (never changes once dealt), cached per process."""
    key = f"exams:av:{attempt_id}:{person_id}"
    version_id = cache.get(key)
    if version_id is None:
        version_id = (
            Attempt.objects.filter(pk=attempt_id, person_id=person_id)
            .values_list("version_id", flat=True)
            .first()
        )
        if version_id is None:
            raise NotFound("exams.attempt.not_found", _("Không tìm thấy bài làm."), field="attempt")
        cache.set(key, version_id, 6 * 3600)
    return version_id


def _check_open(attempt_id: int, person_id: int, device_token: str, now: dt.datetime) -> None:
    row = (
        Attempt.objects.filter(pk=attempt_id, person_id=person_id)
        .values_list("status", "device_token", "deadline")
        .first()
    )
    if row is None:
        raise NotFound("exams.attempt.not_found", _("Không tìm thấy bài làm."), field="attempt")
    status, token, deadline = row
    if status == AttemptStatus.SUBMITTED:
        raise Conflict(
            "exams.attempt.submitted", _("Bài đã nộp; không sửa được câu trả lời."), field="attempt"
        )
    if status != AttemptStatus.STARTED:
        raise Conflict("exams.attempt.not_started", _("Bài làm chưa bắt đầu."), field="attempt")
    if token != device_token:
        raise _other_device()
    if now > deadline + GRACE:
        raise Conflict(
            "exams.attempt.time_up",
            _("Đã hết giờ làm bài (hạn %s); câu trả lời này không được lưu.")
            % timezone.localtime(deadline).strftime("%H:%M:%S"),
            field="attempt",
        )


_GRADING: dict[int, list[tuple[int, str, dict, Decimal]]] = {}


def _grading_items(version_id: int) -> list[tuple[int, str, dict, Decimal]]:
    """(position, kind, data, weight) of every item of a mã đề, read once per process: a
    paper's versions and the question versions they name are fixed once generated (a used
    question is edited into a new version), so grading 5,000 submissions reads them once."""
    items = _GRADING.get(version_id)
    if items is None:
        pv_items = PaperVersion.objects.values_list("items", flat=True).get(pk=version_id)
        kinds = {
            pk: (kind, data)
            for pk, kind, data in QuestionVersion.objects.filter(
                pk__in=[i["qv"] for i in pv_items]
            ).values_list("pk", "kind", "data")
        }
        items = [
            (pos, *kinds[item["qv"]], Decimal(item["points"])) for pos, item in enumerate(pv_items)
        ]
        if len(_GRADING) > 256:
            _GRADING.clear()
        _GRADING[version_id] = items
    return items


def _grade_rows(a: Attempt, answers) -> tuple[Decimal, bool, list[tuple[Decimal, int]]]:
    """Total, whether an essay awaits a teacher, and the (points, answer id) pairs that
    change; `answers` are (id, position, response, points) rows."""
    by_pos = {row[1]: row for row in answers}
    total, manual, changed = Decimal(0), False, []
    for pos, kind, data, weight in _grading_items(a.version_id):
        ans = by_pos.get(pos)
        if kind == Kind.ESSAY:
            if ans is not None and ans[3] is not None:
                total += ans[3]
            elif ans is not None and (ans[2] or "").strip():
                manual = True
            continue
        got = grading.points(kind, data, ans[2] if ans else None, weight)
        total += got
        if ans is not None and ans[3] != got:
            changed.append((got, ans[0]))
    return total, manual, changed


def _answer_rows(attempt_id: int) -> list[tuple]:
    return list(
        AttemptAnswer.objects.filter(attempt_id=attempt_id).values_list(
            "id", "position", "response", "points"
        )
    )


def attempt_submit(
    *,
    actor,
    attempt_id: int,
    device_token: str,
    now: dt.datetime | None = None,
    auto: bool = False,
) -> dict:
    """Submit and grade the objective questions. Idempotent: submitting again returns the
    stored result. After the deadline (plus the network grace) the attempt is marked late;
    `auto` marks an attempt the system closed."""
    now = now or timezone.now()
    with transaction.atomic():
        a = (
            Attempt.objects.select_for_update()
            .filter(pk=attempt_id, person_id=getattr(actor, "person_id", None) or -1)
            .first()
        )
        if a is None:
            raise DomainError(
                "exams.attempt.not_found", _("Không tìm thấy bài làm."), field="attempt"
            )
        if a.status == AttemptStatus.SUBMITTED:
            return _attempt_state(a, now)
        if a.status != AttemptStatus.STARTED:
            raise Conflict("exams.attempt.not_started", _("Bài làm chưa bắt đầu."), field="attempt")
        if not auto and a.device_token != device_token:
            raise _other_device()
        _finish(a, now, auto=auto)
    return _attempt_state(a, now)


def _finish(a: Attempt, now: dt.datetime, *, auto: bool) -> None:
    total, manual, changed = _grade_rows(a, _answer_rows(a.pk))
    if changed:
        # One statement for the whole sheet (UPDATE … FROM VALUES: PostgreSQL, SQLite ≥ 3.33).
        rows = ", ".join(["(%s, %s)"] * len(changed))
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE exams_attemptanswer SET points = v.column2 "
                f"FROM (VALUES {rows}) AS v WHERE exams_attemptanswer.id = v.column1",  # noqa: S608 — placeholders only
                [x for pk, p in ((pk, p) for p, pk in changed) for x in (pk, p)],
            )
    a.status = AttemptStatus.SUBMITTED
    a.submitted_at = now
    a.auto_submitted = auto
    a.late = not auto and now > a.deadline
    a.score = total
    a.needs_grading = manual
    a.save(
        update_fields=["status", "submitted_at", "auto_submitted", "late", "score", "needs_grading"]
    )
    events.emit(TEST_SUBMITTED, {"attempt": a.pk, "test": a.test_id, "auto": auto})


def attempts_close_expired(*, now: dt.datetime | None = None, test: ExamTest | None = None) -> int:
    """Auto-submit every started attempt whose time (plus grace) is over."""
    now = now or timezone.now()
    qs = Attempt.objects.filter(status=AttemptStatus.STARTED, deadline__lt=now - GRACE)
    if test is not None:
        qs = qs.filter(test=test)
    n = 0
    for pk in qs.values_list("pk", flat=True):
        with transaction.atomic():
            a = (
                Attempt.objects.select_for_update()
                .filter(pk=pk, status=AttemptStatus.STARTED)
                .first()
            )
            if a is not None:
                _finish(a, now, auto=True)
                n += 1
    return n


def answer_grade(*, actor, answer: AttemptAnswer, points: Decimal, comment: str = "") -> Attempt:
    """A teacher grades an essay answer; the attempt's score is recomputed."""
    a = Attempt.objects.select_related("test__class_group__school", "version").get(
        pk=answer.attempt_id
    )
    if not _may_run_class(actor, a.test.class_group):
        raise Forbidden("exams.test.class", _("Bạn không dạy lớp này."))
    item = a.version.items[answer.position]
    weight = Decimal(item["points"])
    points = Decimal(str(points))
    if not points.is_finite() or not Decimal(0) <= points <= weight:
        raise DomainError(
            "exams.grade.points",
            _("Điểm phải từ 0 đến %s.") % str(weight).replace(".", ","),
            field="points",
        )
    with transaction.atomic():
        old = answer.points
        AttemptAnswer.objects.filter(pk=answer.pk).update(
            points=points, comment=comment[:500], graded_by=_user(actor)
        )
        if a.status == AttemptStatus.SUBMITTED:
            total, manual, _c = _grade_rows(a, _answer_rows(a.pk))
            Attempt.objects.filter(pk=a.pk).update(score=total, needs_grading=manual)
            a.score, a.needs_grading = total, manual
        audit_record(
            actor=_user(actor),
            action="update",
            object_type="exams.answer",
            object_id=answer.pk,
            object_repr=f"A{a.pk}#{answer.position + 1}",
            changes={"points": [str(old) if old is not None else None, str(points)]},
        )
    return a


def mark_value(score: Decimal, max_score: Decimal) -> Decimal:
    """A score on the 10-point scale with one decimal (Circular 22/2021, Art. 6(2)(b))."""
    if not max_score:
        return Decimal(0)
    return (score / max_score * 10).quantize(Decimal("0.1"))


def results_push(*, actor, test: ExamTest) -> dict:
    """Write the submitted attempts' marks (10-point scale) to the records gradebook as the
    test's assessment column, through records.services.marks_save (which checks the
    teacher's subject assignment and the term lock). Attempts still awaiting essay
    grading are refused by name; students who did not take it are skipped."""
    if not test.mark_kind or test.term_id is None:
        raise DomainError(
            "exams.results.column",
            _("Chưa chọn cột điểm và học kỳ để ghi kết quả."),
            field="mark_kind",
        )
    attempts_close_expired(test=test)
    rows = list(selectors.test_attempts(test))
    waiting = [
        a.student.person.full_name
        for a in rows
        if a.status == AttemptStatus.SUBMITTED and a.needs_grading
    ]
    if waiting:
        raise DomainError(
            "exams.results.ungraded",
            _("Còn bài tự luận chưa chấm: %s.") % ", ".join(waiting),
            field="attempts",
        )
    done = [a for a in rows if a.status == AttemptStatus.SUBMITTED]
    entries = [
        records_services.MarkEntry(
            a.student_id, test.mark_kind, mark_value(a.score or Decimal(0), a.max_score)
        )
        for a in done
    ]
    result = records_services.marks_save(
        actor=actor,
        class_group=test.class_group,
        subject=test.paper.subject,
        term=test.term,
        entries=entries,
    )
    with transaction.atomic():
        ExamTest.objects.filter(pk=test.pk).update(results_pushed_at=timezone.now())
        events.emit(RESULTS_PUSHED, {"test": test.pk, "marks": len(entries)})
    return {
        "pushed": len(entries),
        "skipped": [
            a.student.person.full_name for a in rows if a.status != AttemptStatus.SUBMITTED
        ],
        "created": result.created,
        "updated": result.updated,
    }


# --- item analysis -------------------------------------------------------------------------


def test_analyse(*, actor, test: ExamTest) -> dict:
    """Item analysis of a test's submitted attempts, stored per question version (the
    latest also on QuestionVersion.stats) and the test's reliability."""
    attempts_close_expired(test=test)
    rows = list(
        Attempt.objects.filter(test=test, status=AttemptStatus.SUBMITTED).select_related("version")
    )
    answers: dict[int, dict[int, AttemptAnswer]] = {}
    for ans in AttemptAnswer.objects.filter(attempt__in=rows):
        answers.setdefault(ans.attempt_id, {})[ans.position] = ans
    qv_ids = sorted({i["qv"] for a in rows for i in a.version.items})
    versions = QuestionVersion.objects.in_bulk(qv_ids)
    scores: list[list[float]] = []
    choices: list[list] = []
    for a in rows:
        by_qv, chosen = {}, {}
        for pos, item in enumerate(a.version.items):
            v = versions[item["qv"]]
            ans = answers.get(a.pk, {}).get(pos)
            weight = Decimal(item["points"])
            if ans is not None and ans.points is not None and weight:
                by_qv[v.pk] = float(ans.points / weight)
            else:
                frac = grading.score(v.kind, v.data, ans.response if ans else None)
                by_qv[v.pk] = float(frac or 0)
            chosen[v.pk] = ans.response if ans is not None else None
        scores.append([by_qv[q] for q in qv_ids])
        choices.append([chosen[q] for q in qv_ids])
    keys = {}
    for q in qv_ids:
        v = versions[q]
        if v.kind == Kind.SINGLE:
            keys[q] = {
                "options": [o["id"] for o in v.data["options"]],
                "key": grading.correct_options(v.data),
            }
    result = analysis.analyse(scores, choices=choices, items=qv_ids, choice_keys=keys)
    now = timezone.now()
    with transaction.atomic():
        ItemStatistic.objects.filter(test=test).delete()
        stats = []
        for q, item in zip(qv_ids, result["items"], strict=True):
            stats.append(
                ItemStatistic(
                    test=test,
                    version_id=q,
                    n=result["n"],
                    facility=item["facility"],
                    discrimination=item["discrimination"],
                    point_biserial=item["point_biserial"],
                    distractors=item.get("distractors") or {},
                    flags=item["flags"],
                )
            )
            v = versions[q]
            v.stats = {"test": test.pk, "at": now.isoformat(), **item}
        ItemStatistic.objects.bulk_create(stats)
        QuestionVersion.objects.bulk_update(list(versions.values()), ["stats"], batch_size=200)
        ExamTest.objects.filter(pk=test.pk).update(
            analysed_at=now,
            reliability={"kr20": result["kr20"], "alpha": result["alpha"], "n": result["n"]},
        )
    return result
