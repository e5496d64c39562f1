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

    def home_tasks(self, user, roles: set[str]) -> list:
        """Submissions waiting for the teacher's grade (core.home)."""
        from django.urls import reverse  # noqa: PLC0415
        from django.utils.translation import ngettext  # noqa: PLC0415

        from edudx.core.home import HomeTask  # noqa: PLC0415

        from .selectors import to_grade  # noqa: PLC0415

        if not roles & {"teacher", "homeroom_teacher"} or not (waiting := to_grade(actor=user)):
            return []
        n = sum(waiting.values())
        text = ngettext("%(n)s bài nộp chờ chấm", "%(n)s bài nộp chờ chấm", n)
        # All in one assignment: straight to it; else the teacher's online classes.
        if len(waiting) == 1:
            url = reverse("learning:assignment", args=[next(iter(waiting))])
        else:
            url = reverse("learning:index")
        return [HomeTask(text % {"n": n}, url)]
