"""Matrix → paper → scheduled test → start, autosave, submit, grading, gradebook."""

import datetime as dt
from decimal import Decimal

import lxml.html
import pytest

from edudx.core.errors import Conflict, DomainError, DomainErrors
from edudx.exams import grading, selectors, services
from edudx.exams.models import Attempt, AttemptAnswer, AttemptStatus, ExamTest, QuestionVersion
from edudx.org import services as org_services
from edudx.org.models import Term
from edudx.records.models import Mark, TermLock
from tests.pages.conftest import otp_login

from .conftest import T0, bank

pytestmark = pytest.mark.django_db

CELLS = [
    {"topic": "so-tu-nhien", "level": "nb", "count": 3, "points": "0.5"},
    {"topic": "phan-so", "level": "th", "count": 2, "points": "0.5"},
    {"topic": "phan-so", "level": "vd", "count": 2, "points": "1", "kind": "tf4"},
    {"topic": "so-tu-nhien", "level": "vd", "count": 1, "points": "0.5", "kind": "short"},
    {"topic": "so-tu-nhien", "level": "vdc", "count": 1, "points": "2"},
]


@pytest.fixture
def paper(teacher, maths):
    bank(teacher, maths)
    matrix = services.matrix_create(
        actor=teacher, name="KT giữa kì I Toán 6", subject_id=maths.pk, grade=6, cells=CELLS
    )
    return services.paper_generate(
        actor=teacher, matrix=matrix, title="Kiểm tra giữa kì I", versions=4, seed=7
    )


@pytest.fixture
def test(teacher, district, paper):
    term = Term.objects.get(school_year=district.year, number=1)
    return services.test_schedule(
        actor=teacher,
        paper=paper,
        class_group=district.class_a,
        opens_at=T0,
        closes_at=T0 + dt.timedelta(hours=2),
        duration_minutes=45,
        mark_kind="gk",
        term=term,
    )


def attempt_of(test, user):
    return Attempt.objects.get(test=test, person_id=user.person_id)


def test_paper_satisfies_the_matrix_exactly_in_four_different_versions(paper):
    versions = list(paper.versions.all())
    assert [v.code for v in versions] == ["101", "102", "103", "104"]
    first = versions[0]
    assert len(first.items) == 9
    assert sum(Decimal(i["points"]) for i in first.items) == Decimal("7")
    qvs = QuestionVersion.objects.in_bulk([i["qv"] for i in first.items])
    kinds = [qvs[i["qv"]].kind for i in first.items]
    # Sections in order: single choice, true/false clusters, short answer, essay.
    assert kinds == ["single"] * 5 + ["tf4"] * 2 + ["short", "essay"]
    cells = sorted(
        (qvs[i["qv"]].question.topic_code, qvs[i["qv"]].question.level) for i in first.items
    )
    assert cells.count(("so-tu-nhien", "nb")) == 3 and cells.count(("phan-so", "th")) == 2
    assert all(
        sorted(i["qv"] for i in v.items) == sorted(i["qv"] for i in first.items) for v in versions
    )
    signatures = {tuple((i["qv"], tuple(i["order"] or ())) for i in v.items) for v in versions}
    assert len(signatures) == 4
    assert all(q.used for q in qvs.values())
    # The key names the letter where the right option landed after shuffling.
    for v in versions:
        for item, key in zip(v.items, v.key, strict=True):
            q = qvs[item["qv"]]
            if q.kind == "single":
                assert key["key"] == "ABCD"[item["order"].index("a")]


def test_a_matrix_the_bank_cannot_satisfy_names_the_cell(teacher, maths):
    bank(teacher, maths, per_cell=1)
    matrix = services.matrix_create(
        actor=teacher,
        name="M",
        subject_id=maths.pk,
        grade=6,
        cells=[{"topic": "phan-so", "level": "nb", "count": 4, "points": "0.25"}],
    )
    with pytest.raises(DomainErrors) as exc:
        services.paper_generate(actor=teacher, matrix=matrix, title="x", versions=2, seed=1)
    assert exc.value.as_list() == [
        {
            "code": "exams.matrix.lacking",
            "message": "Chủ đề “phan-so”, mức Nhận biết: cần 4 câu, ngân hàng chỉ có 1.",
            "field": "cells",
            "row": 1,
        }
    ]


