"""Preschool quotas per age group (3, 4, 5 tuổi by birth year): validation naming the
field, allocation per group with the published seed, live counts per group, the page and
the API."""

import datetime as dt

import pytest
from django.utils import timezone

from edudx.core.errors import DomainError
from edudx.eservices import admissions
from edudx.eservices.admissions import Candidate, allocate_by_group
from edudx.eservices.models import AdmissionApplication, AdmissionSchool
from tests.api.conftest import API, token_client
from tests.pages.conftest import otp_login

from .conftest import child

pytestmark = pytest.mark.django_db


def test_pure_allocation_runs_per_age_group():
    def c(id, school, zone, group, lottery):
        return Candidate(id, school, frozenset(zone), 99, lottery, group)

    candidates = [
        c(1, 10, {10}, 4, "c"),
        c(2, 10, {10}, 4, "a"),
        c(3, 10, {10, 11}, 4, "b"),
        c(4, 10, {10}, 5, "z"),
        c(5, 10, {10}, 3, "d"),
        c(6, 11, {10, 11}, 5, "e"),
    ]
    quotas = {10: {3: 0, 4: 1, 5: 3}, 11: {3: 0, 4: 1, 5: 0}}
    # Age 4 is oversubscribed at school 10: the lowest lottery key (2) gets its one place,
    # 3 (lower key than 1) the free 4-year-old place of school 11 in its zone; 1 none.
    # Age 5 is undersubscribed: 4 gets a place, 6 (none at 11) a free one at 10; school
    # 10's remaining 5-year-old place is not given to anyone of another group.
    assert allocate_by_group(candidates, quotas) == {1: None, 2: 10, 3: 11, 4: 10, 5: None, 6: 10}


def child_with_id(world, dob, personal_id, name):
    return dict(child(world, dob, name=name), child_personal_id=personal_id)


# Born 2022: 4 years old in 2026 (the 4-year-old group has 1 place); born 2021: 5 (3 places).
FOURS = {
    "067322000101": "Trẻ Bốn An",
    "067322000102": "Trẻ Bốn Bình",
    "067322000104": "Trẻ Bốn Chi",
}
FIVE = ("067321000201", "Trẻ Năm Dung")


def test_oversubscribed_and_undersubscribed_groups(world, preschool_round):
    r = preschool_round
    for pid, name in FOURS.items():
        admissions.application_submit(
            actor=None, round_id=r.pk, raw=child_with_id(world, dt.date(2022, 4, 1), pid, name)
        )
    admissions.application_submit(
        actor=None, round_id=r.pk, raw=child_with_id(world, dt.date(2021, 9, 9), *FIVE)
    )
    officer = world.officer_a
    [row] = admissions.live_counts(actor=officer, round_=r)
    assert (row["quota"], row["applied"], row["admitted"]) == (6, 4, 0)
    assert [(g["age"], g["quota"], g["applied"], g["in_zone"]) for g in row["groups"]] == [
        (3, 2, 0, 0),
        (4, 1, 3, 3),
        (5, 3, 1, 1),
    ]
    r.closes_at = timezone.now() - dt.timedelta(seconds=1)
    r.save()
    assert admissions.round_allocate(actor=None, round_=r) == {"applications": 4, "admitted": 2}
    # The published rule: SHA-256("mam-non-2026:<ID>"), lowest first — 010596… for the
    # last submitted (…104), before 257b74… (…101) and 71cca3… (…102).
    admitted = dict(
        AdmissionApplication.objects.filter(status="admitted").values_list(
            "child_personal_id", "child_name"
        )
    )
    assert admitted == {"067322000104": "Trẻ Bốn Chi", "067321000201": "Trẻ Năm Dung"}
    [row] = admissions.live_counts(actor=officer, round_=r)
    assert [(g["age"], g["admitted"]) for g in row["groups"]] == [(3, 0), (4, 1), (5, 1)]


