"""Teacher professional development (T20/T21): training profiles, courses with an
assessment, completion, and a certificate as a signed PDF (core.pdf + core.signing).

A course is created by an officer or principal for their unit (`provider`); staff under
that unit enrol, read its resources and take its assessment as often as they like; the
best score counts, and reaching `pass_percent` completes the course and issues the
certificate — rendered by `core.pdf.render_document` and signed (PAdES) with the course
creator's key, found as records' transcripts find a signer (`signer_for`: the configured
key of the user or the unit, else the demo CA when demo keys are allowed)."""

import datetime as dt
import json
import secrets

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.accounts.models import UNIT_WIDE_ROLES, RoleAssignment
from edudx.audit.services import audit_record, diff
from edudx.core import pdf, signing
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, NotFound
from edudx.core.scope import scope_of
from edudx.core.signing import signer_for
from edudx.org.models import OrgUnit, path_upper
from edudx.people.models import StaffMember

from . import services
from .models import CompetenceLevel, Course, CourseEnrolment, TrainingProfile

CERT_FIELD = "issuer"


def _staff_of(actor) -> StaffMember:
    staff = (
        StaffMember.objects.filter(
            person_id=getattr(actor, "person_id", None), end_date__isnull=True
        )
        .select_related("unit", "person")
        .first()
    )
    if staff is None:
        raise Forbidden(
            "learning.training.not_staff", _("Chỉ cán bộ, giáo viên mới tham gia bồi dưỡng.")
        )
    return staff


def profile_save(*, actor, digital_competence: str, goals: str = "") -> TrainingProfile:
    if digital_competence not in CompetenceLevel.values:
        raise DomainError(
            "learning.training.level",
            _("Mức năng lực số không hợp lệ."),
            field="digital_competence",
        )
    staff = _staff_of(actor)
    with transaction.atomic():
        profile, _created = TrainingProfile.objects.update_or_create(
            staff=staff, defaults={"digital_competence": digital_competence, "goals": goals or ""}
        )
    return profile


def _check_questions(questions) -> list[dict]:
    if not isinstance(questions, list) or not questions:
        raise DomainError(
            "learning.training.questions", _("Khoá học cần ít nhất một câu hỏi."), field="questions"
        )
    out = []
    for i, q in enumerate(questions, start=1):
        options = q.get("options") if isinstance(q, dict) else None
        answer = q.get("answer") if isinstance(q, dict) else None
        if (
            not isinstance(options, list)
            or len(options) < 2
            or not isinstance(answer, int)
            or not 0 <= answer < len(options)
            or not str(q.get("text", "")).strip()
        ):
            raise DomainError(
                "learning.training.questions",
                _("Câu hỏi %(n)s cần nội dung, ít nhất hai phương án và đáp án đúng.") % {"n": i},
                field="questions",
                row=i,
            )
        out.append(
            {"text": str(q["text"]).strip(), "options": [str(o) for o in options], "answer": answer}
        )
    return out


def course_provider_units(*, actor) -> list[OrgUnit]:
    """The units the actor may create courses for: those of their unit-wide roles (an
    officer's office, a principal's school), top of the tree first."""
    return [
        ra.unit
        for ra in RoleAssignment.objects.filter(user=actor, role__in=UNIT_WIDE_ROLES)
        .select_related("unit")
        .order_by("unit__path", "unit_id")
        .distinct()
    ]


def _pass_percent(value) -> int:
    try:
        percent = int(value)
    except (TypeError, ValueError):
        percent = 0
    if not 1 <= percent <= 100:
        raise DomainError(
            "learning.training.pass", _("Ngưỡng đạt từ 1 đến 100%."), field="pass_percent"
        )
    return percent


def provides_for(units: list[OrgUnit], provider: OrgUnit) -> bool:
    """Whether `provider` is one of `units` (from `course_provider_units`) or under one
    (paths are 7-character segments, so a prefix is an ancestor)."""
    return any(provider.path.startswith(u.path) for u in units)


def may_provide(actor, provider: OrgUnit) -> bool:
    """Who may create or edit the courses of `provider`: a unit-wide role on it or above,
    or a platform-wide scope."""
    return scope_of(actor).everything or provides_for(course_provider_units(actor=actor), provider)


