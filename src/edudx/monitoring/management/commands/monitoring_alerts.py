from django.core.management.base import BaseCommand

from edudx.monitoring.alerts import alerts_evaluate
from edudx.monitoring.tasks import alerts_evaluate_task


class Command(BaseCommand):
    help = "Evaluate the alert rules now (cron), or --enqueue them for `edudx worker`."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true")

    def handle(self, *args, **options):
        if options["enqueue"]:
            alerts_evaluate_task.enqueue()
            self.stdout.write("monitoring.alerts enqueued")
            return
        for code, n in alerts_evaluate().items():
            self.stdout.write(f"{code}: {n}")
