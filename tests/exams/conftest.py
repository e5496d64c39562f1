"""Exams fixtures: the District of tests/factories.py, maths assigned to teacher A in class
6A1, a student account for student_a1 and a small bank of grade-6 maths questions."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache

from edudx.accounts.models import Role
from edudx.exams import services
from edudx.exams.services import QuestionIn
from edudx.records import services as records_services
from edudx.records.curriculum import curriculum_load, read_curriculum
from edudx.records.models import CurriculumSubject, Subject


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rendered papers are cached by PaperVersion id, which never repeats in production but
    does between tests (each test's rows are rolled back and the ids handed out again)."""
    cache.clear()
    services.papers_forget()
    yield
    cache.clear()
    services.papers_forget()


T0 = dt.datetime(2025, 10, 6, 7, 0, tzinfo=dt.UTC)  # a Monday in the 2025-2026 school year


@pytest.fixture
def maths(db):
    if not Subject.objects.filter(code="toan").exists():
        curriculum_load(
            read_curriculum(), subject_model=Subject, curriculum_model=CurriculumSubject
        )
    return Subject.objects.get(code="toan")


@pytest.fixture
def teacher(district, maths):
    records_services.subject_assign(
        actor=None, staff=district.teacher_a, subject=maths, class_group=district.class_a
    )
    return district.teacher_user()


@pytest.fixture
def student_user(district):
    return district.user(Role.STUDENT, None, person=district.student_a1.person)


@pytest.fixture
def student2_user(district):
    return district.user(Role.STUDENT, None, person=district.student_a2.person)


def single(stem, right="4", wrong=("3", "5", "6"), **kw) -> QuestionIn:
    options = [{"id": "a", "text": right, "fraction": 1}] + [
        {"id": chr(98 + i), "text": w, "fraction": 0} for i, w in enumerate(wrong)
    ]
    return QuestionIn(kind="single", stem=stem, data={"options": options}, **kw)


def tf4(stem, values=(True, False, True, True), **kw) -> QuestionIn:
    statements = [
        {"id": chr(97 + i), "text": f"Ý {i + 1} của {stem}", "value": v}
        for i, v in enumerate(values)
    ]
    return QuestionIn(kind="tf4", stem=stem, data={"statements": statements}, **kw)


def short_numeric(stem, value="2.5", tolerance="0", **kw) -> QuestionIn:
    return QuestionIn(
        kind="short",
        stem=stem,
        data={"mode": "numeric", "answers": [{"value": value, "tolerance": tolerance}]},
        **kw,
    )


def essay(stem, **kw) -> QuestionIn:
    return QuestionIn(kind="essay", stem=stem, data={}, **kw)


def bank(teacher, maths, *, topics=("so-tu-nhien", "phan-so"), per_cell=3):
    """per_cell single-choice questions per topic and level nb/th, 2 tf4 and 2 short
    per topic (level vd), 1 essay (level vdc) in the first topic."""
    made = []
    for t in topics:
        for level in ("nb", "th"):
            for i in range(per_cell):
                made.append(  # noqa: PERF401
                    services.question_create(
                        actor=teacher,
                        data=single(
                            f"Câu {t} {level} {i}: $2+{i}$ bằng?",
                            right=str(2 + i),
                            wrong=(str(10 + i), str(20 + i), str(30 + i)),
                            subject_id=maths.pk,
                            grade=6,
                            topic_code=t,
                            level=level,
                        ),
                    )
                )
        for i in range(2):
            made.append(
                services.question_create(
                    actor=teacher,
                    data=tf4(
                        f"Đúng sai {t} {i}", subject_id=maths.pk, grade=6, topic_code=t, level="vd"
                    ),
                )
            )
            made.append(
                services.question_create(
                    actor=teacher,
                    data=short_numeric(
                        f"Tính {t} {i}: $\\frac{{5}}{{2}}$",
                        subject_id=maths.pk,
                        grade=6,
                        topic_code=t,
                        level="vd",
                    ),
                )
            )
    made.append(
        services.question_create(
            actor=teacher,
            data=essay(
                "Trình bày cách so sánh hai phân số.",
                subject_id=maths.pk,
                grade=6,
                topic_code=topics[0],
                level="vdc",
                points=Decimal(2),
            ),
        )
    )
    return made
