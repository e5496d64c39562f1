from django.apps import AppConfig


class LearningConfig(AppConfig):
    """Online classes, lessons, assignments, submissions, teacher professional development."""

    name = "edudx.learning"
    label = "learning"

    def nav_entries(self, roles: set[str]) -> list[tuple[str, str, str]]:
        """Menu entries (key = URL namespace, label, URL name) for a user with these roles;
        see edudx.core.templatetags.edudx_ui.nav_items."""
        from django.utils.translation import gettext as _  # noqa: PLC0415 — per request

        entries = []
        if roles & {"teacher", "homeroom_teacher", "student", "guardian", "principal"}:
            entries.append(("learning", _("Lớp trực tuyến"), "learning:index"))
        if roles & {
            "teacher",
            "homeroom_teacher",
            "principal",
            "clerk",
            "commune_officer",
            "province_officer",
        }:
            entries.append(("learning_training", _("Bồi dưỡng"), "learning:training"))
        return entries
