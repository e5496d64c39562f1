"""A calendar change moves the due dates of open dossiers (around lunar Tết 2027:
Thursday 4 to Wednesday 10 February are days off)."""

import datetime as dt

import pytest

from edudx.audit.models import AuditEvent
from edudx.eservices import services
from edudx.eservices.models import Dossier
from edudx.notify.models import Notification
from tests.pages.conftest import otp_login

from .test_dossiers import bring_to

pytestmark = pytest.mark.django_db

D = dt.date


def dossier_at(world, state, *, received, due, pauses=(), unit=None):
    """A dossier brought to `state`, then dated as if received on `received` (and moved
    to `unit`)."""
    d = bring_to(world, state)
    Dossier.objects.filter(pk=d.pk).update(
        received_on=received,
        due_date=due,
        pauses=[[a.isoformat(), b.isoformat()] for a, b in pauses],
        unit=unit or d.unit,
    )
    return d


def due_dates(*dossiers):
    return [Dossier.objects.get(pk=d.pk).due_date for d in dossiers]


def test_day_off_after_tet_moves_open_dossiers_of_the_unit_only(world):
    received = dossier_at(world, "received", received=D(2027, 2, 3), due=D(2027, 2, 11))
    # Received Tue 2/2 (due Wed 3/2), paused Tue 2/2 → Wed 3/2 (one working day): Tết
    # pushes it to Thu 11/2.
    paused = dossier_at(
        world,
        "processing",
        received=D(2027, 2, 2),
        due=D(2027, 2, 11),
        pauses=[(D(2027, 2, 2), D(2027, 2, 3))],
    )
    waiting = dossier_at(world, "supplement", received=D(2027, 2, 3), due=D(2027, 2, 11))
    closed = dossier_at(world, "approved", received=D(2027, 2, 3), due=D(2027, 2, 11))
    returned = dossier_at(world, "returned", received=D(2027, 2, 3), due=D(2027, 2, 11))
    other = dossier_at(
        world, "processing", received=D(2027, 2, 3), due=D(2027, 2, 11), unit=world.d.commune_b
    )
    change = services.calendar_day_save(
        actor=world.officer_a,
        date="11/02/2027",
        name="Nghỉ thêm sau Tết",
        is_holiday=True,
        unit=world.d.commune_a,
    )
    assert change.dossiers_moved == 3
    assert due_dates(received, paused, waiting) == [D(2027, 2, 12)] * 3
    assert due_dates(closed, returned, other) == [D(2027, 2, 11)] * 3
    moved = AuditEvent.objects.filter(object_type="eservices.dossier", changes__has_key="due_date")
    # object_id is text: ordered as numbers ("100" sorts before "98" as text).
    assert [
        (e.object_id, e.changes, e.reason) for e in sorted(moved, key=lambda e: int(e.object_id))
    ] == [
        (
            str(d.pk),
            {"due_date": ["2027-02-11", "2027-02-12"]},
            "Lịch ngày 11/02/2027: Nghỉ thêm sau Tết",
        )
        for d in sorted([received, paused, waiting], key=lambda d: d.pk)
    ]
    # Removing the day moves them back, and audits again.
    back = services.calendar_day_delete(
        actor=world.officer_a, date="2027-02-11", unit=world.d.commune_a
    )
    assert back.dossiers_moved == 3
    assert due_dates(received, paused, waiting, closed) == [D(2027, 2, 11)] * 4
    assert moved.all().count() == 6


def test_national_make_up_day_moves_every_unit(world):
    a = dossier_at(world, "received", received=D(2027, 2, 3), due=D(2027, 2, 11))
    b = dossier_at(
        world, "processing", received=D(2027, 2, 3), due=D(2027, 2, 11), unit=world.d.commune_b
    )
    # Saturday 6/2/2027 worked in exchange: the one working day after Wed 3/2 is then Sat 6/2.
    change = services.calendar_day_save(
        actor=world.d.user("system_admin", None),
        date="06/02/2027",
        name="Làm bù",
        is_holiday=False,
        unit=None,
    )
    assert change.dossiers_moved == 2
    assert due_dates(a, b) == [D(2027, 2, 6)] * 2


