from django.core.management.base import BaseCommand

from edudx.monitoring.services import headcount_refresh


class Command(BaseCommand):
    help = "Tính lại bảng tổng hợp sĩ số (học sinh, cán bộ, lớp) của mọi trường."

    def handle(self, *args, **opts):
        n = headcount_refresh()
        self.stdout.write(f"Đã tính lại sĩ số của {n} trường.")
