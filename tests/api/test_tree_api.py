import datetime as dt

from edudx.accounts.models import Role
from edudx.audit.models import AuditEvent
from edudx.org import selectors, services
from edudx.org.models import OrgUnit, UnitKind

from .conftest import API, token_client


def lam_dong(district):
    return services.unit_create(
        actor=None,
        kind=UnitKind.PROVINCE,
        name="Tỉnh Lâm Đồng",
        code="68",
        parent=district.ministry,
    )


def test_reparent_through_the_api_keeps_the_old_tree(district):
    admin = district.user(Role.SYSTEM_ADMIN, district.ministry)
    new = lam_dong(district)
    api = token_client(admin)
    response = api.post(
        f"{API}/units/{district.commune_a.pk}/reparent",
        {"parent_id": new.pk, "effective": "2025-07-01", "reason": "NQ 202/2025/QH15"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["moved"] == 2
    assert body["unit"]["parent_id"] == new.pk
    before = api.get(f"{API}/units", {"as_of": "2025-06-30", "parent_id": district.district.pk})
    after = api.get(f"{API}/units", {"as_of": "2025-07-01", "parent_id": district.district.pk})
    assert [u["name"] for u in before.json()["items"]] == ["Xã Nam Bình", "Xã Thuận Hà"]
    assert [u["name"] for u in after.json()["items"]] == ["Xã Thuận Hà"]
    event = AuditEvent.objects.filter(object_type="org.unit", reason="NQ 202/2025/QH15").get()
    assert event.changes["effective"] == "2025-07-01"


def test_reparent_needs_scope_over_the_new_parent(district):
    officer = district.user(Role.PROVINCE_OFFICER, district.province)
    new = lam_dong(district)
    response = token_client(officer).post(
        f"{API}/units/{district.commune_a.pk}/reparent",
        {"parent_id": new.pk, "effective": "2025-07-01"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "auth.unit_scope"
    assert OrgUnit.objects.get(pk=district.commune_a.pk).parent_id == district.district.pk


def test_cyclic_reparent_is_a_clear_error(district):
    admin = district.user(Role.SYSTEM_ADMIN, district.ministry)
    response = token_client(admin).post(
        f"{API}/units/{district.province.pk}/reparent",
        {"parent_id": district.commune_a.pk, "effective": "2025-07-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "org.cycle",
        "message": (
            "Không thể chuyển Tỉnh Đắk Nông vào chính nó hoặc đơn vị cấp dưới (Xã Nam Bình)."
        ),
        "field": "parent_id",
        "row": None,
    }


def test_rename_and_bad_code(district):
    officer = district.user(Role.PROVINCE_OFFICER, district.province)
    api = token_client(officer)
    ok = api.patch(
        f"{API}/units/{district.commune_a.pk}",
        {"name": "Xã  Nam   Bình mới"},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert ok.json()["name"] == "Xã Nam Bình mới"
    bad = api.patch(
        f"{API}/units/{district.commune_a.pk}", {"code": "123"}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "org.code"
    assert bad.json()["field"] == "code"


def test_dissolve_after_moving_children(district):
    admin = district.user(Role.SYSTEM_ADMIN, district.ministry)
    api = token_client(admin)
    refused = api.post(
        f"{API}/units/{district.district.pk}/dissolve",
        {"effective": "2025-07-01"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "org.has_children"
    new = lam_dong(district)
    for commune in (district.commune_a, district.commune_b):
        services.unit_reparent(
            actor=None, unit=commune, new_parent=new, effective=dt.date(2025, 7, 1)
        )
    done = api.post(
        f"{API}/units/{district.district.pk}/dissolve",
        {"effective": "2025-07-01"},
        content_type="application/json",
    )
    assert done.status_code == 200
    assert done.json()["valid_to"] == "2025-07-01"
    assert [u.name for u in selectors.as_of(dt.date(2025, 6, 30)).children(district.province)] == [
        "Huyện Đắk Song"
    ]
    assert selectors.as_of(dt.date(2025, 7, 1)).children(district.province) == []
