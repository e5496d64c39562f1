"""`edudx load_topics [FILE ...]`: (re)load topic trees — topics with their share of the
subject's periods and their learning outcomes — from CSV (docs/content.md). Without files,
the ones shipped in src/edudx/content/data. Safe to run any number of times; a bad file is
refused as a whole with every bad row named."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from edudx.content.curriculum import data_files, load_files
from edudx.core.errors import DomainErrors


class Command(BaseCommand):
    help = "Load CT GDPT 2018 topics and learning outcomes from CSV files (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path)

    def handle(self, *args, files: list[Path], **options):
        paths = files or data_files()
        for p in paths:
            if not p.exists():
                raise CommandError(f"{p}: not found")
        try:
            counts = load_files(paths)
        except DomainErrors as exc:
            lines = [f"row {e['row']} {e['field']}: {e['message']}" for e in exc.as_list()]
            raise CommandError("\n".join(lines)) from exc
        self.stdout.write(
            "topics: {topics} topics, {outcomes} outcomes; "
            "{created} created, {updated} updated, {removed} removed".format(**counts)
        )
