import csv
import io
import re

import lxml.html
import pytest
from django.test import Client
from openpyxl import load_workbook

from edudx.core import events
from edudx.monitoring.models import DxAssessment, ReportStatus, YearlyReport
from edudx.monitoring.services import indicators_recompute
from tests.pages.conftest import otp_login

PDF = b"%PDF-1.4\n%%EOF"


def test_dashboard_reads_the_summary_and_drills_down(
    client, reform, officer, django_assert_max_num_queries
):
    indicators_recompute(year=2025)
    otp_login(client, officer)
    with django_assert_max_num_queries(16):  # 21 at first, 18, then 16 (docs/monitoring.md)
        r = client.get("/monitoring/?year=2025&indicator=T10")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Trung tâm điều hành – Tỉnh Lâm Đồng" in html
    assert "Xã Nam Bình" in html  # the drill-down: the commune under the province in 2025
    assert "1/2 giáo viên" in html  # T10 of the province: 1 of 2 teachers
    assert 'class="chart trend"' in html and 'class="chart bars"' in html
    nav = html.split('<nav class="main-nav"')[1].split("</nav>")[0]
    assert ">Trung tâm điều hành<" in nav and ">Báo cáo năm<" in nav
    r = client.get(f"/monitoring/?unit={reform.commune_a.pk}&year=2025")
    assert "Trường THCS Lê Lợi" in r.content.decode()
    # Outside the officer's scope (the old province): refused.
    assert client.get(f"/monitoring/?unit={reform.province.pk}&year=2025").status_code == 403
    # In English the indicators are named in English: the filter, the table, the heading.
    client.cookies["django_language"] = "en"
    en = client.get("/monitoring/?year=2025&indicator=T10").content.decode()
    name = "Teachers with a digital record and unified ID"
    assert f'<option value="T10" selected>T10 {name}</option>' in en
    assert f'<h2 id="h-children">T10 {name} — ' in en
    assert ">1/2 teachers</td>" in en  # the unit too ("1/2 giáo viên" in Vietnamese)
    assert "Nhà giáo có hồ sơ số" not in en


