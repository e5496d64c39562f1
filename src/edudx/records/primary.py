"""Labels of the primary (Circular 27/2020/TT-BGDĐT) qualities, competencies and year-end
results, as pages, the API and transcripts show them. No database access."""

from django.utils.translation import gettext_lazy as _

from . import rules

# Circular 27/2020/TT-BGDĐT, Art. 5(1)(b)-(c) [the qualities of CT GDPT 2018 and its core
# competencies]: code, full name, short column heading for a phone.
QUALITY_FIELDS = (
    ("yeu_nuoc", _("Yêu nước"), _("Yêu nước")),
    ("nhan_ai", _("Nhân ái"), _("Nhân ái")),
    ("cham_chi", _("Chăm chỉ"), _("Chăm chỉ")),
    ("trung_thuc", _("Trung thực"), _("Trung thực")),
    ("trach_nhiem", _("Trách nhiệm"), _("Trách nhiệm")),
    ("tu_chu_tu_hoc", _("Tự chủ và tự học"), _("Tự chủ")),
    ("giao_tiep_hop_tac", _("Giao tiếp và hợp tác"), _("Giao tiếp")),
    ("giai_quyet_van_de_sang_tao", _("Giải quyết vấn đề và sáng tạo"), _("GQVĐ")),
    ("ngon_ngu", _("Ngôn ngữ"), _("Ngôn ngữ")),
    ("tinh_toan", _("Tính toán"), _("Tính toán")),
    ("khoa_hoc", _("Khoa học"), _("Khoa học")),
    ("cong_nghe", _("Công nghệ"), _("Công nghệ")),
    ("tin_hoc", _("Tin học"), _("Tin học")),
    ("tham_mi", _("Thẩm mĩ"), _("Thẩm mĩ")),
    ("the_chat", _("Thể chất"), _("Thể chất")),
)
if tuple(c for c, _l, _s in QUALITY_FIELDS) != (*rules.QUALITIES, *rules.COMPETENCIES):
    raise ImportError("QUALITY_FIELDS out of step with rules.QUALITIES, COMPETENCIES")

# What a teacher types or picks for a rating, and how it is shown back.
LEVEL_INPUT = {
    "t": "t",
    "tốt": "t",
    "tot": "t",
    "đ": "d",
    "d": "d",
    "đạt": "d",
    "dat": "d",
    "c": "c",
    "ccg": "c",
    "cần cố gắng": "c",
    "can co gang": "c",
}
LEVEL_SHORT = {"t": "T", "d": "Đ", "c": "C"}


def level_choices():
    return [(c.code, c.label) for c in sorted(rules.CompetencyRating, reverse=True)]


def result_label(code: str) -> str:
    for r in rules.YearResult:
        if r.code == code:
            return r.label
    return ""


def status_label(code: str, grade: int | None) -> str:
    # Circular 27/2020/TT-BGDĐT, Art. 11(1)-(2).
    if code == "completed":
        if grade == 5:
            return str(_("Hoàn thành chương trình tiểu học"))
        return str(_("Hoàn thành chương trình lớp học"))
    if code == "not_completed":
        return str(_("Chưa hoàn thành chương trình lớp học"))
    return ""


def commendation_label(name: str) -> str:
    for c in rules.Commendation:
        if c.name.lower() == name:
            return c.label
    return ""
