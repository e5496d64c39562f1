"""Subject assignments for the demo's classes, from the teaching assignments the generator
made (people.TeachingAssignment carries the subject as text). Without them no demo teacher
could open the mark grid, which only shows subjects assigned in records."""

from edudx.people.models import TeachingAssignment
from edudx.records.models import CurriculumSubject, Subject, SubjectAssignment

# The generator's subject words → curriculum subject codes (CT GDPT 2018).
CODES = {
    "Ngữ văn": ["ngu_van"],
    "Toán": ["toan"],
    "Tiếng Anh": ["ngoai_ngu_1"],
    "Khoa học tự nhiên": ["khoa_hoc_tu_nhien"],
    "Lịch sử và Địa lí": ["lich_su_dia_li"],
    "Giáo dục công dân": ["giao_duc_cong_dan"],
    "Công nghệ": ["cong_nghe"],
    "Tin học": ["tin_hoc", "tin_hoc_cong_nghe"],
    "Giáo dục thể chất": ["giao_duc_the_chat"],
    "Âm nhạc": ["nghe_thuat"],
    "Mĩ thuật": ["nghe_thuat"],
    "Hoạt động trải nghiệm, hướng nghiệp": ["hdtn_huong_nghiep"],
}
# A primary homeroom teacher (subject "") teaches every subject no specialist teaches.
SPECIALIST_CODES = {c for codes in CODES.values() for c in codes} - {"toan", "lich_su_dia_li"}


def assignments_from_teaching() -> int:
    """Create whole-year subject assignments for every teaching assignment of a graded
    class; returns how many were created. Idempotent (existing pairs are skipped)."""
    subjects = {s.code: s for s in Subject.objects.all()}
    by_grade: dict[int, set[str]] = {}
    for grade, code in CurriculumSubject.objects.values_list("grade", "subject__code"):
        by_grade.setdefault(grade, set()).add(code)
    existing = set(
        SubjectAssignment.objects.filter(term__isnull=True).values_list(
            "staff_id", "class_group_id", "subject_id"
        )
    )
    rows = []
    teaching = TeachingAssignment.objects.filter(class_group__grade__isnull=False).values_list(
        "staff_id", "class_group_id", "class_group__grade__number", "subject"
    )
    for staff_id, class_id, grade, text in teaching:
        offered = by_grade.get(grade, set())
        codes = CODES.get(text, []) if text else sorted(offered - SPECIALIST_CODES)
        for code in codes:
            if code not in offered or code not in subjects:
                continue
            key = (staff_id, class_id, subjects[code].pk)
            if key in existing:
                continue
            existing.add(key)
            rows.append(
                SubjectAssignment(
                    staff_id=staff_id, class_group_id=class_id, subject=subjects[code]
                )
            )
    SubjectAssignment.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
