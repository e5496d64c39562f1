"""Asset pages: the clerk's register (filters, diacritic-insensitive search, create, edit,
dispose), the stock-take walk, the officers' summary, CSV export, and scoping (404 for
another school's item, room or check; 403 for an officer's write)."""

import csv
import datetime as dt
import io

import pytest
from django.test import Client

from edudx.assets import services
from edudx.assets.models import AssetItem, Condition, InventoryResult, Room
from tests.pages.conftest import otp_login

from .conftest import cat

pytestmark = pytest.mark.django_db


def test_register_filters_and_search_without_diacritics(district, register, clerk):
    client = otp_login(Client(), clerk)
    assert client.get("/assets/").url == "/assets/items/"
    body = client.get("/assets/items/").content.decode()
    assert "MT-01 · Máy tính để bàn Dell" in body and "MC-01" in body
    assert "12.500.000\u00a0đ" in body
    found = client.get("/assets/items/", {"q": "may chieu"}).content.decode()
    assert "MC-01" in found and "MT-01" not in found
    by_room = client.get("/assets/items/", {"room": register.lab.pk}).content.decode()
    assert "MT-02" in by_room and "MC-01" not in by_room
    by_cat = client.get("/assets/items/", {"category": cat("projector").pk}).content.decode()
    assert "MC-01" in by_cat and "MT-02" not in by_cat


def test_clerk_creates_edits_and_disposes_an_item(district, register, clerk):
    client = otp_login(Client(), clerk)
    school = district.school_a.pk
    bad = client.post(
        f"/assets/items/new/?school={school}",
        {"school": school, "tag": "MT-01", "name": "Máy tính", "category": cat("tv").pk,
         "funding": "state_budget", "acquired_on": "31/02/2024", "value": "12,5 triệu"},
    )  # fmt: skip
    html = bad.content.decode()
    assert bad.status_code == 400
    assert "Ngày đưa vào sử dụng: Ngày &#x27;31/02/2024&#x27; không đúng định dạng" in html
    assert "Nguyên giá là số nguyên đồng, không âm." in html
    # Both fields marked with their error under them; the first (the date) focused.
    assert (
        'value="31/02/2024" aria-invalid="true" aria-describedby="e-acquired_on" autofocus>\n'
        '    <p class="field-error" id="e-acquired_on" role="alert">Ngày đưa vào sử dụng: '
    ) in html
    assert (
        'value="12,5 triệu" aria-invalid="true" aria-describedby="e-value">\n'
        '    <p class="field-error" id="e-value" role="alert">Nguyên giá là số '
    ) in html
    assert html.count("autofocus") == 1
    response = client.post(
        f"/assets/items/new/?school={school}",
        {"school": school, "tag": "TV-01", "name": "Ti vi Samsung 55 inch",
         "category": cat("tv").pk, "room": register.c6.pk, "funding": "sponsor",
         "acquired_on": "05/09/2023", "value": "14.990.000", "condition": "good"},
    )  # fmt: skip
    item = AssetItem.objects.get(school=district.school_a, tag="TV-01")
    assert response.url == f"/assets/items/{item.pk}/"
    assert (item.value, item.acquired_on, item.room_id) == (
        14_990_000,
        dt.date(2023, 9, 5),
        register.c6.pk,
    )
    page = client.get(f"/assets/items/{item.pk}/").content.decode()
    assert 'value="05/09/2023"' in page and "14.990.000\u00a0đ" in page
    client.post(
        f"/assets/items/{item.pk}/",
        {"tag": "TV-01", "name": "Ti vi Samsung 55 inch", "category": cat("tv").pk,
         "room": register.c6.pk, "funding": "sponsor", "acquired_on": "05/09/2023",
         "value": "14990000", "condition": "needs_repair"},
    )  # fmt: skip
    item.refresh_from_db()
    assert item.condition == Condition.NEEDS_REPAIR
    client.post(
        f"/assets/items/{item.pk}/dispose/", {"disposed_on": "01/10/2025", "reason": "Cháy nguồn"}
    )
    item.refresh_from_db()
    assert (item.condition, item.disposed_on) == (Condition.DISPOSED, dt.date(2025, 10, 1))
    assert "TV-01 · Ti vi" not in client.get("/assets/items/").content.decode()
    disposed = client.get("/assets/items/", {"condition": "disposed"}).content.decode()
    assert "TV-01 · Ti vi" in disposed


def test_another_schools_objects_are_404_and_officers_read_only(district, register, clerk_b):
    client = otp_login(Client(), clerk_b)
    assert client.get(f"/assets/items/{register.mt1.pk}/").status_code == 404
    assert client.get(f"/assets/rooms/{register.lab.pk}/").status_code == 404
    response = client.post(
        f"/assets/items/{register.mt1.pk}/dispose/", {"disposed_on": "01/10/2025", "reason": "x"}
    )
    assert response.status_code == 404
    # ?school= of a school out of scope falls back to the clerk's own school.
    listing = client.get(f"/assets/items/?school={district.school_a.pk}").content.decode()
    assert "Máy tính để bàn Dell" in listing and "MC-01" not in listing
    check = services.check_open(
        actor=None, school=district.school_a, check_date=dt.date(2025, 12, 1)
    )
    assert client.get(f"/assets/checks/{check.pk}/").status_code == 404


