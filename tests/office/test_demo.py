"""The demo's e-office data (tiny scale): registers numbered 1..n per unit and year, replies
that closed their incoming document, and T12/T13 computed from the demo's closed dossiers
by the monitoring recompute that runs after it."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Max

from edudx.monitoring.models import IndicatorValue, Provenance
from edudx.office.models import IncomingDocument, OutgoingDocument, WorkDossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("demo", "--scale", "tiny", stdout=out)
    return out.getvalue()


def test_demo_registers_and_indicators(demo):
    assert "office.demo: 142 incoming (max number 26), 64 outgoing, 34 dossiers" in demo
    for model in (IncomingDocument, OutgoingDocument):
        per_year = model.objects.values("unit", "year").annotate(n=Count("id"), top=Max("number"))
        assert all(r["n"] == r["top"] for r in per_year)  # 1..n, no gap, no duplicate
    replied = IncomingDocument.objects.filter(replies__isnull=False).distinct()
    assert replied.exclude(status="done").count() == 0
    assert WorkDossier.objects.filter(status="closed", handled_digitally=True).count() == 16
    t13 = IndicatorValue.objects.filter(
        indicator__code="T13", year=2025, unit__kind="school", provenance=Provenance.COMPUTED
    )
    t12 = IndicatorValue.objects.filter(
        indicator__code="T12", year=2025, provenance=Provenance.COMPUTED
    ).values_list("unit__kind", flat=True)
    assert t13.count() == 3  # the demo school and two others have closed dossiers
    assert sorted(t12) == ["commune", "province"]
