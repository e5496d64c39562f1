"""Reads of the exams app that cross a permission line, scoped to the acting user.

Question bank visibility: the author always; otherwise a question is shared with a subtree
(`shared_path`: its school, commune or province) and seen by anyone placed inside it (a
teacher at a school of that commune, an officer of that province). Unit-wide roles also see
the shared questions of the units under them. Students see no bank at all."""

from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.accounts.models import Role, RoleAssignment
from edudx.content.models import Topic
from edudx.core.errors import NotFound
from edudx.core.scope import scope_of
from edudx.core.text import fold
from edudx.org.models import ClassGroup, ancestor_paths, path_upper
from edudx.people.models import StaffMember
from edudx.records import selectors as records_selectors

from .models import (
    Attempt,
    AttemptAnswer,
    AttemptStatus,
    ExamTest,
    Kind,
    Level,
    Matrix,
    Paper,
    PaperVersion,
    Question,
    QuestionVersion,
)

STAFF_BANK_ROLES = {
    Role.SYSTEM_ADMIN,
    Role.PROVINCE_OFFICER,
    Role.COMMUNE_OFFICER,
    Role.PRINCIPAL,
    Role.CLERK,
    Role.TEACHER,
    Role.HOMEROOM_TEACHER,
}


def member_paths(actor) -> tuple[str, ...]:
    """Paths of the units the actor works in (role units and current staff posts)."""
    cached = getattr(actor, "_exams_member_paths", None)
    if cached is not None:
        return cached
    paths = set(
        RoleAssignment.objects.filter(user=actor, unit__isnull=False).values_list(
            "unit__path", flat=True
        )
    )
    if actor.person_id:
        paths |= set(
            StaffMember.objects.filter(
                person_id=actor.person_id, end_date__isnull=True
            ).values_list("unit__path", flat=True)
        )
    out = tuple(sorted(paths))
    actor._exams_member_paths = out
    return out


def actor_unit(actor):
    """The unit a new question or matrix belongs to: the actor's school (staff post)."""
    if actor is None or not getattr(actor, "person_id", None):
        return None
    staff = (
        StaffMember.objects.filter(person_id=actor.person_id, end_date__isnull=True)
        .select_related("unit")
        .order_by("id")
        .first()
    )
    if staff is not None:
        return staff.unit
    ra = RoleAssignment.objects.filter(user=actor, unit__isnull=False).select_related("unit")
    first = ra.order_by("id").first()
    return first.unit if first else None


def is_bank_user(actor) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return actor.is_superuser or bool(actor.roles & STAFF_BANK_ROLES)


def question_visible_q(actor) -> Q | None:
    """None = everything."""
    scope = scope_of(actor)
    if scope.everything:
        return None
    q = Q(author=actor)
    prefixes = sorted({p for m in member_paths(actor) for p in ancestor_paths(m)})
    if prefixes:
        q |= Q(shared_path__in=prefixes)
    for p in scope.unit_paths:
        q |= Q(shared_path__gte=p, shared_path__lt=path_upper(p))
    return q


def questions(actor) -> QuerySet[Question]:
    if not is_bank_user(actor):
        return Question.objects.none()
    qs = Question.objects.filter(archived=False).select_related("current", "subject")
    q = question_visible_q(actor)
    return qs if q is None else qs.filter(q)


def question_search(
    *,
    actor,
    text: str = "",
    subject_id: int | None = None,
    grade: int | None = None,
    topic: str = "",
    level: str = "",
    kind: str = "",
) -> QuerySet[Question]:
    qs = questions(actor)
    if subject_id:
        qs = qs.filter(subject_id=subject_id)
    if grade:
        qs = qs.filter(grade=grade)
    if topic:
        qs = qs.filter(topic_code=topic)
    if level:
        qs = qs.filter(level=level)
    if kind:
        qs = qs.filter(kind=kind)
    for word in fold(text).split():
        qs = qs.filter(search_text__contains=word)
    return qs


def curriculum_topics(*, subject_id: int | None = None, grade: int | None = None):
    """The framework's topics (content.Topic, CT GDPT 2018) a question or a matrix cell
    can name by code, in the curriculum's order; all of them, or one subject and grade's."""
    qs = Topic.objects.select_related("subject").order_by(
        "subject__sort_order", "grade", "sort_order"
    )
    if subject_id:
        qs = qs.filter(subject_id=subject_id)
    if grade:
        qs = qs.filter(grade=grade)
    return qs


