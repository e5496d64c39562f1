from django_tasks import task


@task()
def alerts_evaluate_task() -> dict:
    """Queued by `edudx monitoring_alerts --enqueue` (or a scheduler); run by `edudx worker`."""
    from .alerts import alerts_evaluate  # noqa: PLC0415

    return alerts_evaluate()


@task()
def indicators_recompute_task(year: int) -> int:
    from .services import indicators_recompute  # noqa: PLC0415

    return indicators_recompute(year=year)
