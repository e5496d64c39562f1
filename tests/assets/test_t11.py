"""T11 computed from the register: exact numerators and denominators per school and year,
through the registered query and through monitoring's recompute."""

import datetime as dt

import pytest

from edudx.assets import services
from edudx.monitoring.indicators import QueryContext, query_for
from edudx.monitoring.models import IndicatorValue, Provenance
from edudx.monitoring.services import indicators_recompute
from edudx.org import services as org_services

from .conftest import item_data

pytestmark = pytest.mark.django_db


def _walk(check, clerk, rooms: dict) -> None:
    for room_id, results in rooms.items():
        services.inventory_record(actor=clerk, check=check, room_id=room_id, results=results)


@pytest.fixture
def history(district, register, clerk):
    """School A over two school years, school B with a register never checked, school C
    with no register.

    * MT-03 (complete) is found in the 2024 check, then disposed on 10/10/2025;
    * MT-04 (complete, no room but a location) came into use on 20/09/2025;
    * 2024-2025 (check 15/12/2024, closed): MT-01, MT-02, MT-03 found; MC-01 not ticked;
    * 2025-2026 (check 20/12/2025, closed): MT-01, MC-01 (no value: incomplete) and MT-04
      found, MT-02 not found; a later check (02/03/2026) left open finds MT-02 — not counted.
    """
    a = district.school_a
    mt3 = services.item_create(
        actor=None, school=a, data=item_data(tag="MT-03", room_id=register.lab.pk)
    )
    c24 = services.check_open(actor=clerk, school=a, check_date=dt.date(2024, 12, 15))
    _walk(c24, clerk, {register.lab.pk: {
        register.mt1.pk: (True, "good"), register.mt2.pk: (True, "good"), mt3.pk: (True, "good"),
    }})  # fmt: skip
    services.check_close(actor=clerk, check=c24)
    services.item_dispose(actor=clerk, item=mt3, disposed_on=dt.date(2025, 10, 10), reason="Hỏng")
    mt4 = services.item_create(
        actor=None,
        school=a,
        data=item_data(tag="MT-04", location="Kho thiết bị", acquired_on=dt.date(2025, 9, 20)),
    )
    c25 = services.check_open(actor=clerk, school=a, check_date=dt.date(2025, 12, 20))
    _walk(c25, clerk, {
        register.lab.pk: {register.mt1.pk: (True, "good"), register.mt2.pk: (False, "")},
        register.c6.pk: {register.mc1.pk: (True, "good")},
        None: {mt4.pk: (True, "good")},
    })  # fmt: skip
    services.check_close(actor=clerk, check=c25)
    later = services.check_open(actor=clerk, school=a, check_date=dt.date(2026, 3, 2))
    _walk(later, clerk, {register.lab.pk: {register.mt2.pk: (True, "good")}})
    return org_services.school_create(
        actor=None,
        name="Trường TH Kim Đồng",
        code="67000103",
        parent=district.commune_a,
        level="primary",
    ).unit


def _ctx(district, school_c, year: int) -> QueryContext:
    ids = (district.school_a.pk, district.school_b.pk, school_c.pk)
    return QueryContext(school_ids=ids, year=year, as_of=dt.date(year, 12, 10))


@pytest.mark.parametrize(
    ("year", "a_pair", "b_pair"),
    [
        # MT-01, MT-02, MT-03 complete and found; MC-01 on the register, not checked.
        pytest.param(2024, (3, 4), (0, 1), id="2024-2025"),
        # MT-03 disposed; MT-01 and MT-04 complete and found; MC-01 found but no value;
        # MT-02 not found (the open check does not count).
        pytest.param(2025, (2, 4), (0, 1), id="2025-2026"),
    ],
)
def test_t11_per_school(district, history, year, a_pair, b_pair):
    query = query_for("T11", "edudx.monitoring.sources.assets.t11")
    result = query(_ctx(district, history, year))
    assert result == {district.school_a.pk: a_pair, district.school_b.pk: b_pair}


def test_t11_recompute_is_computed_and_a_school_without_register_missing(district, history):
    indicators_recompute(year=2025)
    rows = {v.unit_id: v for v in IndicatorValue.objects.filter(indicator__code="T11", year=2025)}
    a, b = rows[district.school_a.pk], rows[district.school_b.pk]
    assert (a.numerator, a.denominator, a.value, a.provenance) == (2, 4, 50, "computed")
    assert (b.numerator, b.denominator, b.value) == (0, 1, 0)
    assert rows[history.pk].provenance == Provenance.MISSING
    commune = rows[district.commune_a.pk]  # school A and the school with no register
    assert (commune.numerator, commune.denominator, commune.schools) == (2, 4, 1)


def test_dx_prefill_of_the_facilities_criterion(district, history):
    """The school DX criterion 2.3.5 (facilities module) is pre-filled by T11's rule for the
    assessment year's school year (2026 = 2025-2026)."""
    from decimal import Decimal

    from edudx.monitoring import dx
    from edudx.monitoring.models import DxCriterion

    dx.frameworks_sync()
    crit = DxCriterion.objects.get(prefill="edudx.assets.dx_prefill.facilities")
    assert crit.code == "2.3.5"
    points, note = dx.prefill(crit, district.school_a, 2026)
    assert note == "2/4 tài sản có hồ sơ số, đã kiểm kê năm học 2025-2026"
    assert points == (Decimal("0.5") * crit.max_points).quantize(Decimal("0.5"))
    assert dx.prefill(crit, history, 2026) == (None, "")  # no register
