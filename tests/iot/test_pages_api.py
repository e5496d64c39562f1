"""Pages and API: scope (another school's device is a 404, page and API), registration with
the secret shown once, the officer's summary, the readings query, acknowledgement."""

import datetime as dt
import hashlib
import json

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from edudx.core.errors import DomainErrors
from edudx.iot import services
from edudx.iot.models import Device, Incident, Rule

pytestmark = pytest.mark.django_db


def feed(device, pairs, metric="co2_ppm"):
    """Readings `minutes ago → value`, sent now."""
    now = timezone.now()
    items = [
        {"metric": metric, "value": v, "ts": (now - dt.timedelta(minutes=m)).isoformat()}
        for m, v in pairs
    ]
    return services.readings_ingest(device=device, items=items, now=now)


@pytest.fixture
def incident(sensor):
    feed(sensor, [(30, 1700), (20, 1800), (10, 1750), (0, 1600)])
    return Incident.objects.get()


def test_another_schools_device_is_404_on_page_and_api(as_user, principal, sensor_b, incident):
    client = as_user(principal)
    assert client.get(f"/iot/devices/{sensor_b.pk}/").status_code == 404
    assert client.get(f"/iot/schools/{sensor_b.school_id}/").status_code == 404
    res = client.get(f"/api/v1/iot/devices/{sensor_b.pk}")
    assert (res.status_code, res.json()["code"]) == (404, "iot.device_not_found")
    res = client.get(f"/api/v1/iot/devices/{sensor_b.pk}/readings?metric=co2_ppm")
    assert res.status_code == 404
    ids = [d["id"] for d in client.get("/api/v1/iot/devices").json()["items"]]
    assert sensor_b.pk not in ids


def test_other_schools_principal_cannot_see_or_acknowledge_the_incident(
    as_user, principal_b, incident
):
    client = as_user(principal_b)
    assert client.post(f"/iot/incidents/{incident.pk}/acknowledge/").status_code == 404
    res = client.post(f"/api/v1/iot/incidents/{incident.pk}/acknowledge")
    assert res.status_code == 404
    assert client.get("/api/v1/iot/incidents").json()["count"] == 0
    incident.refresh_from_db()
    assert incident.acknowledged_at is None


def test_school_page_lists_devices_with_latest_values_and_status(
    as_user, clerk, sensor, incident, django_assert_max_num_queries
):
    quiet, _secret = services.device_register(
        actor=clerk, school=sensor.school, device_id="LL-meter", name="Công tơ tổng",
        kind="power_meter",
    )  # fmt: skip
    client = as_user(clerk)
    with django_assert_max_num_queries(20):
        html = client.get(f"/iot/schools/{sensor.school_id}/").content.decode()
    assert "Cảm biến phòng 6A1" in html and "1600 ppm" in html
    assert "Có sự cố" in html  # the sensor
    assert "Mất tín hiệu &gt; 1 giờ" in html  # the meter: never heard from
    assert "Đăng ký thiết bị" in html  # a clerk registers devices
    res = client.get("/api/v1/iot/devices").json()
    statuses = {d["device_id"]: d["status"] for d in res["items"]}
    assert statuses == {"LL-6A1-env": "incident", "LL-meter": "silent"}
    assert quiet.pk in [d["id"] for d in res["items"]]


def test_register_on_the_page_shows_the_secret_once(as_user, principal, district):
    client = as_user(principal)
    url = f"/iot/schools/{district.school_a.pk}/"
    res = client.post(
        url,
        {"device_id": "LL-7A2-env", "name": "Phòng 7A2", "location": "Tầng 2",
         "kind": "classroom_env"},
    )  # fmt: skip
    device = Device.objects.get(device_id="LL-7A2-env")
    html = res.content.decode()
    start = html.index('<code class="secret">') + len('<code class="secret">')
    secret = html[start : html.index("</code>", start)]
    assert device.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in client.get(url).content.decode()
    assert services.device_authenticate(device_id="LL-7A2-env", secret=secret) == device


