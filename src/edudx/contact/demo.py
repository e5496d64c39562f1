"""Demo contact book: notices in the demo schools (one read, for the receipts), a message
thread between phu_huynh and gvcn about one of phu_huynh's children, quiet hours for the
demo school, and the feedback channel (one answered and rated, one waiting). Deterministic
from `seed`; a few hundred rows at district scale."""

import datetime as dt
import random

from django.utils import timezone

from edudx.accounts.models import User
from edudx.core.codes import CODE_ALPHABET
from edudx.org.models import OrgUnit, UnitKind
from edudx.org.selectors import school_year_current
from edudx.people import services as people_services
from edudx.people.models import GuardianLink, StaffMember, Student, TeachingAssignment

from . import selectors, services
from .models import Audience, Notice, UnitContactSettings


def _user(users, name: str) -> User | None:
    return next((u for u in users if u.username == name), None)


def build_demo(summary, users, *, seed: int, log=print) -> None:
    rng = random.Random(seed)  # noqa: S311 — demo data, not secrets
    principal, gvcn = _user(users, "hieu_truong"), _user(users, "gvcn")
    parent, citizen = _user(users, "phu_huynh"), _user(users, "cong_dan")
    if not (principal and gvcn and parent):
        log("contact.demo: demo users missing, skipped")
        return
    school = principal.role_assignments.get().unit
    UnitContactSettings.objects.update_or_create(
        unit=school,
        defaults={
            "quiet_from": dt.time(21, 0),
            "quiet_to": dt.time(6, 30),
            "feedback_response_hours": 48,
        },
    )
    year = school_year_current()
    # One school-wide notice per other school of the district (no notifications: nobody
    # there has an account in the demo).
    others = OrgUnit.objects.filter(kind=UnitKind.SCHOOL, valid_to__isnull=True).exclude(
        pk=school.pk
    )
    Notice.objects.bulk_create(
        Notice(
            school=s,
            school_year=year,
            audience=Audience.SCHOOL,
            title="Lịch họp phụ huynh học sinh đầu năm học",
            body="Nhà trường tổ chức họp cha mẹ học sinh vào 7 giờ 30 sáng Chủ nhật tuần này.",
        )
        for s in others.order_by("pk")
    )

    # The thread: gvcn must teach one of phu_huynh's children.
    children = list(
        Student.objects.filter(
            pk__in=GuardianLink.objects.filter(guardian_id=parent.person_id).values("student_id")
        ).order_by("pk")
    )
    child = next(
        (c for c in children if c.current_class_id in gvcn.scope.class_ids),
        None,
    )
    if child is None and children and children[0].current_class_id:
        child = children[0]
        staff = StaffMember.objects.filter(person_id=gvcn.person_id, end_date__isnull=True).first()
        if (
            staff is not None
            and not TeachingAssignment.objects.filter(
                staff=staff, class_group_id=child.current_class_id
            ).exists()
        ):
            people_services.teaching_assign(
                actor=None,
                staff=staff,
                class_group=child.current_class,
                subject="Giáo dục công dân",
            )
        gvcn.__dict__.pop("scope", None)
    school_notice = services.notice_post(
        actor=principal,
        audience=Audience.SCHOOL,
        school=school,
        title="Thông báo lịch nghỉ Tết Nguyên đán",
        body="Học sinh nghỉ Tết từ ngày 26/01 đến hết ngày 08/02. Đi học lại ngày 09/02.",
    )
    services.notice_fan_out(school_notice)
    if child is not None:
        cls = child.current_class
        class_notice = services.notice_post(
            actor=gvcn,
            audience=Audience.CLASS,
            class_group=cls,
            title=f"Lớp {cls.name}: nộp ảnh thẻ làm học bạ số",
            body="Phụ huynh gửi 2 ảnh 3x4 của con cho giáo viên chủ nhiệm trước thứ Sáu.",
        )
        services.notice_fan_out(class_notice)  # now, not at the worker's next sweep
        services.notice_mark_read(actor=parent, notice=school_notice)
        thread = services.thread_open(actor=parent, student=child, other=gvcn)
        noon = timezone.localtime().replace(hour=12, minute=0)
        services.message_send(
            actor=parent,
            thread=thread,
            body=f"Chào cô, cháu {child.person.full_name} bị sốt, xin cô cho cháu nghỉ hôm nay.",
            now=noon,
        )
        services.message_send(
            actor=gvcn,
            thread=thread,
            body="Cô đã nhận. Anh/chị gửi đơn xin nghỉ trong sổ liên lạc để cô duyệt nhé.",
            now=noon,
        )
        services.comment_add(
            actor=gvcn, student=child, body="Em chăm chỉ, tích cực phát biểu xây dựng bài."
        )
        log(f"contact.demo: notices {school_notice.pk}, {class_notice.pk}; thread {thread.pk}")

    code, code2 = ("PH" + "".join(rng.choice(CODE_ALPHABET) for _ in range(8)) for _ in "ab")
    answered = services.feedback_submit(
        actor=citizen,
        unit=school,
        kind="feedback",
        subject="Đề nghị lắp đèn chiếu sáng cổng trường",
        body="Buổi chiều tối cổng trường rất tối, học sinh tan học muộn đi lại nguy hiểm.",
        phone="0912345678",
        tracking_code=code,
    )
    services.feedback_answer(
        actor=principal,
        feedback=answered,
        answer="Nhà trường đã lắp 2 đèn chiếu sáng ở cổng. Cảm ơn chị đã góp ý.",
    )
    services.feedback_rate(feedback=answered, rating=5, comment="Nhà trường xử lý nhanh.")
    waiting = services.feedback_submit(
        actor=parent,
        unit=school,
        kind="question",
        subject="Lịch học bơi của khối 6",
        body="Xin nhà trường cho biết khi nào khối 6 bắt đầu học bơi?",
        tracking_code=code2,
    )
    s = selectors.feedback_summary(unit_path=school.path)
    log(
        f"contact.demo: feedback {answered.tracking_code} (closed, 5/5), "
        f"{waiting.tracking_code} (waiting); summary received={s.received}"
    )