def test_officer_summary_and_no_writes(district, register, officer):
    client = otp_login(Client(), officer)
    assert client.get("/assets/").url == "/assets/summary/"
    body = client.get("/assets/summary/").content.decode()
    assert "Trường THCS Lê Lợi" in body and "Trường THCS Nguyễn Du" in body
    assert "23.500.000\u00a0đ" in body  # school A: 12.5 + 11 million (MC-01 has no value)
    assert "36.000.000\u00a0đ" in body  # the total with school B's 12.5 million
    page = client.get(f"/assets/items/{register.mt1.pk}/")
    assert page.status_code == 200 and "Thanh lý tài sản" not in page.content.decode()
    response = client.post(
        f"/assets/items/{register.mt1.pk}/dispose/", {"disposed_on": "01/10/2025", "reason": "x"}
    )
    assert response.status_code == 403


def test_stock_take_walk_room_by_room(district, register, clerk):
    client = otp_login(Client(), clerk)
    response = client.post(
        "/assets/checks/", {"school": district.school_a.pk, "check_date": "20/12/2025"}
    )
    check = district.school_a.asset_checks.get()
    assert response.url == f"/assets/checks/{check.pk}/"
    walk = client.get(response.url).content.decode()
    assert "Đã kiểm 0/3 tài sản." in walk and "Phòng Tin học 1" in walk
    room_url = f"/assets/checks/{check.pk}/rooms/{register.lab.pk}/"
    form = client.get(room_url).content.decode()
    assert f'name="found-{register.mt1.pk}"' in form
    client.post(
        room_url,
        {f"found-{register.mt1.pk}": "yes", f"cond-{register.mt1.pk}": "broken",
         f"found-{register.mt2.pk}": "no"},
    )  # fmt: skip
    results = {
        r.item.tag: (r.found, r.condition_seen)
        for r in InventoryResult.objects.filter(inventory=check)
    }
    assert results == {"MT-01": (True, "broken"), "MT-02": (False, "")}
    assert "Đã kiểm 2/3 tài sản." in client.get(f"/assets/checks/{check.pk}/").content.decode()
    client.post(f"/assets/checks/{check.pk}/", {"action": "close"})
    check.refresh_from_db()
    assert check.closed_at is not None
    assert client.get(f"/assets/checks/{check.pk}/rooms/{register.room_b.pk}/").status_code == 404


def test_csv_export_of_the_register(district, register, clerk):
    services.item_dispose(
        actor=None, item=register.mt2, disposed_on=dt.date(2025, 3, 1), reason="Hỏng bo mạch"
    )
    client = otp_login(Client(), clerk)
    response = client.get("/assets/items/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = response.content.decode("utf-8")
    assert raw.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(raw[1:])))
    assert rows[0][:7] == [
        "Mã tài sản", "Tên", "Loại", "Phòng / vị trí", "Số sê-ri", "Ngày đưa vào sử dụng",
        "Nguyên giá (đồng)",
    ]  # fmt: skip
    assert rows[1:] == [
        ["MC-01", "Máy chiếu Epson", "Máy chiếu", "Phòng học 6A1", "", "15/08/2022", "",
         "Tài trợ, xã hội hóa", "Tốt", "", "", ""],
        ["MT-01", "Máy tính để bàn Dell", "Máy tính để bàn dạy học (phòng Tin học)",
         "Phòng Tin học 1", "", "15/08/2022", "12500000", "Ngân sách nhà nước", "Tốt", "", "",
         ""],
        ["MT-02", "Máy tính để bàn HP", "Máy tính để bàn dạy học (phòng Tin học)",
         "Phòng Tin học 1", "", "01/10/2024", "11000000", "Ngân sách nhà nước", "Đã thanh lý",
         "01/03/2025", "Hỏng bo mạch", ""],
    ]  # fmt: skip


def test_register_page_and_api_list_cost_the_same_queries_for_more_items(district, register, clerk):
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    from tests.api.conftest import API, token_client  # noqa: PLC0415

    from .conftest import item_data  # noqa: PLC0415

    page = otp_login(Client(), clerk)
    api = token_client(clerk, scopes=("read",))

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as pages:
            assert page.get("/assets/items/").status_code == 200
        with CaptureQueriesContext(connection) as calls:
            assert api.get(f"{API}/assets/items").status_code == 200
        return len(pages), len(calls)

    count()  # the first API call stamps the token's last use
    before = count()
    for n in range(5):
        services.item_create(
            actor=None,
            school=district.school_a,
            data=item_data(
                tag=f"BG-{n}", category_id=cat("desks_chairs").pk, room_id=register.c6.pk
            ),
        )
    assert count() == before


