"""Demo online class: the homeroom teacher `gvcn` opens the online class of one subject they
teach in their homeroom class (the class of the demo student `hoc_sinh`), with a lesson
using the repository's published resources, an assignment due in a week, a live session
and the demo student's submission."""

import datetime as dt

from django.utils import timezone

from edudx.content.models import Resource, ResourceStatus
from edudx.learning import services
from edudx.learning.models import OnlineClass
from edudx.people.models import TeachingAssignment
from edudx.records.models import SubjectAssignment


def build_demo(summary, users, *, seed: int, log) -> None:
    by_name = {u.username: u for u in users}
    teacher, student = by_name.get("gvcn"), by_name.get("hoc_sinh")
    if teacher is None or not teacher.person_id or OnlineClass.objects.exists():
        return
    homeroom = (
        TeachingAssignment.objects.filter(staff__person_id=teacher.person_id, is_homeroom=True)
        .select_related("class_group__school_year")
        .first()
    )
    if homeroom is None:
        return
    cls = homeroom.class_group
    sa = (
        SubjectAssignment.objects.filter(staff__person_id=teacher.person_id, class_group=cls)
        .select_related("subject")
        .order_by("subject__sort_order")
        .first()
    )
    if sa is None:
        return
    teacher.__dict__.pop("scope", None)
    oc = services.online_class_create(actor=teacher, class_group=cls, subject=sa.subject)
    published = list(
        Resource.objects.filter(status=ResourceStatus.PUBLISHED, subject=sa.subject)
        .order_by("id")
        .values_list("pk", flat=True)[:2]
    )
    services.lesson_create(
        actor=teacher,
        online_class=oc,
        title=f"Bài mở đầu – {sa.subject.name}",
        text="Các em đọc học liệu dưới đây và ghi chép vào vở.",
        resource_ids=[pk for pk in published if pk],
    )
    a = services.assignment_create(
        actor=teacher,
        online_class=oc,
        title="Bài tập tuần 1",
        instructions="Làm các bài tập trong phiếu; chụp ảnh bài làm và nộp trước hạn.",
        due_at=timezone.now() + dt.timedelta(days=7),
    )
    year = cls.school_year
    day = min(max(timezone.localdate(), year.start_date), year.end_date)
    roster = list(services.selectors.roster(oc).values_list("pk", flat=True)[:20])
    services.live_session_record(
        actor=teacher,
        online_class=oc,
        url="https://meet.example.edu.vn/demo",
        date=day,
        periods=1,
        attendee_ids=roster,
    )
    if student is not None and services.selectors.own_student(student, oc) is not None:
        services.submission_submit(actor=student, assignment=a, text="Em đã làm xong bài 1 và 2.")
    summary.counts["online_classes"] = 1
    log(f"Lớp trực tuyến: {oc.title} (1 bài học, 1 bài tập, 1 buổi học trực tuyến).")
