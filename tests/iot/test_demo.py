"""The demo's IoT: devices in the demo school and its commune, two days of readings, one open
incident that the demo principal was told about and the demo commune officer sees."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from edudx.accounts.models import User
from edudx.core import events
from edudx.iot.models import Device, Incident, Reading
from edudx.notify.models import Notification
from edudx.org.models import OrgUnit, UnitKind
from tests.pages.conftest import otp_login


@pytest.mark.django_db
def test_demo_iot():
    call_command("demo", "--scale", "tiny", stdout=io.StringIO())
    principal = User.objects.get(username="hieu_truong")
    school = principal.role_assignments.get().unit
    open_schools = OrgUnit.objects.filter(kind=UnitKind.SCHOOL, valid_to__isnull=True).count()
    schools = min(5, open_schools)  # the tiny district has fewer than five
    assert Device.objects.values("school").distinct().count() == schools
    assert Device.objects.count() == 3 * schools
    assert Device.objects.filter(school=school).count() == 3
    assert Reading.objects.count() == schools * (2 * 4 + 1) * 192
    incident = Incident.objects.get()
    assert (incident.device.school, incident.closed_at, incident.rule.metric) == (
        school,
        None,
        "co2_ppm",
    )
    events.deliver_pending()  # the worker's sweep (the test's transaction never commits)
    assert (
        Notification.objects.filter(recipient=principal, event="iot.incident_opened").count() == 1
    )
    officer = otp_login(Client(), User.objects.get(username="phong_gddt"))
    html = officer.get("/iot/").content.decode()
    assert school.name in html
    assert (
        html.count('href="/iot/schools/')
        == Device.objects.filter(school__path__startswith=school.parent.path)
        .values("school")
        .distinct()
        .count()
    )
