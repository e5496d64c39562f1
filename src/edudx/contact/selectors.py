"""Every contact-book read that crosses a permission line; each takes the acting user.

A guardian sees their own children (people's student scope: any other student is a 404),
in any school; a teacher the students of the classes they teach; principals, clerks and
officers everything under their unit. Attendance, marks and leave requests are read
through `records.selectors`, students through `people.selectors`: this module adds notices,
messages, teachers' comments and the feedback channel."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.accounts.models import Role, User
from edudx.audit.services import audit_record
from edudx.core.api_errors import Forbidden
from edudx.core.errors import NotFound
from edudx.core.phones import normalise_phone
from edudx.core.scope import Scope, scope_of
from edudx.org.models import AGENCY_KINDS, OrgUnit, UnitKind, path_upper
from edudx.people import selectors as people_selectors
from edudx.people.models import GuardianLink, Student, StudentStatus, TeachingAssignment
from edudx.records import selectors as records_selectors
from edudx.records.models import LeaveRequest

from .models import (
    OPEN_FEEDBACK,
    Audience,
    Feedback,
    FeedbackStatus,
    Notice,
    NoticeRead,
    TeacherComment,
    Thread,
    UnitContactSettings,
)

SCHOOL_STAFF = (Role.PRINCIPAL, Role.CLERK)
TEACHER_ROLES = (Role.TEACHER, Role.HOMEROOM_TEACHER)


def _paths_q(paths, field: str) -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__path__gte": p, f"{field}__path__lt": path_upper(p)})
    return q


def staff_paths(actor, roles=SCHOOL_STAFF) -> tuple[str, ...]:
    """Paths of the units where the actor holds one of `roles` (read with the scope)."""
    return scope_of(actor).paths_where(roles)


def is_school_staff(actor, school: OrgUnit) -> bool:
    """Principal or clerk of the school (or of a unit above it), or the system."""
    if scope_of(actor).everything:
        return True
    return any(school.path.startswith(p) for p in staff_paths(actor))


def unit_settings(unit: OrgUnit) -> UnitContactSettings:
    return UnitContactSettings.objects.filter(unit=unit).first() or UnitContactSettings(unit=unit)


# --- students, teachers, guardians -----------------------------------------------------------


def children(actor) -> list[Student]:
    """The actor's children (guardian links), in every school, by name."""
    scope = scope_of(actor)
    if not (scope.student_ids and actor.person_id):
        return []
    ids = GuardianLink.objects.filter(guardian_id=actor.person_id).values("student_id")
    return list(
        Student.objects.filter(pk__in=ids)
        .filter(pk__in=scope.student_ids)
        .select_related("person", "current_school", "current_class", "current_class__school_year")
        .order_by("search_name", "id")
    )


def is_guardian_of(actor, student: Student) -> bool:
    return bool(
        getattr(actor, "person_id", None)
        and student.pk in scope_of(actor).student_ids
        and GuardianLink.objects.filter(guardian_id=actor.person_id, student=student).exists()
    )


def teaches(actor, student: Student) -> bool:
    """The actor teaches the student's current class (homeroom or a subject)."""
    return bool(student.current_class_id and student.current_class_id in scope_of(actor).class_ids)


def teacher_users(student: Student) -> list[dict]:
    """The student's current teachers who have an account: [{user, name, subjects,
    homeroom}], homeroom teacher first."""
    if not student.current_class_id:
        return []
    rows: dict[int, dict] = {}
    for person_id, name, subject, homeroom in TeachingAssignment.objects.filter(
        class_group_id=student.current_class_id, staff__end_date__isnull=True
    ).values_list("staff__person_id", "staff__person__full_name", "subject", "is_homeroom"):
        r = rows.setdefault(person_id, {"name": name, "subjects": [], "homeroom": False})
        if subject:
            r["subjects"].append(subject)
        r["homeroom"] = r["homeroom"] or homeroom
    users = {
        u.person_id: u
        for u in User.objects.filter(
            person_id__in=rows, is_active=True, role_assignments__role__in=TEACHER_ROLES
        ).distinct()
    }
    out = [{"user": users[pid], **r} for pid, r in rows.items() if pid in users]
    return sorted(out, key=lambda r: (not r["homeroom"], r["name"]))


