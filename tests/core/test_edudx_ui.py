"""The signed-in menu: entries by role, grouped by area when there are many, one current entry."""

import pytest
from django.test import RequestFactory
from django.urls import resolve
from django.utils import translation

from edudx.core.templatetags.edudx_ui import NAV_FLAT_MAX, nav_items, nav_menu


def context(roles: set[str], path: str = "/") -> dict:
    request = RequestFactory().get(path)
    request.resolver_match = resolve(path)
    return {"nav_roles": roles, "request": request}


def shown(menu: dict) -> list[tuple[str | None, list[str]]]:
    return [
        (group["label"] and str(group["label"]), [str(item["label"]) for item in group["items"]])
        for group in menu["groups"]
    ]


CLERK = [
    (None, ["Trang chủ"]),
    ("Học sinh & lớp", ["Học sinh", "Điểm danh", "Nhập điểm", "Sổ liên lạc"]),
    ("Học tập", ["Học liệu", "Bồi dưỡng", "Ngân hàng đề"]),
    ("Tài chính", ["Thu phí", "Tài khoản nhận tiền"]),
    ("Dịch vụ công", ["Phản hồi", "Hồ sơ dịch vụ công"]),
    (
        "Quản lý",
        [
            "Cơ cấu tổ chức",
            "Cán bộ",
            "Nhập dữ liệu",
            "Tài sản, thiết bị",
            "Thiết bị IoT",
            "Văn bản, hồ sơ",
            "Trung tâm điều hành",
            "Báo cáo năm",
            "Chỉ số chuyển đổi số",
            "Mã truy cập API",
        ],
    ),
]
TEACHER = [
    (
        None,
        [
            "Trang chủ",
            "Cơ cấu tổ chức",
            "Học sinh",
            "Điểm danh",
            "Nhập điểm",
            "Sổ liên lạc",
            "Học liệu",
            "Lớp trực tuyến",
            "Bồi dưỡng",
            "Ngân hàng đề",
        ],
    )
]
GUARDIAN = [
    (
        None,
        [
            "Trang chủ",
            "Đơn xin nghỉ",
            "Sổ liên lạc",
            "Học phí",
            "Dịch vụ công",
            "Hồ sơ của tôi",
            "Tuyển sinh",
            "Học liệu",
            "Lớp trực tuyến",
        ],
    )
]
# A teacher who is also a parent passes NAV_FLAT_MAX: grouped, no empty area (no finance
# accounts, no monitoring), "Quản lý" with the one entry a teacher has there.
TEACHER_GUARDIAN = [
    (None, ["Trang chủ"]),
    ("Học sinh & lớp", ["Học sinh", "Điểm danh", "Nhập điểm", "Đơn xin nghỉ", "Sổ liên lạc"]),
    ("Học tập", ["Học liệu", "Lớp trực tuyến", "Bồi dưỡng", "Ngân hàng đề"]),
    ("Tài chính", ["Học phí"]),
    ("Dịch vụ công", ["Dịch vụ công", "Hồ sơ của tôi", "Tuyển sinh"]),
    ("Quản lý", ["Cơ cấu tổ chức"]),
]


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ({"clerk"}, CLERK),
        ({"teacher"}, TEACHER),
        ({"guardian"}, GUARDIAN),
        ({"teacher", "guardian"}, TEACHER_GUARDIAN),
    ],
    ids=["clerk", "teacher", "guardian", "teacher-and-parent"],
)
def test_menu_groups_by_role(roles, expected):
    assert shown(nav_menu(context(roles))) == expected


def test_flat_up_to_the_limit_grouped_beyond():
    assert len(nav_items(context({"teacher"}))) == NAV_FLAT_MAX
    assert len(nav_items(context({"clerk"}))) == 22


def test_group_labels_in_english():
    with translation.override("en"):
        labels = [label for label, _ in shown(nav_menu(context({"clerk"})))]
    assert labels == [
        None,
        "Students & classes",
        "Learning",
        "Finance",
        "Public services",
        "Management",
    ]


@pytest.mark.parametrize(
    ("roles", "path", "current"),
    [
        ({"teacher"}, "/", "Trang chủ"),
        ({"teacher"}, "/people/students/", "Học sinh"),
        ({"clerk"}, "/people/staff/", "Cán bộ"),
        ({"teacher"}, "/records/marks/", "Nhập điểm"),
        ({"principal"}, "/records/marks/changes/", "Nhập điểm"),
        ({"clerk"}, "/fees/accounts/", "Tài khoản nhận tiền"),
        ({"clerk"}, "/fees/invoices/", "Thu phí"),
        ({"clerk"}, "/monitoring/report/", "Báo cáo năm"),
        ({"clerk"}, "/monitoring/", "Trung tâm điều hành"),
        ({"clerk"}, "/contact/feedback/inbox/", "Phản hồi"),
        ({"clerk"}, "/contact/", "Sổ liên lạc"),
        ({"clerk"}, "/office/outgoing/", "Văn bản, hồ sơ"),
        ({"guardian"}, "/services/admissions/", "Tuyển sinh"),
        ({"guardian"}, "/notifications/", None),
        ({"principal"}, "/accounts/tokens/", "Mã truy cập API"),
        # Signing in is no page of the menu (it said "Mã truy cập API": same app).
        ({"principal"}, "/accounts/otp/", None),
        ({"principal"}, "/accounts/login/", None),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_one_current_entry(roles, path, current):
    items = nav_items(context(roles, path))
    active = [str(item["label"]) for item in items if item["active"]]
    assert active == ([current] if current else [])
    menu_current = nav_menu(context(roles, path))["current"]
    assert (menu_current and str(menu_current["label"])) == current
