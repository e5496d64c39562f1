"""Demo repository: topic trees (already loaded by the migration; reloaded if missing), and a
handful of resources uploaded by the demo teacher `giao_vien` — most published by the
principal `hieu_truong` at school scope, one by `so_gddt` at province scope, one left
waiting in the review queue. Deterministic; runs in well under a second."""

import io

from edudx.content import services
from edudx.content.curriculum import load_files
from edudx.content.models import Resource, Topic
from edudx.records.models import Subject


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
    summary.counts["resources"] = made
    log(f"Học liệu số: {made} học liệu mẫu.")
