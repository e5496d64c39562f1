from django.apps import AppConfig


class ContentConfig(AppConfig):
    """Curriculum framework (CT GDPT 2018) and the shared digital learning repository."""

    name = "edudx.content"
    label = "content"

    def nav_entries(self, roles: set[str]) -> list[tuple[str, str, str]]:
        """Menu entries (key = URL namespace, label, URL name) for a user with these roles;
        see edudx.core.templatetags.edudx_ui.nav_items."""
        from django.utils.translation import gettext as _  # noqa: PLC0415 — per request

        if not roles:
            return []
        entries = [("content", _("Học liệu"), "content:search")]
        if roles & {"system_admin", "province_officer", "commune_officer", "principal"}:
            entries.append(("content_review", _("Duyệt học liệu"), "content:review"))
            entries.append(("content_coverage", _("Độ phủ học liệu"), "content:coverage"))
        return entries
