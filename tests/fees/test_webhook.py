"""POST /api/v1/fees/bank-webhook: signature, timestamp window, replay, idempotency on the
bank's transaction id, and an amount that differs from what is recorded."""

import json
import time

import pytest
from django.test import Client

from edudx.fees import services
from edudx.fees.models import BankLine, LineSource, Payment, WebhookNonce

from .conftest import ACCOUNT_CODE, SECRET, line

pytestmark = pytest.mark.django_db

URL = "/api/v1/fees/bank-webhook"
TOTAL = 1_930_400


def call(
    body: dict, *, nonce="n-1", ts=None, skew=0, secret=SECRET, account=ACCOUNT_CODE, sig=None
):
    raw = json.dumps(body).encode()
    ts = str((int(time.time()) + skew) if ts is None else ts)
    signature = sig or services.webhook_sign(secret.encode(), ts, nonce, raw)
    return Client().post(
        URL,
        data=raw,
        content_type="application/json",
        headers={
            "X-Bank-Account": account,
            "X-Bank-Timestamp": ts,
            "X-Bank-Nonce": nonce,
            "X-Bank-Signature": signature,
        },
    )


def body(ref: str, amount=TOTAL, txn="FT25279001"):
    return {
        "transaction_id": txn,
        "amount": amount,
        "content": f"MBVCB.{txn}.{ref.lower()}.CT tu 0987654321",
        "booked_at": "2025-10-06T09:30:00+07:00",
    }


def test_signed_notification_records_the_payment(invoices, account):
    a1, _ = invoices
    response = call(body(a1.reference))
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["invoice"]) == ("matched", a1.reference)
    a1.refresh_from_db()
    assert (a1.paid, a1.status) == (TOTAL, "paid")
    assert Payment.objects.get().bank_line.source == "webhook"


def test_bank_retry_with_a_new_nonce_is_idempotent(invoices, account):
    a1, _ = invoices
    first = call(body(a1.reference), nonce="n-1")
    again = call(body(a1.reference), nonce="n-2")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["status"] == "duplicate"
    assert again.json()["line_id"] == first.json()["line_id"]
    assert Payment.objects.count() == 1


def test_replayed_request_is_refused(invoices, account):
    a1, _ = invoices
    ts = int(time.time())
    assert call(body(a1.reference), nonce="same", ts=ts).status_code == 200
    replay = call(body(a1.reference), nonce="same", ts=ts)
    assert replay.status_code == 409
    assert replay.json()["code"] == "webhook.replay"
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"secret": "wrong-secret"}, "webhook.signature"),
        ({"sig": "00" * 32}, "webhook.signature"),
        ({"skew": -301}, "webhook.timestamp"),
        # 302, not 301: `call` truncates the time to the second and the server reads its
        # clock later, so a 301 s skew arrives as 300.x s (inside the window) whenever the
        # fraction of the second plus the request's own time passes one second.
        ({"skew": 302}, "webhook.timestamp"),
        ({"account": "unknown"}, "webhook.account"),
    ],
    ids=["forged-secret", "forged-signature", "stale", "future", "unknown-account"],
)
def test_forged_or_stale_notifications_are_refused(invoices, account, kwargs, code):
    a1, _ = invoices
    response = call(body(a1.reference), **kwargs)
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert BankLine.objects.count() == 0
    assert WebhookNonce.objects.count() == 0


def test_tampered_body_breaks_the_signature(invoices, account):
    a1, _ = invoices
    raw = json.dumps(body(a1.reference)).encode()
    ts = str(int(time.time()))
    sig = services.webhook_sign(SECRET.encode(), ts, "n", raw)
    tampered = raw.replace(str(TOTAL).encode(), b"19304000")
    response = Client().post(
        URL,
        data=tampered,
        content_type="application/json",
        headers={
            "X-Bank-Account": ACCOUNT_CODE,
            "X-Bank-Timestamp": ts,
            "X-Bank-Nonce": "n",
            "X-Bank-Signature": sig,
        },
    )
    assert response.status_code == 401
    assert Payment.objects.count() == 0


def test_amount_differing_from_the_statement_is_refused_and_flagged(invoices, account):
    a1, _ = invoices
    services.reconcile(
        bank_account=account,
        lines=[line("FT25279001", TOTAL, a1.reference)],
        source=LineSource.STATEMENT,
    )
    response = call(body(a1.reference, amount=19_304_000))
    assert response.status_code == 409
    assert response.json()["code"] == "line.amount_mismatch"
    bl = BankLine.objects.get()
    assert bl.flagged is True
    assert "19.304.000 đ" in bl.flag_note
    a1.refresh_from_db()
    assert a1.paid == TOTAL
    assert Payment.objects.count() == 1


def test_unmatched_webhook_goes_to_the_queue(invoices, account):
    response = call({"transaction_id": "FT9", "amount": 50_000, "content": "ung ho"})
    assert response.status_code == 200
    assert response.json() == {
        "status": "unmatched",
        "line_id": BankLine.objects.get().pk,
        "invoice": None,
        "reason": "no_reference",
    }


def test_english_error_message(invoices, account):
    a1, _ = invoices
    raw = json.dumps(body(a1.reference)).encode()
    response = Client().post(
        URL,
        data=raw,
        content_type="application/json",
        headers={"X-Bank-Account": ACCOUNT_CODE, "Accept-Language": "en"},
    )
    assert response.status_code == 401
    assert response.json()["message"] == "The notification's HMAC signature is wrong."
