"""Outbox consumers that keep the dashboard summaries current."""

from edudx.core.events import handles
from edudx.people.models import Student

from .services import headcount_refresh


@handles("people.student_created")
def _student_created(event) -> None:
    headcount_refresh(school_ids=[event.payload["school"]])


@handles("people.students_imported")
def _students_imported(event) -> None:
    headcount_refresh(school_ids=event.payload.get("schools", []))


@handles("people.student_transferred")
def _student_transferred(event) -> None:
    headcount_refresh(school_ids=[s for s in (event.payload["from"], event.payload["to"]) if s])


@handles("people.staff_created")
def _staff_created(event) -> None:
    headcount_refresh(school_ids=[event.payload["unit"]])


@handles("people.staff_imported")
def _staff_imported(event) -> None:
    headcount_refresh(school_ids=event.payload.get("units", []))


@handles("people.person_merged")
def _person_merged(event) -> None:
    # A merge can close a student role; recount the schools that the survivor studies at.
    ids = Student.objects.filter(person_id=event.payload["keep"]).values_list(
        "current_school_id", flat=True
    )
    headcount_refresh(school_ids=[i for i in ids if i])


@handles("demo.generated")
def _demo_generated(event) -> None:
    # The generator writes people in bulk without per-student events: recount every school.
    headcount_refresh()


@handles("monitoring.report_submitted")
def _report_submitted(event) -> None:
    # A self-reported value changed: recompute the year's summary (idempotent).
    from .services import indicators_recompute  # noqa: PLC0415

    indicators_recompute(year=event.payload["year"])


@handles("monitoring.dx_published")
def _dx_published(event) -> None:
    # T25 (published DX index) is computed: refresh the year's summary.
    from .services import indicators_recompute  # noqa: PLC0415

    indicators_recompute(year=event.payload["year"])


@handles("records.absence_flagged")
def _absence_flagged(event) -> None:
    from .alerts import absence_alert  # noqa: PLC0415

    absence_alert(event.payload)
