"""Demo asset registers: for every school of the demo, rooms (a classroom per class of the
current school year, an office, a library; a computer room from primary up; a laboratory in
secondary schools) and their register — desks, boards and fans per classroom, a projector,
TV or interactive display in some, the computer room's teaching desktops one line each,
office equipment, a few things in the storeroom — with ~5–20 % incomplete records (no value
or no date, as after a paper register is typed in) and a few disposals. Closed stock-takes:
December 2024 for about half the schools, December 2025 for about four in five, most items
found, so T11 (monitoring) shows a realistic mix of schools for 2024 and 2025; about one
school in fifteen has no register yet (T11 missing there).

Deterministic from `seed` (one generator per school, fixed dates) and written with bulk
inserts; the demo skips the audit trail, as the other apps' demos do."""

import datetime as dt
import random
import time

from edudx.accounts.models import RoleAssignment
from edudx.core.text import fold
from edudx.org.models import ClassGroup, School
from edudx.org.selectors import school_year_current

from . import selectors
from .models import (
    AssetItem,
    Condition,
    Funding,
    InventoryCheck,
    InventoryResult,
    Room,
    RoomKind,
)

SECONDARY = {"lower_secondary", "upper_secondary", "multi_level"}
NO_REGISTER = 0.07
CHECK_DAYS = {2024: dt.date(2024, 12, 20), 2025: dt.date(2025, 12, 19)}


def _day(rng: random.Random, first: int, last: int) -> dt.date:
    return dt.date(rng.randint(first, last), rng.randint(1, 12), rng.randint(1, 28))


class _School:
    """One school's rooms and items, built in memory."""

    def __init__(self, school: School, classes: list[str], rng: random.Random, cats: dict):
        self.unit, self.rng, self.cats = school.unit, rng, cats
        self.level = school.level
        self.rooms: list[Room] = []
        self.items: list[tuple[Room | None, AssetItem]] = []
        self.serial = 0
        # How carefully the paper register was typed in: the share of incomplete records.
        self.sloppy = rng.choice((0.03, 0.05, 0.08, 0.12, 0.2))
        for name in classes[:30]:
            self.room(f"Phòng học {name}", RoomKind.CLASSROOM, 48 + rng.randint(0, 12))
        self.room("Phòng Hội đồng", RoomKind.OFFICE, 60)
        self.room("Văn phòng", RoomKind.OFFICE, 36)
        self.room("Thư viện", RoomKind.LIBRARY, 54 + rng.randint(0, 30))
        if self.level != "preschool":
            self.room("Phòng Tin học", RoomKind.COMPUTER_ROOM, 60 + rng.randint(0, 20))
        if self.level in SECONDARY:
            self.room("Phòng thí nghiệm", RoomKind.LAB, 72)

    def room(self, name: str, kind: str, area: int) -> None:
        self.rooms.append(
            Room(
                school=self.unit,
                name=name,
                search_name=fold(name),
                kind=kind,
                floor_area=area,
            )
        )

    def item(self, room, code: str, prefix: str, name: str, value: int, years=(2015, 2023)):
        rng = self.rng
        self.serial += 1
        condition = rng.choices(
            (Condition.GOOD, Condition.NEEDS_REPAIR, Condition.BROKEN), (85, 10, 5)
        )[0]
        acquired = _day(rng, *years)
        price = round(value * rng.uniform(0.85, 1.15), -3)
        if rng.random() < self.sloppy:  # typed in from paper: the value or date missing
            if rng.random() < 0.5:
                price = None
            else:
                acquired = None
        item = AssetItem(
            school=self.unit,
            category=self.cats[code],
            tag=f"{prefix}-{self.serial:04d}",
            name=name,
            serial=f"SN{rng.randrange(10**7, 10**8)}" if self.cats[code].is_ict else "",
            acquired_on=acquired,
            value=price,
            funding=rng.choices(
                (Funding.STATE_BUDGET, Funding.PROGRAM, Funding.SPONSOR), (70, 20, 10)
            )[0],
            condition=condition,
            location="" if room else "Kho thiết bị",
        )
        if condition == Condition.BROKEN and rng.random() < 0.4:
            item.condition = Condition.DISPOSED
            item.disposed_on = dt.date(2024, 6, rng.randint(1, 28))
            item.disposal_reason = "Hư hỏng không sửa được (QĐ thanh lý năm 2024)"
        item.search_text = fold(f"{item.tag} {item.name} {item.serial}")[:400]
        self.items.append((room, item))

    def fill(self) -> None:
        rng = self.rng
        for room in self.rooms:
            if room.kind == RoomKind.CLASSROOM:
                self.item(room, "desks_chairs", "BG", "Bộ bàn ghế học sinh (20 bộ)", 24_000_000)
                self.item(
                    room, "teacher_desk", "BG", "Bàn ghế giáo viên, bảng chống lóa", 6_500_000
                )
                self.item(room, "fan", "QU", "Quạt trần (4 chiếc)", 3_200_000)
                display = rng.choices(
                    ("projector", "tv", "interactive_display", None), (3, 3, 1, 3)
                )
                if display[0] == "projector":
                    self.item(room, "projector", "MC", "Máy chiếu Epson", 14_500_000, (2018, 2024))
                elif display[0] == "tv":
                    self.item(room, "tv", "TV", "Ti vi Samsung 65 inch", 16_000_000, (2019, 2024))
                elif display[0] == "interactive_display":
                    self.item(
                        room, "interactive_display", "MH", "Màn hình tương tác 75 inch",
                        58_000_000, (2021, 2024),
                    )  # fmt: skip
            elif room.kind == RoomKind.COMPUTER_ROOM:
                for _ in range(rng.randint(18, 35)):
                    self.item(
                        room, "computer_desktop_teaching", "MT", "Máy tính để bàn dạy Tin học",
                        11_500_000, (2016, 2024),
                    )  # fmt: skip
                self.item(room, "network", "MG", "Bộ chuyển mạch 24 cổng", 4_800_000)
                self.item(room, "projector", "MC", "Máy chiếu Epson", 14_500_000)
            elif room.kind == RoomKind.LAB:
                for subject in ("Vật lí", "Hóa học", "Sinh học"):
                    self.item(
                        room, "lab_set", "TN", f"Bộ thiết bị thí nghiệm {subject}", 35_000_000
                    )
            elif room.kind == RoomKind.LIBRARY:
                self.item(room, "bookshelf", "TS", "Giá sách thư viện (6 giá)", 18_000_000)
                self.item(room, "computer_office", "MV", "Máy tính tra cứu", 10_500_000)
            elif room.name == "Văn phòng":
                for _ in range(rng.randint(2, 4)):
                    self.item(room, "computer_office", "MV", "Máy tính văn phòng", 12_000_000)
                self.item(room, "printer", "MI", "Máy in laser", 5_500_000)
                self.item(room, "network", "MG", "Bộ định tuyến Wi-Fi", 2_200_000)
                self.item(room, "camera", "CA", "Đầu ghi và 8 camera", 16_000_000, (2020, 2024))
            else:
                self.item(room, "audio", "AT", "Bộ âm thanh hội trường", 22_000_000)
                self.item(room, "air_conditioner", "DH", "Máy điều hòa 18.000 BTU", 13_000_000)
        for _ in range(rng.randint(1, 3)):  # the teachers' shared laptops
            self.item(
                None, "computer_laptop_teaching", "ML", "Máy tính xách tay dạy học", 15_000_000
            )
        self.item(None, "sports", "TT", "Dụng cụ thể dục thể thao", 9_000_000)
        self.item(None, "generator", "MP", "Máy phát điện 5 kVA", 21_000_000)


