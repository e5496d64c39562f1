"""`edudx iot_compact`: roll the raw IoT readings of the whole days older than the raw
retention (IOT_RAW_RETENTION_DAYS, 90 days) up into hourly rollups and delete them
(iot.services.readings_compact; the worker does it every 5 minutes, at most 20 s a turn,
so run this once by hand for a large backlog). `--dry-run` says what it would do and
writes nothing."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from edudx.iot import services


class Command(BaseCommand):
    help = "Roll IoT readings older than the raw retention up into hourly rollups."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what it would do.")
        parser.add_argument("--batch-size", type=int, default=services.COMPACT_BATCH)
        parser.add_argument("--max-batches", type=int, default=None)

    def handle(self, *args, **opts):
        try:
            res = services.readings_compact(
                dry_run=opts["dry_run"],
                batch_size=opts["batch_size"],
                max_batches=opts["max_batches"],
            )
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        verb = "would roll up" if opts["dry_run"] else "rolled up"
        self.stdout.write(
            f"iot_compact: {verb} {res.readings} readings before {res.cutoff.isoformat()} "
            f"of {res.series} series into {res.buckets} hourly rollups in {res.batches} batches"
            + ("" if res.done else "; stopped by --max-batches, run again for the rest")
        )
