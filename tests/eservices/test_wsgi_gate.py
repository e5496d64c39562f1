import json

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory
from django.test.client import FakePayload

from edudx.eservices import gate, wsgi_gate
from edudx.eservices.models import AdmissionApplication

from .test_api import application

pytestmark = pytest.mark.django_db


def call(path, method="POST", body=b""):
    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD=method,
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH=str(len(body)),
        HTTP_IDEMPOTENCY_KEY="w-1",
        **{"wsgi.input": FakePayload(body)},
    )
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    # As django.test.Client does: keep the test's connection (and its transaction) open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        seen["body"] = b"".join(wsgi_gate.application(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return seen


def test_front_gate_sheds_without_django_and_admits_with_a_slot(world, settings):
    settings.ESERVICES_SUBMIT_WAIT_MS = 1
    r = world.grade1_round()
    path = f"/api/v1/admissions/rounds/{r.pk}/applications"
    body = json.dumps(application(world)).encode()
    g = gate._gate()
    taken = 0
    while g.acquire(blocking=False):
        taken += 1
    try:
        busy = call(path, body=body)
    finally:
        for _ in range(taken):
            g.release()
    assert busy["status"] == "503 Service Unavailable"
    assert busy["headers"]["Retry-After"] == "1"
    assert json.loads(busy["body"])["code"] == "server.busy"
    assert AdmissionApplication.objects.count() == 0
    ok = call(path, body=body)
    assert ok["status"].startswith("201"), ok["body"]
    assert AdmissionApplication.objects.count() == 1
    # Everything else goes straight through; the slot was given back.
    assert call("/api/v1/procedures", method="GET")["status"].startswith("200")
    assert g.acquire(blocking=False)
    g.release()
