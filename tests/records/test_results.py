"""Summary results stay in step with attendance: the outbox handler recomputes absences."""

import pytest

from edudx.core import events
from edudx.records import selectors, services
from edudx.records.models import YEAR, StudentResult, Subject
from edudx.records.services import MarkEntry

from .conftest import DAY, take

pytestmark = pytest.mark.django_db


def test_attendance_saved_updates_absences_in_results(district, teacher):
    maths = Subject.objects.get(code="toan")
    services.subject_assign(
        actor=None, staff=district.teacher_a, subject=maths, class_group=district.class_a
    )
    a1 = district.student_a1
    services.marks_save(
        actor=teacher,
        class_group=district.class_a,
        subject=maths,
        term=selectors.term_get(district.class_a, 1),
        entries=[MarkEntry(a1.pk, "tx1", "8")],
    )
    assert StudentResult.objects.get(student=a1, period=YEAR).absences == 0
    take(teacher, district.class_a, DAY, **{f"s{a1.pk}": "unexcused"})
    take(teacher, district.class_a, DAY, session="pm", **{f"s{a1.pk}": "excused"})
    events.deliver_pending()
    assert StudentResult.objects.get(student=a1, period=YEAR).absences == 2
    assert StudentResult.objects.get(student=a1, period=1).absences == 2
    assert events.deliver_pending() == 0  # delivered once; a repeat finds nothing pending
