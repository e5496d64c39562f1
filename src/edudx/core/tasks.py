from django_tasks import task

from . import events


@task()
def deliver_outbox() -> int:
    return events.deliver_pending()
