"""core.errors.field_messages: a refused form's messages by field, each naming its field."""

from edudx.core.errors import DomainErrors, ErrorItem, field_messages


def test_messages_are_led_by_their_label_once():
    exc = DomainErrors(
        [
            ErrorItem("x.title", "Thiếu tiêu đề.", "title"),
            ErrorItem("x.area", "Diện tích là số m² lớn hơn 0.", "floor_area"),
            ErrorItem("x.grade", "Khối lớp từ 1 đến 12.", "grade", row=3),
            ErrorItem("x.form", "Hồ sơ đã khoá."),
        ]
    )
    labels = {"title": "Tiêu đề", "floor_area": "Diện tích", "grade": "Khối"}
    assert field_messages(exc, labels) == {
        "title": ["Tiêu đề: Thiếu tiêu đề."],
        "floor_area": ["Diện tích là số m² lớn hơn 0."],  # not "Diện tích: Diện tích …"
        "grade-3": ["Khối lớp từ 1 đến 12."],
        "": ["Hồ sơ đã khoá."],
    }


def test_a_service_field_is_shown_under_the_forms_name_for_it():
    exc = DomainErrors([ErrorItem("x.cat", "Chọn loại tài sản.", "category_id", row=2)])
    names = {"category_id": "category"}
    assert field_messages(exc, {"category_id": "Loại"}, names) == {
        "category-2": ["Loại: Chọn loại tài sản."]
    }
