"""`edudx audit verify`: recompute the audit hash chain and name the first tampered event.

Exit status 0 when the chain is intact, 1 when it is not (for cron and monitoring)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from edudx.audit.services import audit_drain_all
from edudx.audit.verify import chain_verify


class Command(BaseCommand):
    help = "Audit trail tools. `verify`: recompute the hash chain, report the first bad event."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="Recompute the hash chain.")
        verify.add_argument(
            "--chunk-size",
            type=int,
            default=2000,
            help="Rows fetched per round trip while streaming the chain (default 2000).",
        )

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "verify":
            self.verify(chunk_size=options["chunk_size"])

    def verify(self, *, chunk_size: int) -> None:
        # Deferred events (audit_defer) join the chain first, so the chain verified is
        # the whole trail as of now.
        drained = audit_drain_all()
        if drained:
            self.stdout.write(
                _("Đã đưa %(n)s sự kiện đang chờ vào chuỗi nhật ký.") % {"n": drained}
            )
        report = chain_verify(chunk_size=chunk_size)
        if report.problem is not None:
            self.stderr.write(
                _("Đã kiểm tra %(n)s sự kiện hợp lệ trước lỗi.") % {"n": report.checked}
            )
            raise CommandError(report.problem.message, returncode=1)
        self.stdout.write(
            _("Nhật ký kiểm toán nguyên vẹn: %(n)s sự kiện, sự kiện cuối #%(last)s.")
            % {"n": report.checked, "last": report.last_event_id}
        )
