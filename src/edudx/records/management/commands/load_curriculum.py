"""`edudx load_curriculum [--file PATH]`: (re)load the national curriculum's subjects and
periods per year from CSV (docs/curriculum.md). Safe to run any number of times."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from edudx.core.errors import DomainErrors
from edudx.records.curriculum import CURRICULUM_CSV, curriculum_load, read_curriculum
from edudx.records.models import CurriculumSubject, Subject


class Command(BaseCommand):
    help = "Load CT GDPT 2018 subjects and periods per year from a CSV file (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=CURRICULUM_CSV)

    def handle(self, *args, file: Path, **options):
        if not file.exists():
            raise CommandError(f"{file}: not found")
        try:
            rows = read_curriculum(file)
        except DomainErrors as exc:
            lines = [f"row {e['row']} {e['field']}: {e['message']}" for e in exc.as_list()]
            raise CommandError("\n".join(lines)) from exc
        counts = curriculum_load(rows, subject_model=Subject, curriculum_model=CurriculumSubject)
        self.stdout.write(
            "curriculum: {subjects} subjects, {curriculum} grade rows; "
            "{created} created, {updated} updated, {removed} removed".format(**counts)
        )