def test_pages_need_the_second_factor_and_speak_english_when_chosen(
    district, register, clerk, settings
):
    without = Client()
    without.force_login(clerk)
    blocked = without.get("/assets/items/")
    assert blocked.status_code == 302
    assert blocked.url.startswith("/accounts/otp/?next=/assets/items/")
    client = otp_login(Client(), clerk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/assets/items/").content.decode()
    assert "Asset register · Trường THCS Lê Lợi" in english
    assert "Download CSV" in english and "Good" in english


def test_officer_summary_by_school_year(district, register, officer):
    check = services.check_open(
        actor=None, school=district.school_a, check_date=dt.date(2025, 12, 20)
    )
    services.inventory_record(
        actor=None,
        check=check,
        room_id=register.lab.pk,
        results={register.mt1.pk: (True, "good"), register.mt2.pk: (False, "")},
    )
    services.check_close(actor=None, check=check)
    client = otp_login(Client(), officer)

    def row_of_a(params) -> str:
        html = client.get("/assets/summary/", params).content.decode()
        start = html.index("Trường THCS Lê Lợi</a>")
        return html[start : html.index("</tr>", start)]

    checked = row_of_a({"year": 2025})
    # 3 items; MT-01 found (complete: T11 counts it), MT-02 not found, MC-01 not checked.
    assert '<td class="num" data-label="Đã kiểm kê">33%</td>' in checked
    assert '<td class="num" data-label="Hồ sơ số đầy đủ">33%</td>' in checked
    assert '<td class="num" data-label="Máy tính dạy học dùng được">2</td>' in checked
    # A computer needing repair is still usable (the yearly report's rule); a broken one not.
    for condition, usable in (("needs_repair", 2), ("broken", 1)):
        AssetItem.objects.filter(pk=register.mt2.pk).update(condition=condition)
        row = row_of_a({"year": 2025})
        assert f'<td class="num" data-label="Máy tính dạy học dùng được">{usable}</td>' in row
    later = row_of_a({"year": 2026})
    assert '<td class="num" data-label="Đã kiểm kê">0%</td>' in later


def test_refused_room_check_and_disposal_forms_come_back_as_typed(district, register, clerk):
    """Each refused form (decision 30): 400, the values as typed, the error under its field,
    the field marked and focused; nothing written."""
    client = otp_login(Client(), clerk)
    school = district.school_a.pk
    rooms = client.post(
        f"/assets/rooms/?school={school}",
        {"school": school, "name": "Phòng Lý 2", "kind": "lab", "floor_area": "năm mươi",
         "condition": "good"},
    )  # fmt: skip
    html = rooms.content.decode()
    assert rooms.status_code == 400
    assert (
        'inputmode="decimal" value="năm mươi" aria-invalid="true" '
        'aria-describedby="e-floor_area" autofocus>\n    <p class="field-error" '
        'id="e-floor_area" role="alert">Diện tích là số m² lớn hơn 0, ví dụ 54 '
        "hoặc 54,5.</p>"
    ) in html
    assert 'value="Phòng Lý 2"' in html and '<option value="lab" selected>' in html
    assert not Room.objects.filter(name="Phòng Lý 2").exists()
    edit = client.post(
        f"/assets/rooms/{register.lab.pk}/",
        {"name": "", "kind": "lab", "floor_area": "60", "condition": "good"},
    )
    html = edit.content.decode()
    assert edit.status_code == 400
    assert 'required value="" aria-invalid="true" aria-describedby="e-name" autofocus>' in html
    assert 'value="60"' in html and html.count("autofocus") == 1
    register.lab.refresh_from_db()
    assert register.lab.name == "Phòng Tin học 1"
    checks = client.post(
        "/assets/checks/", {"school": school, "check_date": "20/13/2025", "note": "Ban KK: 3 người"}
    )
    html = checks.content.decode()
    assert checks.status_code == 400
    assert 'value="20/13/2025" aria-invalid="true" aria-describedby="e-check_date" autofocus>' in (
        html
    )
    assert 'value="Ban KK: 3 người">' in html
    assert not district.school_a.asset_checks.exists()
    item = register.mt1
    gone = client.post(f"/assets/items/{item.pk}/dispose/", {"disposed_on": "01/10/2025"})
    html = gone.content.decode()
    assert gone.status_code == 400
    assert (
        'required value="" aria-invalid="true" aria-describedby="e-dispose_reason" autofocus>\n'
        '    <p class="field-error" id="e-dispose_reason" role="alert">Lý do: Nhập lý do thanh '
        "lý.</p>"
    ) in html
    assert 'name="disposed_on" inputmode="numeric" required value="01/10/2025">' in html
    assert html.count("autofocus") == 1
    item.refresh_from_db()
    assert item.condition != Condition.DISPOSED
