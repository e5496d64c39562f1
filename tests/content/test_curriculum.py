"""The topic-tree loader: shipped files, idempotence, bad rows named with file and row."""

import pytest
from django.core.management import call_command

from edudx.content.curriculum import curriculum_index, data_files, load_files, read_topics
from edudx.content.models import Outcome, Topic
from edudx.core.errors import DomainErrors
from edudx.records.models import CurriculumSubject

HEADER = "grade,subject_code,topic_code,topic_title,strand,periods,outcome_code,outcome_text\n"

pytestmark = pytest.mark.django_db


def test_shipped_trees_are_loaded_by_the_migration():
    # Toán 1, 6 and 8, Tiếng Việt 1, Ngữ văn 6: 7 + 6 + 10 + 12 + 8 topics.
    counts = {
        (g, code): n
        for g, code, n in [
            (1, "toan", 7),
            (1, "tieng_viet", 6),
            (6, "toan", 10),
            (8, "toan", 12),
            (6, "ngu_van", 8),
        ]
    }
    for (grade, code), n in counts.items():
        topics = Topic.objects.filter(grade=grade, subject__code=code)
        assert topics.count() == n
        periods = CurriculumSubject.objects.get(grade=grade, subject__code=code).periods_per_year
        # The shipped shares add up to the subject's periods in records' table.
        assert sum(t.periods for t in topics) == periods
    assert Outcome.objects.filter(topic__subject__code="toan", topic__grade=6).count() == 22


def test_reload_is_idempotent():
    assert load_files() == {
        "topics": 43,
        "outcomes": 88,
        "created": 0,
        "updated": 0,
        "removed": 0,
    }


def test_changed_file_updates_and_removes(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(
        HEADER
        + "6,toan,6.sotunhien,Số tự nhiên (sửa),Số và đại số,30,,\n"
        + "6,toan,6.sotunhien,,,,6.sotunhien.1,Nhận biết tập hợp số tự nhiên.\n",
        encoding="utf-8",
    )
    counts = load_files([f])
    # 1 topic updated, 9 topics of Toán 6 removed, outcome .1 text updated, .2–.4 removed.
    assert counts == {"topics": 1, "outcomes": 1, "created": 0, "updated": 2, "removed": 12}
    assert list(
        Topic.objects.filter(grade=6, subject__code="toan").values_list("title", "periods")
    ) == [("Số tự nhiên (sửa)", 30)]
    # Other subjects and grades are untouched.
    assert Topic.objects.filter(grade=6, subject__code="ngu_van").count() == 8


def test_bad_rows_are_reported_with_file_and_row_and_nothing_is_written(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(
        HEADER
        + "6,toan,6.moi,Chủ đề mới,,10,,\n"  # row 2: fine
        + "13,toan,6.x,Khối sai,,5,,\n"  # row 3: grade
        + "6,hoa_hoc,6.y,Môn không có ở khối 6,,5,,\n"  # row 4: subject
        + "6,toan,6.z,Không có số tiết,,,,\n"  # row 5: periods
        + "6,toan,6.khong,,,,6.khong.1,Chủ đề chưa khai báo\n"  # row 6: unknown topic
        + "6,toan,6.moi,,,,6.moi.1,\n"  # row 7: outcome text missing
        + "6,toan,6.moi,Chủ đề mới,,10,,\n"  # row 8: duplicate topic
        + "6,toan,6.to,Quá số tiết,,131,,\n",  # row 9: 10 + 131 > 140
        encoding="utf-8",
    )
    before = Topic.objects.count()
    with pytest.raises(DomainErrors) as exc:
        read_topics([f], curriculum_index(CurriculumSubject))
    got = [(e["row"], e["field"], e["code"]) for e in exc.value.as_list()]
    assert got == [
        (3, "grade", "content.topics.grade"),
        (4, "subject_code", "content.topics.subject"),
        (5, "periods", "content.topics.periods"),
        (6, "topic_code", "content.topics.unknown_topic"),
        (7, "outcome_text", "content.topics.outcome_text"),
        (8, "topic_code", "content.topics.duplicate"),
        (9, "periods", "content.topics.periods_total"),
    ]
    assert exc.value.as_list()[0]["message"] == "bad.csv: Khối lớp phải từ 1 đến 12."
    assert Topic.objects.count() == before


def test_command_reports_rows(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(HEADER + "6,toan,6.a,,,,,\n", encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as exc:
        call_command("load_topics", str(f))
    assert str(exc.value) == (
        "row 2 topic_title: bad.csv: Dòng phải có tên chủ đề (topic_title) hoặc yêu cầu cần "
        "đạt (outcome_code)."
    )


def test_missing_columns(tmp_path):
    f = tmp_path / "cols.csv"
    f.write_text("grade,subject_code\n6,toan\n", encoding="utf-8")
    with pytest.raises(DomainErrors) as exc:
        read_topics([f], curriculum_index(CurriculumSubject))
    assert exc.value.as_list()[0]["row"] == 1
    assert "topic_code" in exc.value.as_list()[0]["message"]


def test_data_files_are_the_five_shipped():
    assert [p.name for p in data_files()] == [
        "topics_ngu_van_6.csv",
        "topics_tieng_viet_1.csv",
        "topics_toan_1.csv",
        "topics_toan_6.csv",
        "topics_toan_8.csv",
    ]


def test_grade_8_maths_fills_its_periods_and_is_loaded_by_the_migrations():
    """Migration 0003 loads every shipped file and 0008 the grade-8 maths into databases
    migrated before it (in the order a load of every file gives): the test database has its
    12 topics."""
    topics = Topic.objects.filter(subject__code="toan", grade=8).order_by("sort_order")
    assert [t.code for t in topics][:4] == [
        "8.dathuc", "8.hangdangthuc", "8.phanthuc", "8.phuongtrinh",
    ]  # fmt: skip
    assert [t.sort_order for t in topics] == list(range(12))
    assert topics.get(code="8.pythagore").outcomes.count() == 1
