from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Who reads a school's fees (the menu; the pages check the scope again).
STAFF_MENU_ROLES = {"system_admin", "province_officer", "commune_officer", "principal", "clerk"}
# Who manages a school's receiving bank accounts.
ACCOUNT_MENU_ROLES = {"principal", "clerk"}


class FeesConfig(AppConfig):
    """Fees: fee items, invoices, VietQR, payments, bank reconciliation, receipts."""

    name = "edudx.fees"
    label = "fees"

    def nav_entries(self, roles: set[str]) -> list[tuple[str, str, str]]:
        """Menu entries (key = URL namespace, label, URL name) for a user with these roles;
        see edudx.core.templatetags.edudx_ui.nav_items."""
        if roles & STAFF_MENU_ROLES:
            entries = [("fees", _("Thu phí"), "fees:invoices")]
            if roles & ACCOUNT_MENU_ROLES:
                entries.append(("fees_accounts", _("Tài khoản nhận tiền"), "fees:accounts"))
            return entries
        if roles & {"guardian", "student"}:
            return [("fees", _("Học phí"), "fees:index")]
        return []
