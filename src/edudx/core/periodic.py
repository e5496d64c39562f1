"""Periodic jobs run by `edudx worker`: a registry kept as data.

`settings.PERIODIC_JOBS` lists dicts `{"name", "call", "every"}`: `call` is the dotted path
of a function taking no argument (its return value is logged), `every` the seconds between
runs (default `settings.PERIODIC_EVERY`, 60, env `EDUDX_PERIODIC_EVERY`). An app adds a job
by adding a line there; the worker needs no change. Each job runs in its own try: one that
fails is logged and tried again at its next turn, the others still run. A job must be safe
to run twice at once (two workers) and after a crash: every job here relies on claims or
conditional updates, never on the worker's memory."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("edudx.worker")


@dataclass(frozen=True)
class Job:
    name: str
    call: str
    every: float

    def function(self) -> Callable[[], object]:
        return import_string(self.call)


def jobs() -> list[Job]:
    default = float(getattr(settings, "PERIODIC_EVERY", 60))
    out = []
    for spec in getattr(settings, "PERIODIC_JOBS", []):
        every = float(spec.get("every", default))
        if every <= 0:
            raise ValueError(f"periodic job {spec['name']}: every must be > 0")
        out.append(Job(name=spec["name"], call=spec["call"], every=every))
    return out


class Scheduler:
    """Which jobs are due, by a monotonic clock kept in memory: a restarted worker runs
    every job in its first round (harmless, the jobs are idempotent)."""

    def __init__(self, registry: list[Job] | None = None, clock=time.monotonic):
        self.jobs = jobs() if registry is None else registry
        self.clock = clock
        self.last: dict[str, float] = {}

    def run_due(self, *, force: bool = False) -> dict[str, object]:
        """Run the jobs whose time has come (all with `force`); {name: result or exception}."""
        results: dict[str, object] = {}
        for job in self.jobs:
            now = self.clock()
            last = self.last.get(job.name)
            if not force and last is not None and now - last < job.every:
                continue
            self.last[job.name] = now
            try:
                results[job.name] = job.function()()
            except Exception as exc:  # one failing job does not stop the others
                log.exception("periodic.failed", extra={"job": job.name})
                results[job.name] = exc
            else:
                log.info("periodic.ran", extra={"job": job.name, "result": results[job.name]})
        return results
