"""`edudx demo_logins`: print the demo users (role, username, password, what they see) and
their second factor (TOTP secret for an authenticator app, the current code, backup codes)."""

import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand

from edudx.demo.logins import login_rows


def _width(text: str) -> int:
    return sum(0 if unicodedata.combining(ch) else 1 for ch in unicodedata.normalize("NFC", text))


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(_width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells):
        return " | ".join(
            str(c) + " " * (w - _width(str(c))) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    return [line(headers), "-+-".join("-" * w for w in widths), *[line(r) for r in rows]]


class Command(BaseCommand):
    help = "In danh sách tài khoản mẫu (demo) với mật khẩu và mã xác thực hai lớp."

    def handle(self, *args, **options):
        rows = login_rows()
        if not rows:
            self.stdout.write("Chưa có tài khoản mẫu. Chạy: edudx demo")
            return
        out = self.stdout.write
        out("")
        out("TÀI KHOẢN MẪU (DEMO) — mật khẩu công khai, chỉ dùng để trình diễn.")
        for text in _table(
            ["Vai trò", "Tên đăng nhập", "Mật khẩu", "Đơn vị", "Thấy được"],
            [[r.role, r.username, r.password, r.unit, r.sees] for r in rows],
        ):
            out(text)
        staff = [r for r in rows if r.totp_secret]
        if staff:
            out("")
            state = "bật" if settings.REQUIRE_2FA else "TẮT (EDUDX_REQUIRE_2FA=0)"
            out(f"Xác thực hai lớp cho cán bộ ({state}): nhập khóa TOTP vào ứng dụng xác thực,")
            out("hoặc dùng một mã dự phòng (mỗi mã dùng được một lần).")
            for text in _table(
                ["Tên đăng nhập", "Khóa TOTP (base32)", "Mã hiện tại", "Mã dự phòng"],
                [[r.username, r.totp_secret, r.totp_now, " ".join(r.backup_codes)] for r in staff],
            ):
                out(text)
        out("")