def test_refused_change_moves_nothing(world):
    a = dossier_at(world, "received", received=D(2027, 2, 3), due=D(2027, 2, 11))
    with pytest.raises(services.DomainError):
        services.calendar_day_save(
            actor=world.officer_a,
            date="06/02/2027",
            name="x",
            is_holiday=True,
            unit=world.d.commune_a,
        )
    assert due_dates(a) == [D(2027, 2, 11)]


def test_officer_sees_the_count(client, world):
    dossier_at(world, "received", received=D(2027, 2, 3), due=D(2027, 2, 11))
    otp_login(client, world.officer_a)
    page = client.post(
        "/services/calendar/",
        {
            "date": "11/02/2027",
            "name": "Nghỉ thêm",
            "kind": "holiday",
            "unit": world.d.commune_a.pk,
        },
        follow=True,
    )
    assert "Đã cập nhật hạn xử lý của 1 hồ sơ." in page.content.decode()


def test_calendars_for_many_units_match_one_by_one(world):
    d = world.d
    services.calendar_day_save(
        actor=world.officer_a, date="11/02/2027", name="Nghỉ", is_holiday=True, unit=d.commune_a
    )
    services.calendar_day_save(
        actor=d.user("province_officer", d.province),
        date="06/02/2027",
        name="Làm bù",
        is_holiday=False,
        unit=d.province,
    )
    many = services.calendars([d.commune_a, d.commune_b])
    assert many == {
        d.commune_a.pk: services.calendar(d.commune_a),
        d.commune_b.pk: services.calendar(d.commune_b),
    }
    assert many[d.commune_a.pk].add_working_days(D(2027, 2, 3), 2) == D(2027, 2, 12)
    assert many[d.commune_b.pk].add_working_days(D(2027, 2, 3), 2) == D(2027, 2, 11)


def due_notices(*dossiers):
    return sorted(
        Notification.objects.filter(
            event="eservices.dossier_due_date", context__code__in=[d.code for d in dossiers]
        ).values_list("context__code", "title", "phone", "recipient_id")
    )


def test_applicant_is_told_once_per_moved_dossier(world):
    from .test_dossiers import copy_dossier

    moved = dossier_at(world, "received", received=D(2027, 2, 3), due=D(2027, 2, 11))
    own = copy_dossier(world, actor=world.citizen)
    Dossier.objects.filter(pk=own.pk).update(
        status="processing", received_on=D(2027, 2, 3), due_date=D(2027, 2, 11)
    )
    unmoved = dossier_at(world, "approved", received=D(2027, 2, 3), due=D(2027, 2, 11))
    other = dossier_at(
        world, "processing", received=D(2027, 2, 3), due=D(2027, 2, 11), unit=world.d.commune_b
    )
    save = {
        "actor": world.officer_a,
        "date": "11/02/2027",
        "name": "Nghỉ thêm sau Tết",
        "is_holiday": True,
        "unit": world.d.commune_a,
    }
    assert services.calendar_day_save(**save).dossiers_moved == 2
    assert due_notices(moved, own, unmoved, other) == sorted(
        [
            (moved.code, f"Hồ sơ {moved.code}: hạn giải quyết mới 12/02/2027", "0912345678", None),
            (own.code, f"Hồ sơ {own.code}: hạn giải quyết mới 12/02/2027", "", world.citizen.pk),
        ]
    )
    notice = Notification.objects.get(event="eservices.dossier_due_date", context__code=own.code)
    assert notice.body == (
        "Lịch làm việc thay đổi nên hạn giải quyết hồ sơ chuyển sang ngày 12/02/2027."
    )
    # The same change again (a retry) moves nothing and tells nobody twice.
    assert services.calendar_day_save(**save).dossiers_moved == 0
    assert len(due_notices(moved, own, unmoved, other)) == 2
    # Removing the day moves them back: one more notice each, with the restored date.
    services.calendar_day_delete(actor=world.officer_a, date="2027-02-11", unit=world.d.commune_a)
    titles = [t for _c, t, _p, _r in due_notices(moved, own)]
    assert sorted(titles) == sorted(
        [
            f"Hồ sơ {d.code}: hạn giải quyết mới {day}"
            for d in (moved, own)
            for day in ("11/02/2027", "12/02/2027")
        ]
    )