def guardian_users(student_ids) -> QuerySet[User]:
    """Accounts of the guardians of these students."""
    persons = GuardianLink.objects.filter(student_id__in=student_ids).values("guardian_id")
    return User.objects.filter(
        person_id__in=persons, is_active=True, role_assignments__role=Role.GUARDIAN
    ).distinct()


def guardians_of(student: Student) -> list[User]:
    return list(guardian_users([student.pk]).select_related("person").order_by("person__full_name"))


# --- notices ---------------------------------------------------------------------------------


def audience_students(notice: Notice) -> QuerySet[Student]:
    qs = Student.objects.filter(
        status=StudentStatus.STUDYING,
        current_school_id=notice.school_id,
        current_class__school_year_id=notice.school_year_id,
    )
    if notice.audience == Audience.CLASS:
        qs = qs.filter(current_class_id=notice.class_group_id)
    elif notice.audience == Audience.GRADE:
        qs = qs.filter(current_class__grade_id=notice.grade_id)
    return qs


def _child_notice_q(students) -> Q:
    q = Q(pk__in=[])
    for s in students:
        cls = s.current_class
        if cls is None:
            continue
        same = Q(school_id=s.current_school_id, school_year_id=cls.school_year_id)
        q |= same & (
            Q(audience=Audience.SCHOOL)
            | Q(audience=Audience.GRADE, grade_id=cls.grade_id)
            | Q(audience=Audience.CLASS, class_group_id=cls.pk)
        )
    return q


def notice_scope_q(actor, scope: Scope) -> Q | None:
    if scope.everything:
        return None
    q = Q(author_id=actor.pk) | _paths_q(scope.unit_paths, "school")
    if scope.class_ids:
        from edudx.org.models import ClassGroup  # noqa: PLC0415

        classes = list(
            ClassGroup.objects.filter(pk__in=scope.class_ids).values_list(
                "pk", "school_id", "school_year_id", "grade_id"
            )
        )
        for pk, school_id, year_id, grade_id in classes:
            same = Q(school_id=school_id, school_year_id=year_id)
            q |= same & (
                Q(audience=Audience.SCHOOL)
                | Q(audience=Audience.GRADE, grade_id=grade_id)
                | Q(audience=Audience.CLASS, class_group_id=pk)
            )
    if scope.student_ids:
        students = Student.objects.filter(pk__in=scope.student_ids).select_related("current_class")
        q |= _child_notice_q(students)
    return q


def notice_list(actor, *, student: Student | None = None) -> QuerySet[Notice]:
    """Notices the actor may read (for one student's school, class and grade if given),
    newest first, with `read` set when the actor has read it."""
    qs = Notice.objects.select_related("school", "class_group", "grade", "author__person")
    q = notice_scope_q(actor, scope_of(actor))
    if q is not None:
        qs = qs.filter(q)
    if student is not None:
        qs = qs.filter(_child_notice_q([student]))
    return qs.annotate(read_by_me=Count("reads", filter=Q(reads__user_id=actor.pk))).order_by(
        "-created_at", "-id"
    )


def notice_get(*, actor, notice_id: int) -> Notice:
    notice = notice_list(actor).filter(pk=notice_id).first()
    if notice is None:
        raise NotFound("notice.not_found", _("Không tìm thấy thông báo."))
    return notice


def may_see_receipts(actor, notice: Notice) -> bool:
    return notice.author_id == actor.pk or is_school_staff(actor, notice.school)


def notice_receipts(*, actor, notice_id: int) -> dict:
    """Who read a notice: the author and the school's principal and clerks only."""
    notice = notice_get(actor=actor, notice_id=notice_id)
    if not may_see_receipts(actor, notice):
        raise Forbidden(
            "notice.receipts_forbidden",
            _("Chỉ người đăng và lãnh đạo nhà trường xem được ai đã đọc."),
            field=None,
        )
    recipients = guardian_users(audience_students(notice).values("pk"))
    reads = {r.user_id: r.read_at for r in NoticeRead.objects.filter(notice=notice)}
    rows = [
        {"user": u, "read_at": reads.get(u.pk)}
        for u in recipients.select_related("person").order_by("person__full_name", "pk")
    ]
    audit_record(
        actor=actor,
        action="view",
        object_type="contact.notice_receipts",
        object_id=notice.pk,
        object_repr=notice.title,
    )
    return {
        "notice": notice,
        "recipients": len(rows),
        "read": sum(1 for r in rows if r["read_at"]),
        "rows": rows,
    }