def test_a_paper_goes_only_to_classes_of_its_grade(district, paper):
    """A grade-6 paper scheduled for a grade-7 class (or a preschool group, which has no
    grade) is refused, naming the class; nothing is created."""
    seventh = org_services.class_create(
        actor=None, school=district.school_a, school_year_code="2025-2026", name="7A1",
        grade_number=7,
    )  # fmt: skip
    group = org_services.class_create(
        actor=None, school=district.school_a, school_year_code="2025-2026", name="Chồi 1"
    )
    principal = district.user("principal", district.school_a)
    for cls in (seventh, group):
        with pytest.raises(DomainErrors) as exc:
            services.test_schedule(
                actor=principal, paper=paper, class_group=cls, opens_at=T0,
                closes_at=T0 + dt.timedelta(hours=2), duration_minutes=45,
            )  # fmt: skip
        assert [(e.code, e.field, e.message) for e in exc.value.items] == [
            (
                "exams.test.grade",
                "class",
                f"Đề dành cho khối 6; lớp {cls.name} không phải lớp khối 6.",
            )
        ]
    assert ExamTest.objects.count() == 0


def test_editing_a_used_question_makes_a_new_version(teacher, paper):
    qv = QuestionVersion.objects.get(pk=paper.versions.first().items[0]["qv"])
    question = qv.question
    data = services.QuestionIn(
        kind="single",
        stem="Sửa: $1+1$?",
        subject_id=question.subject_id,
        grade=6,
        topic_code=question.topic_code,
        level=question.level,
        data={
            "options": [
                {"id": "a", "text": "2", "fraction": 1},
                {"id": "b", "text": "3", "fraction": 0},
            ]
        },
    )
    new = services.question_update(actor=teacher, question=question, data=data)
    assert (new.number, new.pk != qv.pk) == (2, True)
    qv.refresh_from_db()
    assert qv.stem.startswith("Câu ")  # the paper's version is untouched


def test_start_autosave_submit_and_score(test, student_user):
    a = attempt_of(test, student_user)
    state = services.attempt_start(
        actor=student_user, attempt_id=a.pk, device_token="dev-one-123", now=T0
    )
    assert state["status"] == "started" and state["seconds_left"] == 45 * 60
    paper = state["paper"]
    assert "fraction" not in str(paper) and "value" not in str(paper["questions"][5]["data"])
    pv = a.version
    qvs = QuestionVersion.objects.in_bulk([i["qv"] for i in pv.items])
    right = {}
    for pos, item in enumerate(pv.items):
        q = qvs[item["qv"]]
        if q.kind == "single":
            right[pos] = "a"
        elif q.kind == "tf4":
            right[pos] = {s["id"]: s["value"] for s in q.data["statements"]}
        elif q.kind == "short":
            right[pos] = "2,5"
    # Answer everything right except one tf4 statement (3 of 4 → 0.5 of 1 point).
    tf_positions = [p for p in right if isinstance(right[p], dict)]
    right[tf_positions[0]]["a"] = not right[tf_positions[0]]["a"]
    for seq, (pos, resp) in enumerate(right.items(), start=1):
        out = services.answer_save(
            actor=student_user,
            attempt_id=a.pk,
            device_token="dev-one-123",
            question=pv.items[pos]["qv"],
            response=resp,
            seq=seq,
            now=T0 + dt.timedelta(minutes=seq),
        )
        assert out["stored"] is True
    result = services.attempt_submit(
        actor=student_user,
        attempt_id=a.pk,
        device_token="dev-one-123",
        now=T0 + dt.timedelta(minutes=30),
    )
    # 5 × 0.5 + 1 + 0.5 + 0.5 (short) = 4.5; the essay (2) waits for a teacher.
    assert (result["score"], result["max_score"], result["needs_grading"], result["late"]) == (
        "4.50",
        "7.00",
        False,
        False,
    )
    again = services.attempt_submit(
        actor=student_user,
        attempt_id=a.pk,
        device_token="dev-one-123",
        now=T0 + dt.timedelta(minutes=31),
    )
    assert again["score"] == "4.50" and again["submitted_at"] == result["submitted_at"]
    # Each graded answer keeps its points (one UPDATE for the sheet); the essay has none.
    kinds = [qvs[item["qv"]].kind for item in pv.items]
    stored = dict(a.answers.values_list("position", "points"))
    assert sorted((kinds[pos], str(points)) for pos, points in stored.items()) == sorted(
        [("single", "0.50")] * kinds.count("single")
        + [("tf4", "0.50")]
        + [("tf4", "1.00")] * (kinds.count("tf4") - 1)
        + [("short", "0.50")] * kinds.count("short")
    )


