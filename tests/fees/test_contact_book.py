"""The contact book shows a child's invoices from the fees module, scoped like the rest."""

import pytest
from django.urls import reverse

from edudx.contact import selectors as contact_selectors
from edudx.core.errors import NotFound
from edudx.fees.selectors import student_invoices
from tests.api.conftest import API, token_client

pytestmark = pytest.mark.django_db


def test_guardian_sees_the_childs_invoice_in_the_contact_book(district, guardian, invoices):
    a1_invoice, _a2 = invoices
    rows = student_invoices(actor=guardian, student_id=district.student_a1.pk)
    assert rows == [
        {
            "reference": a1_invoice.reference,
            "title": "Học phí và BHYT học kỳ I",
            "amount": 1_930_400,
            "total": 1_930_400,
            "paid": 0,
            "due_date": a1_invoice.due_date,
            "status": str(a1_invoice.get_status_display()),
            "url": reverse("fees:invoice_detail", args=[a1_invoice.pk]),
        }
    ]
    book = contact_selectors.contact_book(actor=guardian, student_id=district.student_a1.pk)
    assert [f["reference"] for f in book["fees"]] == [a1_invoice.reference]
    api = token_client(guardian).get(f"{API}/contact/students/{district.student_a1.pk}")
    assert [f["amount"] for f in api.json()["fees"]] == [1_930_400]


def test_no_invoices_of_other_children(district, guardian, invoices):
    assert student_invoices(actor=guardian, student_id=district.student_a2.pk) == []
    with pytest.raises(NotFound):
        contact_selectors.contact_book(actor=guardian, student_id=district.student_a2.pk)
