"""An e-office world on the test District: school A's principal, clerk and a teacher; school
B's clerk; commune A's and the province's officers. Files go to a temporary MEDIA_ROOT."""

import datetime as dt

import pytest

from edudx.accounts.models import Role
from edudx.office import services
from edudx.office.services import IncomingData, OutgoingData

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = dt.date(2026, 3, 16)


class Office:
    def __init__(self, d):
        self.d = d
        self.principal = d.user(Role.PRINCIPAL, d.school_a, username="hieutruong_a")
        self.clerk = d.user(Role.CLERK, d.school_a, username="vanthu_a")
        self.teacher = d.teacher_user()  # Lê Thị Hoa, school A
        self.clerk_b = d.user(Role.CLERK, d.school_b, username="vanthu_b")
        self.officer = d.user(Role.COMMUNE_OFFICER, d.commune_a, username="phong_a")
        self.province_officer = d.user(Role.PROVINCE_OFFICER, d.province, username="so")

    def incoming(self, unit=None, actor=None, **kw):
        fields = {
            "sender": "Sở Giáo dục và Đào tạo tỉnh Đắk Nông",
            "symbol": "125/SGDĐT-VP",
            "issued_on": dt.date(2026, 3, 10),
            "received_on": dt.date(2026, 3, 12),
            "summary": "Về việc tổ chức Hội khỏe Phù Đổng cấp trường",
        }
        fields.update(kw)
        attachment = fields.pop("attachment", None)
        return services.incoming_register(
            actor=actor or self.clerk,
            unit=unit or self.d.school_a,
            data=IncomingData(**fields),
            attachment=attachment,
            today=TODAY,
        )

    def outgoing(self, unit=None, actor=None, **kw):
        fields = {
            "symbol": "BC-THCSLL",
            "doc_type": "report",
            "issued_on": dt.date(2026, 3, 14),
            "signer": "Nguyễn Văn Hiệu",
            "recipients": "Phòng Văn hóa - Xã hội xã Nam Bình;\nLưu: VT.",
            "summary": "Báo cáo kết quả Hội khỏe Phù Đổng",
        }
        fields.update(kw)
        return services.outgoing_issue(
            actor=actor or self.clerk,
            unit=unit or self.d.school_a,
            data=OutgoingData(**fields),
            today=TODAY,
        )

    def dossier(self, unit=None, actor=None, handler=None, **kw):
        fields = {
            "code": "01.VP",
            "title": "Hồ sơ Hội khỏe Phù Đổng năm học 2025-2026",
            "opened_on": dt.date(2026, 3, 12),
            "medium": "digital",
        }
        fields.update(kw)
        return services.dossier_open(
            actor=actor or self.clerk,
            unit=unit or self.d.school_a,
            handler=handler or self.teacher,
            today=TODAY,
            **fields,
        )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def office(district):
    return Office(district)
