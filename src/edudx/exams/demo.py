"""Demo: a bank of maths questions for the demo student's grade (every kind, three topics,
four levels), a matrix, a paper in four versions and an online test open for the demo
student's class (`hoc_sinh` can take it; `gvcn` runs it). Deterministic from `seed`."""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from edudx.content.models import Topic
from edudx.core.text import fold
from edudx.records.models import Subject

from . import services
from .services import QuestionIn

TOPICS = {
    "so-tu-nhien": "Số tự nhiên",
    "phan-so": "Phân số",
    "hinh-hoc": "Hình học trực quan",
}


def curriculum_codes(subject, grade: int) -> dict[str, str]:
    """Each demo topic's code in the curriculum of the grade (content.Topic) when it has a
    topic of that name or strand ("Phân số" → 6.phanso), so the bank and the matrix name
    topics as the framework does; otherwise the demo's own code."""
    topics = list(Topic.objects.filter(subject=subject, grade=grade).order_by("sort_order"))
    out = {}
    for slug, title in TOPICS.items():
        want = fold(title)
        match = next((t for t in topics if fold(t.title) == want), None) or next(
            (t for t in topics if fold(t.strand) == want), None
        )
        out[slug] = match.code if match else slug
    return out


def _single(rng, topic, level, n) -> QuestionIn:
    a, b = rng.randint(2, 40), rng.randint(2, 40)
    if topic == "phan-so":
        stem = f"Câu {n}: Kết quả của $\\frac{{{a}}}{{10}} + \\frac{{{b}}}{{10}}$ là?"
        right = f"$\\frac{{{a + b}}}{{10}}$"
        wrong = [
            f"$\\frac{{{a + b}}}{{20}}$",
            f"$\\frac{{{a * b}}}{{10}}$",
            f"$\\frac{{{a + b + 1}}}{{10}}$",
        ]
    elif topic == "hinh-hoc":
        stem = f"Câu {n}: Hình chữ nhật có chiều dài {a} cm, chiều rộng {b} cm. Chu vi là?"
        right = f"{2 * (a + b)} cm"
        wrong = [f"{a * b} cm", f"{a + b} cm", f"{2 * (a + b) + 2} cm"]
    else:
        stem = f"Câu {n}: Tính ${a} \\times {b} + {a}$."
        right = str(a * b + a)
        wrong = [str(a * b), str(a * (b + 2)), str(a * b + b)]
    options = [{"id": "a", "text": right, "fraction": 1}] + [
        {"id": chr(98 + i), "text": w, "fraction": 0} for i, w in enumerate(wrong)
    ]
    return QuestionIn(
        kind="single", stem=stem, data={"options": options}, topic_code=topic, level=level
    )


def _tf4(rng, topic, n) -> QuestionIn:
    a = rng.randint(12, 99)
    statements = [
        {"id": "a", "text": f"{a} là số tự nhiên.", "value": True},
        {"id": "b", "text": f"{a} chia hết cho 2.", "value": a % 2 == 0},
        {"id": "c", "text": f"{a} chia hết cho 3.", "value": a % 3 == 0},
        {"id": "d", "text": f"{a} lớn hơn 100.", "value": False},
    ]
    return QuestionIn(
        kind="tf4",
        stem=f"Câu {n}: Cho số {a}. Mỗi ý sau đúng hay sai?",
        data={"statements": statements},
        topic_code=topic,
        level="vd",
    )


def _short(rng, topic, n) -> QuestionIn:
    a, b = rng.randint(2, 9), rng.randint(2, 9)
    return QuestionIn(
        kind="short",
        stem=f"Câu {n}: Tính ${a}^2 + {b}$ (chỉ ghi số).",
        data={"mode": "numeric", "answers": [{"value": str(a * a + b), "tolerance": "0"}]},
        topic_code=topic,
        level="vd",
    )


def build_demo(summary, users, *, seed: int, log=print) -> None:
    by_name = {u.username: u for u in users}
    teacher, student = by_name.get("gvcn"), by_name.get("hoc_sinh")
    maths = Subject.objects.filter(code="toan").first()
    if teacher is None or student is None or maths is None or student.person_id is None:
        log("exams: no gvcn/hoc_sinh or no maths subject; skipped")
        return
    from edudx.people.models import Student  # noqa: PLC0415 — demo only

    pupil = (
        Student.objects.filter(person_id=student.person_id).select_related("current_class").first()
    )
    if pupil is None or pupil.current_class is None:
        log("exams: the demo student has no class; skipped")
        return
    # The bank and the test are for the demo student's grade: a paper only goes to classes
    # of its grade.
    grade = pupil.current_class.grade.number if pupil.current_class.grade_id else None
    if grade is None:
        log("exams: the demo student's class has no grade; skipped")
        return
    rng = random.Random(seed)  # noqa: S311 — demo data, not a secret
    codes = curriculum_codes(maths, grade)
    n = 0
    for topic in TOPICS:
        for level in ("nb", "th", "vd", "vdc"):
            for _i in range(3 if level in ("nb", "th") else 2):
                n += 1
                data = _single(rng, topic, level, n)
                data.subject_id, data.grade, data.points = maths.pk, grade, Decimal("0.25")
                data.topic_code = codes[topic]
                services.question_create(actor=teacher, data=data, allow_duplicate=True)
        for maker in (_tf4, _short):
            n += 1
            data = maker(rng, topic, n)
            data.subject_id, data.grade, data.topic_code = maths.pk, grade, codes[topic]
            services.question_create(actor=teacher, data=data, allow_duplicate=True)
    essay = QuestionIn(
        kind="essay",
        stem="Trình bày cách so sánh hai phân số khác mẫu, cho một ví dụ.",
        subject_id=maths.pk,
        grade=grade,
        topic_code=codes["phan-so"],
        level="vdc",
        points=Decimal(2),
    )
    services.question_create(actor=teacher, data=essay, allow_duplicate=True)
    cells = [
        {"topic": codes[t], "level": lv, "count": 2, "points": "0.5", "kind": "single"}
        for t in TOPICS
        for lv in ("nb", "th")
    ] + [
        {"topic": codes["phan-so"], "level": "vd", "count": 1, "points": "1", "kind": "tf4"},
        {"topic": codes["so-tu-nhien"], "level": "vd", "count": 1, "points": "1", "kind": "short"},
        {"topic": codes["phan-so"], "level": "vdc", "count": 1, "points": "2", "kind": "essay"},
    ]
    matrix = services.matrix_create(
        actor=teacher,
        name=f"Kiểm tra giữa kì I – Toán {grade}",
        subject_id=maths.pk,
        grade=grade,
        cells=cells,
    )
    paper = services.paper_generate(
        actor=teacher,
        matrix=matrix,
        title=f"Kiểm tra giữa kì I – Toán {grade}",
        versions=4,
        seed=seed,
    )
    now = timezone.now().replace(second=0, microsecond=0)
    test = services.test_schedule(
        actor=teacher,
        paper=paper,
        class_group=pupil.current_class,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=30),
        duration_minutes=45,
        title=f"Kiểm tra giữa kì I – Toán {grade} (trực tuyến)",
    )
    cls = pupil.current_class.name
    log(f"exams: {n + 1} questions, paper {paper.pk} (4 versions), test {test.pk} for {cls}")
