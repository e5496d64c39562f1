"""`edudx iot_ingest`: subscribe to `<prefix>/+/readings` on an MQTT broker and store what
the school devices send (docs/iot.md). Settings from the environment with working
defaults: EDUDX_MQTT_HOST (127.0.0.1), EDUDX_MQTT_PORT (1883), EDUDX_MQTT_USERNAME,
EDUDX_MQTT_PASSWORD, EDUDX_MQTT_PREFIX (edudx)."""

import os
import signal

from django.core.management.base import BaseCommand, CommandError

from edudx.iot.mqtt import DEFAULT_PREFIX, Subscriber


class Command(BaseCommand):
    help = "Store readings that school IoT devices publish over MQTT, in a loop."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("EDUDX_MQTT_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("EDUDX_MQTT_PORT", "1883"))
        )
        parser.add_argument("--prefix", default=os.environ.get("EDUDX_MQTT_PREFIX", DEFAULT_PREFIX))
        parser.add_argument("--client-id", default="edudx-iot-ingest")
        parser.add_argument(
            "--seconds", type=float, default=None, help="Stop after this long (tests, cron)."
        )
        parser.add_argument("--max-messages", type=int, default=None)
        parser.add_argument(
            "--clean-session",
            action="store_true",
            help="No persistent broker session (messages sent while stopped are not kept).",
        )

    def handle(self, *args, **opts):
        sub = Subscriber(
            host=opts["host"],
            port=opts["port"],
            prefix=opts["prefix"],
            client_id=opts["client_id"],
            username=os.environ.get("EDUDX_MQTT_USERNAME", ""),
            password=os.environ.get("EDUDX_MQTT_PASSWORD", ""),
            persistent=not opts["clean_session"],
        )
        try:
            sub.connect()
        except OSError as exc:
            raise CommandError(f"MQTT broker {opts['host']}:{opts['port']}: {exc}") from exc
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
        self.stdout.write(f"iot_ingest: subscribed to {sub.topic} on {opts['host']}:{opts['port']}")
        try:
            stats = sub.run(
                seconds=opts["seconds"],
                max_messages=opts["max_messages"],
                should_stop=lambda: bool(stopping),
            )
        except KeyboardInterrupt:
            stats = sub.stats
        finally:
            sub.close()
        summary = ", ".join(f"{k}={v}" for k, v in sorted(stats.items())) or "no messages"
        self.stdout.write(f"iot_ingest: {summary}")
