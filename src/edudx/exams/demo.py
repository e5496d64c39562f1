"""Demo: a bank of maths questions for the demo student's grade (every kind, three topics of
the grade's curriculum, four levels), a matrix, a paper in four versions and an online test
open for the demo student's class (`hoc_sinh` can take it; `gvcn` runs it). Deterministic
from `seed`."""

import datetime as dt
import random
from decimal import Decimal
from typing import NamedTuple

from django.utils import timezone

from edudx.content.models import Topic
from edudx.core.text import fold
from edudx.records.models import Subject

from . import services
from .services import QuestionIn


class Band(NamedTuple):
    """The demo bank of a band of grades: its topics (slug → the curriculum's title), the
    topic of its true/false and short-answer items and its essay (topic, stem)."""

    topics: dict[str, str]
    tf4: str
    short: str
    essay: tuple[str, str]


BANDS = {
    6: Band(
        {"so-tu-nhien": "Số tự nhiên", "phan-so": "Phân số", "hinh-hoc": "Hình học trực quan"},
        tf4="phan-so",
        short="so-tu-nhien",
        essay=("phan-so", "Trình bày cách so sánh hai phân số khác mẫu, cho một ví dụ."),
    ),
    8: Band(
        {
            "hang-dang-thuc": "Hằng đẳng thức đáng nhớ",
            "phuong-trinh": "Phương trình bậc nhất một ẩn",
            "pythagore": "Định lí Pythagore",
        },
        tf4="phuong-trinh",
        short="hang-dang-thuc",
        essay=(
            "pythagore",
            "Phát biểu định lí Pythagore và định lí đảo của nó; cho một ví dụ dùng định lí "
            "đảo để kiểm tra một tam giác có phải tam giác vuông không.",
        ),
    ),
}


def band_for(grade: int) -> Band:
    """Grades 1–6 get the grade-6 band (fractions, natural numbers), 7 and up grade 8's."""
    return BANDS[8 if grade >= 7 else 6]


def curriculum_codes(subject, grade: int) -> dict[str, str]:
    """Each demo topic's code in the curriculum of the grade (content.Topic) when it has a
    topic of that name or strand ("Phân số" → 6.phanso), so the bank and the matrix name
    topics as the framework does; otherwise the demo's own code."""
    topics = list(Topic.objects.filter(subject=subject, grade=grade).order_by("sort_order"))
    out = {}
    for slug, title in band_for(grade).topics.items():
        want = fold(title)
        match = next((t for t in topics if fold(t.title) == want), None) or next(
            (t for t in topics if fold(t.strand) == want), None
        )
        out[slug] = match.code if match else slug
    return out


TRIPLES = ((3, 4, 5), (5, 12, 13), (6, 8, 10), (8, 15, 17), (7, 24, 25))


def _single_stem(rng, topic, n) -> tuple[str, str, list[str]]:
    """(stem, right answer, three wrong ones) of a one-answer item on `topic`."""
    a, b = rng.randint(2, 40), rng.randint(2, 40)
    if topic == "phan-so":
        return (
            f"Câu {n}: Kết quả của $\\frac{{{a}}}{{10}} + \\frac{{{b}}}{{10}}$ là?",
            f"$\\frac{{{a + b}}}{{10}}$",
            [
                f"$\\frac{{{a + b}}}{{20}}$",
                f"$\\frac{{{a * b}}}{{10}}$",
                f"$\\frac{{{a + b + 1}}}{{10}}$",
            ],
        )
    if topic == "hinh-hoc":
        return (
            f"Câu {n}: Hình chữ nhật có chiều dài {a} cm, chiều rộng {b} cm. Chu vi là?",
            f"{2 * (a + b)} cm",
            [f"{a * b} cm", f"{a + b} cm", f"{2 * (a + b) + 2} cm"],
        )
    if topic == "hang-dang-thuc":
        a = rng.randint(3, 12)  # 2a ≠ a² among the options
        return (
            f"Câu {n}: Khai triển $(x + {a})^2$ được?",
            f"$x^2 + {2 * a}x + {a * a}$",
            [f"$x^2 + {a * a}$", f"$x^2 + {a}x + {a * a}$", f"$x^2 + {2 * a}x + {2 * a}$"],
        )
    if topic == "phuong-trinh":
        a, x, b = rng.randint(3, 9), rng.randint(1, 12), rng.randint(1, 20)
        return (
            f"Câu {n}: Nghiệm của phương trình ${a}x + {b} = {a * x + b}$ là?",
            f"$x = {x}$",
            [f"$x = {x + 1}$", f"$x = {-x}$", f"$x = {a * x}$"],
        )
    if topic == "pythagore":
        p, q, r = rng.choice(TRIPLES)
        k = rng.randint(1, 4)
        p, q, r = p * k, q * k, r * k
        return (
            f"Câu {n}: Tam giác vuông có hai cạnh góc vuông dài {p} cm và {q} cm. Cạnh huyền dài?",
            f"{r} cm",
            [f"{p + q} cm", f"{r * r} cm", f"{q - p} cm"],
        )
    return (
        f"Câu {n}: Tính ${a} \\times {b} + {a}$.",
        str(a * b + a),
        [str(a * b), str(a * (b + 2)), str(a * b + b)],
    )