def topic_titles(keys) -> dict[tuple[int, int, str], str]:
    """Titles of (subject id, grade, topic code) keys that are curriculum topics; a code a
    school made up itself has none (one query)."""
    keys = {k for k in keys if k[2]}
    if not keys:
        return {}
    rows = Topic.objects.filter(
        subject_id__in={k[0] for k in keys},
        grade__in={k[1] for k in keys},
        code__in={k[2] for k in keys},
    ).values_list("subject_id", "grade", "code", "title")
    return {(s, g, c): t for s, g, c, t in rows if (s, g, c) in keys}


def bank_counts(*, actor, subject_id: int, grade: int) -> dict[tuple[str, str, str], int]:
    """How many questions the actor's bank has per (topic code, level, kind) for a subject
    and grade: what a matrix cell can draw from (one query)."""
    rows = (
        questions(actor)
        .filter(subject_id=subject_id, grade=grade, current__isnull=False)
        .order_by()
        .values_list("topic_code", "level", "kind")
        .annotate(n=Count("id"))
    )
    return {(t, lv, k): n for t, lv, k, n in rows}


def _plain(d: Decimal) -> Decimal:
    """4 rather than 4.0 or 4.00; 0.25 as it is."""
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def matrix_overview(*, actor, matrices) -> list[dict]:
    """Each matrix with its cells as a teacher reads them: the topic's curriculum title, the
    level and kind by name, the points, and how many questions the actor's bank has for the
    cell (`short` when fewer than the cell needs: a paper cannot be generated yet)."""
    matrices = list(matrices)
    titles = topic_titles(
        (m.subject_id, m.grade, c.get("topic", "")) for m in matrices for c in m.cells
    )
    counts: dict[tuple[int, int], dict] = {}
    out = []
    for m in matrices:
        key = (m.subject_id, m.grade)
        if key not in counts:
            counts[key] = bank_counts(actor=actor, subject_id=m.subject_id, grade=m.grade)
        have = counts[key]
        cells, total = [], Decimal(0)
        for c in m.cells:
            topic, level, kind = c.get("topic", ""), c.get("level", ""), c.get("kind", "")
            n = sum(
                v for (t, lv, k), v in have.items() if (t, lv) == (topic, level) and kind in ("", k)
            )
            points = _plain(Decimal(str(c.get("points", "0"))))
            total += points * int(c.get("count", 0))
            cells.append(
                {
                    "topic": topic,
                    "title": titles.get((m.subject_id, m.grade, topic), ""),
                    "level": Level(level).label if level in Level.values else level,
                    "kind": Kind(kind).label if kind in Kind.values else "",
                    "count": int(c.get("count", 0)),
                    "points": points,
                    "have": n,
                    "short": n < int(c.get("count", 0)),
                }
            )
        out.append(
            {
                "m": m,
                "cells": cells,
                "total": _plain(total),
                "short": any(c["short"] for c in cells),
            }
        )
    return out


def question_get(*, actor, question_id: int) -> Question:
    q = questions(actor).filter(pk=question_id).first()
    if q is None:
        raise NotFound("exams.question.not_found", _("Không tìm thấy câu hỏi."), field="question")
    return q


def version_get(*, actor, version_id: int) -> QuestionVersion:
    v = QuestionVersion.objects.select_related("question").filter(pk=version_id).first()
    if v is None or not questions(actor).filter(pk=v.question_id).exists():
        raise NotFound("exams.question.not_found", _("Không tìm thấy câu hỏi."), field="question")
    return v


def _owned_q(actor) -> Q | None:
    scope = scope_of(actor)
    if scope.everything:
        return None
    q = Q(created_by=actor)
    for p in set(member_paths(actor)) | set(scope.unit_paths):
        q |= Q(unit__path__gte=p, unit__path__lt=path_upper(p))
    return q


def matrices(actor) -> QuerySet[Matrix]:
    if not is_bank_user(actor):
        return Matrix.objects.none()
    q = _owned_q(actor)
    qs = Matrix.objects.select_related("subject").order_by("-id")
    return qs if q is None else qs.filter(q)


def matrix_get(*, actor, matrix_id: int) -> Matrix:
    m = matrices(actor).filter(pk=matrix_id).first()
    if m is None:
        raise NotFound("exams.matrix.not_found", _("Không tìm thấy ma trận đề."), field="matrix")
    return m


