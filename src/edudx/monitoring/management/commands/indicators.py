import time

from django.core.management.base import BaseCommand

from edudx.monitoring.services import indicators_recompute


class Command(BaseCommand):
    help = "Recompute the plan's indicators for report years (summary table IndicatorValue)."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="+", type=int)

    def handle(self, *args, **options):
        for year in options["years"]:
            t0 = time.perf_counter()
            n = indicators_recompute(year=year)
            self.stdout.write(f"{year}: {n} values in {time.perf_counter() - t0:.1f} s")
