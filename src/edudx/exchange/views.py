"""Import pages: upload a list, see the result (every error with its row and column, or
the counts), download an empty template. Thin: parse the form, call the service, render."""

import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from edudx.core.errors import DomainError
from edudx.core.scope import scope_of
from edudx.org.models import OrgUnit, SchoolYear, UnitKind
from edudx.org.selectors import school_year_current, subtree_q
from edudx.people.selectors import unit_visible

from . import parsers, services
from .models import ImportBatch, ImportKind

# Columns of the downloadable template, in order.
TEMPLATE_COLUMNS = {
    ImportKind.STUDENTS: (
        "full_name",
        "date_of_birth",
        "sex",
        "ethnicity",
        "personal_id",
        "moet_id",
        "commune",
        "address",
        "school",
        "class_group",
        "school_year",
        "phone",
    ),
    ImportKind.STAFF: (
        "full_name",
        "date_of_birth",
        "sex",
        "ethnicity",
        "personal_id",
        "commune",
        "address",
        "school",
        "kind",
        "position",
        "qualification",
        "main_subject",
        "phone",
        "email",
    ),
}


def _schools_for(actor):
    scope = scope_of(actor)
    qs = OrgUnit.objects.filter(kind=UnitKind.SCHOOL, valid_to__isnull=True)
    if not scope.everything:
        qs = qs.filter(subtree_q(scope.unit_paths))
    return qs.order_by("name")


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Dữ liệu"), choices=ImportKind.choices)
    school = forms.ModelChoiceField(
        label=gettext_lazy("Trường (khi tệp không có cột Mã trường)"),
        queryset=OrgUnit.objects.none(),
        required=False,
    )
    school_year = forms.ModelChoiceField(
        label=gettext_lazy("Năm học (khi tệp không có cột Năm học)"),
        queryset=SchoolYear.objects.all(),
        required=False,
    )
    file = forms.FileField(label=gettext_lazy("Tệp .xlsx hoặc .csv"))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        schools = _schools_for(actor)
        self.fields["school"].queryset = schools
        # What a school's clerk would pick anyway: their school, the year under way.
        only = list(schools[:2])
        if len(only) == 1:
            self.fields["school"].initial = only[0].pk
        year = school_year_current()
        if year is not None:
            self.fields["school_year"].initial = year.pk


def _may_import(actor) -> bool:
    scope = scope_of(actor)
    return scope.everything or bool(scope.unit_paths)


@login_required
def upload(request):
    if not _may_import(request.user):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        if f.size > services.MAX_UPLOAD_BYTES:
            form.add_error("file", _("Tệp quá lớn."))
        else:
            try:
                outcome = services.import_upload(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    file_name=f.name,
                    content=f.read(),
                    school=form.cleaned_data["school"],
                    school_year=form.cleaned_data["school_year"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                url = outcome.batch.source_id
                suffix = "?reused=1" if outcome.reused else ""
                return redirect(f"{_result_url(url)}{suffix}")
    if form.errors:  # refused (decision 30): 400, the first field in error focused
        first = next((name for name in form.fields if name in form.errors), None)
        if first is not None:
            form.fields[first].widget.attrs["autofocus"] = True
    recent = ImportBatch.objects.filter(actor=request.user)[:10]
    return render(
        request,
        "exchange/upload.html",
        {"form": form, "recent": recent},
        status=400 if form.errors else 200,
    )


def _result_url(source_id) -> str:
    from django.urls import reverse  # noqa: PLC0415

    return reverse("exchange:result", args=[source_id])


@login_required
def result(request, source_id):
    batch = ImportBatch.objects.filter(source_id=source_id).select_related("school").first()
    if batch is None or not (
        batch.actor_id == request.user.pk
        or (batch.school is not None and unit_visible(actor=request.user, unit=batch.school))
        or scope_of(request.user).everything
    ):
        raise Http404
    return render(
        request,
        "exchange/result.html",
        {"batch": batch, "reused": request.GET.get("reused") == "1"},
    )


@login_required
def template(request, kind: str):
    if kind not in ImportKind.values:
        raise Http404
    from openpyxl import Workbook  # noqa: PLC0415

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Danh sách"))
    ws.append([parsers.field_label(f) for f in TEMPLATE_COLUMNS[kind]])
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(
        buf.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="mau-nhap-{kind}.xlsx"'
    return response
