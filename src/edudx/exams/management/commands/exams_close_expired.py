"""Auto-submit every started attempt whose time is over (run every minute by cron or the
worker's scheduler); pages and the results API also run it for the test they show."""

from django.core.management.base import BaseCommand

from edudx.exams.services import attempts_close_expired


class Command(BaseCommand):
    help = "Auto-submit the online-test attempts whose time is over."

    def handle(self, *args, **options):
        n = attempts_close_expired()
        self.stdout.write(f"{n}")