def test_map_geojson_and_exports(client, reform, officer):
    from decimal import Decimal

    from edudx.org.models import School

    School.objects.filter(unit=reform.school_a).update(
        latitude=Decimal("12.245"), longitude=Decimal("107.615")
    )
    indicators_recompute(year=2025)
    otp_login(client, officer)
    geo = client.get("/monitoring/map.geojson?year=2025&colour=T10").json()
    kinds = [(f["properties"]["kind"], f["properties"]["name"]) for f in geo["features"]]
    assert kinds == [("commune", "Xã Nam Bình"), ("school", "Trường THCS Lê Lợi")]
    school = geo["features"][1]
    assert school["geometry"]["coordinates"] == [107.615, 12.245]
    assert (school["properties"]["value"], school["properties"]["status"]) == (50.0, "bad")
    ring = geo["features"][0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 5  # one school: a padded square
    assert client.get("/monitoring/leaflet/leaflet.js").status_code == 200
    assert client.get("/monitoring/leaflet/../settings.py").status_code == 404

    r = client.get("/monitoring/export.csv?year=2025")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Mã", "Chỉ tiêu", "Tử số"]
    assert next(x for x in rows if x[0] == "T10")[2:5] == ["1.0", "2.0", "50.0"]
    wb = load_workbook(io.BytesIO(client.get("/monitoring/export.xlsx?year=2025").content))
    assert wb.sheetnames == ["Chỉ tiêu", "T09 theo đơn vị"]


def test_a_principal_fills_and_submits_the_report_page(client, reform, principal, officer):
    otp_login(client, principal)
    url = f"/monitoring/report/?unit={reform.school_a.pk}&year=2025"
    r = client.get(url)
    assert r.status_code == 200 and "Hạn nộp: 10/12/2025" in r.content.decode()
    # Today is after 10/12/2025 and nothing is submitted yet: the school is told, and so is
    # the office that consolidates.
    assert 'Đang soạn – <span class="flagged">quá hạn</span>' in r.content.decode()
    office = otp_login(Client(), officer)
    before = office.get(f"/monitoring/consolidated/?unit={reform.lam_dong.pk}&year=2025")
    assert "1 trường chưa nộp, quá hạn 10/12/2025" in before.content.decode()
    office.cookies["django_language"] = "en"
    before = office.get(f"/monitoring/consolidated/?unit={reform.lam_dong.pk}&year=2025")
    assert "1 school has not submitted, due 10/12/2025" in before.content.decode()
    typed = {
        "T02-num": "130", "T02-den": "100", "T02-note": "Sổ theo dõi",
        "section-results": "Đã triển khai sổ điểm điện tử.", "action": "submit",
    }  # fmt: skip
    r = client.post(url, typed)
    page = r.content.decode()
    # The report comes back as typed (400), the error at its row, the row focused.
    assert r.status_code == 400
    assert "T02: tử số 130 lớn hơn mẫu số 100." in page
    assert re.search(
        r'name="T02-num" [^>]*value="130" aria-invalid="true" aria-describedby="e-T02" '
        r"autofocus",
        page,
    )
    assert '<p class="field-error" id="e-T02" role="alert">T02: tử số 130 lớn hơn' in page
    assert 'name="T02-den"' in page and 'value="100"' in page
    assert 'value="Sổ theo dõi"' in page and ">Đã triển khai sổ điểm điện tử.</textarea>" in page
    assert YearlyReport.objects.get(unit=reform.school_a).version == 0
    assert not YearlyReport.objects.get(unit=reform.school_a).values.exists()  # nothing written
    client.post(url, {"key": "plan", "file": io.BytesIO(PDF)}, format="multipart")
    # A file that is not one of the accepted kinds: the page again (400), the item picked
    # still picked, the error at the file field, nothing stored.
    bad = io.BytesIO(b"not a pdf")
    bad.name = "ke-hoach.docx"
    r = client.post(url, {"key": "evidence", "file": bad})
    page = r.content.decode()
    assert r.status_code == 400
    assert '<option value="evidence" selected>' in page
    assert (
        'name="file" accept="application/pdf,image/png,image/jpeg" required '
        'aria-invalid="true" aria-describedby="e-file" autofocus>'
    ) in page
    assert (
        '<p class="field-error" id="e-file" role="alert">'
        "Tệp ke-hoach.docx không phải PDF, PNG hoặc JPEG.</p>"
    ) in page
    assert YearlyReport.objects.get(unit=reform.school_a).files.count() == 1
    r = client.post(url, {"fact-computers_teaching": "ba mươi", "action": "save"})
    page = r.content.decode()
    assert r.status_code == 400
    assert "Số máy tính dùng được cho dạy học: không phải là số." in page
    assert re.search(  # marked, described by its error (and its pre-fill suggestion, if any)
        r'name="fact-computers_teaching" value="ba mươi" aria-invalid="true" '
        r'aria-describedby="e-fact-computers_teaching( suggest-computers_teaching)?" autofocus>',
        page,
    )
    for typed in ("NaN", "-Infinity"):  # decimals, but no count (NaN was a server error)
        r = client.post(url, {"fact-computers_teaching": typed, "action": "save"})
        assert r.status_code == 400
        assert "Số máy tính dùng được cho dạy học: không phải là số." in r.content.decode()
    assert page.count("autofocus") == 1
    r = client.post(
        url,
        {
            "T02-num": "2", "T02-den": "3", "fact-computers_teaching": "30",
            "fact-internet_fibre": "1", "action": "submit",
        },
        follow=True,
    )  # fmt: skip
    assert 'name="fact-computers_teaching" value="30"' in r.content.decode()
    assert '<option value="1" selected>Có</option>' in r.content.decode()
    report = YearlyReport.objects.get(unit=reform.school_a)
    facts = report.versions.get().payload["facts"]
    assert facts == {"computers_teaching": "30", "internet_mbps": None, "internet_fibre": "1"}
    assert (report.version, report.status) == (1, ReportStatus.SUBMITTED)
    events.deliver_pending()

    client.logout()
    otp_login(client, officer)
    page = client.get(f"/monitoring/consolidated/?unit={reform.lam_dong.pk}&year=2025")
    assert "Trường THCS Lê Lợi" in page.content.decode()
    assert "chưa nộp, quá hạn" not in page.content.decode()  # submitted, late
    facts_table = page.content.decode().split('id="school-facts"')[1].split("</table>")[0]
    assert [
        re.sub(r"<[^>]+>", "|", row).replace("||", "|").strip("|")
        for row in re.findall(r"<tr>.*?</tr>", facts_table, re.S)[1:]
    ] == [
        "Trường THCS Lê Lợi|30|—|Có|2025",
        "Tổng cộng|30|0|1 trường có",
        "Số trường có số liệu|1|0|1",
    ]
    r = client.post(
        f"/monitoring/consolidated/?unit={reform.lam_dong.pk}&year=2025",
        {"report": report.pk, "action": "return", "comment": ""},
        follow=True,
    )
    assert "Trả lại báo cáo cần ghi rõ nội dung cần bổ sung." in r.content.decode()
    client.post(
        f"/monitoring/consolidated/?unit={reform.lam_dong.pk}&year=2025",
        {"report": report.pk, "action": "accept"},
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    xlsx = client.get(f"/monitoring/consolidated/?unit={reform.lam_dong.pk}&year=2025&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_dx_pages_and_the_public_list(client, reform, principal, officer):
    otp_login(client, principal)
    url = f"/monitoring/dx/?unit={reform.school_a.pk}&year=2026"
    assert "QĐ-BGDĐT" in client.get(url).content.decode()
    answers = DxAssessment.objects.get(unit=reform.school_a, year=2026).answers
    before = answers.get(criterion__code="2.3.2").points
    r = client.post(
        url, {"p-2.5": "99", "p-2.3.2": "5", "l-2.5": "https://so.vn/a", "action": "save"}
    )
    page = r.content.decode()
    # The form again as typed (400), the error at its criterion, its points focused.
    assert r.status_code == 400
    assert "2.5: điểm 99 ngoài khoảng 0–10" in page
    assert re.search(
        r'name="p-2.5" aria-label="2.5" value="99" aria-invalid="true" '
        r'aria-describedby="e-2.5" autofocus',
        page,
    )
    assert '<p class="field-error" id="e-2.5" role="alert">2.5: điểm 99' in page
    assert 'name="p-2.3.2" aria-label="2.3.2" value="5">' in page  # typed, not saved
    assert 'value="https://so.vn/a"' in page
    assert answers.get(criterion__code="2.3.2").points == before != 5  # nothing written
    bad = io.BytesIO(b"GIF89a not accepted")
    bad.name = "anh.gif"
    r = client.post(url, {"criterion": "2.5", "file": bad})
    page = r.content.decode()
    assert r.status_code == 400
    assert "<option selected>2.5</option>" in page
    assert 'required aria-invalid="true" aria-describedby="e-file" autofocus>' in page
    assert "Tệp anh.gif không phải PDF, PNG hoặc JPEG.</p>" in page
    client.post(url, {"m-2.1": "1", "m-2.2": "1", "p-2.3.2": "6", "action": "submit"})
    client.logout()
    otp_login(client, officer)
    client.post(url, {"action": "publish"})
    client.logout()
    public = client.get("/monitoring/dx/public/")
    assert public.status_code == 200  # no sign-in
    assert "Trường THCS Lê Lợi" in public.content.decode()
    assert "Mức 1 – chưa đáp ứng" in public.content.decode()
    assert "Chuyển đổi số trong dạy, học: " in public.content.decode()
    client.cookies["django_language"] = "en"
    public = client.get("/monitoring/dx/public/").content.decode()
    assert "Digital transformation in teaching and learning: " in public
    assert "Chuyển đổi số trong dạy, học" not in public


def test_the_dx_page_says_what_the_data_shows_in_the_pages_language(client, reform, principal):
    otp_login(client, principal)
    url = f"/monitoring/dx/?unit={reform.school_a.pk}&year=2026"
    vi = client.get(url).content.decode()
    assert ">0 — 0/3 học sinh học trực tuyến năm học 2025-2026</td>" in vi
    client.cookies["django_language"] = "en"
    en = client.get(url).content.decode()
    assert ">0 — 0/3 students learning online in school year 2025-2026</td>" in en
    assert "học trực tuyến năm học" not in en
    # The framework's groups, criteria and evidence in English too (the data has them).
    assert "<h2>Digital transformation in teaching and learning — " in en
    assert ("<strong>1.2</strong> Regulation on organising online teaching issued <em>(") in en
    assert "<small>Regulation (PDF) or link</small>" in en
    assert "Ban hành quy chế tổ chức dạy học trực tuyến" not in en
    assert "<strong>1.2</strong> Ban hành quy chế tổ chức dạy học trực tuyến <em>(" in vi


def test_an_office_dx_page_shows_the_total_its_level_is_taken_on(client, reform, officer):
    otp_login(client, officer)
    url = f"/monitoring/dx/?unit={reform.lam_dong.pk}&year=2026"
    client.get(url)
    points = {"1.1": 15, "1.2": 10, "1.3": 0, "1.4": 0, "2.1": 0, "2.2": 0, "2.3": 20, "2.4": 5.5}
    client.post(url, {f"p-{c}": str(p) for c, p in points.items()} | {"action": "save"})
    page = client.get(url).content.decode()
    assert "Quyết định 3806/QĐ-BGDĐT ngày 29/11/2024" in page
    assert "Tổng điểm 50,5/100 (mức tính trên tổng điểm)" in page
    assert "Mức 2 – đáp ứng cơ bản" in page
    assert "Kết quả chuyển đổi số ở cơ sở giáo dục — 25,5/50" in page


def test_forecast_page(client, reform, officer):
    from edudx.monitoring.forecast import grade_counts_refresh
    from edudx.monitoring.models import GradeCount

    grade_counts_refresh()
    GradeCount.objects.create(school=reform.school_a, year=2024, grade=6, students=2)
    GradeCount.objects.create(school=reform.school_a, year=2023, grade=6, students=2)
    otp_login(client, officer)
    r = client.get("/monitoring/forecast/")
    html = r.content.decode()
    assert r.status_code == 200
    # School A: entry carried forward (no births in the commune on the platform): 3 a year.
    assert "2026–2027" in html and "Trường THCS Lê Lợi" in html
    # Backtest: 2025 forecast from 2023–2024 is 2 (carried forward), actual 3: 33%.
    assert "33%" in html
    # On a phone the table stacks: each figure says which school year it is.
    doc = lxml.html.fromstring(r.content)
    (school_a,) = doc.xpath('//table[@id="forecast-schools"]//tr[td[1]="Trường THCS Lê Lợi"]')
    labels = school_a.xpath("td/@data-label")
    assert labels[0] == "2026–2027" and labels[-1] == "Sai số kiểm định"
    assert school_a.xpath('td[@data-label="2026–2027"]/text()') == ["3"]


def test_the_cached_dashboard_follows_a_recompute(client, reform, officer, principal):
    from edudx.monitoring import reports

    indicators_recompute(year=2025)
    otp_login(client, officer)
    url = f"/monitoring/?unit={reform.lam_dong.pk}&year=2025&indicator=T02"
    assert "76,47%" not in client.get(url).content.decode()
    r = reports.report_get(actor=principal, unit=reform.school_a, year=2025)
    reports.report_save(
        actor=principal, report=r, values={"T02": {"numerator": "13", "denominator": "17"}}
    )
    reports.report_submit(actor=principal, report=r)
    events.deliver_pending()  # the worker: recompute, new cache generation
    assert "76,47%" in client.get(url).content.decode()


# The drill-down loop as _dashboard_body.html wrote it before the rows were built in Python.
DRILL_TEMPLATE = """{% load i18n %}{% translate "Kết quả" as c_result %}{% translate "Tỷ lệ" as c_rate %}{% translate "Nguồn" as c_source %}{% for c in children %}
      <tr><td class="primary"><a href="?unit={{ c.unit.pk }}&amp;year={{ year }}&amp;indicator={{ code }}">{{ c.unit.name }}</a></td>
      <td class="num" data-label="{{ c_result }}">{% if c.denominator is not None %}{{ c.numerator|floatformat:"-2" }}/{{ c.denominator|floatformat:"-2" }}{% else %}—{% endif %}</td>
      <td class="num" data-label="{{ c_rate }}"><span class="chip st-{{ c.status }}">{% if c.value is not None %}{{ c.value|floatformat:"-2" }}%{% else %}—{% endif %}</span></td>
      <td data-label="{{ c_source }}">{{ c.provenance }}</td></tr>
    {% endfor %}"""  # noqa: E501


def test_drill_rows_are_the_templates_html(db):
    """The drill-down rows built without the template engine are byte for byte what the
    template loop rendered: numbers (decimal comma in Vietnamese, point in English,
    whole numbers without decimals), missing values, escaping of names and of the code."""
    from decimal import Decimal
    from types import SimpleNamespace

    from django.template import Context, Template
    from django.utils import translation

    from edudx.monitoring.views import drill_rows

    children = [
        {"unit": SimpleNamespace(pk=7, name="Xã Nam Bình"), "numerator": Decimal("2.00"),
         "denominator": Decimal("3.00"), "value": Decimal("66.67"), "status": "warn",
         "provenance": "Tính từ dữ liệu"},
        {"unit": SimpleNamespace(pk=12345, name='Trường "A" & <B>'),
         "numerator": Decimal("1234.50"), "denominator": Decimal("1300"),
         "value": Decimal("94.96"), "status": "ok", "provenance": "Tổng hợp"},
        {"unit": SimpleNamespace(pk=9, name="Phường 1"), "numerator": None,
         "denominator": None, "value": None, "status": "none",
         "provenance": "Chưa có số liệu"},
        {"unit": SimpleNamespace(pk=10, name="Xã Đắk Môl"), "numerator": Decimal(0),
         "denominator": Decimal(0), "value": None, "status": "none",
         "provenance": "Tự báo cáo"},
    ]  # fmt: skip
    for lang in ("vi", "en"):
        for code in ("T09", 'T<"&'):
            with translation.override(lang):
                before = Template(DRILL_TEMPLATE).render(
                    Context({"children": children, "year": 2025, "code": code})
                )
                after = drill_rows(children, year=2025, code=code)
            assert after == before
    with translation.override("vi"):
        assert ">1234,50/1300</td>" in drill_rows(children, year=2025, code="T09")
    assert drill_rows([], year=2025, code="T09") == ""


# The indicator table's loop and the indicator filter's options as _dashboard_body.html
# wrote them before they were built in Python.
VALUES_TEMPLATE = """{% load i18n %}{% translate "Kết quả" as l_result %}{% translate "Tỷ lệ" as l_rate %}{% translate "Mục tiêu" as l_target %}{% translate "Nguồn" as l_source %}{% translate "Xu hướng" as l_trend %}{% for r in values %}
      <tr class="row-{{ r.status }}">
        <td class="primary"><a href="?unit={{ unit.pk }}&amp;year={{ year }}&amp;indicator={{ r.code }}">{{ r.code }}</a> {{ r.label }}</td>
        <td class="num" data-label="{{ l_result }}">{% if r.denominator is not None %}{{ r.numerator|floatformat:"-2" }}/{{ r.denominator|floatformat:"-2" }} {{ r.unit_label }}{% else %}—{% endif %}</td>
        <td class="num" data-label="{{ l_rate }}"><span class="chip st-{{ r.status }}">{% if r.value is not None %}{{ r.value|floatformat:"-2" }}%{% else %}—{% endif %}</span></td>
        <td class="num" data-label="{{ l_target }}">{% if r.target is not None %}{{ r.target|floatformat:"-2" }}%{% endif %}{% if r.target_note_label %} <small>({{ r.target_note_label }})</small>{% endif %}</td>
        <td data-label="{{ l_source }}">{{ r.provenance_label }}{% if r.computed_at %}<br><small>{{ r.computed_at|date:"d/m/Y H:i" }}</small>{% endif %}</td>
        <td data-label="{{ l_trend }}">{{ r.chart }}</td>
      </tr>
    {% endfor %}"""  # noqa: E501
OPTIONS_TEMPLATE = """{% for i in indicators %}<option value="{{ i.code }}"{% if i.code == code %} selected{% endif %}>{{ i.code }} {{ i.label }}</option>{% endfor %}"""  # noqa: E501


def test_value_rows_and_options_are_the_templates_html(db):
    """The indicator rows and options built without the template engine are byte for byte
    what the template loops rendered: numbers, units, targets and their notes, the
    computation time in the local time zone (a UTC instant past 17:00 is the next day in
    Hà Nội), missing values, escaping, the trend chart kept as it is."""
    import datetime as dt
    from decimal import Decimal
    from types import SimpleNamespace

    from django.template import Context, Template
    from django.utils import translation

    from edudx.monitoring.charts import trend_svg
    from edudx.monitoring.views import indicator_options, value_rows

    chart = trend_svg([(2024, Decimal("40")), (2025, Decimal("66.67"))], Decimal(50), label="T<1>")
    values = [
        {"code": "T01", "name": "Trường tổ chức STEM", "unit": "trường",
         "numerator": Decimal("22.00"), "denominator": Decimal("31.00"),
         "value": Decimal("70.97"), "target": Decimal("50.00"),
         "target_note": "Phụ lục 2 mục 4c: 100%", "status": "ok",
         "provenance_label": "Tự báo cáo",
         "computed_at": dt.datetime(2026, 11, 29, 17, 5, 1, 669761, tzinfo=dt.UTC),
         "chart": chart},
        {"code": 'T<"&', "name": 'Giáo viên "A" & <B>', "unit": "<giáo viên>",
         "numerator": Decimal("1234.50"), "denominator": Decimal("1300"),
         "value": Decimal("94.96"), "target": Decimal("100"), "target_note": "",
         "status": "warn", "provenance_label": "Tổng hợp",
         "computed_at": dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.UTC), "chart": chart},
        {"code": "T26", "name": "Chưa tính", "unit": "học sinh", "numerator": None,
         "denominator": None, "value": None, "target": None, "target_note": "",
         "status": "none", "provenance_label": "Chưa có số liệu", "computed_at": None,
         "chart": trend_svg([], None)},
        {"code": "T03", "name": "Không", "unit": "lớp", "numerator": Decimal(0),
         "denominator": Decimal(0), "value": None, "target": Decimal("33.33"),
         "target_note": "x < y", "status": "none", "provenance_label": "Tính từ dữ liệu",
         "computed_at": dt.datetime(2025, 6, 30, 23, 59, tzinfo=dt.UTC), "chart": chart},
    ]  # fmt: skip
    for v in values:
        v.update(label=v["name"], unit_label=v["unit"], target_note_label=v["target_note"])
    indicators = [SimpleNamespace(code=v["code"], label=v["name"]) for v in values]
    for lang in ("vi", "en"):
        with translation.override(lang):
            before = Template(VALUES_TEMPLATE).render(
                Context({"values": values, "unit": SimpleNamespace(pk=12345), "year": 2025})
            )
            assert value_rows(values, unit_pk=12345, year=2025) == before
            for code in ("T01", 'T<"&', "T99"):
                before = Template(OPTIONS_TEMPLATE).render(
                    Context({"indicators": indicators, "code": code})
                )
                assert indicator_options(indicators, code=code) == before
    with translation.override("vi"):
        html = value_rows(values, unit_pk=1, year=2025)
    assert "<small>30/11/2026 00:05</small>" in html
    assert ">1234,50/1300 &lt;giáo viên&gt;</td>" in html
    assert value_rows([], unit_pk=1, year=2025) == ""


def test_floatformat2_is_the_filter():
    """The dashboard's direct formatting of the summary's Decimals gives what
    `floatformat:"-2"` gives, in both languages: whole numbers, rounding half up (also to
    a whole number), negative values and a negative zero, trailing zeros, large values;
    anything that is not a finite Decimal goes to the filter itself."""
    import random
    from decimal import Decimal

    from django.template.defaultfilters import floatformat
    from django.utils import translation

    from edudx.monitoring.views import floatformat2

    rnd = random.Random(6)
    values = [Decimal(v) for v in (
        "0", "-0", "0.00", "-0.00", "-0.001", "-0.005", "0.005", "0.004", "0.995", "1.005",
        "2.675", "12.999", "-12.995", "50.00", "66.67", "66.70", "66.7", "100", "100.00",
        "1234.50", "1300", "99999999999999.99", "-99999999999999.99", "1E+2", "1.2E+3",
        "12345678901234567", "NaN", "Infinity", "-Infinity",
    )] + [
        Decimal(rnd.randint(-10**7, 10**7)).scaleb(-rnd.randint(0, 4)) for _ in range(2000)
    ] + [0, 7, 2.5, -1.125, "3.14159", None, ""]  # fmt: skip
    for lang in ("vi", "en"):
        with translation.override(lang):
            for v in values:
                assert floatformat2(v) == floatformat(v, "-2"), (lang, v)
    with translation.override("vi"):
        assert [floatformat2(Decimal(v)) for v in ("2.675", "70", "-0.001")] == [
            "2,68", "70", "0,00",
        ]  # fmt: skip


def test_dashboard_of_a_fresh_install_loads_the_indicator_definitions(client, district):
    """No recompute or demo has run: the nav's "Trung tâm điều hành" link (`/monitoring/`,
    default indicator T09) must still open, not 404 for want of Indicator rows."""
    from edudx.accounts.models import Role
    from edudx.monitoring.models import Indicator

    assert not Indicator.objects.exists()
    otp_login(client, district.user(Role.PRINCIPAL, district.school_a))
    r = client.get("/monitoring/")
    assert r.status_code == 200
    assert '<option value="T09" selected>' in r.content.decode()
    r = client.get(f"/monitoring/export.csv?unit={district.school_a.pk}")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:3]] == ["T01", "T02"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/monitoring/report/?year=2025&unit=", "Trường THCS Lê Lợi chưa lập báo cáo năm 2025."),
        (
            "/monitoring/dx/?year=2025&unit=",
            "Trường THCS Lê Lợi chưa tự đánh giá chuyển đổi số năm 2025.",
        ),
    ],
    ids=["yearly-report", "dx-self-assessment"],
)
def test_an_officer_follows_the_dashboard_link_of_a_school_that_has_not_started(
    client, district, path, message
):
    """The dashboard of a school links its yearly report and DX self-assessment for everyone
    who may see it; an officer above the school, who cannot start either, gets a page
    saying so, not a 403. Another school's principal is still refused."""
    from edudx.accounts.models import Role

    url = f"{path}{district.school_a.pk}"
    otp_login(client, district.user(Role.COMMUNE_OFFICER, district.commune_a))
    assert (
        f'href="{url.split("?")[0]}?unit={district.school_a.pk}'
        in client.get(f"/monitoring/?unit={district.school_a.pk}&year=2025").content.decode()
    )
    r = client.get(url)
    assert r.status_code == 200
    assert message in r.content.decode()
    otp_login(client, district.user(Role.PRINCIPAL, district.school_b))
    assert client.get(url).status_code == 403


