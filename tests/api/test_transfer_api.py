from edudx.accounts.models import Role
from edudx.monitoring.models import SchoolHeadcount
from edudx.people.models import Student

from .conftest import API, token_client


def test_office_transfers_a_student_and_history_is_kept(district):
    officer = district.user(Role.COMMUNE_OFFICER, district.district)
    student = district.student_a1
    response = token_client(officer).post(
        f"{API}/students/{student.pk}/transfer",
        {
            "school_id": district.school_b.pk,
            "class_id": district.class_b.pk,
            "effective": "2026-01-05",
            "reason": "Chuyển nơi ở",
        },
        content_type="application/json",
    )
    assert response.status_code == 200
    rows = [
        (e["school_id"], e["status"], e["start_date"], e["end_date"])
        for e in response.json()["enrolments"]
    ]
    assert rows[-1] == (district.school_b.pk, "active", "2026-01-05", None)
    assert rows[-2][0:2] == (district.school_a.pk, "transferred_out")
    assert rows[-2][3] == "2026-01-05"
    moved = Student.objects.get(pk=student.pk)
    assert (moved.person_id, moved.current_school_id) == (student.person_id, district.school_b.pk)


def test_principal_cannot_transfer_into_another_school(district):
    principal = district.user(Role.PRINCIPAL, district.school_a)
    response = token_client(principal).post(
        f"{API}/students/{district.student_a1.pk}/transfer",
        {
            "school_id": district.school_b.pk,
            "class_id": district.class_b.pk,
            "effective": "2026-01-05",
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "auth.unit_scope"
    assert Student.objects.get(pk=district.student_a1.pk).current_school_id == district.school_a.pk


def test_class_of_another_school_is_refused(district):
    officer = district.user(Role.COMMUNE_OFFICER, district.district)
    response = token_client(officer).post(
        f"{API}/students/{district.student_a1.pk}/transfer",
        {
            "school_id": district.school_b.pk,
            "class_id": district.class_a.pk,
            "effective": "2026-01-05",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "class_id"
    assert SchoolHeadcount.objects.get(school=district.school_a).students == 2


def test_transfer_before_the_current_enrolment_began_is_refused(district):
    officer = district.user(Role.COMMUNE_OFFICER, district.district)
    response = token_client(officer).post(
        f"{API}/students/{district.student_a1.pk}/transfer",
        {
            "school_id": district.school_b.pk,
            "class_id": district.class_b.pk,
            "effective": "2025-09-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "transfer.effective",
        "message": (
            "Ngày chuyển 01/09/2025 sớm hơn ngày bắt đầu học ở trường hiện tại (05/09/2025)."
        ),
        "field": "effective",
        "row": None,
    }
