"""The demo generator at the tiny scale (2 communes, 3 schools, 60 students), built once for
this module (`tiny_demo` in tests/conftest.py); every test runs in its own savepoint."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from edudx.accounts.models import User
from edudx.core.validators import validate_moet_id, validate_personal_id
from edudx.demo import logins
from edudx.exams.models import ExamTest
from edudx.org import selectors
from edudx.org.models import ClassGroup, OrgUnit, School, UnitKind
from edudx.people.models import (
    Enrolment,
    EnrolmentStatus,
    GuardianLink,
    Person,
    StaffMember,
    Student,
    TeachingAssignment,
)
from edudx.people.selectors import student_list

BEFORE, AFTER = dt.date(2025, 6, 30), dt.date(2025, 7, 1)


@pytest.fixture(autouse=True)
def _pki_in_tmp(settings, demo_var_dir):
    """The module's demo was issued its certificates in this VAR_DIR."""
    settings.VAR_DIR = demo_var_dir


@pytest.fixture
def tiny(tiny_demo, db):
    return tiny_demo


def test_tiny_counts(tiny):
    assert School.objects.count() == 3
    assert Student.objects.count() == 60
    assert Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE).count() == 60
    assert set(School.objects.values_list("unit__code", flat=True)) == {
        "67665001",
        "67665002",
        "67665003",
    }
    # Preschool classes have no grade; primary grades 1–5, lower secondary 6–9.
    for school in School.objects.select_related("unit"):
        grades = set(
            ClassGroup.objects.filter(
                school=school.unit, school_year__code="2025-2026"
            ).values_list("grade__number", flat=True)
        )
        expected = {"preschool": {None}, "primary": {1, 2, 3, 4, 5}}.get(school.level, {6, 7, 8, 9})
        assert grades == expected, school
        assert 12.2 <= float(school.latitude) <= 12.35
        assert 107.55 <= float(school.longitude) <= 107.8


def test_every_id_is_valid(tiny):
    persons = list(Person.objects.all())
    assert len(persons) > 150
    for p in persons:
        if p.personal_id:
            validate_personal_id(p.personal_id, date_of_birth=p.date_of_birth, sex=p.sex)
        if p.moet_id:
            validate_moet_id(p.moet_id)
    students = Person.objects.filter(student__isnull=False)
    with_id = students.filter(personal_id__isnull=False).count()
    assert with_id / students.count() >= 0.9


def test_students_match_student_create(tiny):
    """The bulk path sets what people.services.student_create sets."""
    for st in Student.objects.select_related("person", "current_class"):
        assert st.search_name == st.person.search_name
        assert st.current_class.school_id == st.current_school_id
        open_ = st.enrolments.get(status=EnrolmentStatus.ACTIVE)
        assert (open_.school_id, open_.class_group_id) == (
            st.current_school_id,
            st.current_class_id,
        )
        assert open_.start_date == dt.date(2025, 9, 5)
        assert 1 <= st.guardians.count() <= 2
    assert GuardianLink.objects.filter(relationship__in=["father", "mother"]).count() > 60


def test_tree_before_and_after_reform(tiny):
    ministry = OrgUnit.objects.get(kind=UnitKind.MINISTRY)
    dak_nong = OrgUnit.objects.get(kind=UnitKind.PROVINCE, code="67")
    lam_dong = OrgUnit.objects.get(kind=UnitKind.PROVINCE, code="68")
    district = OrgUnit.objects.get(kind=UnitKind.DISTRICT, code="665")
    before, after = selectors.as_of(BEFORE), selectors.as_of(AFTER)

    assert [u.name for u in before.children(ministry)] == ["Tỉnh Đắk Nông"]
    assert [u.name for u in after.children(ministry)] == ["Tỉnh Lâm Đồng"]
    old_schools = before.subtree(district).filter(kind=UnitKind.SCHOOL)
    assert old_schools.count() == 3
    assert before.subtree(dak_nong).filter(kind=UnitKind.SCHOOL).count() == 3
    assert sorted(u.name for u in before.children(district)) == [
        "Phòng Giáo dục và Đào tạo huyện Đắk Song",
        "Thị trấn Đức An",
        "Xã Thuận Hà",
    ]
    assert not after.subtree(district).exists()
    assert not before.subtree(lam_dong).exists()

    new = {c.name: c for c in after.children(lam_dong) if c.kind == UnitKind.COMMUNE}
    assert sorted(new) == ["Xã Thuận Hạnh", "Xã Đức An"]
    assert after.subtree(new["Xã Đức An"]).filter(kind=UnitKind.SCHOOL).count() == 2
    assert after.subtree(new["Xã Thuận Hạnh"]).filter(kind=UnitKind.SCHOOL).count() == 1
    assert after.subtree(lam_dong).filter(kind=UnitKind.SCHOOL).count() == 3
    assert after.subtree(new["Xã Đức An"]).filter(kind=UnitKind.COMMUNE_OFFICE).count() == 1
    # The current tree (paths) is the new one; the old units are closed on the reform day.
    for school in OrgUnit.objects.filter(kind=UnitKind.SCHOOL):
        assert school.path.startswith(lam_dong.path)
        assert [u.code for u in before.ancestors(school)][:3] == ["BGDDT", "67", "665"]
        assert [u.code for u in after.ancestors(school)][:2] == ["BGDDT", "68"]
    closed = OrgUnit.objects.filter(valid_to=AFTER)
    assert set(closed.values_list("kind", flat=True)) == {
        "province",
        "department",
        "district",
        "district_office",
        "commune",
    }
    assert closed.filter(kind="commune").count() == 2
    assert School.objects.filter(commune__in=new.values()).count() == 3