def test_an_older_replay_never_overwrites_a_newer_answer(test, student_user):
    a = attempt_of(test, student_user)
    services.attempt_start(actor=student_user, attempt_id=a.pk, device_token="dev-one-123", now=T0)
    qv = a.version.items[0]["qv"]
    save = lambda resp, seq: services.answer_save(  # noqa: E731
        actor=student_user,
        attempt_id=a.pk,
        device_token="dev-one-123",
        question=qv,
        response=resp,
        seq=seq,
        now=T0 + dt.timedelta(minutes=1),
    )
    assert save("b", 5)["stored"] is True
    assert save("a", 3)["stored"] is False  # offline queue replayed late
    assert save("b", 5)["stored"] is False  # the same request again
    row = AttemptAnswer.objects.get(attempt=a)
    assert (row.response, row.seq) == ("b", 5)
    assert save("c", 6)["stored"] is True
    assert AttemptAnswer.objects.get(attempt=a).response == "c"


def test_second_device_is_refused_until_the_teacher_resets(test, student_user, teacher):
    a = attempt_of(test, student_user)
    services.attempt_start(actor=student_user, attempt_id=a.pk, device_token="phone-aaaa", now=T0)
    with pytest.raises(Conflict) as exc:
        services.attempt_start(
            actor=student_user, attempt_id=a.pk, device_token="laptop-bbbb", now=T0
        )
    assert exc.value.code == "exams.attempt.other_device"
    with pytest.raises(Conflict):
        services.answer_save(
            actor=student_user,
            attempt_id=a.pk,
            device_token="laptop-bbbb",
            question=a.version.items[0]["qv"],
            response="a",
            seq=1,
            now=T0,
        )
    services.attempt_device_reset(actor=teacher, attempt=a)
    state = services.attempt_start(
        actor=student_user, attempt_id=a.pk, device_token="laptop-bbbb", now=T0
    )
    assert state["status"] == "started"
    with pytest.raises(Conflict):
        services.attempt_start(
            actor=student_user, attempt_id=a.pk, device_token="phone-aaaa", now=T0
        )


def test_answer_for_a_question_not_in_the_version_is_refused(test, student_user):
    a = attempt_of(test, student_user)
    services.attempt_start(actor=student_user, attempt_id=a.pk, device_token="dev-one-123", now=T0)
    outside = QuestionVersion.objects.exclude(pk__in=[i["qv"] for i in a.version.items]).first()
    with pytest.raises(DomainError) as exc:
        services.answer_save(
            actor=student_user,
            attempt_id=a.pk,
            device_token="dev-one-123",
            question=outside.pk,
            response="a",
            seq=1,
            now=T0,
        )
    assert exc.value.code == "exams.answer.not_in_version"
    assert not AttemptAnswer.objects.filter(attempt=a).exists()