def test_chart_tooltips_use_the_languages_decimal_comma():
    """The charts' <title>s (tooltips, screen readers) read 66,67% in Vietnamese, as the
    tables beside them do; 66.67% in English."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import translation

    from edudx.iot.charts import series_svg
    from edudx.monitoring.charts import bars_svg, trend_svg

    t0 = dt.datetime(2025, 10, 6, 1, 0, tzinfo=dt.UTC)
    seen = {}
    for lang in ("vi", "en"):
        with translation.override(lang):
            trend = trend_svg([(2024, Decimal("40")), (2025, Decimal("66.67"))], Decimal("62.5"))
            bars = bars_svg([("Xã Đức An", Decimal("96.36"), "ok")])
            series = series_svg(
                [(t0, 21.5)], since=t0, until=t0 + dt.timedelta(hours=1), threshold=30.5,
                unit="°C",
            )  # fmt: skip
        seen[lang] = (
            re.findall(r"<title>([^<]*)</title>", trend),
            re.findall(r"<title>([^<]*)</title>", bars),
            re.findall(r"<title>([^<]*)</title>", series),
        )
    assert seen["vi"] == (
        ["62,5%", "2024: 40%", "2025: 66,67%"],
        ["Xã Đức An: 96,36%"],
        ["30,5 °C", "06/10/2025 08:00: 21,5 °C"],
    )
    assert seen["en"] == (
        ["62.5%", "2024: 40%", "2025: 66.67%"],
        ["Xã Đức An: 96.36%"],
        ["30.5 °C", "06/10/2025 08:00: 21.5 °C"],
    )
