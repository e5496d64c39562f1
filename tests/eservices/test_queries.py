"""The officer queue's query count does not grow with the number of dossiers: every
dossier shown (generic or transfer, any state, overdue or not) is read with its
procedure, unit and both schools in the one list query."""

import datetime as dt
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from edudx.core.codes import new_code
from edudx.eservices.models import Dossier
from tests.pages.conftest import otp_login

pytestmark = pytest.mark.django_db

STATES = ["submitted", "received", "processing", "supplement", "approved", "returned"]


def add_dossiers(world, n):
    d = world.d
    today = timezone.localdate()
    kinds = itertools.cycle(["diploma_copy", "transfer_lower_secondary", "tuition_support"])
    states = itertools.cycle(STATES)
    for i in range(n):
        code = next(kinds)
        transfer = code.startswith("transfer")
        Dossier.objects.create(
            code=new_code("HS"),
            procedure=world.procedure(code),
            unit=d.commune_b if transfer else d.commune_a,
            applicant_name=f"Người nộp {i}",
            phone="0912345678",
            status=next(states),
            submitted_at=timezone.now(),
            # Every third one is past due (i = 1, 4, 7…): overdue when received/processing.
            due_date=today - dt.timedelta(days=1) if i % 3 == 1 else today + dt.timedelta(days=5),
            student=d.student_a1 if transfer else None,
            from_school=d.school_a if transfer else None,
            to_school=d.school_b if transfer else None,
        )


def queue_queries(client, path="/services/officer/"):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize(
    "path",
    ["/services/officer/", "/services/officer/?overdue=1", "/services/officer/?status=processing"],
    ids=["all", "overdue", "processing"],
)
def test_officer_queue_query_count_is_flat(client, world, path, django_assert_num_queries):
    officer = world.d.user("commune_officer", world.d.district)  # covers both communes
    otp_login(client, officer)
    add_dossiers(world, 3)
    few, _ = queue_queries(client, path)
    add_dossiers(world, 27)
    assert Dossier.objects.count() == 30
    with django_assert_num_queries(few):
        page = client.get(path)
    assert page.status_code == 200


def test_officer_queue_shows_every_dossier_and_flags_the_overdue(client, world):
    officer = world.d.user("commune_officer", world.d.district)
    otp_login(client, officer)
    add_dossiers(world, 30)
    n, html = queue_queries(client)
    assert html.count('<li class="card') == 30
    # Past due: i = 1, 4, …, 28; of those, "received" (i % 6 == 1) are overdue: 1, 7, 13, 19, 25.
    assert html.count('<li class="card is-overdue') == 5
    assert queue_queries(client)[0] == n


def test_officer_queue_pages_with_open_dossiers_first(client, world):
    """61 dossiers: 50 on the first page, 11 on the second; the 31 waiting for an officer
    (submitted, received, processing) come before every finished or returned one, and a
    dossier not yet received (no due date) heads them on both engines."""
    officer = world.d.user("commune_officer", world.d.district)
    otp_login(client, officer)
    add_dossiers(world, 60)
    fresh = Dossier.objects.create(
        code=new_code("HS"),
        procedure=world.procedure("diploma_copy"),
        unit=world.d.commune_a,
        applicant_name="Người nộp mới",
        phone="0912345678",
        status="submitted",
        submitted_at=timezone.now(),
        due_date=None,
    )
    first = client.get("/services/officer/").content.decode()
    second = client.get("/services/officer/", {"page": 2}).content.decode()
    assert (first.count('<li class="card'), second.count('<li class="card')) == (50, 11)
    assert "61 hồ sơ · trang 1/2" in " ".join(first.split())
    codes = re.findall(r'<h2><a href="/services/dossiers/(\w+)/">', first + second)
    assert codes[0] == fresh.code
    statuses = re.findall(r'<span class="badge status-(\w+)">', first + second)
    assert len(statuses) == 61
    assert set(statuses[:31]) == {"submitted", "received", "processing"}
    assert set(statuses[31:]) == {"supplement", "approved", "returned"}
    overdue = client.get("/services/officer/", {"overdue": 1}).content.decode()
    assert "10 hồ sơ · trang 1/1" in " ".join(overdue.split())  # received/processing past due
