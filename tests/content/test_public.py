"""Resources open to everyone (the plan's lifelong learning, T26): published by the province
under an open licence, found and opened without an account; the rest stays behind the
sign-in."""

import pytest
from django.urls import reverse

from edudx.accounts.models import Role
from edudx.content import services
from edudx.content.models import PublishScope, ResourceStatus
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError

from .conftest import publish

pytestmark = pytest.mark.django_db


def test_a_public_resource_is_found_and_opened_without_an_account(
    client, make_resource, province_officer
):
    public = publish(make_resource(title="Số nguyên âm"), province_officer, "public")
    inside = publish(make_resource(title="Số nguyên tố"), province_officer, "province")
    assert (public.scope, public.scope_unit.name) == (PublishScope.PUBLIC, "Tỉnh Đắk Nông")

    page = client.get(reverse("content:search"), {"q": "so nguyen"}).content.decode()
    assert "Số nguyên âm" in page and "Số nguyên tố" not in page
    assert "Đăng nhập để xem thêm học liệu của trường, xã, tỉnh." in page
    # The header offers the login too (not on the login page itself).
    assert (
        f'class="login-link" href="{reverse("accounts:login")}?next=/content/%3Fq%3Dso%2Bnguyen"'
        in page
    )
    assert 'class="login-link"' not in client.get(reverse("accounts:login")).content.decode()
    detail = client.get(reverse("content:detail", args=[public.pk]))
    html = detail.content.decode()
    assert detail.status_code == 200
    assert "Đăng nhập để đánh giá, bình luận." in html and 'name="action"' not in html
    assert client.get(reverse("content:file", args=[public.pk])).status_code == 200
    assert client.get(reverse("content:download", args=[public.pk])).status_code == 200
    # One the visitor may not see: the login, then the resource (a link opened signed out).
    for name in ("content:detail", "content:file", "content:download"):
        r = client.get(reverse(name, args=[inside.pk]))
        assert (r.status_code, r["Location"]) == (
            302, f"{reverse('accounts:login')}?next={reverse(name, args=[inside.pk])}"
        )  # fmt: skip
    public.refresh_from_db()
    assert (public.view_count, public.download_count) == (1, 1)
    # Rating or commenting needs an account: the login page, nothing written.
    r = client.post(reverse("content:detail", args=[public.pk]), {"action": "rate", "stars": 5})
    assert (r.status_code, r["Location"].split("?")[0]) == (302, reverse("accounts:login"))
    public.refresh_from_db()
    assert public.rating_count == 0


def test_a_citizen_sees_the_public_resources(client, district, make_resource, province_officer):
    publish(make_resource(title="Số nguyên âm"), province_officer, "public")
    publish(make_resource(title="Số nguyên tố"), province_officer, "province")
    client.force_login(district.user(Role.CITIZEN, None))
    page = client.get(reverse("content:search")).content.decode()
    assert "Số nguyên âm" in page and "Số nguyên tố" not in page


def test_public_needs_an_open_licence_and_the_province(make_resource, principal, province_officer):
    closed = make_resource(licence="all-rights-reserved")
    services.resource_review(actor=province_officer, resource=closed, approve=True)
    with pytest.raises(DomainError) as exc:
        services.resource_publish(actor=province_officer, resource=closed, scope="public")
    assert (exc.value.code, exc.value.field, str(exc.value)) == (
        "content.publish.licence",
        "scope",
        "Học liệu công khai cho mọi người cần giấy phép mở (Creative Commons); "
        "học liệu này: Bảo lưu mọi quyền.",
    )
    closed.refresh_from_db()
    assert closed.status == ResourceStatus.REVIEWED

    open_one = make_resource()
    services.resource_review(actor=principal, resource=open_one, approve=True)
    with pytest.raises(Forbidden) as exc:
        services.resource_publish(actor=principal, resource=open_one, scope="public")
    assert str(exc.value) == (
        "Bạn không được xuất bản ở phạm vi “Công khai cho mọi người” (Tỉnh Đắk Nông)."
    )


def test_the_curriculum_is_public(client, toan):
    page = client.get(reverse("content:curriculum"), {"grade": 6, "subject": toan.pk})
    assert page.status_code == 200 and "Toán" in page.content.decode()
