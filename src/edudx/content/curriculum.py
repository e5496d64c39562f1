"""Loading topic trees (topics and learning outcomes of CT GDPT 2018) from CSV; the format
is in docs/content.md.

Topics hang under records' curriculum table (`records.CurriculumSubject`: subject + grade +
periods per year), which must be loaded first; this file never repeats a subject's name or
periods. A whole load is checked before anything is written and written in one transaction:
every bad row is reported with its file, row number and column, and nothing is stored.

`topics_load` is idempotent: topics are matched by (subject, grade, topic_code), outcomes
by (topic, outcome_code); values are updated in place; for every (subject, grade) present
in the files, topics and outcomes no longer in them are removed (with their resource tags).
It takes the model classes so a data migration can run it with historical models."""

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from edudx.core.errors import ErrorCollector
from edudx.records.models import CurriculumSubject, Subject

from .models import Outcome, Topic

DATA_DIR = Path(__file__).resolve().parent / "data"
COLUMNS = (
    "grade",
    "subject_code",
    "topic_code",
    "topic_title",
    "strand",
    "periods",
    "outcome_code",
    "outcome_text",
)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


@dataclass
class TopicRow:
    grade: int
    subject_code: str
    code: str
    title: str
    strand: str
    periods: int
    line: int
    source: str
    outcomes: list[tuple[str, str]] = field(default_factory=list)


def _int(value, lo: int, hi: int) -> int | None:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if lo <= n <= hi else None


def _clean(value) -> str:
    return " ".join((value or "").split())


def data_files(directory: Path = DATA_DIR) -> list[Path]:
    return sorted(directory.glob("*.csv"))


def read_topics(paths: list[Path], curriculum: dict[tuple[int, str], int]) -> list[TopicRow]:
    """Parse and check `paths` against `curriculum` {(grade, subject_code): periods per
    year}. Every error of every file is reported at once (DomainErrors, row = line number
    in its file, the message naming the file)."""
    errors = ErrorCollector()
    topics: dict[tuple[int, str, str], TopicRow] = {}
    for path in paths:
        name = path.name
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
            if missing:
                errors.row = 1
                errors.add(
                    "content.topics.columns",
                    _("%(file)s: thiếu cột %(cols)s.") % {"file": name, "cols": ", ".join(missing)},
                    "header",
                )
                continue
            for line, raw in enumerate(reader, start=2):
                errors.row = line
                _read_row(raw, name, line, curriculum, topics, errors)
    # Topic shares may not exceed the subject's periods (rows of all files together).
    totals: dict[tuple[int, str], int] = {}
    for t in topics.values():
        key = (t.grade, t.subject_code)
        totals[key] = totals.get(key, 0) + t.periods
        if totals[key] > curriculum.get(key, 0):
            errors.row = t.line
            errors.add(
                "content.topics.periods_total",
                _(
                    "%(file)s: tổng số tiết các chủ đề môn %(s)s khối %(g)s (%(n)s) vượt số "
                    "tiết/năm của môn (%(max)s)."
                )
                % {
                    "file": t.source,
                    "s": t.subject_code,
                    "g": t.grade,
                    "n": totals[key],
                    "max": curriculum.get(key, 0),
                },
                "periods",
            )
    errors.raise_if_any()
    return list(topics.values())


def _read_row(raw, name, line, curriculum, topics, errors) -> None:
    grade = _int(raw.get("grade"), 1, 12)
    subject = (raw.get("subject_code") or "").strip()
    code = (raw.get("topic_code") or "").strip()
    title = _clean(raw.get("topic_title"))
    periods_raw = (raw.get("periods") or "").strip()
    outcome_code = (raw.get("outcome_code") or "").strip()
    outcome_text = _clean(raw.get("outcome_text"))
    before = len(errors.items)

    def bad(code_: str, message, column: str) -> None:
        errors.add(code_, _("%(file)s: %(m)s") % {"file": name, "m": message}, column)

    if grade is None:
        bad("content.topics.grade", _("Khối lớp phải từ 1 đến 12."), "grade")
    if grade is not None and (grade, subject) not in curriculum:
        bad(
            "content.topics.subject",
            _("Môn “%(s)s” không có trong chương trình khối %(g)s (bảng môn học của hồ sơ).")
            % {"s": subject, "g": grade},
            "subject_code",
        )
    if not _CODE.match(code):
        bad(
            "content.topics.code",
            _("Mã chủ đề phải gồm chữ cái không dấu, số, dấu chấm, gạch (tối đa 40 ký tự)."),
            "topic_code",
        )
    if not title and not outcome_code:
        bad(
            "content.topics.empty",
            _("Dòng phải có tên chủ đề (topic_title) hoặc yêu cầu cần đạt (outcome_code)."),
            "topic_title",
        )
    periods = None
    if title:
        periods = _int(periods_raw, 1, 1000)
        if periods is None:
            bad("content.topics.periods", _("Số tiết phải là số nguyên từ 1 đến 1000."), "periods")
    elif periods_raw:
        bad("content.topics.periods_orphan", _("Số tiết chỉ ghi ở dòng có tên chủ đề."), "periods")
    if outcome_code and not _CODE.match(outcome_code):
        bad(
            "content.topics.outcome_code",
            _("Mã yêu cầu cần đạt phải gồm chữ cái không dấu, số, dấu chấm, gạch."),
            "outcome_code",
        )
    if outcome_code and not outcome_text:
        bad("content.topics.outcome_text", _("Thiếu nội dung yêu cầu cần đạt."), "outcome_text")
    if outcome_text and not outcome_code:
        bad("content.topics.outcome_code", _("Thiếu mã yêu cầu cần đạt."), "outcome_code")
    if len(errors.items) > before:
        return
    key = (grade, subject, code)
    topic = topics.get(key)
    if title:
        if topic is not None:
            bad(
                "content.topics.duplicate",
                _("Chủ đề %(c)s đã khai báo ở %(f)s dòng %(l)s.")
                % {"c": code, "f": topic.source, "l": topic.line},
                "topic_code",
            )
            return
        topic = topics[key] = TopicRow(
            grade, subject, code, title, _clean(raw.get("strand")), periods, line, name
        )
    elif topic is None:
        bad(
            "content.topics.unknown_topic",
            _("Chủ đề %(c)s chưa được khai báo ở dòng trước (khối %(g)s, môn %(s)s).")
            % {"c": code, "g": grade, "s": subject},
            "topic_code",
        )
        return
    if outcome_code:
        if any(c == outcome_code for c, _t in topic.outcomes):
            bad(
                "content.topics.outcome_duplicate",
                _("Yêu cầu cần đạt %(c)s lặp lại trong chủ đề %(t)s.")
                % {"c": outcome_code, "t": code},
                "outcome_code",
            )
            return
        topic.outcomes.append((outcome_code, outcome_text))


