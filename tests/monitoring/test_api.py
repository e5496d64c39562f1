from edudx.monitoring.models import ReportVersion
from edudx.monitoring.services import indicators_recompute
from tests.api.conftest import API, token_client


def test_indicators_and_values(reform, officer):
    api = token_client(officer)
    rows = api.get(f"{API}/monitoring/indicators").json()
    assert len(rows) == 26
    t09 = next(r for r in rows if r["code"] == "T09")
    assert (t09["computed"], t09["target_2025"]) == (True, "100.00")
    assert next(r for r in rows if r["code"] == "T02")["computed"] is False
    indicators_recompute(year=2025)
    values = api.get(f"{API}/monitoring/values?unit={reform.lam_dong.pk}&year=2025").json()
    t10 = next(v for v in values if v["code"] == "T10")
    assert (t10["numerator"], t10["denominator"], t10["value"], t10["status"]) == (
        "1.00", "2.00", "50.00", "bad",
    )  # fmt: skip
    assert t10["provenance"] == "computed" and t10["as_of"] == "2025-12-10"
    r = api.get(f"{API}/monitoring/values?unit={reform.province.pk}&year=2025")
    assert r.status_code == 403  # the old province is outside the officer's scope


def test_report_put_submit_idempotent_review(reform, principal, officer):
    api = token_client(principal)
    url = f"{API}/monitoring/reports/{reform.school_a.pk}/2025"
    bad = api.put(
        url,
        {"values": {"T02": {"numerator": 5, "denominator": 4}, "T03": {"percent": 120}}},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert [e["code"] for e in bad.json()["errors"]] == [
        "monitoring.numerator_over_denominator",
        "monitoring.percent_over_100",
    ]
    en = api.put(
        url,
        {"values": {"T02": {"numerator": 5, "denominator": 4}}},
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert en.json()["message"] == "T02: numerator 5 is greater than denominator 4."
    fact = api.put(
        url,
        {"facts": {"computers_teaching": 1.5, "internet_fibre": 2}},
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert fact.json()["errors"] == [
        {
            "code": "monitoring.fact_integer",
            "message": "Số máy tính dùng được cho dạy học: must be a whole number.",
            "field": "computers_teaching",
            "row": None,
        },
        {
            "code": "monitoring.fact_yesno",
            "message": "Trường kết nối Internet bằng cáp quang: only 1 (yes) or 0 (no).",
            "field": "internet_fibre",
            "row": None,
        },
    ]
    ok = api.put(
        url,
        {
            "values": {"T02": {"numerator": 3, "denominator": 4}},
            "sections": {"results": "Tốt"},
            "facts": {"computers_teaching": 20, "internet_fibre": 1},
        },
        content_type="application/json",
    )
    assert ok.json()["values"]["T02"] == {"numerator": "3.00", "denominator": "4.00", "note": ""}
    assert ok.json()["facts"] == {
        "computers_teaching": "20",
        "internet_mbps": None,
        "internet_fibre": "1",
    }
    first = api.post(f"{url}/submit", headers={"Idempotency-Key": "k1"})
    again = api.post(f"{url}/submit", headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert ReportVersion.objects.filter(report__unit=reform.school_a).count() == 1
    assert first.json()["late"] is True  # today is after 10/12/2025: accepted, flagged

    office = token_client(officer)
    listing = office.get(f"{API}/monitoring/reports?unit={reform.lam_dong.pk}&year=2025").json()
    assert listing["counts"] == {
        "schools": 1, "submitted": 1, "accepted": 0, "late": 1, "overdue": 0
    }  # fmt: skip
    assert listing["schools"][0]["overdue"] is False
    # The schools' facts and their totals (a yes/no counts the schools answering yes).
    assert [(s["facts"], s["facts_year"]) for s in listing["schools"]] == [
        ({"computers_teaching": "20", "internet_mbps": None, "internet_fibre": "1"}, [2025])
    ]
    assert listing["fact_totals"] == {
        "computers_teaching": {"sum": "20", "schools": 1},
        "internet_mbps": {"sum": "0", "schools": 0},
        "internet_fibre": {"sum": "1", "schools": 1},
    }
    r = office.post(
        f"{url}/review", {"accept": False, "comment": "Bổ sung"}, content_type="application/json"
    )
    assert r.json()["status"] == "returned"
    assert api.post(f"{url}/submit").json()["version"] == 2


def test_dx_api(reform, principal):
    api = token_client(principal)
    url = f"{API}/monitoring/dx/{reform.school_a.pk}/2026"
    a = api.get(url).json()
    assert a["framework"] == "QD4725-2022" and a["level"] == 1
    r = api.put(url, {"answers": {"2.3.5": {"points": 7}}}, content_type="application/json")
    assert next(x for x in r.json()["answers"] if x["criterion"] == "2.3.5")["points"] == "7.00"
    r = api.put(url, {"answers": {"2.3.5": {"points": 11}}}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "monitoring.dx_points"
    assert a["scores"]["QT"]["points"] == 3.6  # pre-filled 2.3.2 only
    # The pre-fill note in both languages, whatever the request's (rendered when read).
    note = next(x for x in a["answers"] if x["criterion"] == "2.3.2")
    assert (note["data_note"], note["data_note_en"]) == (
        "3/5 hồ sơ học sinh, cán bộ có mã định danh",
        "3/5 student and staff records with a personal ID number",
    )


def test_alerts_api_is_scoped(reform, officer):
    import datetime as dt

    from edudx.monitoring.alerts import alerts_evaluate
    from edudx.monitoring.reports import template_ensure

    template_ensure(2025)
    alerts_evaluate(today=dt.date(2025, 12, 11))
    rows = token_client(officer).get(f"{API}/monitoring/alerts").json()["items"]
    overdue = [r for r in rows if r["rule"] == "report_overdue"]
    assert [r["unit"] for r in overdue] == ["Trường THCS Lê Lợi"]  # not school B
    assert overdue[0]["url"] == f"/monitoring/report/?unit={reform.school_a.pk}&year=2025"
    only = token_client(officer).get(
        f"{API}/monitoring/alerts", {"rule": "report_overdue", "page_size": 1}
    )
    assert [(r["rule"], r["unit"]) for r in only.json()["items"]] == [
        ("report_overdue", "Trường THCS Lê Lợi")
    ]
    assert (only.json()["count"], only.json()["page_size"]) == (1, 1)