def _require_provider(actor, provider: OrgUnit) -> None:
    if not may_provide(actor, provider):
        raise Forbidden("learning.training.forbidden", _("Bạn không quản lý đơn vị này."))


def course_create(
    *, actor, provider: OrgUnit, title: str, questions, description: str = "", resource_ids=(),
    pass_percent: int = 70, digital_competence: bool = True,
) -> Course:  # fmt: skip
    _require_provider(actor, provider)
    title = services._title(title)
    pass_percent = _pass_percent(pass_percent)
    checked = _check_questions(questions)
    # Only published resources the creator can see (the lesson rule).
    resources = services.published_resources(actor, resource_ids)
    with transaction.atomic():
        course = Course.objects.create(
            title=title, description=description or "", provider=provider, questions=checked,
            pass_percent=pass_percent, digital_competence=digital_competence, created_by=actor,
        )  # fmt: skip
        course.resources.set(resources)
        audit_record(
            actor=actor,
            action="create",
            object_type="learning.course",
            object_id=course.pk,
            object_repr=course.title,
        )
    return course


def questions_locked(course: Course) -> bool:
    """Someone has taken the assessment: their attempts, best scores and certificates were
    earned against these questions, so the questions stay as they are."""
    return course.enrolments.filter(attempts__gt=0).exists()


def course_update(
    *, actor, course: Course, title: str | None = None, description: str | None = None,
    questions=None, resource_ids=None, pass_percent=None, digital_competence: bool | None = None,
) -> Course:  # fmt: skip
    """Who may create courses for the course's unit corrects it; what is given changes
    (None = keep), checked as `course_create` checks it.

    `questions` change only while nobody has attempted the assessment (sending the same
    questions again is no change). A new `pass_percent` applies to attempts from now on: a
    certificate already issued is never revoked, and nobody completes without a new
    passing attempt. Certificates already issued keep the title they were signed with.
    `resource_ids` replaces the resources: published ones the editor can see, or ones the
    course already has."""
    _require_provider(actor, course.provider)
    values: dict = {}
    if title is not None:
        values["title"] = services._title(title)
    if description is not None:
        values["description"] = description
    if pass_percent is not None:
        values["pass_percent"] = _pass_percent(pass_percent)
    if digital_competence is not None:
        values["digital_competence"] = bool(digital_competence)
    if questions is not None:
        values["questions"] = _check_questions(questions)
    if resource_ids is not None:
        values["resources"] = services.resources_keeping(actor, course.resources, resource_ids)
    current = {name: getattr(course, name) for name in values if name != "resources"}
    if "resources" in values:
        current["resources"] = sorted(course.resources.values_list("pk", flat=True))
    changes = diff(_audit_values(current), _audit_values(values))
    if not changes:
        return course
    with transaction.atomic():
        if "questions" in changes:
            # Wait for a first attempt in progress (`attempt` holds the row), then look.
            Course.objects.select_for_update().values_list("pk", flat=True).get(pk=course.pk)
        if "questions" in changes and questions_locked(course):
            raise DomainError(
                "learning.training.questions_locked",
                _(
                    "Không sửa được câu hỏi: khoá học đã có người làm bài kiểm tra, kết quả "
                    "và giấy chứng nhận đã cấp được tính theo bộ câu hỏi hiện tại. Hãy tạo "
                    "khoá học mới nếu cần bộ câu hỏi khác."
                ),
                field="questions",
            )
        resources = values.pop("resources", None)
        for name, value in values.items():
            setattr(course, name, value)
        course.save()
        if resources is not None:
            course.resources.set(resources)
        audit_record(
            actor=actor,
            action="update",
            object_type="learning.course",
            object_id=course.pk,
            object_repr=course.title,
            changes=changes,
        )
    return course


