from django.apps import AppConfig


class FeesConfig(AppConfig):
    """Fees: fee items, invoices, VietQR, payments, bank reconciliation, receipts."""

    name = "edudx.fees"
    label = "fees"

    def nav_entries(self, roles: set[str]) -> list[tuple[str, str, str]]:
        """Menu entries (key = URL namespace, label, URL name) for a user with these roles;
        see edudx.core.templatetags.edudx_ui.nav_items."""
        return []