def test_register_refuses_a_taken_id_with_the_reason(as_user, principal, sensor):
    client = as_user(principal)
    res = client.post(
        f"/iot/schools/{sensor.school_id}/",
        {"device_id": "LL-6A1-env", "name": "Trùng", "kind": "classroom_env"},
    )
    assert "Mã thiết bị LL-6A1-env đã được đăng ký." in res.content.decode()
    assert Device.objects.count() == 1


def test_officer_sees_summary_but_cannot_register(as_user, officer, sensor, sensor_b, incident):
    client = as_user(officer)
    html = client.get("/iot/").content.decode()
    assert "Trường THCS Lê Lợi" in html and "Trường THCS Nguyễn Du" in html
    assert f'<a href="/iot/incidents/?school={sensor.school_id}">1</a>' in html
    page = client.get(f"/iot/schools/{sensor.school_id}/").content.decode()
    assert "Đăng ký thiết bị" not in page
    res = client.post(
        "/api/v1/iot/devices",
        data=json.dumps(
            {"school_id": sensor.school_id, "device_id": "X-1", "name": "x", "kind": "power_meter"}
        ),
        content_type="application/json",
    )
    assert (res.status_code, res.json()["code"]) == (403, "iot.forbidden")


def test_api_create_returns_the_secret_once_and_is_idempotent(as_user, principal, district):
    client = as_user(principal)
    body = {
        "school_id": district.school_a.pk,
        "device_id": "LL-meter-1",
        "name": "Công tơ tổng",
        "kind": "power_meter",
    }
    headers = {"Idempotency-Key": "reg-meter-1"}
    first = client.post(
        "/api/v1/iot/devices", data=json.dumps(body), content_type="application/json",
        headers=headers,
    )  # fmt: skip
    assert first.status_code == 201
    secret = first.json()["secret"]
    device = Device.objects.get(device_id="LL-meter-1")
    assert device.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    again = client.post(
        "/api/v1/iot/devices", data=json.dumps(body), content_type="application/json",
        headers=headers,
    )  # fmt: skip
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert (again.json()["id"], again.json()["secret"]) == (device.pk, None)
    assert Device.objects.filter(device_id="LL-meter-1").count() == 1


def test_api_create_names_the_bad_field(as_user, principal, district):
    client = as_user(principal)
    res = client.post(
        "/api/v1/iot/devices",
        data=json.dumps(
            {"school_id": district.school_a.pk, "device_id": "có dấu", "name": "x",
             "kind": "power_meter"}
        ),
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )  # fmt: skip
    assert res.status_code == 400
    assert (res.json()["field"], res.json()["message"]) == (
        "device_id",
        "A device id is 3–64 characters: letters without diacritics, digits, - or _.",
    )


def test_api_readings_over_a_range(as_user, principal, sensor):
    feed(sensor, [(50, 800), (40, 820), (30, 840)])
    client = as_user(principal)
    since = (timezone.now() - dt.timedelta(minutes=45)).isoformat()
    res = client.get(
        f"/api/v1/iot/devices/{sensor.pk}/readings", {"metric": "co2_ppm", "since": since}
    )
    assert res.status_code == 200
    assert [p["value"] for p in res.json()["points"]] == [820.0, 840.0]
    bad = client.get(
        f"/api/v1/iot/devices/{sensor.pk}/readings",
        {"metric": "co2_ppm", "since": "2026-01-01T00:00:00Z", "until": "2026-03-01T00:00:00Z"},
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "iot.range_too_long")


def test_acknowledge_on_the_page_and_api(as_user, principal, clerk, incident):
    client = as_user(clerk)
    res = client.post(f"/iot/incidents/{incident.pk}/acknowledge/")
    assert res.status_code == 302
    incident.refresh_from_db()
    assert incident.acknowledged_by == clerk
    # Again, by someone else: stays with the first.
    client = as_user(principal)
    res = client.post(f"/api/v1/iot/incidents/{incident.pk}/acknowledge")
    assert res.status_code == 200
    assert res.json()["acknowledged_by"] == clerk.username
    listed = client.get("/api/v1/iot/incidents?open=true").json()
    assert [i["id"] for i in listed["items"]] == [incident.pk]
    assert listed["items"][0]["peak_value"] == 1800.0


