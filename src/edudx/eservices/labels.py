"""Form labels of data/procedures.json, marked for the catalogue (pages translate them
with gettext at run time)."""

from django.utils.translation import gettext_noop

FORM_LABELS = (
    gettext_noop("Họ và tên người nộp"),
    gettext_noop("Số điện thoại"),
    gettext_noop("Thư điện tử"),
    gettext_noop("Số định danh cá nhân của học sinh"),
    gettext_noop("Họ và tên học sinh"),
    gettext_noop("Ngày sinh của học sinh"),
    gettext_noop("Trường chuyển đến"),
    gettext_noop("Lý do chuyển trường"),
    gettext_noop("Số định danh cá nhân của trẻ"),
    gettext_noop("Họ và tên trẻ"),
    gettext_noop("Ngày sinh"),
    gettext_noop("Giới tính"),
    gettext_noop("Xã/phường nơi cư trú"),
    gettext_noop("Thôn, tổ dân phố"),
    gettext_noop("Trường đăng ký"),
    gettext_noop("Đối tượng ưu tiên"),
    gettext_noop("Họ và tên người được cấp văn bằng"),
    gettext_noop("Ngày sinh người được cấp văn bằng"),
    gettext_noop("Loại văn bằng, chứng chỉ"),
    gettext_noop("Năm tốt nghiệp"),
    gettext_noop("Số bản sao"),
    gettext_noop("Số hiệu văn bằng"),
    gettext_noop("Nội dung ghi sai"),
    gettext_noop("Nội dung đề nghị sửa"),
    gettext_noop("Trường đang học"),
    gettext_noop("Đề nghị"),
)
