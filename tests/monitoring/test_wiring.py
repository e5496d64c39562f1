"""The indicator slots the apps fill for monitoring (T04–T07, T14–T17, T19–T21, T26), a DX
pre-fill and the overdue-dossier alert, each on a small hand-checked example built with the
District of tests/factories.py and the apps' own services.

Report year Y counts the school year that starts on 1 September Y (1/9/Y–31/8/Y+1); data
stamped "now" by the services (dossiers closed, resources published) falls in the report
year of today's date, so those tests recompute `THIS_YEAR`."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from edudx.accounts.models import Role
from edudx.contact import services as contact_services
from edudx.content import services as content_services
from edudx.content.models import Topic
from edudx.content.services import ResourceData, Upload
from edudx.eservices import services as es_services
from edudx.fees import services as fees_services
from edudx.fees.models import FeeKind, LineSource
from edudx.fees.statements import LineIn
from edudx.learning import services as learning_services
from edudx.learning import training
from edudx.learning.selectors import active_students
from edudx.monitoring import dx
from edudx.monitoring.alerts import alerts_evaluate
from edudx.monitoring.indicators import registered
from edudx.monitoring.models import Alert, DxCriterion, IndicatorValue, Provenance
from edudx.monitoring.services import indicators_recompute
from edudx.org import services as org_services
from edudx.records import services as records_services
from edudx.records.models import Subject
from tests.eservices.conftest import PDF, World

pytestmark = pytest.mark.django_db
PDF_TYPE = "application/pdf"

_today = timezone.localdate()
THIS_YEAR = _today.year if _today.month >= 9 else _today.year - 1


def value(code, unit, year):
    v = IndicatorValue.objects.get(indicator__code=code, unit=unit, year=year)
    return v.numerator, v.denominator, v.provenance


def has_row(code, unit, year) -> bool:
    return IndicatorValue.objects.filter(indicator__code=code, unit=unit, year=year).exists()


C = Provenance.COMPUTED


def test_every_slot_is_registered():
    import edudx.monitoring.sources.contact  # noqa: F401, PLC0415
    import edudx.monitoring.sources.content  # noqa: F401, PLC0415
    import edudx.monitoring.sources.eservices  # noqa: F401, PLC0415
    import edudx.monitoring.sources.fees  # noqa: F401, PLC0415
    import edudx.monitoring.sources.learning  # noqa: F401, PLC0415

    wired = {"T04", "T05", "T06", "T07", "T14", "T15", "T16", "T17", "T19", "T20", "T21", "T26"}
    assert wired <= set(registered())
    assert registered()["T14"].rollup is False


# --- learning: T04, T06, T07, T20, T21 -------------------------------------------------------


@pytest.fixture
def teacher(district):
    toan = Subject.objects.get(code="toan")
    records_services.subject_assign(
        actor=None, staff=district.teacher_a, subject=toan, class_group=district.class_a
    )
    user = district.teacher_user()
    user.online_class = learning_services.online_class_create(
        actor=user, class_group=district.class_a, subject=toan
    )
    return user


def test_t04_t06_t07_online_learning(district, teacher):
    learning_services.live_session_record(
        actor=teacher,
        online_class=teacher.online_class,
        url="https://meet.example.vn/abc",
        date=dt.date(2025, 10, 6),
        periods=2,
        attendee_ids=[district.student_a1.pk],
    )
    indicators_recompute(year=2025)
    # T04: student_a1 attended a live session; 2 students at school A, 1 at school B.
    assert value("T04", district.school_a, 2025) == (1, 2, C)
    assert value("T04", district.school_b, 2025) == (0, 1, C)
    assert value("T04", district.province, 2025) == (1, 3, C)
    # A kindergarten's children are not counted: no T04 for it, none added above it.
    kindergarten = org_services.school_create(
        actor=None, name="Trường Mầm non Hoa Sen", code="67000103",
        parent=district.commune_b, level="preschool",
    ).unit  # fmt: skip
    district.student("Lò Thị Mai", kindergarten, None, sex="F", dob=dt.date(2021, 3, 3))
    indicators_recompute(year=2025)
    assert not IndicatorValue.objects.filter(
        indicator__code="T04", unit=kindergarten, year=2025, numerator__isnull=False
    ).exists()
    assert value("T04", district.province, 2025) == (1, 3, C)
    assert active_students(
        unit=district.province, start=dt.date(2025, 9, 1), end=dt.date(2026, 8, 31)
    ) == (1, 3)
    # T07: 2 live periods of 6A1; each grade-6 class plans 1015 compulsory periods.
    assert value("T07", district.school_a, 2025) == (2, 1015, C)
    assert value("T07", district.school_b, 2025) == (0, 1015, C)
    assert value("T07", district.commune_a, 2025) == (2, 1015, C)
    assert value("T07", district.province, 2025) == (2, 2030, C)
    # T06: no primary class in the district: nothing to compute.
    assert value("T06", district.province, 2025) == (None, None, Provenance.MISSING)
    # The year after has no live session and no school year: T04 counts no one active.
    indicators_recompute(year=2026)
    assert value("T04", district.province, 2026) == (0, 3, C)
    assert value("T07", district.province, 2026)[2] == Provenance.MISSING


def test_t20_t21_training(district):
    teacher = district.teacher_user()  # teacher_a has an account; teacher_b has none
    training.profile_save(actor=teacher, digital_competence="intermediate")
    officer = district.user(Role.PROVINCE_OFFICER, district.province)
    course = training.course_create(
        actor=officer,
        provider=district.province,
        title="Năng lực số cho giáo viên",
        questions=[{"text": "1 + 1?", "options": ["1", "2"], "answer": 1}],
    )
    enrolment = training.enrol(actor=teacher, course=course)
    training.attempt(
        actor=teacher,
        enrolment=enrolment,
        answers=[1],
        now=dt.datetime(2025, 10, 1, 3, 0, tzinfo=dt.UTC),
    )
    indicators_recompute(year=2025)
    assert value("T20", district.school_a, 2025) == (1, 1, C)
    assert value("T20", district.school_b, 2025) == (0, 1, C)
    assert value("T20", district.province, 2025) == (1, 2, C)
    assert value("T21", district.school_a, 2025) == (1, 1, C)
    assert value("T21", district.province, 2025) == (1, 2, C)
    # Completed in October 2025: not in the 2024 report's school year.
    indicators_recompute(year=2024)
    assert value("T20", district.province, 2024) == (0, 2, C)


# --- content: T05 ----------------------------------------------------------------------------


def test_t05_curriculum_coverage(district, settings, tmp_path):
    """Toán 6 topics phanso (20) and songuyen (20) published at school A, thongke (10) at
    school B, xacsuat (5) at the province. Grades 6–9 of a lower-secondary school: 4094
    compulsory periods (tests/content/test_coverage.py). School A 20 + 20 + 5 = 45,
    school B 10 + 5 = 15."""
    settings.MEDIA_ROOT = tmp_path / "media"
    toan = Subject.objects.get(code="toan")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

    def publish(actor, reviewer, codes, scope="school"):
        r = content_services.resource_create(
            actor=actor,
            data=ResourceData(
                title="Bài giảng",
                type="document",
                subject_id=toan.pk,
                grade=6,
                licence="cc-by-sa",
                author="Lê Thị Hoa",
                topic_ids=[Topic.objects.get(subject=toan, grade=6, code=c).pk for c in codes],
            ),
            upload=Upload(file=io.BytesIO(pdf), size=len(pdf), name="bai.pdf"),
        )
        content_services.resource_review(actor=reviewer, resource=r, approve=True)
        content_services.resource_publish(actor=reviewer, resource=r, scope=scope)

    principal_a = district.user(Role.PRINCIPAL, district.school_a)
    principal_b = district.user(Role.PRINCIPAL, district.school_b)
    officer = district.user(Role.PROVINCE_OFFICER, district.province)
    teacher_a = district.teacher_user()
    teacher_b = district.teacher_user(district.teacher_b)
    publish(teacher_a, principal_a, ["6.phanso", "6.songuyen"])
    publish(teacher_b, principal_b, ["6.thongke"])
    publish(teacher_a, officer, ["6.xacsuat"], scope="province")
    indicators_recompute(year=THIS_YEAR)
    assert value("T05", district.school_a, THIS_YEAR) == (45, 4094, C)
    assert value("T05", district.school_b, THIS_YEAR) == (15, 4094, C)
    assert value("T05", district.province, THIS_YEAR) == (60, 8188, C)
    # Published after the 2024 school year ended: nothing covered then.
    indicators_recompute(year=THIS_YEAR - 2)
    assert value("T05", district.school_a, THIS_YEAR - 2) == (0, 4094, C)
    # T26: none of these is open to everyone.
    assert value("T26", district.province, THIS_YEAR - 2) == (0, 8188, C)
    assert value("T26", district.province, THIS_YEAR) == (0, 8188, C)
    # DX pre-fill of the school's "digital learning resources" criterion: the same ratio.
    dx.frameworks_sync()
    crit = DxCriterion.objects.get(prefill="edudx.content.dx_prefill.resources")
    points, note = dx.prefill(crit, district.school_a, THIS_YEAR + 1)
    assert note == "45/4094 tiết có học liệu số"
    share = Decimal(str(round(45 / 4094, 4)))
    assert points == (share * crit.max_points).quantize(Decimal("0.5"))


def test_t26_the_curriculum_open_to_everyone(district, settings, tmp_path):
    """T26 is T05 over the resources published for everyone: Toán 6 phanso (20) public,
    songuyen (20) province-wide, xacsuat (5) public, thongke (10) at school A. Each school
    of the province: 20 + 5 of its 4094 periods; T05 of school A 20 + 20 + 5 + 10."""
    settings.MEDIA_ROOT = tmp_path / "media"
    toan = Subject.objects.get(code="toan")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    officer = district.user(Role.PROVINCE_OFFICER, district.province)
    teacher = district.teacher_user()
    for code, scope in (
        ("6.phanso", "public"), ("6.songuyen", "province"), ("6.xacsuat", "public"),
        ("6.thongke", "school"),
    ):  # fmt: skip
        r = content_services.resource_create(
            actor=teacher,
            data=ResourceData(
                title="Bài giảng", type="document", subject_id=toan.pk, grade=6,
                licence="cc-by", author="Lê Thị Hoa",
                topic_ids=[Topic.objects.get(subject=toan, grade=6, code=code).pk],
            ),
            upload=Upload(file=io.BytesIO(pdf), size=len(pdf), name="bai.pdf"),
        )  # fmt: skip
        content_services.resource_review(actor=officer, resource=r, approve=True)
        content_services.resource_publish(actor=officer, resource=r, scope=scope)
    indicators_recompute(year=THIS_YEAR)
    assert value("T26", district.school_a, THIS_YEAR) == (25, 4094, C)
    assert value("T26", district.school_b, THIS_YEAR) == (25, 4094, C)
    assert value("T26", district.province, THIS_YEAR) == (50, 8188, C)
    assert value("T05", district.school_a, THIS_YEAR) == (55, 4094, C)


# --- fees: T19 and the DX pre-fill ------------------------------------------------------------


def test_t19_cashless_and_dx_prefill(district, monkeypatch):
    monkeypatch.setenv("EDUDX_BANK_SECRET_LE_LOI_VCB", "bi-mat")
    account = fees_services.bank_account_save(
        actor=None,
        school=district.school_a,
        code="le-loi-vcb",
        bank_bin="970436",
        bank_name="Vietcombank",
        account_number="0123456789",
        account_name="TRUONG THCS LE LOI",
    )
    fees_services.fee_item_create(
        actor=None,
        school=district.school_a,
        school_year=district.year,
        kind=FeeKind.TUITION,
        name="Học phí học kỳ I",
        amount=1_000_000,
        area="rural",
    )
    result = fees_services.invoices_generate(
        actor=None,
        school=district.school_a,
        school_year=district.year,
        period="HK1",
        title="Học phí học kỳ I",
    )
    a1, a2 = sorted(result.invoices, key=lambda i: i.student_id)
    clerk = district.user(Role.CLERK, district.school_a)
    when = dt.datetime(2025, 10, 6, 2, 30, tzinfo=dt.UTC)
    fees_services.payment_record_cash(actor=clerk, invoice=a2, amount=100, received_at=when)
    fees_services.reconcile(
        bank_account=account,
        lines=[LineIn("FT1", when, 1000, a1.reference)],
        source=LineSource.STATEMENT,
    )
    indicators_recompute(year=2025)
    assert value("T19", district.school_a, 2025) == (1, 1, C)
    assert value("T19", district.school_b, 2025) == (0, 1, C)
    assert value("T19", district.commune_a, 2025) == (1, 1, C)
    assert value("T19", district.province, 2025) == (1, 2, C)
    indicators_recompute(year=2024)  # no payment in the 2024-2025 school year
    assert value("T19", district.province, 2024) == (0, 2, C)
    # DX pre-fill (assessment 2026 = school year 2025-2026): 1 of 2 payments by transfer.
    dx.frameworks_sync()
    crit = DxCriterion.objects.get(prefill="edudx.fees.dx_prefill.cashless")
    points, note = dx.prefill(crit, district.school_a, 2026)
    assert note == "1/2 khoản thu qua chuyển khoản năm học 2025-2026"
    assert points == (Decimal("0.5") * crit.max_points).quantize(Decimal("0.5"))
    assert dx.prefill(crit, district.school_b, 2026) == (None, "")  # no payment at all


# --- eservices and contact: T14–T17, overdue dossiers ------------------------------------------


COPY_FORM = {
    "applicant_name": "Trần Văn Tú",
    "phone": "0912 345 678",
    "holder_name": "Trần Văn Tú",
    "holder_birth_date": "12/03/2005",
    "certificate_type": "Bằng tốt nghiệp THCS",
    "graduation_year": "2020",
    "copies": "2",
}


@pytest.fixture
def world(district):
    cache.clear()
    return World(district)


def dossier(world, *actions):
    token = es_services.attachment_upload(
        actor=None,
        kind="id_document",
        filename="cccd.pdf",
        data=PDF,
        claimed_type="application/pdf",
    ).token
    d = es_services.dossier_create(
        actor=None,
        procedure=world.procedure("diploma_copy"),
        raw=COPY_FORM,
        attachments=[str(token)],
        unit_id=world.d.commune_a.pk,
    )
    for action in actions:
        d = es_services.dossier_transition(
            actor=world.officer_a, dossier=d, action=action, comment="ok"
        )
    return d


def test_t14_t15_t16_t17_public_services_and_feedback(world):
    d = world.d
    returned = [dossier(world, "reject", "return_result") for _ in range(2)]
    dossier(world, "receive")  # still running: not in T15
    es_services.dossier_rate(actor=None, dossier=returned[0], score=5, phone="0912345678")
    es_services.dossier_rate(actor=None, dossier=returned[1], score=2, phone="0912345678")
    # Contact-book feedback to school A, answered and rated 4 (T16).
    principal = d.user(Role.PRINCIPAL, d.school_a)
    fb = contact_services.feedback_submit(
        actor=None,
        unit=d.school_a,
        kind="feedback",
        subject="Lịch học bơi",
        body="Khi nào?",
        phone="0912345678",
    )
    fb = contact_services.feedback_answer(actor=principal, feedback=fb, answer="Tháng 6.")
    contact_services.feedback_rate(feedback=fb, rating=4)
    indicators_recompute(year=THIS_YEAR)
    y = THIS_YEAR
    # T14, per office and not summed: commune procedures 6 of 8 in full, the province adds
    # its own (7 of 9) — eservices' own hand-checked figures; no school rows.
    assert value("T14", d.commune_a, y) == (6, 8, C)
    assert value("T14", d.province, y) == (7, 9, C)
    assert not has_row("T14", d.school_a, y)
    # T15: the commune's two closed dossiers, both submitted online.
    assert value("T15", d.commune_a, y) == (2, 2, C)
    assert value("T15", d.province, y) == (2, 2, C)
    assert value("T15", d.commune_b, y) == (None, None, Provenance.MISSING)
    # T17: ratings 5 and 2 at the commune.
    assert value("T17", d.commune_a, y) == (1, 2, C)
    assert value("T17", d.province, y) == (1, 2, C)
    assert not has_row("T17", d.school_a, y)
    # T16: the feedback rated 4 (diploma copies are not a learner service).
    assert value("T16", d.school_a, y) == (1, 1, C)
    assert value("T16", d.province, y) == (1, 1, C)
    assert value("T16", d.school_b, y)[2] == Provenance.MISSING
    # DX pre-fill of an office: T14 today (criterion 1.4 of QĐ 3806 of 2024).
    dx.frameworks_sync()
    crit = DxCriterion.objects.get(
        prefill="edudx.eservices.dx_prefill.office_online_services",
        group__framework__code="QD3806-2024",
    )
    assert dx.prefill(crit, d.commune_a, y + 1)[1] == "6/8 thủ tục cung cấp trực tuyến toàn trình"


def test_overdue_dossier_alert(world):
    from edudx.eservices.models import Dossier  # noqa: PLC0415

    d = dossier(world, "receive", "process")
    alerts_evaluate()
    assert not Alert.objects.filter(rule__code="dossier_overdue").exists()
    due = timezone.localdate() - dt.timedelta(days=3)
    Dossier.objects.filter(pk=d.pk).update(due_date=due)  # as eservices' own overdue test
    alerts_evaluate()
    alert = Alert.objects.get(rule__code="dossier_overdue", resolved_at__isnull=True)
    assert alert.unit_id == world.d.commune_a.pk
    assert alert.message == (
        f"1 hồ sơ dịch vụ công quá hạn giải quyết (hạn sớm nhất {due:%d/%m/%Y})."
    )
    assert alert.url == "/services/officer/?overdue=1"
    alerts_evaluate()  # idempotent
    assert Alert.objects.filter(rule__code="dossier_overdue").count() == 1
    es_services.dossier_transition(
        actor=world.officer_a, dossier=Dossier.objects.get(pk=d.pk), action="approve", comment="ok"
    )
    alerts_evaluate()
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_dx_prefill_contact_book_and_online_learning(district, teacher):
    """Assessment 2026 = school year 2025-2026. School A: class 6A1 only, teacher_a teaching
    its online class, 2 students of whom student_a1 attended a live session."""
    dx.frameworks_sync()

    def fill(dotted, unit):
        return dx.prefill(DxCriterion.objects.filter(prefill=dotted).first(), unit, 2026)

    book = "edudx.contact.dx_prefill.parent_book"
    crit = DxCriterion.objects.filter(prefill=book).first()
    assert fill(book, district.school_a) == (
        Decimal(0),
        "0/1 lớp dùng sổ liên lạc điện tử năm học 2025-2026",
    )
    contact_services.comment_add(actor=teacher, student=district.student_a1, body="Tiến bộ.")
    assert fill(book, district.school_a) == (
        crit.max_points,
        "1/1 lớp dùng sổ liên lạc điện tử năm học 2025-2026",
    )
    assert fill(book, district.commune_a) == (None, "")  # schools only
    learning_services.live_session_record(
        actor=teacher,
        online_class=teacher.online_class,
        url="https://meet.example.vn/abc",
        date=dt.date(2025, 10, 6),
        periods=1,
        attendee_ids=[district.student_a1.pk],
    )
    assert fill("edudx.learning.dx_prefill.lms", district.school_a)[1] == (
        "1/1 lớp có lớp học trực tuyến năm học 2025-2026"
    )
    assert fill("edudx.learning.dx_prefill.teachers_online", district.school_a)[1] == (
        "1/1 giáo viên dạy lớp trực tuyến năm học 2025-2026"
    )
    assert fill("edudx.learning.dx_prefill.students_online", district.school_a)[1] == (
        "1/2 học sinh học trực tuyến năm học 2025-2026"
    )
    assert fill("edudx.learning.dx_prefill.training_accounts", district.school_b)[1] == (
        "0/1 giáo viên có tài khoản tự bồi dưỡng"
    )
