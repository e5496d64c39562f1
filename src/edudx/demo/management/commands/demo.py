"""`edudx demo [--scale tiny|district|province] [--seed N] [--if-empty]`: build the demo
district (see edudx.demo.generator) and its demo logins."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from edudx.accounts.models import RoleAssignment
from edudx.core import signing
from edudx.demo import assignments, extensions, generator, logins
from edudx.org.models import OrgUnit


class Command(BaseCommand):
    help = "Tạo dữ liệu mẫu huyện Đắk Song (trước và sau sắp xếp 01/07/2025)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(generator.SCALES), default="district")
        parser.add_argument("--seed", type=int, default=generator.DEFAULT_SEED)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (quickly) if the database already has an organisation tree.",
        )

    def handle(self, *args, scale, seed, if_empty, **options):
        if OrgUnit.objects.exists():
            if if_empty:
                self.stdout.write("Cơ sở dữ liệu đã có dữ liệu; bỏ qua tạo dữ liệu mẫu.")
                return
            raise CommandError(
                "Cơ sở dữ liệu đã có dữ liệu. Dùng --if-empty, hoặc một cơ sở dữ liệu trống."
            )
        with transaction.atomic():
            summary = generator.build(scale, seed, log=self.stdout.write)
            users = logins.create_demo_users(summary)
            assigned = assignments.assignments_from_teaching()
            extensions.build_all(summary, users, seed=seed, log=self.stdout.write)
        self._signing_certificates(users)
        self._statistics()
        self.stdout.write(f"Phân công giảng dạy theo môn: {assigned}.")
        c = summary.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Xong trong {summary.seconds:.1f}s: {c.get('schools', 0)} trường, "
                f"{c.get('classes', 0)} lớp, {c.get('students', 0)} học sinh, "
                f"{c.get('staff', 0)} cán bộ, {c.get('guardians', 0)} phụ huynh, "
                f"{len(users)} tài khoản mẫu (xem: edudx demo_logins)."
            )
        )

    def _statistics(self) -> None:
        """On PostgreSQL, the planner statistics and visibility map of the tables just
        filled, as autovacuum would leave them some minutes later: without the map the name
        index of 300,000 students is not read index-only, and a province-wide search
        ("nguyen van", benchmarks/scoped_list.py) took 190 ms instead of 60. Not inside a
        transaction (a test's), where VACUUM cannot run. SQLite keeps the plans it was tuned
        with (no statistics)."""
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            return
        with connection.cursor() as cur:
            cur.execute("VACUUM (ANALYZE)")

    def _signing_certificates(self, users) -> None:
        """The demo's own certificate authority and a signing certificate for each staff
        user who signs documents (transcripts, service results); see docs/signing.md."""
        pki = signing.demo_ca_ensure()
        for user in users:
            if not (user.roles & {"principal", "homeroom_teacher", "teacher"}):
                continue
            person = user.person
            school = RoleAssignment.objects.filter(user=user).exclude(unit=None).first()
            pki.signer_ensure(
                f"user-{user.pk}",
                common_name=person.full_name if person else user.username,
                organization=school.unit.name if school else "EduDX",
            )
        self.stdout.write(f"Chứng thư số mẫu: {pki.directory}")
