"""The home page's "Việc cần xử lý" (work waiting): what waits for the user, from the apps.

An AppConfig may define `home_tasks(user, roles) -> list[HomeTask]`, as `nav_entries`
contributes menu entries (docs/decisions.md 15): counts from the app's own scoped selectors,
each a link to the page where the work is done, only what is not zero. An app checks the
roles first, so a user it has nothing for costs no query."""

from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class HomeTask:
    label: str  # "3 hồ sơ dịch vụ công chờ xử lý", in the user's language
    url: str
    overdue: bool = False  # past its deadline: listed first, marked


def home_tasks(user, roles: set[str]) -> list[HomeTask]:
    """Every app's tasks for `user`, the overdue first (otherwise in app order)."""
    tasks: list[HomeTask] = []
    for config in apps.get_app_configs():
        contribute = getattr(config, "home_tasks", None)
        if contribute is not None:
            tasks.extend(contribute(user, roles))
    return sorted(tasks, key=lambda t: not t.overdue)