def notice_targets(*, actor) -> dict:
    """Where the actor may post: classes they teach; grades and the whole school where they
    are principal or clerk."""
    from edudx.org.models import ClassGroup, Grade  # noqa: PLC0415

    scope = scope_of(actor)
    classes = list(
        ClassGroup.objects.filter(pk__in=scope.class_ids)
        .select_related("school", "school_year")
        .order_by("-school_year__start_date", "name")
    )
    paths = staff_paths(actor)
    schools = []
    if paths:
        schools = list(
            OrgUnit.objects.filter(
                _unit_path_q(paths), kind=UnitKind.SCHOOL, valid_to__isnull=True
            ).order_by("name")[:200]
        )
    return {"classes": classes, "schools": schools, "grades": list(Grade.objects.all())}


def _unit_path_q(paths) -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(path__gte=p, path__lt=path_upper(p))
    return q


# --- messages --------------------------------------------------------------------------------


def _mine(actor) -> QuerySet[Thread]:
    return Thread.objects.filter(Q(guardian=actor) | Q(teacher=actor)).select_related(
        "student__person", "guardian__person", "teacher__person"
    )


def threads(actor) -> QuerySet[Thread]:
    """The actor's conversations (as guardian or as teacher), latest first, with the count
    of messages to them not read yet."""
    return (
        _mine(actor)
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__read_at__isnull=True) & ~Q(messages__sender=actor),
            )
        )
        .order_by("-last_message_at", "-id")
    )


def thread_get(*, actor, thread_id: int, unread: bool = False) -> Thread:
    """One of the actor's conversations; with `unread`, its count of messages to the actor
    not read yet (a join over all its messages: only the API's detail reports it, not a
    reply or the page, which shows the messages themselves)."""
    thread = (threads(actor) if unread else _mine(actor)).filter(pk=thread_id).first()
    if thread is None:
        raise NotFound("thread.not_found", _("Không tìm thấy cuộc trao đổi."))
    return thread


# --- what is new for a guardian ---------------------------------------------------------------


def _reaches(student: Student, school_id, year_id, audience, class_id, grade_id) -> bool:
    """A notice reaches the student: `_child_notice_q`'s rule, for rows already read."""
    cls = student.current_class
    if cls is None or (student.current_school_id, cls.school_year_id) != (school_id, year_id):
        return False
    return (
        audience == Audience.SCHOOL
        or (audience == Audience.GRADE and grade_id == cls.grade_id)
        or (audience == Audience.CLASS and class_id == cls.pk)
    )


def unread_by_student(actor, students) -> dict[int, dict[str, int]]:
    """For each of the actor's own children among `students` (current class loaded): the
    notices to the child's class, grade or school this year that the actor has not read,
    and the messages to the actor in conversations about the child not read yet, as
    {"notices", "messages"}. Two queries for any number of children (the home page's
    cards), besides the notice scope's own."""
    own = [s for s in students if s.pk in scope_of(actor).student_ids]
    out = {s.pk: {"notices": 0, "messages": 0} for s in own}
    if not own:
        return out
    in_class = [s for s in own if s.current_class_id]
    if in_class:
        unread = (
            notice_list(actor)
            .filter(_child_notice_q(in_class))
            .exclude(reads__user_id=actor.pk)
            .values_list("school_id", "school_year_id", "audience", "class_group_id", "grade_id")
        )
        for row in unread:
            for s in in_class:
                out[s.pk]["notices"] += _reaches(s, *row)
    for student_id, n in (
        threads(actor)
        .filter(guardian=actor, student_id__in=out)
        .values_list("student_id", "unread")
    ):
        out[student_id]["messages"] += n
    return out