def test_device_page_draws_the_last_24_hours(as_user, principal, sensor, incident):
    html = as_user(principal).get(f"/iot/devices/{sensor.pk}/").content.decode()
    assert html.count('<svg class="chart series"') == 1
    assert 'stroke-dasharray="4 3"><title>1500 ppm</title>' in html  # the rule's threshold
    assert 'stroke-dasharray="2 3"><title>1200 ppm</title>' in html  # and its clear level
    assert "Cảnh báo khi &gt; 1500 ppm (nét đứt đỏ); kết thúc khi ≤ 1200 ppm" in html
    assert "CO₂ trong phòng vượt 1500 ppm quá 15 phút" in html


def test_rules_page_adds_a_school_rule(as_user, principal, district):
    client = as_user(principal)
    res = client.post(
        "/iot/rules/",
        {
            "unit": district.school_a.pk, "device_kind": "", "metric": "temperature_c",
            "comparison": "gt", "threshold": "33,5", "clear_level": "31,5",
            "sustained_minutes": "20", "severity": "warning", "message": "Phòng quá nóng.",
            "message_en": "The room is too hot.", "active": "on",
        },
    )  # fmt: skip
    assert res.status_code == 302
    html = client.get(res["Location"]).content.decode()
    assert "Phòng quá nóng." in html and "· 20 phút · kết thúc khi ≤ 31,5</td>" in html
    assert "· 15 phút · kết thúc khi ≤ 1200</td>" in html  # the built-in CO2 rule
    rule = district.school_a.iot_rules.get()
    assert (rule.threshold, rule.clear_level, rule.sustained_minutes, rule.message_en) == (
        33.5,
        31.5,
        20,
        "The room is too hot.",
    )
    # A built-in rule is not the principal's to edit.
    builtin = type(rule).objects.filter(unit=None).first()
    assert client.get(f"/iot/rules/{builtin.pk}/").status_code == 404
    assert client.get(f"/iot/rules/{rule.pk}/").status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/iot/", "/iot/schools/{school}/", "/iot/incidents/", "/api/v1/iot/devices",
     "/api/v1/iot/incidents"],
    ids=["home", "school", "incidents", "api-devices", "api-incidents"],
)  # fmt: skip
def test_lists_take_as_many_queries_for_five_devices_as_for_one(as_user, principal, sensor, url):
    client = as_user(principal)
    url = url.format(school=sensor.school_id)
    feed(sensor, [(30, 1700), (15, 1800), (0, 1600)])
    client.get(url)  # warm the session and the user's scope

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for n in range(4):
        device, _secret = services.device_register(
            actor=principal, school=sensor.school, device_id=f"LL-extra-{n}", name=f"Phòng {n}",
            kind="classroom_env",
        )  # fmt: skip
        feed(device, [(30, 1700), (15, 1800), (0, 1600)])
    assert Incident.objects.filter(closed_at__isnull=True).count() == 5
    assert count() == one


@pytest.mark.parametrize(
    ("comparison", "threshold", "clear", "lang", "message"),
    [
        ("gt", "33", "33", "vi",
         "Ngưỡng kết thúc 33 phải nhỏ hơn ngưỡng 33 của giới hạn trên: sự cố chỉ kết thúc "
         "khi giá trị giảm về ngưỡng kết thúc."),
        ("lt", "18", "16,5", "en",
         "The clear level 16.5 must be above the threshold 18 of a lower limit: the incident "
         "ends only when the value rises back to the clear level."),
        ("gt", "33", "ba mươi", "vi", "Ngưỡng kết thúc phải là một số."),
        ("gt", "33", "90", "en", "The clear level must be between -40 and 85."),
    ],
    ids=["upper-equal-vi", "lower-below-en", "not-a-number-vi", "out-of-range-en"],
)  # fmt: skip
def test_rules_page_refuses_a_bad_clear_level_naming_it(
    as_user, principal, district, comparison, threshold, clear, lang, message
):
    client = as_user(principal)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang  # the language switch (pages)
    res = client.post(
        "/iot/rules/",
        {
            "unit": district.school_a.pk, "device_kind": "", "metric": "temperature_c",
            "comparison": comparison, "threshold": threshold, "clear_level": clear,
            "sustained_minutes": "20", "severity": "warning", "message": "Phòng quá nóng.",
        },
    )  # fmt: skip
    assert res.status_code == 400
    page = res.content.decode()
    assert message in page
    # Under the clear level, which is marked, described by it and its hint, and focused.
    assert (
        'inputmode="decimal" value="' + clear + '" aria-invalid="true" '
        'aria-describedby="e-clear_level r-clear-help" autofocus>\n    <p class="field-error" '
        'id="e-clear_level" role="alert">' + message + "</p>"
    ) in page
    assert page.count("autofocus") == 1
    assert district.school_a.iot_rules.count() == 0


