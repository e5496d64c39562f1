"""tests/snapshots.py: a replayed District holds exactly the rows a build through the
services writes, its audit chain verifies, and it is only replayed where that holds."""

import datetime as dt

import pytest
import time_machine
from django.apps import apps
from django.db import transaction

from edudx.audit.models import AuditEvent
from edudx.audit.verify import chain_verify
from edudx.core.errors import DomainError
from edudx.org.models import OrgUnit

from . import snapshots
from .factories import District


def everything() -> dict:
    return {
        m._meta.label: list(m._base_manager.order_by("pk").values_list())
        for m in apps.get_models()
        if not m._meta.proxy
    }


def test_a_replay_writes_what_the_build_wrote(db):
    with transaction.atomic():
        built, rec = snapshots.record(District)
        rows_built = everything()
        transaction.set_rollback(True)
    assert rec is not None
    written = {model._meta.label for model, _rows in rec.inserts}
    assert {"org.OrgUnit", "people.Student", "audit.AuditEvent", "core.OutboxEvent"} <= written
    assert {model._meta.label for model, _rows in rec.updates} == {"audit.AuditChainHead"}

    assert snapshots.baseline()
    with transaction.atomic():
        objects = rec.replay()
        assert everything() == rows_built
        report = chain_verify()
        assert report.ok and report.checked == len(rows_built["audit.AuditEvent"]) > 0
        transaction.set_rollback(True)
    assert set(objects) == set(vars(built))
    for name, obj in objects.items():
        assert (type(obj), obj.pk) == (type(vars(built)[name]), vars(built)[name].pk)
        assert obj is not vars(built)[name]  # fresh instances for each test


def test_on_top_of_other_rows_the_services_build(db):
    """Not at the baseline nothing is replayed: the services build, and here refuse a
    second province 67."""
    District.fresh()
    assert not snapshots.baseline()
    with pytest.raises(DomainError) as caught:
        District.fresh()
    assert caught.value.code == "org.code_taken"
    assert OrgUnit.objects.filter(code="67").count() == 1


def test_another_day_builds_through_the_services(db):
    with transaction.atomic():
        District.fresh()  # recorded (or replayed) today
        transaction.set_rollback(True)
    with time_machine.travel(dt.datetime(2031, 1, 2, 3, 0, tzinfo=dt.UTC), tick=False):
        district = District.fresh()
        assert set(AuditEvent.objects.values_list("at__year", flat=True)) == {2031}
        assert district.student_a1.person.full_name == "Nguyễn Văn An"
