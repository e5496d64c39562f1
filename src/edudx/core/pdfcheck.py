"""What the public checks of signed PDFs share — transcripts at /verify/, outgoing documents
at /verify/documents/, page and API alike: the guards an upload passes before it is
verified (a rate limit per client address, a file, a size), and the signature rows the
shared table (`core/_signature_table.html`) shows."""

from django.utils.translation import gettext as _

from .errors import DomainError, RateLimited
from .ratelimit import client_key, over_limit


def upload_problem(
    request, upload, *, scope: str, limit: int, max_bytes: int, code: str
) -> DomainError | None:
    """Why `upload` is not checked, or None: more than `limit` checks from this address in a
    minute (429 `<code>rate_limited`), no file (`<code>no_file`), over `max_bytes`
    (`<code>too_large`). `code` is the caller's prefix ("transcript.", "office.verify_")."""
    if over_limit(client_key(request, scope), limit):
        return RateLimited(
            f"{code}rate_limited", _("Bạn đã kiểm tra quá nhiều tệp; hãy thử lại sau một phút.")
        )
    if upload is None:
        return DomainError(f"{code}no_file", _("Hãy chọn tệp PDF cần kiểm tra."), field="file")
    if upload.size > max_bytes:
        return DomainError(
            f"{code}too_large",
            _("Tệp quá lớn (tối đa %(n)s MB).") % {"n": max_bytes // (1024 * 1024)},
            field="file",
        )
    return None


def signature_rows(result, labels: dict) -> list[tuple[str, object]]:
    """(label, signature report) in signing order; `labels` names the caller's fields."""
    return [(str(labels.get(s.field_name, s.field_name)), s) for s in result.signatures]