@pytest.mark.parametrize(
    ("quota", "messages"),
    [
        pytest.param(
            7,
            ["Dòng 1: đợt tuyển sinh mẫu giáo cần chỉ tiêu riêng cho trẻ 3, 4 và 5 tuổi."],
            id="one-number",
        ),
        pytest.param(
            {3: 2, 4: -1, 5: "x"},
            [
                "Dòng 1: «Chỉ tiêu 4 tuổi» phải là số nguyên từ 0 trở lên.",
                "Dòng 1: «Chỉ tiêu 5 tuổi» phải là số nguyên từ 0 trở lên.",
            ],
            id="bad-groups",
        ),
        pytest.param(
            {3: 2, 4: 1},
            ["Dòng 1: «Chỉ tiêu 5 tuổi» phải là số nguyên từ 0 trở lên."],
            id="missing-group",
        ),
        pytest.param(
            {3: 2, 4: 1, 5: 1, 6: 4},
            ["Dòng 1: không có nhóm tuổi «6»; mẫu giáo nhận trẻ 3, 4 và 5 tuổi."],
            id="unknown-group",
        ),
    ],
)
def test_group_quota_errors_name_the_field(world, preschool_round, quota, messages):
    r = preschool_round
    with pytest.raises(DomainError) as err:
        admissions.round_save(
            actor=None,
            round_=r,
            name=r.name,
            opens_at=r.opens_at,
            closes_at=r.closes_at,
            seed=r.seed,
            schools=[(world.kindergarten.pk, quota)],
            zones=[(world.kindergarten.pk, world.d.commune_a.pk, "")],
        )
    items = err.value.as_list()
    assert [(i["message"], i["field"], i["row"]) for i in items] == [
        (m, "schools", 1) for m in messages
    ]
    assert AdmissionSchool.objects.get(round=r).group_quotas == {"3": 2, "4": 1, "5": 3}


def test_grade1_round_keeps_one_quota(world):
    with pytest.raises(DomainError) as err:
        world.grade1_round(quota_a={3: 1, 4: 1, 5: 1})
    assert [(i["code"], i["message"]) for i in err.value.as_list()] == [
        ("round.quota", "Dòng 1: chỉ tiêu phải là số nguyên từ 0 trở lên.")
    ]
    r = world.grade1_round()
    assert list(AdmissionSchool.objects.filter(round=r).values_list("quota", "group_quotas")) == [
        (2, {}),
        (2, {}),
    ]
    assert all(
        row["groups"] == []
        for row in admissions.live_counts(
            actor=world.d.user("province_officer", world.d.province), round_=r
        )
    )


def test_quotas_per_group_over_the_api(world, preschool_round):
    r = preschool_round
    officer = token_client(world.officer_a)
    payload = {
        "name": r.name,
        "opens_at": r.opens_at.isoformat(),
        "closes_at": r.closes_at.isoformat(),
        "seed": r.seed,
        "schools": [{"school_id": world.kindergarten.pk, "group_quotas": {"3": 5, "4": 6, "5": 7}}],
        "zones": [{"school_id": world.kindergarten.pk, "commune_id": world.d.commune_a.pk}],
    }
    url = f"{API}/admissions/rounds/{r.pk}"
    ok = officer.put(url, payload, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["schools"] == [
        {
            "id": world.kindergarten.pk,
            "name": "Trường Mầm non Hoa Sen",
            "quota": 18,
            "group_quotas": {"3": 5, "4": 6, "5": 7},
        }
    ]
    bad = officer.put(
        url,
        dict(
            payload,
            schools=[
                {"school_id": world.kindergarten.pk, "group_quotas": {"3": 5, "4": -2, "5": 7}}
            ],
        ),
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert bad.status_code == 400
    assert (bad.json()["field"], bad.json()["row"], bad.json()["message"]) == (
        "schools",
        1,
        "Row 1: «Places for 4-year-olds» must be a whole number, 0 or more.",
    )
    counts = officer.get(f"{url}/counts").json()
    assert [g["quota"] for g in counts[0]["groups"]] == [5, 6, 7]


def test_quota_page_edits_groups_and_counts_page_shows_them(client, world, preschool_round):
    r = preschool_round
    otp_login(client, world.officer_a)
    form = client.get(f"/services/admissions/{r.pk}/edit/").content.decode()
    assert "Chỉ tiêu 4 tuổi" in form and f'name="quota-{world.kindergarten.pk}-4" value="1"' in form
    k = world.kindergarten.pk
    data = {
        "name": r.name,
        "opens_at": timezone.localtime(r.opens_at).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": timezone.localtime(r.closes_at).strftime("%Y-%m-%dT%H:%M"),
        "seed": r.seed,
        f"quota-{k}-3": "4",
        f"quota-{k}-4": "",
        f"quota-{k}-5": "6",
        f"zones-{k}": world.d.commune_a.name,
    }
    bad = client.post(f"/services/admissions/{r.pk}/edit/", data).content.decode()
    assert "Dòng 1: «Chỉ tiêu 4 tuổi» phải là số nguyên từ 0 trở lên." in bad
    client.post(f"/services/admissions/{r.pk}/edit/", dict(data, **{f"quota-{k}-4": "5"}))
    assert AdmissionSchool.objects.get(round=r).group_quotas == {"3": 4, "4": 5, "5": 6}
    admissions.application_submit(actor=None, round_id=r.pk, raw=child(world, dt.date(2022, 3, 3)))
    counts = client.get(f"/services/admissions/{r.pk}/counts/").content.decode()
    assert "· trẻ 4 tuổi" in counts and "· trẻ 3 tuổi" in counts