def test_timing_rules(test, student_user, student2_user):
    a = attempt_of(test, student_user)
    with pytest.raises(Conflict) as exc:
        services.attempt_start(
            actor=student_user,
            attempt_id=a.pk,
            device_token="dev-one-123",
            now=T0 - dt.timedelta(minutes=1),
        )
    assert exc.value.code == "exams.attempt.not_open"
    services.attempt_start(actor=student_user, attempt_id=a.pk, device_token="dev-one-123", now=T0)
    qv = a.version.items[0]["qv"]
    services.answer_save(
        actor=student_user,
        attempt_id=a.pk,
        device_token="dev-one-123",
        question=qv,
        response="a",
        seq=1,
        now=T0 + dt.timedelta(minutes=44),
    )
    with pytest.raises(Conflict) as exc:
        services.answer_save(
            actor=student_user,
            attempt_id=a.pk,
            device_token="dev-one-123",
            question=qv,
            response="b",
            seq=2,
            now=T0 + dt.timedelta(minutes=46),
        )
    assert exc.value.code == "exams.attempt.time_up"
    assert AttemptAnswer.objects.get(attempt=a).response == "a"
    # Submitted within the grace after the deadline: accepted and marked late.
    result = services.attempt_submit(
        actor=student_user,
        attempt_id=a.pk,
        device_token="dev-one-123",
        now=T0 + dt.timedelta(minutes=45, seconds=10),
    )
    assert (result["late"], result["auto_submitted"]) == (True, False)
    # Another student starts 100 minutes in: the window (2 h) cuts the duration; never
    # submitting, the sweep closes it.
    b = attempt_of(test, student2_user)
    state = services.attempt_start(
        actor=student2_user,
        attempt_id=b.pk,
        device_token="dev-two-123",
        now=T0 + dt.timedelta(minutes=100),
    )
    assert state["seconds_left"] == 20 * 60
    assert services.attempts_close_expired(now=T0 + dt.timedelta(hours=3)) == 1
    b.refresh_from_db()
    assert (b.status, b.auto_submitted, b.late, b.score) == (
        AttemptStatus.SUBMITTED,
        True,
        False,
        Decimal(0),
    )


def test_essay_grading_and_results_to_the_gradebook(test, student_user, teacher, district, client):
    a = attempt_of(test, student_user)
    services.attempt_start(actor=student_user, attempt_id=a.pk, device_token="dev-one-123", now=T0)
    qvs = QuestionVersion.objects.in_bulk([i["qv"] for i in a.version.items])
    essay_pos = next(p for p, i in enumerate(a.version.items) if qvs[i["qv"]].kind == "essay")
    first_single = next(p for p, i in enumerate(a.version.items) if qvs[i["qv"]].kind == "single")
    for seq, (pos, resp) in enumerate(
        [(essay_pos, "Quy đồng mẫu số rồi so sánh tử."), (first_single, "a")], 1
    ):
        services.answer_save(
            actor=student_user,
            attempt_id=a.pk,
            device_token="dev-one-123",
            question=a.version.items[pos]["qv"],
            response=resp,
            seq=seq,
            now=T0,
        )
    result = services.attempt_submit(
        actor=student_user,
        attempt_id=a.pk,
        device_token="dev-one-123",
        now=T0 + dt.timedelta(minutes=5),
    )
    assert (result["score"], result["needs_grading"]) == ("0.50", True)
    # The teacher's home page says an essay waits for them.
    assert selectors.to_grade(teacher) == 1
    otp_login(client, teacher)
    home = lxml.html.fromstring(client.get("/").content)
    assert [
        (t.text_content(), t.get("href")) for t in home.xpath('//ul[@class="glance tasks"]//a')
    ] == [("1 bài kiểm tra chờ chấm tự luận", "/exams/tests/")]
    with pytest.raises(DomainError) as exc:
        services.results_push(actor=teacher, test=test)
    assert exc.value.code == "exams.results.ungraded" and "Nguyễn Văn An" in str(exc.value)
    answer = AttemptAnswer.objects.get(attempt=a, position=essay_pos)
    for wrong in ("2.5", "NaN", "-Infinity"):  # NaN used to crash on the comparison
        with pytest.raises(DomainError) as exc:
            services.answer_grade(actor=teacher, answer=answer, points=Decimal(wrong))
        assert (exc.value.code, exc.value.field) == ("exams.grade.points", "points")
    a = services.answer_grade(actor=teacher, answer=answer, points=Decimal("1.5"), comment="Đúng ý")
    assert (a.score, a.needs_grading) == (Decimal("2.00"), False)
    assert selectors.to_grade(teacher) == 0
    out = services.results_push(actor=teacher, test=test)
    assert (out["pushed"], out["skipped"]) == (1, ["Trần Thị Bình"])
    # 2 of 7 points → 2.9 on the 10-point scale.
    assert Mark.objects.get(student=district.student_a1, kind="gk").value == Decimal("2.9")
    TermLock.objects.create(class_group=district.class_a, term=test.term, locked_at=T0)
    services.answer_grade(actor=teacher, answer=answer, points=Decimal("2"))
    with pytest.raises(Conflict) as exc:
        services.results_push(actor=teacher, test=test)
    assert exc.value.code == "records.marks.locked"
    assert Mark.objects.get(student=district.student_a1, kind="gk").value == Decimal("2.9")


