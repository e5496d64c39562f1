"""Officer pages for rounds (quotas, zones) and calendar days: allowed, forbidden, bad
input named on the page, usable at 360 px (no table wider than the screen, no script)."""

import pytest
from django.test import Client

from edudx.eservices.models import AdmissionRound, AdmissionZone, CalendarDay
from tests.pages.conftest import otp_login

pytestmark = pytest.mark.django_db


def round_form(world, **kw):
    return {
        "procedure": "admission_grade1",
        "unit": world.d.commune_a.pk,
        "school_year": "2026-2027",
        "name": "Tuyển sinh lớp 1 xã A",
        "opens_at": "2026-06-01T07:00",
        "closes_at": "2026-06-10T17:00",
        "confirm_until": "2026-06-20",
        "seed": "xa-a-2026",
        f"quota-{world.primary_a.pk}": "70",
        f"zones-{world.primary_a.pk}": f"{world.d.commune_a.name}: Thôn 1, Thôn 2\n",
        **kw,
    }


def test_officer_creates_then_edits_a_round_on_the_page(client, world):
    otp_login(client, world.officer_a)
    manage = client.get("/services/admissions/manage/").content.decode()
    assert "Tạo đợt tuyển sinh" in manage and world.d.commune_a.name in manage
    step2 = client.get(
        "/services/admissions/new/",
        {"procedure": "admission_grade1", "unit": world.d.commune_a.pk, "school_year": "2026-2027"},
    ).content.decode()
    assert "Trường Tiểu học Kim Đồng" in step2
    assert "Trường Tiểu học Võ Thị Sáu" not in step2  # commune B's school: not offered
    assert "<table" not in step2  # cards, not a wide table, at 360 px
    done = client.post("/services/admissions/new/", round_form(world), follow=True)
    r = AdmissionRound.objects.get()
    assert "Đã lưu đợt tuyển sinh Tuyển sinh lớp 1 xã A." in done.content.decode()
    assert sorted(AdmissionZone.objects.values_list("village", flat=True)) == ["Thôn 1", "Thôn 2"]
    assert r.schools.get().quota == 70
    # The edit page shows the zone box as it was typed (commune: villages).
    edit = client.get(f"/services/admissions/{r.pk}/edit/").content.decode()
    assert f"{world.d.commune_a.name}: Thôn 1, Thôn 2</textarea>" in edit
    client.post(
        f"/services/admissions/{r.pk}/edit/",
        round_form(world, **{f"quota-{world.primary_a.pk}": "105"}),
    )
    assert r.schools.get().quota == 105


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        pytest.param(
            {"closes_at": "2026-05-01T07:00"},
            "Thời gian đóng phải sau thời gian mở.",
            id="window",
        ),
        pytest.param(
            {"quota-A": "-3"},
            "Dòng 1: chỉ tiêu phải là số nguyên từ 0 trở lên.",
            id="quota",
        ),
        pytest.param(
            {"zones-A": "Xã Không Có\n"},
            "Tuyến của Trường Tiểu học Kim Đồng, dòng 1: không có xã/phường «Xã Không Có».",
            id="unknown-commune",
        ),
    ],
)
def test_bad_input_is_named_on_the_page_and_nothing_saved(client, world, kw, message):
    otp_login(client, world.officer_a)
    a = world.primary_a.pk
    form = round_form(world, **{k.replace("-A", f"-{a}"): v for k, v in kw.items()})
    page = client.post("/services/admissions/new/", form)
    assert page.status_code == 400  # the form again, as typed
    assert message in page.content.decode()
    assert AdmissionRound.objects.count() == 0


def test_officer_of_another_commune_gets_nothing(client, world):
    r = world.grade1_round()  # organised by the district
    otp_login(client, world.officer_b)
    assert client.get(f"/services/admissions/{r.pk}/edit/").status_code == 404
    refused = client.post("/services/admissions/new/", round_form(world), follow=True)
    assert "Không có đơn vị này trong phạm vi của bạn." in refused.content.decode()
    assert AdmissionRound.objects.count() == 1
    assert Client().get("/services/admissions/manage/").status_code == 302  # sign in first


def test_calendar_page_add_and_delete(client, world):
    otp_login(client, world.officer_a)
    page = client.get("/services/calendar/").content.decode()
    assert "Toàn quốc</option>" not in page  # a commune officer cannot set national days
    client.post(
        "/services/calendar/",
        {
            "date": "04/12/2026",
            "name": "Nghỉ do lũ",
            "kind": "holiday",
            "unit": world.d.commune_a.pk,
        },
    )
    day = CalendarDay.objects.get()
    assert (day.unit, day.is_holiday, day.name) == (world.d.commune_a, True, "Nghỉ do lũ")
    bad = client.post(
        "/services/calendar/",
        {"date": "03/12/2026", "name": "Bù", "kind": "workday", "unit": world.d.commune_a.pk},
        follow=True,
    )
    # The form again as typed (400), the date marked, its error under it, focused.
    assert bad.status_code == 400
    assert (
        'id="c-date" name="date" value="03/12/2026" placeholder="dd/mm/yyyy" inputmode="numeric" '
        'required aria-invalid="true" aria-describedby="e-date" autofocus>\n  <p '
        'class="field-error" id="e-date" role="alert">Ngày làm bù 03/12/2026 phải là thứ Bảy, '
        "Chủ nhật hoặc một ngày lễ.</p>"
    ) in bad.content.decode()
    assert 'value="Bù"' in bad.content.decode() and bad.content.decode().count("autofocus") == 1
    assert '<option value="workday" selected>' in bad.content.decode()
    listed = client.get("/services/calendar/").content.decode()
    assert "04/12/2026" in listed and "Nghỉ do lũ" in listed
    client.post(
        "/services/calendar/",
        {"action": "delete", "date": "04/12/2026", "unit": world.d.commune_a.pk},
    )
    assert CalendarDay.objects.count() == 0
