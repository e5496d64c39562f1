"""Pages to find and merge duplicate people (principals, clerks, education offices)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from edudx.core.errors import DomainError, NotFound
from edudx.core.params import int_param
from edudx.core.scope import scope_of

from . import dedup


def _unit_wide_only(request) -> None:
    scope = scope_of(request.user)
    if not (scope.everything or scope.unit_paths):
        raise Http404


@login_required
def duplicates_view(request):
    _unit_wide_only(request)
    groups = dedup.duplicate_groups(actor=request.user)
    return render(request, "people/duplicates.html", {"groups": groups})


@login_required
@require_POST
def merge_view(request):
    _unit_wide_only(request)
    keep_id = int_param(request.POST.get("keep"))
    members = [int_param(v) for v in request.POST.getlist("members")]
    if keep_id is None or None in members:  # nothing chosen, or not a record's number
        messages.error(request, _("Hãy chọn hồ sơ giữ lại."))
        return redirect("people:duplicates")
    drop_ids = [m for m in members if m != keep_id]
    reason = request.POST.get("reason", "").strip()[:255]
    try:
        for drop_id in drop_ids:
            kept = dedup.merge_for_actor(
                actor=request.user, keep_id=keep_id, drop_id=drop_id, reason=reason
            )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("people:duplicates")
    if drop_ids:
        messages.success(
            request,
            _("Đã gộp %(n)s hồ sơ vào %(name)s.") % {"n": len(drop_ids), "name": kept.full_name},
        )
    return redirect("people:duplicates")
