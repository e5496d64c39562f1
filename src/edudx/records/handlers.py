"""Outbox consumers of records (registered in RecordsConfig.ready).

Absences are part of the summary results (`StudentResult.absences`, the year-end status by
Circular 22/2021, Art. 12(1)(c)), so a saved attendance sheet recomputes its class's
results. Idempotent: the recompute rebuilds the rows from the marks, conduct and
attendance as they are, so a repeated delivery writes nothing."""

from edudx.core.events import handles
from edudx.org.models import ClassGroup

from .models import StudentResult
from .services import ATTENDANCE_SAVED, results_recompute


@handles(ATTENDANCE_SAVED)
def recompute_results_after_attendance(event) -> None:
    class_id = event.payload.get("class")
    if not StudentResult.objects.filter(class_group_id=class_id).exists():
        return  # no marks yet: nothing to keep in step
    cls = ClassGroup.objects.select_related("grade", "school_year").filter(pk=class_id).first()
    if cls is not None:
        results_recompute(class_group=cls)
