from django.db import models

from edudx.org.models import OrgUnit


class SchoolHeadcount(models.Model):
    """Summary table for dashboards: current students, staff and classes per school.

    Kept up to date by outbox handlers (monitoring.handlers) whenever people change, so a
    province dashboard sums ~1,000 rows instead of counting 300,000 students on page load."""

    school = models.OneToOneField(OrgUnit, on_delete=models.CASCADE, related_name="headcount")
    students = models.PositiveIntegerField(default=0)
    staff = models.PositiveIntegerField(default=0)
    classes = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.school_id}: {self.students}/{self.staff}"
