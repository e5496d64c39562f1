"""Anonymous feedback is open to anyone: a client address may send at most
CONTACT_FEEDBACK_PER_HOUR (setting, default 10) pieces of feedback an hour (the cache:
local memory, or Redis when EDUDX_CACHE_URL is set). Signed-in senders are not limited."""

from django.conf import settings
from django.utils.translation import gettext as _

from edudx.core.errors import RateLimited
from edudx.core.ratelimit import client_key, over_limit


def feedback_allowed(request) -> None:
    if getattr(request.user, "is_authenticated", False):
        return
    limit = int(getattr(settings, "CONTACT_FEEDBACK_PER_HOUR", 10))
    if over_limit(client_key(request, "contact-feedback"), limit, window=3600):
        raise RateLimited(
            "feedback.rate_limited",
            _("Bạn đã gửi quá nhiều phản hồi trong một giờ; hãy thử lại sau."),
            field=None,
        )