def build_demo(summary, users, *, seed: int, log=print) -> None:
    t0 = time.monotonic()
    year = school_year_current()
    cats = {c.code: c for c in selectors.categories()}
    schools = list(
        School.objects.filter(unit__valid_to__isnull=True)
        .select_related("unit")
        .order_by("unit_id")
    )
    classes: dict[int, list[str]] = {}
    if year is not None:
        for sid, name in (
            ClassGroup.objects.filter(school_year=year)
            .order_by("school_id", "grade__number", "name")
            .values_list("school_id", "name")
        ):
            classes.setdefault(sid, []).append(name)
    # A few schools have not typed their register in yet (T11 missing for them); never the
    # schools of the demo logins.
    logins = set(
        RoleAssignment.objects.filter(user__in=list(users)).values_list("unit_id", flat=True)
    )
    built = []
    for school in schools:
        rng = random.Random(f"{seed}:assets:{school.unit_id}")  # noqa: S311 — a demo
        if rng.random() < NO_REGISTER and school.unit_id not in logins:
            continue
        s = _School(school, classes.get(school.unit_id, []), rng, cats)
        s.fill()
        built.append(s)
    Room.objects.bulk_create([r for s in built for r in s.rooms], batch_size=1000)
    for s in built:
        for room, item in s.items:
            item.room = room
    AssetItem.objects.bulk_create([i for s in built for _r, i in s.items], batch_size=1000)
    checks, results = _stock_takes(built, seed)
    log(
        f"  Tài sản: {sum(len(s.rooms) for s in built)} phòng, "
        f"{sum(len(s.items) for s in built)} tài sản, {checks} đợt kiểm kê, "
        f"{results} kết quả ({time.monotonic() - t0:.1f} s)"
    )
    summary.counts["asset_items"] = sum(len(s.items) for s in built)


def _stock_takes(built: list[_School], seed: int) -> tuple[int, int]:
    """December stock-takes, closed on the day: 2024 for about half the schools, 2025 for
    about four in five; each item on the register then is found with the school's care."""
    rng = random.Random(f"{seed}:assets:checks")  # noqa: S311 — a demo
    plan = []
    for s in built:
        for year, share in ((2024, 0.5), (2025, 0.8)):
            if rng.random() < share:
                plan.append((s, year, rng.uniform(0.85, 1.0)))
    checks = [
        InventoryCheck(
            school=s.unit,
            check_date=CHECK_DAYS[year],
            closed_at=dt.datetime.combine(CHECK_DAYS[year], dt.time(10), tzinfo=dt.UTC),
            note="Ban kiểm kê: Hiệu trưởng, kế toán, văn thư",
        )
        for s, year, _care in plan
    ]
    InventoryCheck.objects.bulk_create(checks, batch_size=1000)
    results = []
    for check, (s, _year, care) in zip(checks, plan, strict=True):
        day = check.check_date
        for _room, item in s.items:
            on_register = (item.acquired_on is None or item.acquired_on <= day) and not (
                item.disposed_on and item.disposed_on <= day
            )
            if not on_register:
                continue
            found = rng.random() < care
            results.append(
                InventoryResult(
                    inventory=check,
                    item=item,
                    found=found,
                    condition_seen=item.condition if found else "",
                    checked_at=check.closed_at,
                )
            )
    InventoryResult.objects.bulk_create(results, batch_size=2000)
    return len(checks), len(results)
