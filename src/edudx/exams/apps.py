from django.apps import AppConfig


class ExamsConfig(AppConfig):
    """Question bank, exam matrices, papers, online tests, grading, item analysis."""

    name = "edudx.exams"
    label = "exams"

    def nav_entries(self, roles: set[str]) -> list[tuple[str, str, str]]:
        """Menu entries (key = URL namespace, label, URL name) for a user with these roles;
        see edudx.core.templatetags.edudx_ui.nav_items."""
        return []
