"""The subscriber against the REAL Mosquitto broker at 127.0.0.1:1883: readings published
with QoS 1 — the same message twice, as a broker redelivers — land exactly once; a
malformed message is counted and the loop goes on. Skipped with the reason when no broker
listens, except under CI=true (.ci/run starts one), where that is a failure."""

import json
import os
import socket
import uuid

import paho.mqtt.client as mqtt
import pytest
from django.core.management import call_command

from edudx.iot.models import Reading
from edudx.iot.mqtt import Subscriber

from .conftest import at

HOST, PORT = "127.0.0.1", 1883


def _broker_up() -> bool:
    try:
        with socket.create_connection((HOST, PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def broker():
    if not _broker_up():
        reason = f"no MQTT broker at {HOST}:{PORT} (start one: mosquitto -d -p {PORT})"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def _publish(messages: list[tuple[str, bytes]]) -> None:
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
    pub.connect(HOST, PORT)
    pub.loop_start()
    try:
        for topic, payload in messages:
            pub.publish(topic, payload, qos=1).wait_for_publish(timeout=5)
    finally:
        pub.loop_stop()
        pub.disconnect()


@pytest.mark.django_db
def test_published_readings_land_exactly_once(broker, sensor):
    # A prefix of our own: other test runs on the same broker never see our messages.
    prefix = f"edudx-test-{uuid.uuid4().hex[:8]}"
    sub = Subscriber(
        host=HOST, port=PORT, prefix=prefix, client_id=f"sub-{prefix}", persistent=False
    )
    sub.connect()
    try:
        message = json.dumps(
            {
                "secret": sensor.secret,
                "readings": [
                    {"metric": "co2_ppm", "value": 900, "ts": at(0)},
                    {"metric": "temperature_c", "value": 28.5, "ts": at(0)},
                ],
            }
        ).encode()
        topic = f"{prefix}/{sensor.device_id}/readings"
        _publish([(topic, message), (topic, message), (topic, b"{broken")])
        stats = sub.run(seconds=10, max_messages=3)
    finally:
        sub.close()
    assert stats["received"] == 3
    assert (stats["messages_ok"], stats["readings_stored"], stats["readings_duplicate"]) == (
        2,
        2,
        2,
    )
    assert (stats["rejected"], stats["rejected:iot.json"]) == (1, 1)
    assert sorted(Reading.objects.filter(device=sensor).values_list("metric", "value")) == [
        ("co2_ppm", 900.0),
        ("temperature_c", 28.5),
    ]


@pytest.mark.django_db
def test_the_command_runs_and_reports(broker, capsys):
    prefix = f"edudx-test-{uuid.uuid4().hex[:8]}"
    call_command(
        "iot_ingest", prefix=prefix, seconds=0.5, client_id=f"cmd-{prefix}", clean_session=True
    )
    out = capsys.readouterr().out
    assert f"subscribed to {prefix}/+/readings on {HOST}:{PORT}" in out
    assert "iot_ingest: no messages" in out
