"""Ingest over HTTP and MQTT (the service the subscriber calls): validation errors name the
reading's index and field, in Vietnamese or English; a redelivered reading is stored once."""

import datetime as dt
import json

import pytest

from edudx.iot import services
from edudx.iot.models import Device, Reading

from .conftest import T0, at

pytestmark = pytest.mark.django_db

NOW = T0 + dt.timedelta(hours=1)
URL = "/api/v1/iot/readings"


def post(client, device, body, *, secret=None, lang="vi"):
    return client.post(
        URL,
        data=json.dumps(body),
        content_type="application/json",
        headers={
            "X-Device-Id": device.device_id,
            "X-Device-Secret": device.secret if secret is None else secret,
            "Accept-Language": lang,
        },
    )


def ok(**kw):
    return {"metric": "co2_ppm", "value": 800, "ts": at(0)} | kw


@pytest.mark.parametrize(
    ("reading", "field", "message"),
    [
        (ok(metric="radon_bq"), "readings.1.metric",
         "Bản ghi 1: chỉ số radon_bq không được hỗ trợ (chỉ nhận: temperature_c, "
         "humidity_pct, co2_ppm, pm25_ugm3, power_kw)."),
        ({"value": 1, "ts": at(0)}, "readings.1.metric", "Bản ghi 1: thiếu metric."),
        (ok(value="cao"), "readings.1.value", "Bản ghi 1: value phải là một số."),
        (ok(value=True), "readings.1.value", "Bản ghi 1: value phải là một số."),
        (ok(value=None), "readings.1.value", "Bản ghi 1: thiếu value."),
        (ok(value=12000), "readings.1.value",
         "Bản ghi 1: 12000 nằm ngoài khoảng đo của co2_ppm (0 đến 10000)."),
        (ok(metric="humidity_pct", value=-3.5), "readings.1.value",
         "Bản ghi 1: -3.5 nằm ngoài khoảng đo của humidity_pct (0 đến 100)."),
        (ok(ts=at(66)), "readings.1.ts",
         "Bản ghi 1: ts ở tương lai, quá 5 phút so với giờ máy chủ."),
        (ok(ts="2026-11-20T08:00:00"), "readings.1.ts",
         "Bản ghi 1: ts phải là giờ ISO 8601 có múi giờ (2026-11-29T08:15:00+07:00) "
         "hoặc số giây Unix."),
        (ok(ts=None), "readings.1.ts", "Bản ghi 1: thiếu ts (thời điểm đo)."),
        (ok(ts=at(-60 * 24 * 31)), "readings.1.ts", "Bản ghi 1: ts cũ hơn 30 ngày, không nhận."),
        ("co2=800", "readings.1", "Bản ghi 1 phải là một đối tượng {metric, value, ts}."),
    ],
    ids=["unknown-metric", "no-metric", "text", "bool", "no-value", "co2-range", "humidity-range",
         "future", "naive-ts", "no-ts", "too-old", "not-object"],
)  # fmt: skip
def test_validation_names_index_and_field(sensor, reading, field, message):
    with pytest.raises(services.DomainError) as err:
        services.readings_ingest(device=sensor, items=[ok(), reading], now=NOW)
    assert [(i.field, i.row, str(i.message)) for i in err.value.items] == [(field, 1, message)]
    assert Reading.objects.count() == 0  # nothing half-written


def test_timestamps_as_unix_seconds_and_a_4_minute_clock_skew_are_accepted(sensor):
    epoch = int(T0.timestamp())
    r = services.readings_ingest(device=sensor, items=[ok(ts=epoch), ok(ts=at(64))], now=NOW)
    assert r.accepted == 2
    assert sorted(Reading.objects.values_list("measured_at", flat=True)) == [
        T0,
        T0 + dt.timedelta(minutes=64),
    ]


def test_http_batch_is_idempotent_and_keeps_the_latest(client, sensor):
    body = {
        "readings": [
            ok(ts=at(-10), value=700),
            ok(ts=at(-5), value=750),
            {"metric": "temperature_c", "value": 29.5, "ts": at(-5)},
        ]
    }
    first = post(client, sensor, body)
    assert first.status_code == 200
    assert first.json() == {
        "accepted": 3, "duplicates": 0, "incidents_opened": 0, "incidents_closed": 0
    }  # fmt: skip
    again = post(client, sensor, body)
    assert again.json()["accepted"] == 0 and again.json()["duplicates"] == 3
    assert Reading.objects.filter(device=sensor).count() == 3
    sensor.refresh_from_db()
    assert sensor.latest["co2_ppm"][1] == 750
    assert sensor.latest["temperature_c"][1] == 29.5
    assert sensor.last_seen_at is not None


