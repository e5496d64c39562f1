"""The bank-account page (/fees/accounts/): the school's principal and clerks list, add,
edit, deactivate and reactivate the accounts VietQR codes name; nobody else may."""

import pytest
from django.test import Client

from edudx.accounts.models import Role
from edudx.audit.models import AuditEvent
from edudx.fees.apps import FeesConfig
from edudx.fees.models import BankAccount
from tests.pages.conftest import otp_login

pytestmark = pytest.mark.django_db

URL = "/fees/accounts/"


def test_clerk_adds_edits_and_deactivates(district, account, clerk):
    client = otp_login(Client(), clerk)
    page = client.get(f"{URL}?school={district.school_a.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "0123456789" in html and "TRUONG THCS LE LOI" in html
    assert '<option value="970415">VietinBank (970415)</option>' in html
    response = client.post(
        URL,
        {
            "school": district.school_a.pk,
            "action": "create",
            "bank_bin": "970415",
            "account_number": "1020 3040 50",
            "account_name": "Trường THCS Lê Lợi - quỹ bán trú",
        },
    )
    assert response.status_code == 302
    new = BankAccount.objects.get(bank_bin="970415")
    assert (new.bank_name, new.account_number, new.account_name, new.active, new.school) == (
        "VietinBank",
        "1020304050",
        "TRUONG THCS LE LOI - QUY BAN TRU",
        True,
        district.school_a,
    )
    client.post(
        URL,
        {
            "school": district.school_a.pk,
            "action": "update",
            "account": new.pk,
            "bank_bin": "970415",
            "account_number": "1020304051",
            "account_name": "TRUONG THCS LE LOI",
        },
    )
    client.post(
        URL, {"school": district.school_a.pk, "action": "deactivate", "account": account.pk}
    )
    new.refresh_from_db()
    account.refresh_from_db()
    assert (new.account_number, account.active) == ("1020304051", False)
    html = client.get(f"{URL}?school={district.school_a.pk}").content.decode()
    assert "Đã ngừng" in html and "Dùng lại" in html
    actions = sorted(
        AuditEvent.objects.filter(object_type="fees.bankaccount", actor=clerk).values_list(
            "action", flat=True
        )
    )
    assert actions == ["create", "deactivate", "update"]


def test_bad_input_is_refused_with_the_field_named(district, account, clerk):
    client = otp_login(Client(), clerk)
    response = client.post(
        URL,
        {
            "school": district.school_a.pk,
            "action": "create",
            "bank_bin": "970415",
            "account_number": "12.345",
            "account_name": "Trường",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Số tài khoản gồm 1 đến 19 chữ số hoặc chữ cái, không dấu cách." in html
    assert 'value="12.345"' in html  # what was typed is kept
    assert BankAccount.objects.count() == 1


def test_others_may_not(district, account, clerk_b, guardian):
    # Another school's clerk: her own school's page; account A is not hers to change.
    client = otp_login(Client(), clerk_b)
    html = client.get(f"{URL}?school={district.school_a.pk}").content.decode()
    assert "0123456789" not in html
    response = client.post(
        URL, {"school": district.school_a.pk, "action": "deactivate", "account": account.pk}
    )
    assert response.status_code == 404
    officer = otp_login(Client(), district.user(Role.PROVINCE_OFFICER, district.province))
    assert officer.get(f"{URL}?school={district.school_a.pk}").status_code == 403
    teacher = otp_login(Client(), district.teacher_user())
    assert teacher.get(URL).status_code == 403
    parent = Client()
    parent.force_login(guardian)
    assert parent.get(URL).status_code == 403
    account.refresh_from_db()
    assert account.active is True


def test_menu_entry_for_principal_and_clerk_only():
    config = FeesConfig.create("edudx.fees")
    urls = lambda roles: [name for _k, _l, name in config.nav_entries(roles)]  # noqa: E731
    assert urls({"clerk"}) == ["fees:invoices", "fees:accounts"]
    assert urls({"principal"}) == ["fees:invoices", "fees:accounts"]
    assert urls({"commune_officer"}) == ["fees:invoices"]
    assert urls({"guardian"}) == ["fees:index"]
    assert urls({"teacher"}) == []


def test_commune_officer_manages_the_commune_accounts(district, clerk):
    """The commune resolves dossiers and takes their fees: its officer declares the account
    on the same page (reached from the dossier queue); the school's pages stay the clerks'."""
    officer = district.user(Role.COMMUNE_OFFICER, district.commune_a)
    client = otp_login(Client(), officer)
    queue = client.get("/services/officer/").content.decode()
    assert '<a class="btn btn-secondary" href="/fees/accounts/">Tài khoản nhận lệ phí</a>' in queue
    page = client.get(URL).content.decode()
    assert f"Tài khoản nhận tiền · {district.commune_a.name}" in page
    response = client.post(
        URL,
        {
            "school": district.commune_a.pk,
            "action": "create",
            "bank_bin": "970405",
            "account_number": "3100 2050 01234",
            "account_name": f"UBND {district.commune_a.name}",
        },
    )
    assert response.status_code == 302
    new = BankAccount.objects.get()
    assert (new.school, new.bank_name, new.account_number, new.active) == (
        district.commune_a,
        "Agribank",
        "3100205001234",
        True,
    )
    assert client.get(f"{URL}?school={district.school_a.pk}").status_code == 403
    clerk_queue = otp_login(Client(), clerk).get("/services/officer/")
    assert clerk_queue.status_code == 200
    assert "Tài khoản nhận lệ phí" not in clerk_queue.content.decode()