def course_withdraw(*, actor, course: Course) -> bool:
    """Who may create courses for the course's unit takes it back. Nobody has taken it:
    deleted (a course made by mistake leaves nothing behind; True). Otherwise withdrawn
    (False): offered to nobody new, while those who took its test keep their results and
    certificates, may still finish it, and count for T20 as before."""
    _require_provider(actor, course.provider)
    with transaction.atomic():
        # Wait for an attempt in progress (it holds the row), then look.
        Course.objects.select_for_update().values_list("pk", flat=True).get(pk=course.pk)
        if not course.enrolments.exists():
            audit_record(
                actor=actor,
                action="delete",
                object_type="learning.course",
                object_id=course.pk,
                object_repr=course.title,
            )
            course.delete()
            return True
        if course.withdrawn_at is None:
            course.withdrawn_at = timezone.now()
            course.save(update_fields=["withdrawn_at", "updated_at"])
            audit_record(
                actor=actor,
                action="update",
                object_type="learning.course",
                object_id=course.pk,
                object_repr=course.title,
                changes={"withdrawn_at": [None, course.withdrawn_at.isoformat()]},
            )
    return False


def course_reopen(*, actor, course: Course) -> Course:
    """A withdrawn course is offered again."""
    _require_provider(actor, course.provider)
    if course.withdrawn_at is not None:
        with transaction.atomic():
            old, course.withdrawn_at = course.withdrawn_at, None
            course.save(update_fields=["withdrawn_at", "updated_at"])
            audit_record(
                actor=actor,
                action="update",
                object_type="learning.course",
                object_id=course.pk,
                object_repr=course.title,
                changes={"withdrawn_at": [old.isoformat(), None]},
            )
    return course


def _audit_values(values: dict) -> dict:
    # Sorted keys: PostgreSQL's jsonb gives a question's keys back in its own order, and
    # the same questions must compare equal.
    return {
        name: json.dumps(value, ensure_ascii=False, sort_keys=True)
        if name == "questions"
        else value
        for name, value in values.items()
    }


def courses_for(*, actor):
    """Courses offered to the actor: those of a unit above their post, except withdrawn
    ones they never took."""
    staff = _staff_of(actor)
    paths = [staff.unit.path[:i] for i in range(7, len(staff.unit.path) + 1, 7)]
    taken = CourseEnrolment.objects.filter(staff=staff).values("course_id")
    return (
        Course.objects.filter(provider__path__in=paths)
        .filter(Q(withdrawn_at__isnull=True) | Q(pk__in=taken))
        .select_related("provider")
    )


def courses_created(*, actor):
    """The courses the actor created, newest first, with their enrolment and completion
    counts."""
    return (
        Course.objects.filter(created_by=actor)
        .select_related("provider")
        .annotate(
            enrolled=Count("enrolments"),
            completed=Count("enrolments", filter=Q(enrolments__completed_at__isnull=False)),
        )
        .order_by("-id")
    )


def course_get(*, actor, course_id: int) -> Course:
    course = courses_for(actor=actor).filter(pk=course_id).first()
    if course is None:
        raise NotFound("learning.course", _("Không tìm thấy khoá học."))
    return course


def course_get_to_edit(*, actor, course_id: int) -> Course:
    """A course the actor may edit. One they are offered but may not edit is a 403, as the
    course list shows it to them; any other is a 404."""
    course = Course.objects.select_related("provider").filter(pk=course_id).first()
    if course is not None and may_provide(actor, course.provider):
        return course
    try:
        offered = course is not None and courses_for(actor=actor).filter(pk=course.pk).exists()
    except DomainError:  # not staff: offered nothing
        offered = False
    if offered:
        raise Forbidden("learning.training.forbidden", _("Bạn không quản lý đơn vị này."))
    raise NotFound("learning.course", _("Không tìm thấy khoá học."))


def enrol(*, actor, course: Course) -> CourseEnrolment:
    staff = _staff_of(actor)
    enrolment, _created = CourseEnrolment.objects.get_or_create(course=course, staff=staff)
    return enrolment


def enrolment_get(*, actor, enrolment_id: int) -> CourseEnrolment:
    e = (
        CourseEnrolment.objects.filter(
            pk=enrolment_id, staff__person_id=getattr(actor, "person_id", -1)
        )
        .select_related("course__provider", "staff__person", "staff__unit")
        .first()
    )
    if e is None:
        raise NotFound("learning.enrolment", _("Không tìm thấy ghi danh."))
    return e