@pytest.mark.parametrize(
    ("right", "expected"), [(0, "0"), (1, "0.1"), (2, "0.25"), (3, "0.5"), (4, "1")]
)
def test_tf4_national_exam_scale(right, expected):
    data = {"statements": [{"id": c, "text": c, "value": True} for c in "abcd"]}
    response = {c: i < right for i, c in enumerate("abcd")}
    assert grading.score("tf4", data, response) == Decimal(expected)


def test_item_analysis_is_stored_on_the_question_versions(
    test, student_user, student2_user, teacher
):
    for user, right in ((student_user, True), (student2_user, False)):
        a = attempt_of(test, user)
        services.attempt_start(actor=user, attempt_id=a.pk, device_token="dev-xyz-123", now=T0)
        first = a.version.items[0]["qv"]
        services.answer_save(
            actor=user,
            attempt_id=a.pk,
            device_token="dev-xyz-123",
            question=first,
            response="a" if right else "b",
            seq=1,
            now=T0,
        )
        services.attempt_submit(actor=user, attempt_id=a.pk, device_token="dev-xyz-123", now=T0)
    result = services.test_analyse(actor=teacher, test=test)
    assert result["n"] == 2 and result["k"] == 9
    test.refresh_from_db()
    assert test.reliability["n"] == 2 and test.analysed_at is not None
    assert test.item_stats.count() == 9
    # Both students answered different first questions only if their versions differ; the
    # answered item of student 1 was right (facility ≥ 0.5) and is stored on its version.
    qv = QuestionVersion.objects.get(pk=attempt_of(test, student_user).version.items[0]["qv"])
    assert qv.stats["test"] == test.pk and qv.stats["facility"] >= 0.5


def test_only_the_author_or_a_manager_above_edits_a_question(teacher, maths, district):
    from edudx.accounts.models import Role  # noqa: PLC0415
    from edudx.core.api_errors import Forbidden  # noqa: PLC0415

    from .conftest import single  # noqa: PLC0415

    q = services.question_create(
        actor=teacher, data=single("Câu của cô Hoa", subject_id=maths.pk, grade=6)
    )
    colleague = district.user(Role.TEACHER, district.school_a)
    with pytest.raises(Forbidden):
        services.question_update(
            actor=colleague, question=q, data=single("Sửa", subject_id=maths.pk, grade=6)
        )
    other_principal = district.user(Role.PRINCIPAL, district.school_b)
    with pytest.raises(Forbidden):
        services.question_update(
            actor=other_principal, question=q, data=single("Sửa", subject_id=maths.pk, grade=6)
        )
    principal = district.user(Role.PRINCIPAL, district.school_a)
    v = services.question_update(
        actor=principal,
        question=q,
        data=single("Sửa bởi hiệu trưởng", subject_id=maths.pk, grade=6),
    )
    assert (v.number, v.stem) == (1, "Sửa bởi hiệu trưởng")