def test_rule_save_names_the_field_and_a_builtin_needs_an_english_message(principal):
    builtin = Rule.objects.get(unit=None, metric="co2_ppm")
    with pytest.raises(DomainErrors) as caught:
        services.rule_save(
            actor=principal, unit=None, rule=builtin, metric="co2_ppm", comparison="gt",
            threshold=1500, clear_level=1600, sustained_minutes=15, severity="warning",
            message=builtin.message, message_en="",
        )  # fmt: skip
    assert [(e["code"], e["field"]) for e in caught.value.as_list()] == [
        ("iot.clear_level_side", "clear_level"),
        ("iot.message_en_required", "message_en"),
    ]
    builtin.refresh_from_db()
    assert (builtin.clear_level, builtin.message_en[:12]) == (1200, "Room CO₂ abo")


def test_incidents_in_the_readers_language_with_the_vietnamese_as_fallback(
    as_user, principal, district, incident
):
    services.rule_save(
        actor=principal, unit=district.school_a, metric="temperature_c", comparison="gt",
        threshold=30, sustained_minutes=0, severity="info", message="Phòng nóng.",
    )  # fmt: skip
    feed(incident.device, [(0, 31)], metric="temperature_c")
    client = as_user(principal)

    def listed(lang):
        res = client.get("/api/v1/iot/incidents", headers={"Accept-Language": lang})
        return [(i["metric"], i["clear_level"], i["message"]) for i in res.json()["items"]]

    assert listed("en") == [
        ("temperature_c", None, "Phòng nóng."),  # no English message: the Vietnamese one
        ("co2_ppm", 1200.0,
         "Room CO₂ above 1500 ppm for over 15 minutes: open the doors and windows, switch on "
         "the fans."),
    ]  # fmt: skip
    assert listed("vi")[1][2] == (
        "CO₂ trong phòng vượt 1500 ppm quá 15 phút: mở cửa, bật quạt thông gió."
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/iot/incidents/").content.decode()
    assert "switch on the fans." in html and "Phòng nóng." in html


def test_a_refused_device_comes_back_as_typed(as_user, principal, district):
    client = as_user(principal)
    res = client.post(
        f"/iot/schools/{district.school_a.pk}/",
        {"device_id": "cảm biến 1", "name": "CO₂ phòng 6A1", "location": "6A1", "kind": "air"},
    )
    page = res.content.decode()
    assert res.status_code == 400
    assert (
        'value="cảm biến 1" autocomplete="off" aria-invalid="true" '
        'aria-describedby="e-device_id" autofocus>\n    <p class="field-error" '
        'id="e-device_id" role="alert">Mã thiết bị gồm 3–64 ký tự: chữ cái không dấu, chữ số, '
        "- hoặc _.</p>"
    ) in page
    assert 'value="CO₂ phòng 6A1"' in page and not Device.objects.exists()


def test_a_refused_device_edit_comes_back_as_typed(as_user, principal, sensor):
    client = as_user(principal)
    res = client.post(
        f"/iot/devices/{sensor.pk}/",
        {"name": "  ", "location": "Phòng 6A2", "kind": "air", "active": "on"},
    )
    page = res.content.decode()
    assert res.status_code == 400
    assert (
        'name="name" maxlength="120" required value="  " aria-invalid="true" '
        'aria-describedby="e-name" autofocus>'
    ) in page
    assert '<p class="field-error" id="e-name" role="alert">' in page
    assert 'value="Phòng 6A2">' in page  # typed, kept, not marked
    sensor.refresh_from_db()
    assert sensor.location != "Phòng 6A2"