def test_if_empty_is_idempotent(tiny):
    counts = (OrgUnit.objects.count(), Person.objects.count(), User.objects.count())
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "bỏ qua" in out.getvalue()
    assert (OrgUnit.objects.count(), Person.objects.count(), User.objects.count()) == counts
    with pytest.raises(CommandError):
        call_command("demo", "--scale", "tiny", stdout=io.StringIO())


def test_demo_logins_roles_and_scope(tiny):
    users = {u.username: u for u in User.objects.all()}
    assert set(users) == {d.username for d in logins.DEMO_LOGINS}
    assert users["gvcn"].check_password(logins.DEMO_PASSWORD)
    assert len({u.password for u in users.values()}) == 1  # one hash of the same password
    for d in logins.DEMO_LOGINS:
        user = users[d.username]
        assert user.roles == {d.role}
        has_totp = user.totpdevice_set.filter(confirmed=True).count() == 1
        assert has_totp == user.is_staff_role, d.username
        if has_totp:
            assert user.staticdevice_set.get().token_set.count() == logins.BACKUP_CODES

    lam_dong = OrgUnit.objects.get(kind=UnitKind.PROVINCE, code="68")
    assert users["so_gddt"].role_assignments.get().unit == lam_dong
    assert student_list(actor=users["so_gddt"]).count() == 60
    assert student_list(actor=users["admin"]).count() == 60
    commune = users["phong_gddt"].role_assignments.get().unit
    assert commune.kind == UnitKind.COMMUNE and commune.valid_to is None
    school = users["hieu_truong"].role_assignments.get().unit
    assert school.parent == commune
    assert student_list(actor=users["hieu_truong"]).count() == 20
    assert StaffMember.objects.get(person=users["hieu_truong"].person).position == "Hiệu trưởng"

    for name in ("giao_vien", "gvcn"):
        user = users[name]
        staff = StaffMember.objects.get(person=user.person)
        taught = set(
            TeachingAssignment.objects.filter(staff=staff).values_list("class_group", flat=True)
        )
        assert taught and user.scope.class_ids == taught
        assert not user.scope.unit_paths
    assert not users["giao_vien"].scope.homeroom_class_ids
    assert len(users["gvcn"].scope.homeroom_class_ids) == 1

    child = Student.objects.get(person=users["hoc_sinh"].person)
    assert users["hoc_sinh"].scope.student_ids == {child.pk}
    assert child.current_class_id in users["gvcn"].scope.homeroom_class_ids
    assert len(users["phu_huynh"].scope.student_ids) == 2
    assert users["cong_dan"].scope.is_empty


def test_demo_logins_command(tiny):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for d in logins.DEMO_LOGINS:
        assert d.username in text
    assert logins.DEMO_PASSWORD in text
    assert logins.backup_codes("gvcn")[0] in text
    user = User.objects.get(username="gvcn")
    device = user.totpdevice_set.get()
    from django_otp.oath import totp

    assert device.verify_token(f"{totp(device.bin_key):06d}")


