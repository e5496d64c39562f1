"""Outbox handlers: an incident opened at a school tells its principal (inbox and their
channels), title and message in the principal's language. The key makes a redelivered
event notify nobody twice."""

from django.urls import reverse
from django.utils.translation import gettext as _

from edudx.accounts.models import Role, User
from edudx.core.events import handles
from edudx.notify.services import notify

from .models import Incident
from .services import INCIDENT_OPENED


@handles(INCIDENT_OPENED)
def notify_principal_of_incident(event) -> None:
    incident = (
        Incident.objects.select_related("rule", "device__school")
        .filter(pk=event.payload.get("incident"))
        .first()
    )
    if incident is None:
        return
    device = incident.device
    place = {"d": device.name, "l": device.location or device.school.name}
    principals = User.objects.filter(
        is_active=True,
        role_assignments__role=Role.PRINCIPAL,
        role_assignments__unit_id=device.school_id,
    ).distinct()
    for user in principals:
        notify(
            user,
            INCIDENT_OPENED,
            {"incident": incident.pk, "device": device.pk},
            key=f"iot.incident:{incident.pk}:opened:user:{user.pk}",
            # Built in each recipient's language (notify.services.render).
            title=lambda: _("Sự cố thiết bị %(d)s (%(l)s)") % place,
            body=lambda: incident.rule.message_text,
            url=reverse("iot:device", args=[device.pk]),
        )
