"""The yearly report suggests `computers_teaching` from the asset register: shown next to
the fact, put in the input only while the fact is empty in an editable draft; the value the
school saves and submits is what counts."""

import pytest

from edudx.assets import selectors as asset_selectors
from edudx.assets import services as asset_services
from edudx.monitoring import fact_prefill, reports
from edudx.monitoring.models import ReportStatus
from edudx.monitoring.services import indicators_sync
from tests.api.conftest import API, token_client
from tests.assets.conftest import item_data
from tests.pages.conftest import otp_login

SUGGESTION = {"value": "2", "source": "assets", "note": "Theo sổ tài sản: 2 máy"}


@pytest.fixture
def report(reform, principal):
    """School A's 2025 report (a draft) and a register of two good teaching desktops and a
    broken one."""
    asset_selectors.categories()
    for tag, condition in (("MT-01", "good"), ("MT-02", "good"), ("MT-03", "broken")):
        asset_services.item_create(
            actor=None, school=reform.school_a, data=item_data(tag=tag, condition=condition)
        )
    indicators_sync()
    return reports.report_get(actor=principal, unit=reform.school_a, year=2025)


NEVER_SAVED, CLEARED = {}, {"computers_teaching": None}


@pytest.mark.parametrize(
    ("status", "facts", "editable", "value", "prefilled"),
    [
        pytest.param(ReportStatus.DRAFT, NEVER_SAVED, True, "2", True, id="empty-draft"),
        pytest.param(
            ReportStatus.DRAFT, {"computers_teaching": "30"}, True, "30", False, id="typed-draft"
        ),  # fmt: skip
        # Saved empty on purpose: not filled in again (the suggestion is still shown).
        pytest.param(ReportStatus.DRAFT, CLEARED, True, "", False, id="cleared-draft"),
        pytest.param(ReportStatus.RETURNED, NEVER_SAVED, True, "", False, id="returned"),
        pytest.param(ReportStatus.DRAFT, NEVER_SAVED, False, "", False, id="read-only"),
    ],
)
def test_prefill_only_while_never_saved_in_an_editable_draft(
    report, status, facts, editable, value, prefilled
):
    report.status = status
    report.facts = dict(facts)
    fact = fact_prefill.facts_form(report, editable=editable)[0]
    assert fact["key"] == "computers_teaching"
    assert (fact["value"], fact["prefilled"], fact["suggestion"]) == (value, prefilled, SUGGESTION)


def test_the_page_prefills_and_the_submitted_value_wins(client, reform, principal, report):
    otp_login(client, principal)
    url = f"/monitoring/report/?unit={reform.school_a.pk}&year=2025"
    html = client.get(url).content.decode()
    assert 'name="fact-computers_teaching" value="2"' in html
    assert "Theo sổ tài sản: 2 máy – đã điền sẵn, hãy kiểm tra và sửa nếu cần." in html
    report.refresh_from_db()
    assert report.facts == {}  # nothing saved by opening the page
    r = client.post(url, {"fact-computers_teaching": "30", "action": "submit"}, follow=True)
    html = r.content.decode()
    assert 'name="fact-computers_teaching" value="30"' in html
    assert "Theo sổ tài sản: 2 máy</p>" in html  # still shown, no longer filled in
    assert reports.reported_fact("computers_teaching") == {reform.school_a.pk: (30, 2025)}


def test_a_fact_cleared_on_the_page_stays_empty(client, reform, principal, report):
    """The principal empties the pre-filled input and saves: the next visit shows the
    suggestion beside an empty input instead of filling it in again."""
    otp_login(client, principal)
    url = f"/monitoring/report/?unit={reform.school_a.pk}&year=2025"
    r = client.post(url, {"fact-computers_teaching": "", "action": "save"}, follow=True)
    assert r.status_code == 200
    report.refresh_from_db()
    # The page saves every fact of the form; the empty ones as None.
    assert report.facts == {
        "computers_teaching": None,
        "internet_fibre": None,
        "internet_mbps": None,
    }
    html = client.get(url).content.decode()
    assert 'name="fact-computers_teaching" value=""' in html
    assert "Theo sổ tài sản: 2 máy</p>" in html
    assert "đã điền sẵn" not in html


def test_the_api_gives_the_suggestion_in_english(reform, principal, report):
    r = token_client(principal).get(
        f"{API}/monitoring/reports/{reform.school_a.pk}/2025", headers={"Accept-Language": "en"}
    )
    assert r.json()["facts"]["computers_teaching"] is None
    assert r.json()["suggestions"] == {
        "computers_teaching": {
            "value": "2",
            "source": "assets",
            "note": "From the asset register: 2 computers",
        }
    }
