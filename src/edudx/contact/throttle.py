"""Anonymous feedback is open to anyone: a client address may send at most
CONTACT_FEEDBACK_PER_HOUR (setting, default 10) pieces of feedback an hour (the cache:
local memory, or Redis when EDUDX_CACHE_URL is set). Signed-in senders are not limited."""

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from edudx.core.errors import DomainError


class TooMany(DomainError):
    status = 429


def feedback_allowed(request) -> None:
    if getattr(request.user, "is_authenticated", False):
        return
    limit = int(getattr(settings, "CONTACT_FEEDBACK_PER_HOUR", 10))
    key = f"contact-feedback:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=3600)
    try:
        n = cache.incr(key)
    except ValueError:  # expired between add and incr
        return
    if n > limit:
        raise TooMany(
            "feedback.rate_limited",
            _("Bạn đã gửi quá nhiều phản hồi trong một giờ; hãy thử lại sau."),
            field=None,
        )
