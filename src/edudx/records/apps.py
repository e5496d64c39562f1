from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """School records: subjects and teaching assignments, attendance, assessment under
    Circulars 22/2021 and 27/2020, digital transcripts."""

    name = "edudx.records"
    label = "records"

    def ready(self):
        from . import handlers  # noqa: F401, PLC0415 — registers the outbox handlers
