"""Demo repository: topic trees (already loaded by the migration; reloaded if missing), and a
handful of resources uploaded by the demo teacher `giao_vien` — most published by the
principal `hieu_truong` at school scope, one by `so_gddt` at province scope, one left
waiting in the review queue. Then the Sở's shared repository of the autumn term: a
resource for about two in three of the other curriculum topics (the sample framework:
grades 1 and 6), published by `so_gddt` between 15/09 and 28/11/2025 — every other one open to
everyone (public, for T26), the rest province-wide — so the operations centre's T05 and T26
for 2025 count them (published at build time, they fell after the report's date and T05 read
0 %). Deterministic; runs in about a second."""

import datetime as dt
import io
import random

from django.utils import timezone

from edudx.content import services
from edudx.content.curriculum import load_files
from edudx.content.models import Resource, ResourceReview, Topic
from edudx.records.models import Subject

# The shared repository: the autumn term's publication window, the share of the remaining
# sample topics that get a resource.
SHARED_FROM, SHARED_TO = dt.date(2025, 9, 15), dt.date(2025, 11, 28)
SHARED = 2 / 3


def _pdf(title: str) -> bytes:
    """A tiny valid one-page PDF (no fonts needed: the text is in the metadata)."""
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"4 0 obj<</Title(" + title.encode("ascii", "replace") + b")>>endobj\n"
        b"trailer<</Root 1 0 R/Info 4 0 R>>\n%%EOF\n"
    )
    return body


# (subject, grade, topic codes, title, type, description, publish: None | "school" | "province")
RESOURCES = [
    ("toan", 6, ["6.phanso"], "Phân số bằng nhau – bài giảng", "document",
     "Bài giảng điện tử về hai phân số bằng nhau, có ví dụ và bài tập.", "school"),
    ("toan", 6, ["6.songuyen"], "Số nguyên âm trong đời sống", "document",
     "Nhiệt độ dưới 0 °C, độ cao dưới mực nước biển: làm quen với số nguyên âm.", "province"),
    ("toan", 6, ["6.thongke"], "Biểu đồ cột – phiếu học tập", "document",
     "Thu thập, phân loại dữ liệu và vẽ biểu đồ cột.", "school"),
    ("ngu_van", 6, ["6.tho"], "Thơ lục bát: vần và nhịp", "document",
     "Nhận biết số tiếng, số dòng, vần, nhịp của thơ lục bát qua ca dao.", "school"),
    ("ngu_van", 6, ["6.truyen"], "Truyền thuyết Thánh Gióng – đọc hiểu", "document",
     "Cốt truyện, nhân vật, yếu tố kì ảo trong truyền thuyết.", None),
    ("toan", 1, ["1.so10"], "Đếm đến 10 cùng bạn Thỏ", "link",
     "Trò chơi đếm số trên kho học liệu của Bộ.", "province"),
]  # fmt: skip


def build_demo(summary, users, *, seed: int, log) -> None:
    if not Topic.objects.exists():
        load_files()
    by_name = {u.username: u for u in users}
    teacher, principal, officer = (
        by_name.get("giao_vien"),
        by_name.get("hieu_truong"),
        by_name.get("so_gddt"),
    )
    if teacher is None or principal is None or Resource.objects.exists():
        return
    subjects = {s.code: s for s in Subject.objects.all()}
    made = 0
    for code, grade, topics, title, kind, description, publish in RESOURCES:
        link = kind == "link"
        data = services.ResourceData(
            title=title,
            type=kind,
            subject_id=subjects[code].pk,
            grade=grade,
            licence="cc-by-sa",
            author=teacher.person.full_name if teacher.person_id else "Giáo viên",
            description=description,
            topic_ids=list(
                Topic.objects.filter(
                    subject=subjects[code], grade=grade, code__in=topics
                ).values_list("pk", flat=True)
            ),
            external_url="https://igiaoduc.vn/" if link else "",
        )
        pdf = _pdf(title)
        upload = None if link else services.Upload(io.BytesIO(pdf), len(pdf), f"{code}-{grade}.pdf")
        r = services.resource_create(actor=teacher, data=data, upload=upload)
        if publish:
            reviewer = officer if publish == "province" and officer else principal
            services.resource_review(actor=reviewer, resource=r, approve=True)
            services.resource_publish(
                actor=reviewer, resource=r, scope=publish if reviewer is officer else "school"
            )
        made += 1
    rng = random.Random(f"{seed}:content")  # noqa: S311 — a reproducible demo, not secrets
    shared, public = _shared_repository(teacher, officer, rng) if officer else (0, 0)
    summary.counts["resources"] = made + shared
    log(
        f"Học liệu số: {made} học liệu mẫu, {shared} học liệu dùng chung của Sở"
        f" ({public} công khai cho mọi người; HK1 2025-2026)."
    )


def _shared_repository(teacher, officer, rng: random.Random) -> tuple[int, int]:
    """Resources for the sample topics no hand-picked resource covers, through the services,
    then dated in the autumn term: created three days before publication, reviewed and
    published on a weekday between SHARED_FROM and SHARED_TO at 08:00-16:00; every other one
    open to everyone (T26), the rest province-wide. Returns (resources, public ones)."""
    covered = set(Resource.topics.through.objects.values_list("topic_id", flat=True))
    topics = [
        t
        for t in Topic.objects.select_related("subject").order_by(
            "grade", "subject__sort_order", "code"
        )
        if t.pk not in covered and rng.random() < SHARED
    ]
    days = [
        SHARED_FROM + dt.timedelta(days=i)
        for i in range((SHARED_TO - SHARED_FROM).days + 1)
        if (SHARED_FROM + dt.timedelta(days=i)).weekday() < 5
    ]
    tz = timezone.get_default_timezone()
    public = 0
    for i, t in enumerate(topics):
        title = f"{t.subject.name} {t.grade} – {t.title}"[:200]
        pdf = _pdf(f"{t.subject.code}-{t.grade}-{t.code}")
        r = services.resource_create(
            actor=teacher,
            data=services.ResourceData(
                title=title,
                type="document",
                subject_id=t.subject_id,
                grade=t.grade,
                licence="cc-by-sa",
                author=teacher.person.full_name if teacher.person_id else "Giáo viên",
                description=f"Bài giảng và phiếu học tập: {t.title}.",
                topic_ids=[t.pk],
            ),
            upload=services.Upload(io.BytesIO(pdf), len(pdf), f"{t.subject.code}-{t.code}.pdf"),
        )
        services.resource_review(actor=officer, resource=r, approve=True)
        scope = "public" if i % 2 == 0 else "province"
        public += scope == "public"
        services.resource_publish(actor=officer, resource=r, scope=scope)
        at = dt.datetime.combine(
            rng.choice(days), dt.time(rng.randint(8, 15), rng.randrange(60)), tzinfo=tz
        )
        Resource.objects.filter(pk=r.pk).update(
            published_at=at, created_at=at - dt.timedelta(days=3), updated_at=at
        )
        ResourceReview.objects.filter(resource=r).update(created_at=at)
    return len(topics), public