def _single(rng, topic, level, n) -> QuestionIn:
    stem, right, wrong = _single_stem(rng, topic, n)
    options = [{"id": "a", "text": right, "fraction": 1}] + [
        {"id": chr(98 + i), "text": w, "fraction": 0} for i, w in enumerate(wrong)
    ]
    return QuestionIn(
        kind="single", stem=stem, data={"options": options}, topic_code=topic, level=level
    )


def _statements(*pairs) -> list[dict]:
    return [{"id": chr(97 + i), "text": t, "value": v} for i, (t, v) in enumerate(pairs)]


def _tf4_stem(rng, topic, n) -> tuple[str, list[dict]]:
    """(stem, four statements) of a true/false item on `topic`."""
    if topic == "phan-so":
        a, b = rng.sample(range(2, 20), 2)
        f = f"\\frac{{{a}}}{{{b}}}"
        return f"Câu {n}: Cho phân số ${f}$. Mỗi ý sau đúng hay sai?", _statements(
            (f"${f} = \\frac{{{2 * a}}}{{{2 * b}}}$.", True),
            (f"${f} > 1$.", a > b),
            (f"${f} = \\frac{{{a + 1}}}{{{b + 1}}}$.", False),
            (f"Phân số đối của ${f}$ là $\\frac{{-{a}}}{{{b}}}$.", True),
        )
    if topic == "hinh-hoc":
        a, b = rng.sample(range(2, 30), 2)
        return f"Câu {n}: Hình chữ nhật có hai cạnh {a} cm và {b} cm.", _statements(
            (f"Chu vi là {2 * (a + b)} cm.", True),
            (f"Diện tích là {a + b} cm².", False),
            ("Diện tích lớn hơn 100 cm².", a * b > 100),
            ("Hai đường chéo bằng nhau.", True),
        )
    if topic == "hang-dang-thuc":
        a = rng.randint(2, 9)
        return f"Câu {n}: Mỗi đẳng thức sau đúng hay sai (với mọi x)?", _statements(
            (f"$(x + {a})^2 = x^2 + {2 * a}x + {a * a}$", True),
            (f"$(x - {a})^2 = x^2 - {a * a}$", False),
            (f"$x^2 - {a * a} = (x - {a})(x + {a})$", True),
            (f"$(x + {a})^3 = x^3 + {a**3}$", False),
        )
    if topic == "phuong-trinh":
        a, b = rng.randint(2, 6), rng.randint(2, 30)
        return f"Câu {n}: Cho phương trình ${a}x - {b} = 0$. Mỗi ý sau đúng hay sai?", _statements(
            ("Đây là phương trình bậc nhất một ẩn.", True),
            (f"$x = {b}$ là nghiệm của phương trình.", False),
            ("Nghiệm của phương trình là số nguyên.", b % a == 0),
            ("Phương trình vô nghiệm.", False),
        )
    if topic == "pythagore":
        p, q, r = rng.choice(TRIPLES)
        right = rng.random() < 0.5
        r = r if right else r + 1
        return f"Câu {n}: Tam giác có ba cạnh {p} cm, {q} cm và {r} cm.", _statements(
            (f"${p}^2 + {q}^2 = {p * p + q * q}$.", True),
            ("Tam giác này là tam giác vuông.", right),
            (f"Chu vi tam giác là {p + q + r + 1} cm.", False),
            (f"Cạnh dài nhất là {r} cm.", True),
        )
    a = rng.randint(12, 99)
    return f"Câu {n}: Cho số {a}. Mỗi ý sau đúng hay sai?", _statements(
        (f"{a} là số tự nhiên.", True),
        (f"{a} chia hết cho 2.", a % 2 == 0),
        (f"{a} chia hết cho 3.", a % 3 == 0),
        (f"{a} lớn hơn 100.", False),
    )