def test_demo_issues_its_own_signing_certificates(tiny, settings):
    from cryptography.hazmat.primitives.serialization import pkcs12

    from edudx.accounts.models import User
    from edudx.core import signing

    pki = signing.demo_ca_ensure()
    assert "Chứng thư số mẫu:" in tiny
    principal = User.objects.get(username="hieu_truong")
    path = pki.signer_path(f"user-{principal.pk}")
    _key, cert, _chain = pkcs12.load_key_and_certificates(path.read_bytes(), pki.passphrase)
    cn = cert.subject.rfc4514_string()
    assert principal.person.full_name in cn
    assert not pki.signer_path(f"user-{User.objects.get(username='phu_huynh').pk}").exists()


def test_demo_school_has_signed_and_sealed_outgoing_documents(tiny):
    from edudx.core.signing import verify_pdf
    from edudx.office.models import OutgoingDocument

    clerk = User.objects.get(username="van_thu")
    school = clerk.role_assignments.get().unit
    sealed = OutgoingDocument.objects.filter(sealed_at__isnull=False)
    assert sorted({d.unit_id for d in sealed}) == [school.pk]
    assert len(sealed) == 2
    assert "office.demo: 2 outgoing documents signed and sealed" in tiny
    principal = User.objects.get(username="hieu_truong")
    for document in sealed:
        with document.attachment.open("rb") as f:
            result = verify_pdf(f.read())
        assert result.verdict == "authentic"
        assert [(s.field_name, s.signer_name) for s in result.signatures] == [
            ("office_signer", principal.person.full_name),
            ("office_unit", school.name),
        ]


def test_demo_teachers_have_subject_assignments_for_the_mark_grid(tiny):
    from edudx.accounts.models import User
    from edudx.records.models import SubjectAssignment

    teacher = User.objects.get(username="giao_vien")
    rows = SubjectAssignment.objects.filter(staff__person=teacher.person)
    assert rows.count() > 0
    assert set(rows.values_list("class_group_id", flat=True)) == set(teacher.scope.class_ids)
    assert "Phân công giảng dạy theo môn:" in tiny


def test_demo_principal_has_a_mark_change_request_to_decide(tiny):
    from edudx.records.models import ChangeStatus, MarkChangeRequest, TermLock
    from edudx.records.selectors import mark_changes_waiting

    homeroom = User.objects.get(username="gvcn")
    teacher = User.objects.get(username="giao_vien")
    principal = User.objects.get(username="hieu_truong")
    change = MarkChangeRequest.objects.select_related("class_group", "term").get()
    assert (change.status, change.requested_by, change.kind) == (
        ChangeStatus.PENDING,
        teacher,
        "ck",
    )
    assert change.class_group_id == min(homeroom.scope.homeroom_class_ids)
    assert change.new_value == min(change.old_value + 1, 10)
    lock = TermLock.objects.get(class_group=change.class_group, term=change.term)
    assert (lock.locked, change.term.number) == (True, 1)
    assert (lock.homeroom_approved_by, lock.principal_approved_by) == (homeroom, principal)
    assert mark_changes_waiting(actor=principal) == 1
    assert f"Điểm mẫu: lớp {change.class_group.name} đã khoá học kỳ I" in tiny


def test_demo_takes_morning_attendance_in_the_weeks_before_the_report(tiny):
    from edudx.records.demo import ATTENDANCE_FROM, ATTENDANCE_TO
    from edudx.records.models import AttendanceMark, AttendanceSession

    sessions = AttendanceSession.objects.all()
    days = sorted(set(sessions.values_list("date", flat=True)))
    assert (days[0], days[-1], len(days)) == (ATTENDANCE_FROM, ATTENDANCE_TO, 18)
    assert all(d.weekday() < 5 for d in days)
    assert set(sessions.values_list("session", flat=True)) == {"am"}
    per_class = {
        cls: sessions.filter(class_group_id=cls).count()
        for cls in set(sessions.values_list("class_group_id", flat=True))
    }
    assert set(per_class.values()) == {18}
    # Every class of the year (preschool ones too), but in about one school in ten.
    from edudx.demo.generator import DEFAULT_SEED
    from edudx.records.demo import _h

    year = ClassGroup.objects.filter(school_year__code="2025-2026")
    expected = {c.pk for c in year if _h(DEFAULT_SEED, c.school_id, 77) % 10}
    assert set(per_class) == expected
    absences = AttendanceMark.objects.filter(session__in=sessions)
    assert set(absences.values_list("status", flat=True)) == {"excused", "unexcused"}
    # Every absence is of a pupil of that session's class.
    assert not absences.exclude(student__current_class=F("session__class_group")).exists()


