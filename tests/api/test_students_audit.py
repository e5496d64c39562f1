from edudx.accounts.models import Role
from edudx.accounts.tokens import token_create
from edudx.audit.models import AuditEvent


def test_api_student_detail_is_an_audited_view(client, district):
    officer = district.user(Role.PROVINCE_OFFICER, district.province)
    _token, raw = token_create(actor=None, user=officer, name="sync", scopes=["read"])
    student = district.student_a1
    response = client.get(
        f"/api/v1/students/{student.pk}", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 200
    assert response.json()["full_name"] == "Nguyễn Văn An"
    views = AuditEvent.objects.filter(action="view", object_type="people.student")
    assert list(views.values_list("object_id", "actor_id", "reason")) == [
        (str(student.pk), officer.pk, "api")
    ]