def test_http_errors_in_english(client, sensor):
    body = {"readings": [ok(ts=at(-5)), ok(ts=at(-4), value="high")]}
    res = post(client, sensor, body, lang="en")
    assert res.status_code == 400
    assert res.json()["errors"] == [
        {"code": "iot.value_not_number", "message": "Reading 1: value must be a number.",
         "field": "readings.1.value", "row": 1},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("device_id", "secret"),
    [("LL-6A1-env", "wrong"), ("no-such-device", "x"), ("LL-6A1-env", "")],
    ids=["wrong-secret", "unknown-device", "no-secret"],
)
def test_http_refuses_unauthenticated_devices(client, sensor, device_id, secret):
    res = client.post(
        URL,
        data=json.dumps({"readings": [ok(ts=at(-5))]}),
        content_type="application/json",
        headers={"X-Device-Id": device_id, "X-Device-Secret": secret},
    )
    assert res.status_code == 401
    assert res.json()["message"] == (
        "Thiết bị không xác định, đã ngừng hoạt động hoặc khóa bí mật không đúng."
    )
    assert Reading.objects.count() == 0


def test_http_refuses_an_inactive_device(client, sensor):
    Device.objects.filter(pk=sensor.pk).update(active=False)
    res = post(client, sensor, {"readings": [ok(ts=at(-5))]})
    assert res.status_code == 401


def test_http_body_must_carry_readings(client, sensor):
    res = post(client, sensor, [ok()])
    assert res.status_code == 400
    assert res.json()["code"] == "iot.json"


def mqtt(device, body, *, topic=None, secret=None):
    payload = {"secret": device.secret if secret is None else secret, **body}
    return services.mqtt_message_handle(
        topic=topic or f"edudx/{device.device_id}/readings",
        payload=json.dumps(payload).encode(),
        now=NOW,
    )


def test_mqtt_redelivery_stores_once(sensor):
    body = {"readings": [ok(ts=at(-10)), ok(ts=at(-5), value=820)]}
    first, again = mqtt(sensor, body), mqtt(sensor, body)
    assert (first.ok, first.accepted, first.duplicates) == (True, 2, 0)
    assert (again.ok, again.accepted, again.duplicates) == (True, 0, 2)
    single = mqtt(sensor, ok(ts=at(-1), value=830))
    assert (single.ok, single.accepted) == (True, 1)
    assert Reading.objects.filter(device=sensor).count() == 3


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("edudx/LL-6A1-env/readings", b"{not json", "iot.json"),
        ("edudx/LL-6A1-env/readings", b"[1, 2]", "iot.json"),
        ("edudx/LL-6A1-env/readings", b"\xff\xfe", "iot.json"),
        ("edudx/LL-6A1-env/status", b"{}", "iot.topic"),
        ("edudx/LL-6A1-env/readings", b'{"secret": "nope", "readings": []}', "iot.unauthorized"),
    ],
    ids=["bad-json", "not-object", "not-utf8", "wrong-topic", "wrong-secret"],
)
def test_mqtt_refuses_with_a_reason_and_never_raises(sensor, topic, payload, reason, caplog):
    outcome = services.mqtt_message_handle(topic=topic, payload=payload, now=NOW)
    assert (outcome.ok, outcome.reason) == (False, reason)
    assert any(r.msg == "iot.mqtt_rejected" for r in caplog.records)
    assert Reading.objects.count() == 0


def test_mqtt_invalid_reading_names_its_index(sensor):
    outcome = mqtt(sensor, {"readings": [ok(ts=at(-5)), ok(ts=at(-4), metric="noise_db")]})
    assert (outcome.ok, outcome.reason) == (False, "iot.metric_unknown")
    assert outcome.detail.startswith("Bản ghi 1: chỉ số noise_db không được hỗ trợ")
    assert Reading.objects.count() == 0
