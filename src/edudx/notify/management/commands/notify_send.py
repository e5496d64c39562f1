from django.core.management.base import BaseCommand

from edudx.notify import channels


class Command(BaseCommand):
    help = "Send every notification delivery that is due (retries, and after a queue outage)."

    def handle(self, *args, **options):
        n = channels.send_due()
        self.stdout.write(f"notify.sent count={n}")