def test_demo_has_online_teaching_in_the_autumn_term(tiny):
    from edudx.learning.demo import ONLINE_FROM, ONLINE_TO, PERIODS_PER_SESSION
    from edudx.learning.models import LiveSession

    simulated = LiveSession.objects.filter(url="https://meet.example.edu.vn/demo").exclude(
        online_class__lessons__isnull=False  # gvcn's own online class, built by the services
    )
    assert simulated.count() > 0
    assert set(simulated.values_list("periods", flat=True)) == {PERIODS_PER_SESSION}
    dates = set(simulated.values_list("date", flat=True))
    assert min(dates) >= ONLINE_FROM and max(dates) <= ONLINE_TO
    assert all(d.weekday() < 5 for d in dates)
    through = LiveSession.attendees.through.objects.filter(livesession__in=simulated)
    assert through.exists()
    # Only pupils of the session's class join it.
    assert not through.exclude(
        student__current_class=F("livesession__online_class__class_group")
    ).exists()


def test_office_accounts_have_a_display_name(tiny, client):
    from edudx.demo.logins import OFFICE_NAMES

    names = {u.username: u.get_full_name() for u in User.objects.filter(person__isnull=True)}
    assert {k: v for k, v in names.items() if k in OFFICE_NAMES} == OFFICE_NAMES
    from tests.pages.conftest import otp_login

    otp_login(client, User.objects.get(username="phong_gddt"))
    assert "Xin chào, Trần Văn Minh" in client.get("/").content.decode()


def test_demo_scores_the_current_pupils_dropout_risk(tiny):
    """The operations centre's risk page has scores to show: every pupil of 2025-2026 (the
    admissions demo's later year has none), each a probability."""
    from edudx.monitoring.models import RiskScore

    scores = RiskScore.objects.all()
    year = Enrolment.objects.filter(school_year__code="2025-2026")
    assert set(scores.values_list("year", flat=True)) == {2025}
    assert scores.count() == year.values("student_id").distinct().count() == 60
    assert all(0 < s < 1 for s in scores.values_list("score", flat=True))
    assert "giám sát: điểm nguy cơ bỏ học (mô hình trên lịch sử giả lập): 60 học sinh" in tiny


def test_demo_shares_a_repository_that_t05_counts(tiny):
    """The Sở's shared resources are published in the autumn term, before the 2025 report's
    date — every other one open to everyone, the rest province-wide — so T05 (curriculum
    periods with a resource) and T26 (the same, open to everyone) are not 0 for them."""
    from edudx.content.demo import SHARED_FROM, SHARED_TO
    from edudx.content.models import Resource, Topic
    from edudx.monitoring.models import IndicatorValue

    shared = Resource.objects.filter(
        scope__in=["province", "public"], description__startswith="Bài giảng và"
    )
    assert shared.count() > 0
    public = shared.filter(scope="public")
    assert public.count() == (shared.count() + 1) // 2
    assert set(public.values_list("licence", flat=True)) == {"cc-by-sa"}
    days = {timezone.localtime(r.published_at).date() for r in shared}
    assert min(days) >= SHARED_FROM and max(days) <= SHARED_TO
    assert all(d.weekday() < 5 for d in days)
    # Each covers one topic no hand-picked resource covers; together at most every topic.
    through = Resource.topics.through.objects.filter(resource__in=shared)
    topics = list(through.values_list("topic_id", flat=True))
    assert len(topics) == len(set(topics)) == shared.count() < Topic.objects.count()
    province = OrgUnit.objects.get(kind=UnitKind.PROVINCE, valid_to__isnull=True)
    t05 = IndicatorValue.objects.get(indicator__code="T05", unit=province, year=2025)
    assert 0 < t05.numerator < t05.denominator
    t26 = IndicatorValue.objects.get(indicator__code="T26", unit=province, year=2025)
    assert 0 < t26.numerator < t05.numerator and t26.denominator == t05.denominator
    assert t26.provenance == "computed"


def test_demo_online_test_is_for_the_students_class_and_grade(tiny):
    """The demo student's online maths test is built for their grade (a grade-6 paper was
    given to class 8A2)."""
    pupil = Student.objects.get(person=User.objects.get(username="hoc_sinh").person)
    test = ExamTest.objects.select_related("paper", "class_group__grade").get()
    grade = pupil.current_class.grade.number
    assert (test.class_group, test.paper.grade) == (pupil.current_class, grade)
    assert test.title == f"Kiểm tra giữa kì I – Toán {grade} (trực tuyến)"