# --- the contact book of one student --------------------------------------------------------


FEES_SELECTOR = "edudx.fees.selectors.student_invoices"


def fees_due(*, actor, student: Student):
    """HOOK for the fees module: `edudx.fees.selectors.student_invoices(actor=, student_id=)`
    returning a list of JSON-ready dicts {"title", "amount" (whole đồng, int), "due_date"
    (ISO date or None), "status", "url"} — the invoices of the student that the actor may
    see. None until that function exists: the page then says fees are not enabled, and the
    API returns `fees: null`. No fake data here."""
    try:
        from django.utils.module_loading import import_string  # noqa: PLC0415

        func = import_string(FEES_SELECTOR)
    except ImportError:
        return None
    return func(actor=actor, student_id=student.pk)


def contact_book(*, actor, student_id: int) -> dict:
    """Everything the contact book shows for one student, read-only: 404 for a student
    outside the actor's scope (a guardian's other children are not "other")."""
    student = people_selectors.student_get(actor=actor, student_id=student_id)
    attendance = records_selectors.student_attendance(actor=actor, student_id=student.pk)
    marks = records_selectors.student_marks(actor=actor, student_id=student.pk)
    audit_record(
        actor=actor,
        action="view",
        object_type="contact.contact_book",
        object_id=student.pk,
        object_repr=student.person.full_name,
    )
    return {
        "student": student,
        "attendance": attendance,
        "marks": marks,
        "comments": list(
            TeacherComment.objects.filter(student=student).select_related("author__person")[:20]
        ),
        "notices": list(notice_list(actor, student=student)[:20]),
        "leave_requests": list(
            LeaveRequest.objects.filter(student=student).order_by("-from_date", "-id")[:20]
        ),
        "teachers": teacher_users(student),
        "threads": list(threads(actor).filter(student=student)),
        "fees": fees_due(actor=actor, student=student),
        "is_guardian": is_guardian_of(actor, student),
        "teaches": teaches(actor, student),
    }


# --- feedback --------------------------------------------------------------------------------

FEEDBACK_KINDS = (UnitKind.SCHOOL, *AGENCY_KINDS)
OFFICER_ROLES = (Role.PRINCIPAL, Role.CLERK, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER)


def feedback_units(q: str = "", limit: int = 50) -> QuerySet[OrgUnit]:
    """Schools and education offices one may send feedback to (public: names only)."""
    from edudx.core.text import fold  # noqa: PLC0415

    qs = OrgUnit.objects.filter(kind__in=FEEDBACK_KINDS, valid_to__isnull=True)
    if q:
        qs = qs.filter(search_name__contains=fold(q))
    return qs.order_by("name")[:limit]


def unit_officers(unit: OrgUnit) -> QuerySet[User]:
    """Who handles a unit's feedback: its principal and clerks (a school), its officers
    (an office)."""
    return User.objects.filter(
        is_active=True, role_assignments__unit=unit, role_assignments__role__in=OFFICER_ROLES
    ).distinct()


def _officer_q(actor) -> Q | None:
    scope = scope_of(actor)
    if scope.everything:
        return None
    return _paths_q(staff_paths(actor, OFFICER_ROLES), "unit")


# The inbox's status filter for "not answered yet": any of OPEN_FEEDBACK.
OPEN = "open"


def feedback_inbox(
    *, actor, status: str | None = None, overdue: bool = False, now: dt.datetime | None = None
) -> QuerySet[Feedback]:
    """Feedback to the units the actor handles (and those below), oldest due first.
    `status` OPEN: not answered yet (new or in progress)."""
    qs = Feedback.objects.select_related("unit")
    q = _officer_q(actor)
    if q is not None:
        qs = qs.filter(q)
    if status == OPEN:
        qs = qs.filter(status__in=OPEN_FEEDBACK)
    elif status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status__in=OPEN_FEEDBACK, due_at__lt=now or timezone.now())
    return qs.order_by("due_at", "id")