def papers(actor) -> QuerySet[Paper]:
    if not is_bank_user(actor):
        return Paper.objects.none()
    q = _owned_q(actor)
    qs = Paper.objects.select_related("subject").prefetch_related("versions").order_by("-id")
    return qs if q is None else qs.filter(q)


def paper_get(*, actor, paper_id: int) -> Paper:
    p = papers(actor).filter(pk=paper_id).first()
    if p is None:
        raise NotFound("exams.paper.not_found", _("Không tìm thấy đề thi."), field="paper")
    return p


def paper_version_get(*, actor, paper_id: int, code: str) -> PaperVersion:
    paper = paper_get(actor=actor, paper_id=paper_id)
    v = PaperVersion.objects.filter(paper=paper, code=code).first()
    if v is None:
        raise NotFound("exams.paper.not_found", _("Không tìm thấy mã đề."), field="code")
    return v


def classes_for_tests(actor, *, school_year=None) -> QuerySet[ClassGroup]:
    """Classes the actor may schedule a test for: those taught, or under a unit-wide role;
    of `school_year` only when given."""
    scope = scope_of(actor)
    qs = ClassGroup.objects.select_related("school", "grade", "school_year").order_by("name")
    if school_year is not None:
        qs = qs.filter(school_year=school_year)
    q = records_selectors.class_scope_q(scope)
    return qs if q is None else qs.filter(q)


def tests(actor) -> QuerySet[ExamTest]:
    scope = scope_of(actor)
    qs = ExamTest.objects.select_related("class_group", "paper", "paper__subject")
    if scope.everything:
        return qs
    if not is_bank_user(actor):
        return qs.none()
    q = Q(created_by=actor) | Q(class_group_id__in=scope.class_ids)
    for p in scope.unit_paths:
        q |= Q(class_group__school__path__gte=p, class_group__school__path__lt=path_upper(p))
    return qs.filter(q)


def test_get(*, actor, test_id: int) -> ExamTest:
    t = tests(actor).filter(pk=test_id).first()
    if t is None:
        raise NotFound("exams.test.not_found", _("Không tìm thấy bài kiểm tra."), field="test")
    return t


def my_attempts(actor) -> QuerySet[Attempt]:
    """A student's own attempts (any test), newest first."""
    if actor is None or not getattr(actor, "person_id", None):
        return Attempt.objects.none()
    return (
        Attempt.objects.filter(person_id=actor.person_id)
        .select_related("test", "test__paper__subject", "version")
        .order_by("-test__opens_at", "-id")
    )


def open_to_take(actor, now=None) -> int:
    """The student's tests open now and not yet submitted (the home page). One query."""
    now = now or timezone.now()
    return (
        my_attempts(actor)
        .filter(test__opens_at__lte=now, test__closes_at__gt=now)
        .exclude(status=AttemptStatus.SUBMITTED)
        .count()
    )


def to_grade(actor) -> int:
    """Submitted attempts with answers waiting for the actor's grading (essays, in the
    tests they scheduled; the home page). One query."""
    if not getattr(actor, "is_authenticated", False):
        return 0
    return Attempt.objects.filter(
        test__created_by=actor, status=AttemptStatus.SUBMITTED, needs_grading=True
    ).count()


def attempt_for_student(*, actor, attempt_id: int) -> Attempt:
    a = my_attempts(actor).filter(pk=attempt_id).first()
    if a is None:
        raise NotFound("exams.attempt.not_found", _("Không tìm thấy bài làm."), field="attempt")
    return a


def test_attempts(test: ExamTest) -> QuerySet[Attempt]:
    return (
        Attempt.objects.filter(test=test)
        .select_related("student__person", "version")
        .order_by("student__search_name", "id")
    )


def attempt_for_teacher(*, actor, attempt_id: int) -> Attempt:
    a = Attempt.objects.select_related("test__class_group__school").filter(pk=attempt_id).first()
    if a is None or not tests(actor).filter(pk=a.test_id).exists():
        raise NotFound("exams.attempt.not_found", _("Không tìm thấy bài làm."), field="attempt")
    return a


def answer_get(*, actor, answer_id: int) -> AttemptAnswer:
    ans = AttemptAnswer.objects.select_related("attempt").filter(pk=answer_id).first()
    if ans is None or not tests(actor).filter(pk=ans.attempt.test_id).exists():
        raise NotFound("exams.answer.not_found", _("Không tìm thấy câu trả lời."), field="answer")
    return ans