def attempt(*, actor, enrolment: CourseEnrolment, answers: list[int], now=None) -> CourseEnrolment:
    """Grade an attempt; the first passing one completes the course and issues the
    signed certificate."""
    now = now or timezone.now()
    with transaction.atomic():
        course = enrolment.course
        if not questions_locked(course):
            # The course's first attempts hold its row, so `course_update`, which takes
            # it too, either changes the questions before they are graded here or sees
            # this attempt and keeps them. Later attempts need no lock: the edit is
            # refused once one is committed.
            course = Course.objects.select_for_update().get(pk=course.pk)
        questions = course.questions
        if not isinstance(answers, list) or len(answers) != len(questions):
            raise DomainError(
                "learning.training.answers",
                _("Cần trả lời đủ %(n)s câu.") % {"n": len(questions)},
                field="answers",
            )
        right = sum(1 for q, a in zip(questions, answers, strict=True) if a == q["answer"])
        percent = round(100 * right / len(questions))
        e = CourseEnrolment.objects.select_for_update().get(pk=enrolment.pk)
        e.attempts += 1
        e.best_percent = max(e.best_percent or 0, percent)
        newly = e.completed_at is None and percent >= e.course.pass_percent
        if newly:
            e.completed_at = now
            e.certificate_reference = f"BD-{now:%Y}-{secrets.token_hex(4).upper()}"
            e.certificate_pdf = certificate_pdf(e)
        e.save()
        audit_record(
            actor=actor,
            action="update",
            object_type="learning.course_enrolment",
            object_id=e.pk,
            object_repr=f"{e.course.title} · {e.staff.person.full_name}",
            changes={"percent": [None, percent], "completed": [None, bool(e.completed_at)]},
        )
    return e


def certificate_pdf(e: CourseEnrolment) -> bytes:
    course = e.course
    completed = timezone.localtime(e.completed_at).strftime("%d/%m/%Y")
    text = _(
        "Chứng nhận %(name)s (%(unit)s) đã hoàn thành khoá bồi dưỡng “%(course)s” "
        "với kết quả %(p)s%%."
    ) % {
        "name": e.staff.person.full_name,
        "unit": e.staff.unit.name,
        "course": course.title,
        "p": e.best_percent,
    }
    rendered = pdf.render_document(
        pdf.DocumentSpec(
            title=_("GIẤY CHỨNG NHẬN HOÀN THÀNH BỒI DƯỠNG"),
            issuer_lines=[course.provider.name],
            place_date=_("Ngày %(d)s") % {"d": completed},
            paragraphs=[text],
            signatures=[
                pdf.SignatureSlot(CERT_FIELD, _("ĐƠN VỊ TỔ CHỨC BỒI DƯỠNG"), course.provider.name)
            ],
            reference=e.certificate_reference,
        )
    )
    signer = signer_for(course.created_by, course.provider)
    return signing.sign_pdf(
        rendered.data,
        signer=signer,
        field_name=CERT_FIELD,
        reason=_("Chứng nhận hoàn thành bồi dưỡng"),
        box=rendered.signature_boxes.get(CERT_FIELD),
    )


# --- monitoring: T20, T21 ----------------------------------------------------------------------


def _staff_under(unit: OrgUnit, kinds=None):
    qs = StaffMember.objects.filter(
        end_date__isnull=True, unit__path__gte=unit.path, unit__path__lt=path_upper(unit.path)
    )
    return qs.filter(kind__in=kinds) if kinds else qs


def trained_staff(*, unit: OrgUnit, since: dt.date | None = None) -> tuple[int, int]:
    """T20: (teachers and managers under `unit` who completed a digital-competence course
    [since a date], all of them)."""
    staff = _staff_under(unit)
    done = CourseEnrolment.objects.filter(
        staff_id=OuterRef("pk"), completed_at__isnull=False, course__digital_competence=True
    )
    if since:
        done = done.filter(completed_at__date__gte=since)
    return staff.filter(Exists(done)).count(), staff.count()


def teachers_with_profile(*, unit: OrgUnit) -> tuple[int, int]:
    """T21: (teachers under `unit` with a training profile and a user account, teachers)."""
    from edudx.accounts.models import User  # noqa: PLC0415 — only for this count

    teachers = _staff_under(unit, kinds=["teacher"])
    with_both = teachers.filter(
        Exists(TrainingProfile.objects.filter(staff_id=OuterRef("pk"))),
        Exists(User.objects.filter(person_id=OuterRef("person_id"), is_active=True)),
    )
    return with_both.count(), teachers.count()
