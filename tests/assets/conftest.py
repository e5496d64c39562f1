"""Assets fixtures: the District of tests/factories.py (school A Lê Lợi, school B Nguyễn Du)
with the category list, two rooms and three items at school A, one room and item at
school B; a clerk of each school and a province officer."""

import datetime as dt
from types import SimpleNamespace

import pytest

from edudx.accounts.models import Role
from edudx.assets import selectors, services
from edudx.assets.models import AssetCategory, RoomKind


def cat(code: str) -> AssetCategory:
    return AssetCategory.objects.get(code=code)


def item_data(**over) -> dict:
    data = {
        "tag": "MT-01",
        "name": "Máy tính để bàn Dell",
        "category_id": cat("computer_desktop_teaching").pk,
        "funding": "state_budget",
        "room_id": None,
        "location": "",
        "serial": "",
        "acquired_on": dt.date(2022, 8, 15),
        "value": 12_500_000,
        "condition": "good",
        "notes": "",
    }
    data.update(over)
    return data


@pytest.fixture
def register(district):
    """School A: rooms "Phòng Tin học 1" and "Phòng học 6A1"; items MT-01, MT-02 (teaching
    desktops in the computer room, one acquired 2024-10-01), MC-01 (a projector in 6A1,
    no value: an incomplete record). School B: room "Phòng Tin học" with MT-01."""
    selectors.categories()
    a, b = district.school_a, district.school_b
    lab = services.room_create(
        actor=None, school=a, name="Phòng Tin học 1", kind=RoomKind.COMPUTER_ROOM, floor_area="54"
    )
    c6 = services.room_create(actor=None, school=a, name="Phòng học 6A1", kind=RoomKind.CLASSROOM)
    room_b = services.room_create(
        actor=None, school=b, name="Phòng Tin học", kind=RoomKind.COMPUTER_ROOM
    )
    mt1 = services.item_create(actor=None, school=a, data=item_data(room_id=lab.pk))
    mt2 = services.item_create(
        actor=None,
        school=a,
        data=item_data(
            tag="MT-02",
            name="Máy tính để bàn HP",
            room_id=lab.pk,
            acquired_on=dt.date(2024, 10, 1),
            value=11_000_000,
        ),
    )
    mc1 = services.item_create(
        actor=None,
        school=a,
        data=item_data(
            tag="MC-01",
            name="Máy chiếu Epson",
            category_id=cat("projector").pk,
            room_id=c6.pk,
            value=None,
            funding="sponsor",
        ),
    )
    item_b = services.item_create(actor=None, school=b, data=item_data(room_id=room_b.pk))
    return SimpleNamespace(lab=lab, c6=c6, room_b=room_b, mt1=mt1, mt2=mt2, mc1=mc1, item_b=item_b)


@pytest.fixture
def clerk(district):
    return district.user(Role.CLERK, district.school_a)


@pytest.fixture
def clerk_b(district):
    return district.user(Role.CLERK, district.school_b)


@pytest.fixture
def officer(district):
    return district.user(Role.PROVINCE_OFFICER, district.province)
