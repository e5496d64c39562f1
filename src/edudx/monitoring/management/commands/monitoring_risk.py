from django.core.management.base import BaseCommand

from edudx.monitoring import risk


class Command(BaseCommand):
    help = "Fit the dropout-risk model, print its report (AUC on a held-out year), score."

    def add_arguments(self, parser):
        parser.add_argument(
            "--synthetic-history",
            action="store_true",
            help="Train on the stated synthetic history (demo: the platform has no dropouts).",
        )

    def handle(self, *args, **options):
        if options["synthetic_history"]:
            model = risk.fit(risk.synthetic_history(), synthetic=True)
        else:
            samples = risk.training_samples()
            if sum(s.y for s in samples) == 0:
                self.stderr.write(
                    "Chưa có học sinh bỏ học nào trong lịch sử của nền tảng: không huấn luyện "
                    "được (dùng --synthetic-history cho dữ liệu mẫu)."
                )
                return
            model = risk.fit(samples)
        self.stdout.write(model.report())
        current = risk.year_to_score()
        if current is not None:
            n = risk.score_year(model, current)
            self.stdout.write(f"Đã chấm điểm nguy cơ cho {n} học sinh năm học {current.code}.")