def feedback_waiting(*, actor, now: dt.datetime | None = None) -> dict[str, int]:
    """For the officer's home page: feedback to their units not answered yet (`waiting`)
    and, among it, past its due time (`overdue`). One query."""
    return (
        feedback_inbox(actor=actor, status=OPEN)
        .order_by()
        .aggregate(
            waiting=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now or timezone.now()))
        )
    )


def feedback_get_officer(*, actor, feedback_id: int) -> Feedback:
    fb = feedback_inbox(actor=actor).filter(pk=feedback_id).first()
    if fb is None:
        raise NotFound("feedback.not_found", _("Không tìm thấy phản hồi."))
    audit_record(  # the sender's name and phone are personal data
        actor=actor,
        action="view",
        object_type="contact.feedback",
        object_id=fb.pk,
        object_repr=fb.tracking_code,
    )
    return fb


def feedback_mine(*, actor) -> QuerySet[Feedback]:
    if not getattr(actor, "is_authenticated", False):
        return Feedback.objects.none()
    return Feedback.objects.filter(sender=actor).select_related("unit").order_by("-created_at")


def feedback_track(*, code: str, phone: str) -> Feedback:
    """The sender's view by tracking code and phone (no account): both must match."""
    code = (code or "").strip().upper()
    phone = normalise_phone(phone)
    fb = None
    if code and phone:
        fb = Feedback.objects.select_related("unit").filter(tracking_code=code, phone=phone).first()
    if fb is None:
        raise NotFound(
            "feedback.not_found",
            _("Không tìm thấy phản hồi với mã và số điện thoại này."),
        )
    return fb


def feedback_sender_get(*, actor, feedback_id: int) -> Feedback:
    fb = feedback_mine(actor=actor).filter(pk=feedback_id).first()
    if fb is None:
        raise NotFound("feedback.not_found", _("Không tìm thấy phản hồi."))
    return fb


def is_overdue(fb: Feedback, now: dt.datetime | None = None) -> bool:
    return fb.status in OPEN_FEEDBACK and fb.due_at < (now or timezone.now())


SATISFIED_FROM = 4  # a rating of 4 or 5 (out of 5) counts as satisfied


@dataclass(frozen=True)
class FeedbackSummary:
    received: int
    open: int
    answered: int  # answered or closed
    answered_on_time: int
    overdue: int
    rated: int
    mean_rating: float | None
    satisfied_share: float | None  # rated 4–5 / rated

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def feedback_summary(
    *,
    unit_path: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    now: dt.datetime | None = None,
) -> FeedbackSummary:
    """The publishable summary of the feedback channel (no personal data): feedback
    received on [start, end] (local dates, both optional) by the units under `unit_path`
    (None: all). For monitoring's satisfaction indicators."""
    now = now or timezone.now()
    qs = Feedback.objects.all()
    if unit_path:
        qs = qs.filter(unit__path__gte=unit_path, unit__path__lt=path_upper(unit_path))
    if start:
        qs = qs.filter(created_at__date__gte=start)
    if end:
        qs = qs.filter(created_at__date__lte=end)
    done = (FeedbackStatus.ANSWERED, FeedbackStatus.CLOSED)
    from django.db.models import F  # noqa: PLC0415

    agg = qs.aggregate(
        received=Count("id"),
        open=Count("id", filter=Q(status__in=OPEN_FEEDBACK)),
        answered=Count("id", filter=Q(status__in=done)),
        on_time=Count("id", filter=Q(status__in=done, answered_at__lte=F("due_at"))),
        overdue=Count("id", filter=Q(status__in=OPEN_FEEDBACK, due_at__lt=now)),
        rated=Count("id", filter=Q(rating__isnull=False)),
        satisfied=Count("id", filter=Q(rating__gte=SATISFIED_FROM)),
        mean=Avg("rating"),
    )
    rated = agg["rated"]
    return FeedbackSummary(
        received=agg["received"],
        open=agg["open"],
        answered=agg["answered"],
        answered_on_time=agg["on_time"],
        overdue=agg["overdue"],
        rated=rated,
        mean_rating=round(float(agg["mean"]), 2) if agg["mean"] is not None else None,
        satisfied_share=round(agg["satisfied"] / rated, 4) if rated else None,
    )
