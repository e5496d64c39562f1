"""Demo data contributed by the domain apps.

An installed app that has a module `<app>/demo.py` with a function
`build_demo(summary, users, *, seed: int, log) -> None` is called, in INSTALLED_APPS order,
inside the demo's transaction after the district, its people and the demo logins exist
(`summary` is edudx.demo.generator.Summary, `users` the demo users). Each app fills its own
tables — procedures, fee schedules, notices, resources… — deterministically from `seed`."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps


def build_all(summary, users, *, seed: int, log=print) -> None:
    for config in apps.get_app_configs():
        if not config.name.startswith("edudx.") or config.label == "demo":
            continue
        module_name = f"{config.name}.demo"
        if find_spec(module_name) is None:
            continue
        module = import_module(module_name)
        build = getattr(module, "build_demo", None)
        if build is not None:
            build(summary, users, seed=seed, log=log)