def curriculum_index(curriculum_model) -> dict[tuple[int, str], int]:
    return {
        (grade, code): periods
        for grade, code, periods in curriculum_model.objects.values_list(
            "grade", "subject__code", "periods_per_year"
        )
    }


def topics_load(
    rows: list[TopicRow], *, subject_model, topic_model, outcome_model
) -> dict[str, int]:
    """Write `rows`; returns counts {topics, outcomes, created, updated, removed}."""
    subjects = {s.code: s.pk for s in subject_model.objects.all()}
    pairs = {(subjects[r.subject_code], r.grade) for r in rows}
    created = updated = removed = 0
    with transaction.atomic():
        existing = {}
        for t in topic_model.objects.filter(subject_id__in={p[0] for p in pairs}):
            if (t.subject_id, t.grade) in pairs:
                existing[(t.subject_id, t.grade, t.code)] = t
        wanted_topics: dict[tuple, object] = {}
        new, changed = [], []
        seen: dict[tuple, int] = {}  # topics so far per (subject, grade): the order in it,
        for r in rows:  # so one file loaded alone gets the order a load of all files gives
            key = (subjects[r.subject_code], r.grade, r.code)
            order = seen[key[:2]] = seen.get(key[:2], -1) + 1
            values = {
                "title": r.title,
                "strand": r.strand,
                "periods": r.periods,
                "sort_order": order,
            }
            t = existing.get(key)
            if t is None:
                t = topic_model(subject_id=key[0], grade=r.grade, code=r.code, **values)
                new.append(t)
            elif any(getattr(t, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(t, k, v)
                changed.append(t)
            wanted_topics[key] = t
        topic_model.objects.bulk_create(new)
        if new and new[0].pk is None:  # engines without RETURNING ids: read them back
            ids = {
                (t.subject_id, t.grade, t.code): t
                for t in topic_model.objects.filter(subject_id__in={p[0] for p in pairs})
            }
            for key in wanted_topics:
                wanted_topics[key].pk = ids[key].pk
        if changed:
            topic_model.objects.bulk_update(changed, ["title", "strand", "periods", "sort_order"])
        created, updated = len(new), len(changed)
        stale = [t.pk for key, t in existing.items() if key not in wanted_topics]
        if stale:
            removed += len(stale)
            topic_model.objects.filter(pk__in=stale).delete()
        # Outcomes of the loaded topics.
        topic_ids = {t.pk for t in wanted_topics.values()}
        current = {
            (o.topic_id, o.code): o for o in outcome_model.objects.filter(topic_id__in=topic_ids)
        }
        wanted, new_o, changed_o = set(), [], []
        n_outcomes = 0
        for r in rows:
            topic = wanted_topics[(subjects[r.subject_code], r.grade, r.code)]
            for order, (code, text) in enumerate(r.outcomes):
                n_outcomes += 1
                wanted.add((topic.pk, code))
                o = current.get((topic.pk, code))
                if o is None:
                    new_o.append(
                        outcome_model(topic_id=topic.pk, code=code, text=text, sort_order=order)
                    )
                elif (o.text, o.sort_order) != (text, order):
                    o.text, o.sort_order = text, order
                    changed_o.append(o)
        outcome_model.objects.bulk_create(new_o)
        if changed_o:
            outcome_model.objects.bulk_update(changed_o, ["text", "sort_order"])
        stale_o = [o.pk for key, o in current.items() if key not in wanted]
        if stale_o:
            outcome_model.objects.filter(pk__in=stale_o).delete()
        created += len(new_o)
        updated += len(changed_o)
        removed += len(stale_o)
    return {
        "topics": len(rows),
        "outcomes": n_outcomes,
        "created": created,
        "updated": updated,
        "removed": removed,
    }


def load_files(paths: list[Path] | None = None) -> dict[str, int]:
    """Read and load the shipped files (or `paths`) with the current models."""
    rows = read_topics(paths or data_files(), curriculum_index(CurriculumSubject))
    return topics_load(rows, subject_model=Subject, topic_model=Topic, outcome_model=Outcome)


def migration_load(apps, paths: list[Path]) -> dict[str, int]:
    """`paths` loaded with a migration's historical models (content's data migrations)."""
    rows = read_topics(paths, curriculum_index(apps.get_model("records", "CurriculumSubject")))
    return topics_load(
        rows,
        subject_model=apps.get_model("records", "Subject"),
        topic_model=apps.get_model("content", "Topic"),
        outcome_model=apps.get_model("content", "Outcome"),
    )
