"""Officers create and edit admission rounds (window, seed, quotas, zones) and the
working-day calendar's extra days: allowed, forbidden and bad input, with errors naming the
field and row, nothing half-written, every change audited."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from edudx.audit.models import AuditEvent
from edudx.core.api_errors import Forbidden
from edudx.core.errors import Conflict, DomainError
from edudx.eservices import admissions, services
from edudx.eservices.models import AdmissionRound, AdmissionSchool, AdmissionZone, CalendarDay
from tests.api.conftest import API, token_client

pytestmark = pytest.mark.django_db

OPEN = "2026-06-01T07:00:00+07:00"
CLOSE = "2026-06-10T17:00:00+07:00"


def body(world, **kw):
    return {
        "procedure": "admission_grade1",
        "unit_id": world.d.commune_a.pk,
        "school_year": "2026-2027",
        "name": "Tuyển sinh lớp 1 xã A",
        "opens_at": OPEN,
        "closes_at": CLOSE,
        "confirm_until": "2026-06-20",
        "seed": "xa-a-2026",
        "schools": [{"school_id": world.primary_a.pk, "quota": 70}],
        "zones": [
            {"school_id": world.primary_a.pk, "commune_id": world.d.commune_a.pk, "villages": []}
        ],
        **kw,
    }


def test_officer_creates_and_edits_a_round_over_the_api(world):
    officer = token_client(world.officer_a)
    created = officer.post(f"{API}/admissions/rounds", body(world), content_type="application/json")
    assert created.status_code == 201, created.content
    out = created.json()
    assert (out["name"], out["seed"], out["grade"], out["school_year"]) == (
        "Tuyển sinh lớp 1 xã A",
        "xa-a-2026",
        1,
        "2026-2027",
    )
    assert out["schools"] == [
        {
            "id": world.primary_a.pk,
            "name": "Trường Tiểu học Kim Đồng",
            "quota": 70,
            "group_quotas": {},
        }
    ]
    assert [(z["commune"], z["village"]) for z in out["zones"]] == [(world.d.commune_a.name, "")]
    rid = out["id"]
    # Edit: quota up, the zone narrowed to two villages.
    edit = body(
        world,
        schools=[{"school_id": world.primary_a.pk, "quota": 105}],
        zones=[
            {
                "school_id": world.primary_a.pk,
                "commune_id": world.d.commune_a.pk,
                "villages": ["Thôn 1", "Thôn  2"],
            }
        ],
    )
    edited = officer.put(f"{API}/admissions/rounds/{rid}", edit, content_type="application/json")
    assert edited.status_code == 200, edited.content
    assert edited.json()["schools"][0]["quota"] == 105
    assert sorted(AdmissionZone.objects.filter(round_id=rid).values_list("village", flat=True)) == [
        "Thôn 1",
        "Thôn 2",
    ]
    events = list(
        AuditEvent.objects.filter(object_type="eservices.admission_round", object_id=str(rid))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert events == ["create", "update"]
    assert Client().get(f"{API}/admissions/rounds/{rid}").json()["schools"][0]["quota"] == 105


def test_officer_of_another_commune_is_refused(world):
    other = token_client(world.officer_b)
    r = other.post(f"{API}/admissions/rounds", body(world), content_type="application/json")
    assert r.status_code == 404 and r.json()["code"] == "unit.not_found"
    mine = token_client(world.officer_a).post(
        f"{API}/admissions/rounds", body(world), content_type="application/json"
    )
    rid = mine.json()["id"]
    put = other.put(f"{API}/admissions/rounds/{rid}", body(world), content_type="application/json")
    assert put.status_code == 404
    citizen = token_client(world.citizen)
    assert (
        citizen.put(
            f"{API}/admissions/rounds/{rid}", body(world), content_type="application/json"
        ).status_code
        == 404
    )
    assert AdmissionRound.objects.count() == 1


@pytest.mark.parametrize(
    ("kw", "errors"),
    [
        pytest.param(
            {"closes_at": OPEN},
            [("round.window", "closes_at", None)],
            id="window-backwards",
        ),
        pytest.param(
            {"confirm_until": "2026-06-05"},
            [("round.confirm_until", "confirm_until", None)],
            id="confirm-before-close",
        ),
        pytest.param({"seed": "  "}, [("round.seed", "seed", None)], id="no-seed"),
        pytest.param({"name": ""}, [("form.required", "name", None)], id="no-name"),
        pytest.param(
            {"schools": "NEG"},
            [("round.quota", "schools", 1)],
            id="negative-quota",
        ),
        pytest.param(
            {"schools": "OTHER"},
            [("round.school", "schools", 1), ("round.zone_school", "zones", 1)],
            id="school-elsewhere",
        ),
        pytest.param(
            {"schools": "LEVEL"},
            [("round.school_level", "schools", 1), ("round.zone_school", "zones", 1)],
            id="wrong-level",
        ),
        pytest.param({"zones": "OVERLAP"}, [("round.zone_overlap", "zones", 2)], id="overlap"),
        pytest.param({"zones": "TWICE"}, [("round.zone_twice", "zones", 2)], id="same-zone-twice"),
    ],
)
def test_bad_input_names_the_field_and_row_and_writes_nothing(world, kw, errors):
    d = world.d
    second = admissions_school(world)
    special = {
        "NEG": [{"school_id": world.primary_a.pk, "quota": -1}],
        "OTHER": [{"school_id": other_province_school(world).pk, "quota": 5}],
        "LEVEL": [{"school_id": d.school_a.pk, "quota": 5}],  # a lower-secondary school
        "OVERLAP": [
            {"school_id": world.primary_a.pk, "commune_id": d.commune_a.pk, "villages": []},
            {"school_id": second.pk, "commune_id": d.commune_a.pk, "villages": ["Thôn 4"]},
        ],
        "TWICE": [
            {"school_id": world.primary_a.pk, "commune_id": d.commune_a.pk, "villages": ["Thôn 4"]},
            {"school_id": world.primary_a.pk, "commune_id": d.commune_a.pk, "villages": ["thôn 4"]},
        ],
    }
    payload = body(world, **{k: special.get(v, v) for k, v in kw.items()})
    if kw.get("zones") == "OVERLAP":
        payload["schools"].append({"school_id": second.pk, "quota": 10})
    r = token_client(world.officer_a).post(
        f"{API}/admissions/rounds", payload, content_type="application/json"
    )
    assert r.status_code == 400, r.content
    got = r.json()
    items = got.get("errors") or [got]
    assert [(e["code"], e["field"], e["row"]) for e in items] == errors
    assert AdmissionRound.objects.count() == AdmissionSchool.objects.count() == 0


def other_province_school(world):
    from edudx.org import services as org_services
    from edudx.org.models import UnitKind

    lam_dong = org_services.unit_create(
        actor=None, kind=UnitKind.PROVINCE, name="Tỉnh Lâm Đồng", code="68", parent=world.d.ministry
    )
    commune = org_services.unit_create(
        actor=None, kind=UnitKind.COMMUNE, name="Phường 1", code="24800", parent=lam_dong
    )
    return org_services.school_create(
        actor=None,
        name="Trường Tiểu học Lâm Đồng",
        code="68000101",
        parent=commune,
        level="primary",
    ).unit


def admissions_school(world):
    from edudx.org import services as org_services

    return org_services.school_create(
        actor=None,
        name="Trường Tiểu học Lê Lợi",
        code="67000203",
        parent=world.d.commune_a,
        level="primary",
    ).unit


def test_overlap_message_in_vietnamese_and_accepted_when_allowed(world):
    d = world.d
    second = admissions_school(world)
    kw = dict(
        actor=world.officer_a,
        procedure=world.procedure("admission_grade1"),
        unit=d.commune_a,
        school_year=world.next_year,
        name="Tuyển sinh lớp 1",
        opens_at=OPEN,
        closes_at=CLOSE,
        seed="s",
        schools=[(world.primary_a, 10), (second, 10)],
        zones=[(world.primary_a, d.commune_a, ""), (second, d.commune_a, "Thôn 4")],
    )
    with pytest.raises(DomainError) as err:
        admissions.round_create(**kw)
    assert err.value.as_list()[0]["message"] == (
        f"Tuyến dòng 2: Thôn 4, {d.commune_a.name} của Trường Tiểu học Lê Lợi chồng lấn tuyến "
        "của Trường Tiểu học Kim Đồng (dòng 1). Sửa tuyến, hoặc chọn cho phép tuyến chồng lấn."
    )
    r = admissions.round_create(**kw, allow_overlaps=True)
    assert r.zones.count() == 2


def test_seed_is_fixed_once_open_and_an_allocated_round_is_not_edited(world):
    r = world.grade1_round()  # opened an hour ago
    args = dict(
        name=r.name,
        opens_at=r.opens_at,
        closes_at=r.closes_at,
        schools=[(world.primary_a.pk, 2), (world.primary_b.pk, 2)],
        zones=[
            (world.primary_a.pk, world.d.commune_a.pk, ""),
            (world.primary_b.pk, world.d.commune_b.pk, ""),
        ],
    )
    with pytest.raises(DomainError) as err:
        admissions.round_save(actor=None, round_=r, seed="another", **args)
    assert [(e["code"], e["field"]) for e in err.value.as_list()] == [
        ("round.seed_published", "seed")
    ]
    admissions.round_save(actor=None, round_=r, seed=r.seed, **dict(args, name="Đợt 1 (sửa)"))
    r.refresh_from_db()
    assert r.name == "Đợt 1 (sửa)"
    r.closes_at = timezone.now() - dt.timedelta(seconds=1)
    r.save()
    admissions.round_allocate(actor=None, round_=r)
    r.refresh_from_db()
    with pytest.raises(Conflict):
        admissions.round_save(actor=None, round_=r, seed=r.seed, **args)
    with pytest.raises(Forbidden):
        admissions.round_save(actor=world.officer_b, round_=r, seed=r.seed, **args)


# --- calendar ---------------------------------------------------------------------------------


def test_commune_day_off_moves_its_due_dates_only(world):
    d = world.d
    # Friday 4 Dec 2026: a commune day off (flooding); Monday 7 Dec counts instead.
    services.calendar_day_save(
        actor=world.officer_a,
        date="04/12/2026",
        name="Nghỉ do lũ",
        is_holiday=True,
        unit=d.commune_a,
    )
    thursday = dt.date(2026, 12, 3)
    assert services.calendar(d.commune_a).add_working_days(thursday, 1) == dt.date(2026, 12, 7)
    assert services.calendar(d.commune_b).add_working_days(thursday, 1) == dt.date(2026, 12, 4)
    assert services.calendar().add_working_days(thursday, 1) == dt.date(2026, 12, 4)
    # A make-up Saturday for the whole province.
    services.calendar_day_save(
        actor=d.user("province_officer", d.province),
        date="2026-12-05",
        name="Làm bù",
        is_holiday=False,
        unit=d.province,
    )
    assert services.calendar(d.commune_a).add_working_days(thursday, 1) == dt.date(2026, 12, 5)
    assert AuditEvent.objects.filter(object_type="eservices.calendar_day").count() == 2


@pytest.mark.parametrize(
    ("kw", "code", "field"),
    [
        pytest.param({"date": "31/02/2026"}, "date.format", "date", id="bad-date"),
        pytest.param({"name": ""}, "form.required", "name", id="no-name"),
        pytest.param({"date": "05/12/2026"}, "calendar.weekend_holiday", "date", id="saturday-off"),
        pytest.param(
            {"date": "03/12/2026", "is_holiday": False},
            "calendar.workday",
            "date",
            id="weekday-makeup",
        ),
    ],
)
def test_calendar_bad_input(world, kw, code, field):
    args = {"date": "04/12/2026", "name": "Nghỉ", "is_holiday": True, **kw}
    with pytest.raises(DomainError) as err:
        services.calendar_day_save(actor=world.officer_a, unit=world.d.commune_a, **args)
    assert [(e["code"], e["field"]) for e in err.value.as_list()][:1] == [(code, field)]
    assert CalendarDay.objects.count() == 0


def test_calendar_over_the_api_scoped(world):
    d = world.d
    a = token_client(world.officer_a)
    b = token_client(world.officer_b)
    url = f"{API}/calendar/days/2026-12-04"
    day = {"name": "Nghỉ do lũ", "is_holiday": True, "unit_id": d.commune_a.pk}
    assert b.put(url, day, content_type="application/json").status_code == 404  # not theirs
    national = a.put(url, dict(day, unit_id=None), content_type="application/json")
    assert national.status_code == 403 and national.json()["code"] == "calendar.scope"
    ok = a.put(url, day, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json() == {
        "date": "2026-12-04",
        "name": "Nghỉ do lũ",
        "is_holiday": True,
        "unit_id": d.commune_a.pk,
        "unit": d.commune_a.name,
        "dossiers_moved": 0,
    }
    listed = Client().get(f"{API}/calendar/days", {"year": 2026}).json()
    assert [(x["date"], x["unit_id"]) for x in listed] == [("2026-12-04", d.commune_a.pk)]
    bad = a.put(
        f"{API}/calendar/days/2026-12-05",
        day,
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert bad.status_code == 400 and bad.json()["field"] == "date"
    assert bad.json()["message"] == "05/12/2026 is a Saturday or Sunday, already a day off."
    assert b.delete(f"{url}?unit_id={d.commune_a.pk}").status_code == 404
    gone = a.delete(f"{url}?unit_id={d.commune_a.pk}")
    assert gone.status_code == 200 and gone.json() == {"dossiers_moved": 0}
    assert CalendarDay.objects.count() == 0
