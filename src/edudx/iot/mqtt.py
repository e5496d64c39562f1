"""The MQTT subscriber behind `edudx iot_ingest` (paho-mqtt). The broker only carries bytes:
each message goes to `services.mqtt_message_handle`, in this (the caller's) thread, so the
database work is ordinary Django work. Subscribed with QoS 1 on a persistent session: a
message the broker redelivers (we died before PUBACK) is stored once (unique key).

A refused message (bad topic, bad JSON, unknown device or wrong secret, invalid reading)
is logged with its reason and counted; an unexpected error (the database went away) is
logged and counted too; the loop never stops on a message."""

import logging
import time
from collections import Counter

import paho.mqtt.client as mqtt
from django.db import close_old_connections, connection

from . import services

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "edudx"


def topic_filter(prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}/+/readings"


class Subscriber:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 1883,
        prefix: str = DEFAULT_PREFIX,
        client_id: str = "edudx-iot-ingest",
        username: str = "",
        password: str = "",
        qos: int = 1,
        persistent: bool = True,
    ):
        self.topic = topic_filter(prefix)
        self.qos = qos
        self.stats: Counter = Counter()
        self.subscribed = False
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=not persistent
        )
        if username:
            self.client.username_pw_set(username, password or None)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.host, self.port = host, port

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.error("iot.mqtt_connect_failed", extra={"reason": str(reason_code)})
            return
        # Subscribe on every (re)connection: the broker may have lost the session.
        client.subscribe(self.topic, qos=self.qos)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        self.subscribed = True
        log.info("iot.mqtt_subscribed", extra={"topic": self.topic})

    def _on_message(self, client, userdata, message):
        self.stats["received"] += 1
        if not connection.in_atomic_block:
            close_old_connections()
        try:
            outcome = services.mqtt_message_handle(topic=message.topic, payload=message.payload)
        except Exception:
            log.exception("iot.mqtt_error", extra={"topic": message.topic})
            self.stats["error"] += 1
            return
        if outcome.ok:
            self.stats["messages_ok"] += 1
            self.stats["readings_stored"] += outcome.accepted
            self.stats["readings_duplicate"] += outcome.duplicates
        else:
            self.stats["rejected"] += 1
            self.stats[f"rejected:{outcome.reason}"] += 1

    def connect(self, *, timeout: float = 10.0) -> None:
        """Connect and wait for the subscription; raises OSError if the broker is not there."""
        self.client.connect(self.host, self.port, keepalive=30)
        deadline = time.monotonic() + timeout
        while not self.subscribed and time.monotonic() < deadline:
            self.client.loop(timeout=0.2)
        if not self.subscribed:
            raise OSError(f"no SUBACK from {self.host}:{self.port} within {timeout:g} s")

    def run(
        self,
        *,
        seconds: float | None = None,
        max_messages: int | None = None,
        should_stop=lambda: False,
    ) -> Counter:
        """Process messages until `seconds` pass, `max_messages` arrived or `should_stop()`."""
        deadline = None if seconds is None else time.monotonic() + seconds
        while not should_stop():
            if deadline is not None and time.monotonic() >= deadline:
                break
            if max_messages is not None and self.stats["received"] >= max_messages:
                break
            rc = self.client.loop(timeout=0.5)
            if rc != mqtt.MQTT_ERR_SUCCESS:
                log.warning("iot.mqtt_disconnected", extra={"rc": rc})
                time.sleep(1.0)
                try:
                    self.client.reconnect()
                except OSError:
                    log.warning("iot.mqtt_reconnect_failed")
        return self.stats

    def close(self) -> None:
        self.client.disconnect()
