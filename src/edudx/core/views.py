"""Site-wide pages: the home dashboard (one short block per kind of scope) and health."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone

from edudx.contact.selectors import unread_by_student
from edudx.core.home import home_tasks
from edudx.core.scope import scope_of
from edudx.fees.selectors import owed_by_student
from edudx.monitoring.selectors import headcount_totals
from edudx.org.models import SEGMENT, ClassGroup, OrgUnit
from edudx.people.selectors import student_list
from edudx.records.selectors import absences_by_student, teaching_on


def _unit_wide_block(user, scope) -> dict:
    # A scope path ends with the unit's own zero-padded id (org.models: materialised path).
    unit_ids = [int(p[-SEGMENT:]) for p in scope.unit_paths]
    units = list(OrgUnit.objects.filter(pk__in=unit_ids).order_by("path"))
    # Dashboards read the summary table, not a count over every student in a province.
    return {"units": units, **headcount_totals(scope=scope)}


def _classes_block(user, scope) -> list[dict]:
    classes = list(
        ClassGroup.objects.filter(pk__in=scope.class_ids)
        .select_related("school", "school_year", "grade")
        .order_by("-school_year__start_date", "name")
    )
    counts = dict(
        student_list(actor=user, class_id=None)
        .filter(current_class_id__in=scope.class_ids)
        .order_by()
        .values_list("current_class_id")
        .annotate(n=Count("id"))
        .values_list("current_class_id", "n")
    )
    day = timezone.localdate()
    today = teaching_on(actor=user, class_ids=[c.pk for c in classes], day=day)
    return [
        {
            "class": c,
            "students": counts.get(c.pk, 0),
            "homeroom": c.pk in scope.homeroom_class_ids,
            # Today within the class's school year: "today's attendance"; else the link
            # opens the year's nearest day (a year that has ended: its last day).
            "in_year": c.school_year.contains(day),
            **today[c.pk],  # subjects, term (marks links), taken (today's attendance)
        }
        for c in classes
    ]


def _children_block(user, children) -> list[dict]:
    """A card per child: what is owed, absences this school year, what is unread in the
    contact book. One query per kind of thing, whatever the number of children."""
    ids = [c.pk for c in children]
    owed = owed_by_student(actor=user, student_ids=ids)
    absent = absences_by_student(actor=user, student_ids=ids)
    unread = unread_by_student(user, children)
    return [
        {
            "student": c,
            "owed": owed.get(c.pk),
            "absent": absent.get(c.pk, {"excused": 0, "unexcused": 0, "total": 0}),
            "unread": unread.get(c.pk, {"notices": 0, "messages": 0}),
        }
        for c in children
    ]


@login_required
def home(request):
    user = request.user
    scope = scope_of(user)
    # A citizen sees no one's records, yet has a role: only a user without any role is told
    # to ask for one.
    context: dict = {"scope_empty": scope.is_empty and not user.roles and not user.is_superuser}
    if scope.everything or scope.unit_paths:
        context["unit_wide"] = _unit_wide_block(user, scope)
    # What waits for this user, from every app (core.home): dossiers, feedback, leave
    # requests, documents to handle or sign.
    context["tasks"] = home_tasks(user, user.roles)
    if scope.class_ids:
        context["classes"] = _classes_block(user, scope)
    if scope.student_ids:
        mine = student_list(actor=user, status=None).filter(pk__in=scope.student_ids)
        context["own_records"] = [s for s in mine if s.person_id == user.person_id]
        children = [s for s in mine if s.person_id != user.person_id]
        context["children"] = _children_block(user, children) if children else []
    return render(request, "core/home.html", context)


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def favicon(request):
    """Browsers ask for /favicon.ico on documents without a <link rel=icon> (a PDF, a JSON
    file): the site's icon, not a 404 in the log."""
    return HttpResponsePermanentRedirect(static("edudx/icon.svg"))


def csrf_failure(request, reason=""):
    """A form refused by the CSRF check (settings.CSRF_FAILURE_VIEW) — most often a page
    left open until the session expired, or cookies cleared — explained in the platform's
    layout and language instead of Django's English developer page."""
    return render(request, "403_csrf.html", status=403)