@pytest.mark.parametrize(
    ("sharing", "same_school", "other_commune", "officer"),
    [
        ("private", False, False, False),
        ("school", True, False, True),
        ("commune", True, False, True),
        ("province", True, True, True),
    ],
)
def test_sharing_scope_follows_the_org_tree(
    teacher, maths, district, sharing, same_school, other_commune, officer
):
    from edudx.accounts.models import Role  # noqa: PLC0415
    from edudx.exams import selectors  # noqa: PLC0415

    from .conftest import single  # noqa: PLC0415

    q = services.question_create(
        actor=teacher, data=single("Chia sẻ", subject_id=maths.pk, grade=6, sharing=sharing)
    )
    seen = lambda user: selectors.questions(user).filter(pk=q.pk).exists()  # noqa: E731
    assert seen(teacher)
    assert seen(district.user(Role.TEACHER, district.school_a)) is same_school
    assert seen(district.teacher_user(district.teacher_b)) is other_commune
    assert seen(district.user(Role.PROVINCE_OFFICER, district.province)) is officer


def test_the_sweep_command_auto_submits(test, student_user):
    import io  # noqa: PLC0415

    from django.core.management import call_command  # noqa: PLC0415

    a = attempt_of(test, student_user)
    long_ago = T0 - dt.timedelta(days=1)
    services.attempt_start(actor=student_user, attempt_id=a.pk, device_token="dev-one-123", now=T0)
    Attempt.objects.filter(pk=a.pk).update(deadline=long_ago)
    out = io.StringIO()
    call_command("exams_close_expired", stdout=out)
    a.refresh_from_db()
    assert (out.getvalue().strip(), a.status, a.auto_submitted) == ("1", "submitted", True)


def test_a_refused_essay_mark_keeps_the_comment_typed(test, student_user, teacher, client):
    """A mark above the essay's maximum is refused: the grading form comes back with the
    mark and comment as typed, the mark field marked and focused; nothing is stored."""
    a = attempt_of(test, student_user)
    services.attempt_start(actor=student_user, attempt_id=a.pk, device_token="dev-one-123", now=T0)
    qvs = QuestionVersion.objects.in_bulk([i["qv"] for i in a.version.items])
    pos = next(p for p, i in enumerate(a.version.items) if qvs[i["qv"]].kind == "essay")
    services.answer_save(
        actor=student_user, attempt_id=a.pk, device_token="dev-one-123",
        question=a.version.items[pos]["qv"], response="Quy đồng mẫu số.", seq=1, now=T0,
    )  # fmt: skip
    services.attempt_submit(actor=student_user, attempt_id=a.pk, device_token="dev-one-123", now=T0)
    answer = AttemptAnswer.objects.get(attempt=a, position=pos)
    otp_login(client, teacher)
    r = client.post(
        f"/exams/tests/{test.pk}/",
        {"action": "grade", "answer": answer.pk, "points": "2,5", "comment": "Thiếu bước rút gọn"},
    )
    doc = lxml.html.fromstring(r.content)
    points, comment = (
        doc.get_element_by_id(f"g-{answer.pk}"),
        doc.get_element_by_id(f"c-{answer.pk}"),
    )
    key = f"g{answer.pk}_points"
    assert r.status_code == 400
    assert (points.get("value"), points.get("aria-invalid"), points.get("autofocus")) == (
        "2,5",
        "true",
        "",
    )
    assert points.get("aria-describedby") == f"e-{key}"
    assert doc.get_element_by_id(f"e-{key}").text_content() == "Điểm phải từ 0 đến 2."
    assert (comment.get("value"), comment.get("aria-invalid")) == ("Thiếu bước rút gọn", None)
    answer.refresh_from_db()
    assert (answer.points, answer.comment) == (None, "")