def _tf4(rng, topic, n) -> QuestionIn:
    stem, statements = _tf4_stem(rng, topic, n)
    return QuestionIn(
        kind="tf4", stem=stem, data={"statements": statements}, topic_code=topic, level="vd"
    )


def _short_stem(rng, topic, n) -> tuple[str, int]:
    """(stem, the numeric answer) of a short-answer item on `topic`."""
    a, b = rng.randint(2, 9), rng.randint(2, 9)
    if topic == "phan-so":
        return (
            f"Câu {n}: Tính $\\frac{{{a}}}{{10}} + \\frac{{{b}}}{{10}}$; ghi tử số (mẫu 10).",
            a + b,
        )
    if topic == "hinh-hoc":
        return f"Câu {n}: Hình vuông cạnh {a} cm có diện tích bao nhiêu cm² (chỉ ghi số)?", a * a
    if topic == "hang-dang-thuc":
        m, d = rng.randint(51, 99), a
        return f"Câu {n}: Tính nhanh ${m + d}^2 - {m}^2$ (chỉ ghi số).", d * (2 * m + d)
    if topic == "phuong-trinh":
        x = rng.randint(-9, 12)
        return f"Câu {n}: Giải phương trình ${a}x - {b} = {a * x - b}$; ghi nghiệm x.", x
    if topic == "pythagore":
        p, q, r = rng.choice(TRIPLES)
        return (
            f"Câu {n}: Tam giác vuông có cạnh huyền {r} cm, một cạnh góc vuông {p} cm. "
            "Cạnh góc vuông còn lại dài bao nhiêu cm (chỉ ghi số)?",
            q,
        )
    return f"Câu {n}: Tính ${a}^2 + {b}$ (chỉ ghi số).", a * a + b


def _short(rng, topic, n) -> QuestionIn:
    stem, value = _short_stem(rng, topic, n)
    return QuestionIn(
        kind="short",
        stem=stem,
        data={"mode": "numeric", "answers": [{"value": str(value), "tolerance": "0"}]},
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
    band = band_for(grade)
    codes = curriculum_codes(maths, grade)
    n = 0
    for topic in band.topics:
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
    essay_topic, essay_stem = band.essay
    essay = QuestionIn(
        kind="essay",
        stem=essay_stem,
        subject_id=maths.pk,
        grade=grade,
        topic_code=codes[essay_topic],
        level="vdc",
        points=Decimal(2),
    )
    services.question_create(actor=teacher, data=essay, allow_duplicate=True)
    cells = [
        {"topic": codes[t], "level": lv, "count": 2, "points": "0.5", "kind": "single"}
        for t in band.topics
        for lv in ("nb", "th")
    ] + [
        {"topic": codes[band.tf4], "level": "vd", "count": 1, "points": "1", "kind": "tf4"},
        {"topic": codes[band.short], "level": "vd", "count": 1, "points": "1", "kind": "short"},
        {"topic": codes[essay_topic], "level": "vdc", "count": 1, "points": "2", "kind": "essay"},
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
