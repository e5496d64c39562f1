"""`edudx worker`: the one background process a small installation needs.

Each round it
1. delivers due outbox events (`core.events.deliver_pending`): the safety net for events
   whose delivery task was never enqueued (crash after commit) and the retry loop for
   failed handlers, which nothing else re-enqueues;
2. runs the periodic jobs that are due (`core.periodic`, registry `settings.PERIODIC_JOBS`:
   re-queueing notification deliveries whose task was lost, auto-submitting expired
   online-test attempts…), each every `every` seconds (default 60);
3. runs every queued task of the django-tasks database backend, by calling
   django-tasks-db's own `db_worker --batch` (which claims each task under a lock, so
   several workers can run side by side), so what step 2 queued runs in the same round;
then sleeps `--interval` seconds when there was nothing to do. See docs/operations.md."""

import logging
import signal
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django_tasks import task_backends

from edudx.core import events, periodic

log = logging.getLogger("edudx.worker")


def _uses_database_tasks() -> bool:
    from django_tasks_db.backend import DatabaseBackend  # noqa: PLC0415 — optional backend

    return isinstance(task_backends["default"], DatabaseBackend)


def _refresh_connections() -> None:
    """Drop broken or expired connections between rounds, as Django does per request; not
    inside a transaction (the test runner's), whose connection must stay."""
    if not connection.in_atomic_block:
        close_old_connections()


class Command(BaseCommand):
    help = "Deliver outbox events and run queued background tasks, in a loop."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=2.0,
            help="Seconds to sleep when a round found nothing to do (default 2).",
        )
        parser.add_argument(
            "--once", action="store_true", help="Run one round, then exit (cron, tests)."
        )
        parser.add_argument(
            "--outbox-only",
            action="store_true",
            help="Only deliver outbox events; run tasks with separate `db_worker` processes.",
        )
        parser.add_argument(
            "--queue-name", default="default", help="Task queues for db_worker (default: default)."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Outbox events delivered per round (default 500).",
        )
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="Do not run the periodic jobs (settings.PERIODIC_JOBS) in this worker.",
        )
        parser.add_argument(
            "--requeue-failed",
            action="store_true",
            help=f"First give events parked after {events.MAX_ATTEMPTS} failures new attempts.",
        )

    def handle(self, *args, **options):
        self.running = True
        run_tasks = not options["outbox_only"] and _uses_database_tasks()
        if options["requeue_failed"]:
            n = events.requeue_failed()
            self.stdout.write(f"outbox.requeued count={n}")
        parked = events.failed().count()
        if parked:
            log.warning("outbox.parked", extra={"count": parked})
            self.stderr.write(
                f"outbox.parked count={parked} (fix the handler, then --requeue-failed)"
            )
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self._loop(options, run_tasks)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _loop(self, options, run_tasks: bool) -> None:
        scheduler = None if options["no_periodic"] else periodic.Scheduler()
        while self.running:
            self._install_signals()
            _refresh_connections()
            delivered = events.deliver_pending(limit=options["batch_size"])
            if delivered:
                log.info("outbox.delivered", extra={"count": delivered})
            if scheduler is not None:
                for name, result in scheduler.run_due().items():
                    if options["verbosity"] > 1:
                        self.stdout.write(f"periodic.{name} result={result!r}")
                _refresh_connections()
            if run_tasks:
                call_command(
                    "db_worker",
                    batch=True,
                    reload=False,
                    startup_delay=False,
                    queue_name=options["queue_name"],
                    # Quiet at the default verbosity: it logs two lines per idle round.
                    verbosity=max(0, options["verbosity"] - 1),
                    stdout=self.stdout,
                    stderr=self.stderr,
                )
                # db_worker installed its own signal handlers for its run; take them back.
                self._install_signals()
            _refresh_connections()
            if options["once"]:
                break
            if delivered < options["batch_size"]:
                time.sleep(options["interval"])

    def _install_signals(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._stop)

    def _stop(self, signum, frame) -> None:
        # Finish the current round (its transactions), then leave the loop.
        self.running = False
