import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from edudx.accounts.models import User
from edudx.eservices import selectors
from edudx.eservices.models import AdmissionRound, Dossier, Procedure
from edudx.fees import selectors as fees_selectors

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pki_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_demo_has_catalogue_dossiers_and_an_open_round():
    call_command("demo", "--scale", "tiny", stdout=StringIO())
    assert Procedure.objects.count() == 9
    citizen = User.objects.get(username="cong_dan")
    states = sorted(Dossier.objects.filter(applicant=citizen).values_list("status", flat=True))
    assert states == ["received", "returned", "submitted", "supplement"]
    returned = Dossier.objects.get(applicant=citizen, status="returned")
    assert bytes(returned.result_pdf).startswith(b"%PDF") and returned.rating.score == 5
    r = AdmissionRound.objects.get()
    assert r.grade == 1 and r.status == "open" and r.zones.count() >= 1
    # Office hours in Vietnam, opened yesterday, closing in two weeks.
    today = timezone.localdate()
    opens, closes = timezone.localtime(r.opens_at), timezone.localtime(r.closes_at)
    assert (opens.date(), opens.time()) == (today - dt.timedelta(days=1), dt.time(7, 30))
    assert (closes.date(), closes.time()) == (today + dt.timedelta(days=14), dt.time(17, 0))
    officer = User.objects.get(username="phong_gddt")
    assert list(selectors.officer_rounds(actor=officer)) == [r]
    assert selectors.officer_queue(actor=officer).count() == 4
    # The units resolving dossiers can take a fee by VietQR (fees demo: their accounts).
    units = {d.unit for d in Dossier.objects.select_related("unit")}
    assert [(u.kind, fees_selectors.bank_account_of(u) is not None) for u in units] == [
        ("commune", True)
    ] * len(units)
