"""T12 (office work dossiers handled digitally) and T13 (school work) computed from the
dossiers closed in the report's school year (1/9/2025–31/8/2026 for report year 2025),
through indicators_recompute: T13 summed up the tree from the schools, T12 each office's
own value (rollup=False), units without a closed dossier missing."""

import datetime as dt

import pytest

from edudx.monitoring.indicators import registered
from edudx.monitoring.models import IndicatorValue, Provenance
from edudx.monitoring.services import indicators_recompute
from edudx.office import services

pytestmark = pytest.mark.django_db
C, M = Provenance.COMPUTED, Provenance.MISSING
LATER = dt.date(2026, 12, 31)


def value(code, unit, year=2025):
    v = IndicatorValue.objects.get(indicator__code=code, unit=unit, year=year)
    return v.numerator, v.denominator, v.provenance


def close(office, unit, actor, code, *, medium="digital", electronic=(True,), closed_on):
    dossier = office.dossier(
        unit=unit, actor=actor, handler=actor, code=code, medium=medium,
        opened_on=dt.date(2025, 9, 8),
    )  # fmt: skip
    for i, e in enumerate(electronic):
        doc = office.incoming(
            unit=unit, actor=actor, symbol=f"{code}-{i}", electronic=e,
            issued_on=dt.date(2025, 9, 8), received_on=dt.date(2025, 9, 9),
        )  # fmt: skip
        services.dossier_file(actor=actor, dossier=dossier, incoming=doc)
    return services.dossier_close(actor=actor, dossier=dossier, closed_on=closed_on, today=LATER)


@pytest.fixture
def closed(office):
    d = office.d
    day = dt.date(2026, 3, 16)
    a, b = office.clerk, office.clerk_b
    close(office, d.school_a, a, "01", closed_on=day)
    close(office, d.school_a, a, "02", electronic=(True, True), closed_on=dt.date(2026, 8, 31))
    close(office, d.school_a, a, "03", medium="paper", closed_on=day)
    close(office, d.school_a, a, "04", closed_on=dt.date(2026, 9, 1))  # next school year
    office.dossier(code="05")  # still open: not counted
    close(office, d.school_b, b, "01", electronic=(True, False), closed_on=day)  # a paper letter
    close(office, d.commune_a, office.officer, "01.VX", closed_on=day)
    close(office, d.province, office.province_officer, "01.VP", closed_on=day)
    close(office, d.province, office.province_officer, "02.VP", medium="paper", closed_on=day)
    return d


def test_registered_as_office_and_school_indicators():
    import edudx.monitoring.sources.office  # noqa: F401, PLC0415

    assert registered()["T12"].rollup is False
    assert registered()["T13"].rollup is True


def test_t13_schools_summed_up_the_tree(closed):
    d = closed
    indicators_recompute(year=2025)
    assert value("T13", d.school_a) == (2, 3, C)
    assert value("T13", d.school_b) == (0, 1, C)
    assert value("T13", d.commune_a) == (2, 3, C)  # its school, not the commune's own work
    assert value("T13", d.commune_b) == (0, 1, C)
    assert value("T13", d.province) == (2, 4, C)
    indicators_recompute(year=2026)
    assert value("T13", d.school_a, 2026) == (1, 1, C)
    assert value("T13", d.school_b, 2026) == (None, None, M)


def test_t12_each_office_its_own_dossiers(closed):
    d = closed
    indicators_recompute(year=2025)
    assert value("T12", d.commune_a) == (1, 1, C)
    assert value("T12", d.province) == (1, 2, C)  # the Sở's own work, not the communes'
    assert value("T12", d.commune_b) == (None, None, M)
    assert value("T12", d.district) == (None, None, M)
    assert not IndicatorValue.objects.filter(indicator__code="T12", unit=d.school_a).exists()


def test_dx_prefill_of_the_offices_dossier_criterion(closed):
    """The DX index's office criterion 3.1 is pre-filled from the same dossiers (assessment
    year 2026 = school year 2025-2026)."""
    from decimal import Decimal

    from edudx.monitoring import dx
    from edudx.monitoring.models import DxCriterion

    d = closed
    dx.frameworks_sync()
    crit = DxCriterion.objects.get(prefill="edudx.office.dx_prefill.dossiers")
    assert crit.code == "3.1"
    points, note = dx.prefill(crit, d.province, 2026)
    assert note == "1/2 hồ sơ công việc xử lý trên môi trường số năm học 2025-2026"
    assert points == (Decimal("0.5") * crit.max_points).quantize(Decimal("0.5"))
    assert dx.prefill(crit, d.commune_b, 2026) == (None, "")
