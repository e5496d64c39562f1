from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

# Pages a staff user may open before passing TOTP: the 2FA pages themselves, logout, static.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/", "/healthz", "/manifest", "/verify/")


class StaffTwoFactorMiddleware:
    """Staff roles (officers, principals, clerks, teachers) must verify a TOTP device before
    using any page; if they have none yet they are sent to enrol one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.REQUIRE_2FA
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and user.is_staff_role
            and not user.is_verified()
        ):
            return redirect(f"{reverse('accounts:otp')}?next={request.get_full_path()}")
        return self.get_response(request)
