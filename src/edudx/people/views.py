"""Student and staff pages. Thin: parse the query, call the scoped selector, render. The list
pages return only the results partial to htmx (search as you type) and the full page
otherwise, so everything works without JavaScript."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from edudx.core.errors import NotFound
from edudx.core.ethnicity import ETHNICITY_BY_CODE
from edudx.core.params import int_param
from edudx.core.scope import scope_of
from edudx.org.models import ClassGroup, OrgUnit
from edudx.people import selectors


def _render_list(request, page_template: str, partial_template: str, context: dict):
    partial = request.htmx and not request.htmx.boosted
    response = render(request, partial_template if partial else page_template, context)
    # The same URL answers with a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def student_list_view(request):
    q = request.GET.get("q", "").strip()[:100]
    school_id = int_param(request.GET.get("school"))
    class_id = int_param(request.GET.get("class"))
    page = selectors.student_page(
        actor=request.user,
        q=q,
        school_id=school_id,
        class_id=class_id,
        page=int_param(request.GET.get("page")) or 1,
        page_size=settings.PAGE_SIZE,
        clamp=True,
    )
    # Filter labels: names of a school or class are not personal data.
    school = OrgUnit.objects.filter(pk=school_id).only("name").first() if school_id else None
    cls = (
        ClassGroup.objects.filter(pk=class_id).select_related("school_year").first()
        if class_id
        else None
    )
    context = {"q": q, "page": page, "school": school, "cls": cls}
    return _render_list(request, "people/student_list.html", "people/_student_table.html", context)


def _may_see_full_id(actor, student) -> bool:
    """The full personal ID number is shown to unit-wide staff of the student's school
    (principal, clerk, officers: they reconcile records with the national population
    database), to the student and to their guardians. Teachers see it masked: they need to
    tell students apart, not to copy the number (Decree 13/2023, data minimisation)."""
    scope = scope_of(actor)
    if student.pk in scope.student_ids:
        return True
    return student.current_school is not None and selectors.unit_visible(
        actor=actor, unit=student.current_school
    )


@login_required
def student_detail(request, student_id: int):
    try:
        record = selectors.student_record(actor=request.user, student_id=student_id)
    except NotFound as exc:
        # A duplicate merged away (an old link, a bookmark): its history is the survivor's.
        survivor = selectors.student_survivor(actor=request.user, student_id=student_id)
        if survivor is None:
            raise Http404(str(exc)) from exc
        messages.info(
            request,
            _("Hồ sơ bạn mở là hồ sơ trùng, đã được gộp vào hồ sơ này (%(n)s).")
            % {"n": survivor.person.full_name},
        )
        return redirect("people:student_detail", student_id=survivor.pk)
    person = record["person"]
    context = {
        **record,
        "ethnicity": ETHNICITY_BY_CODE.get(person.ethnicity, person.ethnicity),
        "full_id": _may_see_full_id(request.user, record["student"]),
        "survivor": (
            selectors.student_survivor(actor=request.user, student_id=student_id)
            if person.merged_into_id
            else None
        ),
    }
    return render(request, "people/student_detail.html", context)


@login_required
def staff_list_view(request):
    q = request.GET.get("q", "").strip()[:100]
    unit_id = int_param(request.GET.get("unit"))
    qs = selectors.staff_list(actor=request.user, q=q, unit_id=unit_id)
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    unit = OrgUnit.objects.filter(pk=unit_id).only("name").first() if unit_id else None
    context = {"q": q, "page": page, "unit": unit}
    return _render_list(request, "people/staff_list.html", "people/_staff_table.html", context)
