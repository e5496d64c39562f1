import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import RequestFactory

from edudx.audit.context import AuditContextMiddleware, current_ip, normalise_ip
from edudx.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from edudx.audit.services import Entry, audit_record, audit_record_many
from edudx.audit.verify import chain_verify
from tests.factories import UserFactory


def record(n: int, *, actor=None, prefix: str = "s") -> list[int]:
    for i in range(n):
        audit_record(
            actor=actor,
            action="view",
            object_type="people.student",
            object_id=f"{prefix}{i}",
            object_repr=f"Học sinh {prefix}{i}",
            reason="Kiểm tra hồ sơ",
        )
    return list(AuditEvent.objects.order_by("id").values_list("id", flat=True))


def raw(sql: str, params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify_error() -> CommandError:
    with pytest.raises(CommandError) as err:
        call_command("audit", "verify")
    return err.value


def test_intact_chain_verifies(db, capsys):
    ids = record(5)
    call_command("audit", "verify", "--chunk-size", "2")
    out = capsys.readouterr().out
    assert out == f"Nhật ký kiểm toán nguyên vẹn: 5 sự kiện, sự kiện cuối #{ids[-1]}.\n"


def test_empty_trail_verifies(db):
    report = chain_verify()
    assert (report.ok, report.checked, report.last_event_id) == (True, 0, 0)


def test_events_link_to_each_other_and_to_the_head(db):
    ids = record(3)
    evs = list(AuditEvent.objects.order_by("id"))
    assert [e.prev_hash for e in evs] == [GENESIS_HASH, evs[0].hash, evs[1].hash]
    head = AuditChainHead.objects.get()
    assert (head.pk, head.last_hash, head.last_event_id) == (1, evs[2].hash, ids[2])


def test_row_edited_behind_the_apps_back_is_named(db):
    ids = record(6)
    raw("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["tò mò", ids[3]])
    err = verify_error()
    assert err.returncode == 1
    assert str(err) == (f"Sự kiện nhật ký #{ids[3]} đã bị sửa: nội dung không khớp mã băm đã ghi.")
    report = chain_verify()
    assert (report.problem.event_id, report.problem.code, report.checked) == (ids[3], "hash", 3)


def test_edit_with_recomputed_hash_breaks_the_next_link(db):
    ids = record(4)
    ev = AuditEvent.objects.get(pk=ids[1])
    ev.actor_name = "someone else"
    raw(
        "UPDATE audit_auditevent SET actor_name = %s, hash = %s WHERE id = %s",
        [ev.actor_name, ev.compute_hash(), ids[1]],
    )
    report = chain_verify()
    assert (report.problem.event_id, report.problem.code) == (ids[2], "link")


def test_deleted_row_is_caught_at_the_next_event(db):
    ids = record(6)
    raw("DELETE FROM audit_auditevent WHERE id = %s", [ids[2]])
    err = verify_error()
    assert str(err) == (
        f"Sự kiện nhật ký #{ids[3]} không nối tiếp sự kiện #{ids[1]}: sự kiện giữa hai số "
        f"này đã bị xóa, hoặc sự kiện #{ids[1]} đã bị sửa."
    )
    report = chain_verify()
    assert (report.problem.event_id, report.problem.code) == (ids[3], "link")


def test_deleted_first_row_is_caught(db):
    ids = record(3)
    raw("DELETE FROM audit_auditevent WHERE id = %s", [ids[0]])
    report = chain_verify()
    assert (report.problem.event_id, report.problem.code, report.checked) == (ids[1], "link", 0)


def test_deleted_last_row_is_caught_by_the_head(db):
    ids = record(4)
    raw("DELETE FROM audit_auditevent WHERE id = %s", [ids[-1]])
    err = verify_error()
    assert str(err) == (
        f"Đầu chuỗi ghi sự kiện cuối là #{ids[-1]} nhưng chuỗi kết thúc ở sự kiện "
        f"#{ids[-2]}: sự kiện cuối đã bị xóa hoặc sửa, hoặc đầu chuỗi đã bị sửa."
    )
    report = chain_verify()
    assert (report.problem.event_id, report.problem.code) == (ids[-1], "head")


def test_edited_head_is_caught(db):
    ids = record(2)
    raw("UPDATE audit_auditchainhead SET last_hash = %s", ["f" * 64])
    report = chain_verify()
    assert (report.problem.event_id, report.problem.code) == (ids[-1], "head")


def test_every_row_deleted_is_caught_by_the_head(db):
    ids = record(2)
    raw("DELETE FROM audit_auditevent WHERE id >= %s", [ids[0]])
    report = chain_verify()
    assert (report.problem.event_id, report.problem.code) == (ids[-1], "head")


def test_row_appended_outside_the_app_is_caught(db):
    ids = record(2)
    last = AuditEvent.objects.get(pk=ids[-1])
    forged = AuditEvent(
        at=last.at,
        actor_name="intruder",
        action="view",
        object_type="people.student",
        object_id="s9",
        prev_hash=last.hash,
    )
    forged.hash = forged.compute_hash()
    AuditEvent.objects.bulk_create([forged])  # skips the head, as raw SQL would
    stray = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    report = chain_verify()
    assert (report.problem.event_id, report.problem.code) == (stray, "stray")


def test_chain_continues_after_verification(db):
    record(2)
    assert chain_verify().ok
    ids = record(2, prefix="t")
    report = chain_verify()
    assert (report.ok, report.checked, report.last_event_id) == (True, 4, ids[-1])


def test_trail_is_append_only_through_the_orm(db):
    ids = record(1)
    ev = AuditEvent.objects.get(pk=ids[0])
    with pytest.raises(PermissionError):
        ev.save()
    with pytest.raises(PermissionError):
        ev.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=ev.pk).update(reason="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=ev.pk).delete()


def test_deleting_a_user_leaves_their_events_untouched(db):
    user = UserFactory(username="canbo1")
    ids = record(2, actor=user)
    user_id = user.pk
    user.delete()
    assert list(AuditEvent.objects.filter(pk__in=ids).values_list("actor_id", flat=True)) == [
        user_id,
        user_id,
    ]
    assert chain_verify().ok


def test_head_row_is_recreated_after_a_flush(db):
    AuditChainHead.objects.all().delete()
    audit_record(actor=None, action="create", object_type="org.unit", object_id=1)
    head = AuditChainHead.objects.get()
    assert head.pk == 1
    assert head.last_event_id == AuditEvent.objects.get().pk
    assert chain_verify().ok


def test_event_fields(db):
    user = UserFactory(username="hieutruong")
    audit_record_many(
        actor=user,
        ip="10.1.2.3",
        entries=[
            Entry(
                "update",
                "people.person",
                "42",
                "Nguyễn Văn An",
                {"phone": ["0901", "0902"], "tags": ("a", "b")},
                "Phụ huynh đề nghị",
            )
        ],
    )
    ev = AuditEvent.objects.get()
    assert (
        ev.actor_id,
        ev.actor_name,
        ev.action,
        ev.object_type,
        ev.object_id,
        ev.object_repr,
        ev.changes,
        ev.reason,
        ev.ip,
    ) == (
        user.pk,
        "hieutruong",
        "update",
        "people.person",
        "42",
        "Nguyễn Văn An",
        {"phone": ["0901", "0902"], "tags": ["a", "b"]},
        "Phụ huynh đề nghị",
        "10.1.2.3",
    )
    assert chain_verify().ok


@pytest.mark.parametrize(
    ("raw_ip", "stored"),
    [
        ("203.113.130.5", "203.113.130.5"),
        (" 10.0.0.7 ", "10.0.0.7"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),
        ("fe80::1%eth0", "fe80::1"),
        ("::1", "::1"),
        ("unknown", None),
        ("", None),
        (None, None),
    ],
    ids=lambda v: repr(v),
)
def test_ip_from_context_is_stored_as_hashed(db, raw_ip, stored):
    token = current_ip.set(raw_ip)
    try:
        audit_record(actor=None, action="view", object_type="people.student", object_id=1)
    finally:
        current_ip.reset(token)
    assert AuditEvent.objects.get().ip == stored
    assert normalise_ip(raw_ip) == stored
    assert chain_verify().ok


def test_middleware_puts_the_client_ip_in_context_for_the_request_only(db):
    seen = []

    def view(request):
        seen.append(current_ip.get())
        audit_record(actor=None, action="view", object_type="people.student", object_id=1)
        return "response"

    request = RequestFactory().get("/", REMOTE_ADDR="113.161.4.20")
    assert AuditContextMiddleware(view)(request) == "response"
    assert seen == ["113.161.4.20"]
    assert current_ip.get() is None
    assert AuditEvent.objects.get().ip == "113.161.4.20"


def test_middleware_is_installed():
    from django.conf import settings

    assert "edudx.audit.context.AuditContextMiddleware" in settings.MIDDLEWARE


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite takes the write lock at BEGIN IMMEDIATE, so its "
    "writers never interleave; the row lock on the chain head only matters on PostgreSQL",
)
@pytest.mark.parametrize("head_exists", [True, False], ids=["head_row", "no_head_row"])
def test_concurrent_writers_keep_one_valid_chain_on_postgresql(transactional_db, head_exists):
    if not head_exists:  # both writers race to create the head row
        AuditChainHead.objects.all().delete()
    else:
        AuditChainHead.objects.get_or_create(pk=1)
    writers, per_writer = 4, 25
    barrier = threading.Barrier(writers)
    errors = []

    def write(w: int):
        try:
            barrier.wait()
            for i in range(per_writer):
                audit_record_many(
                    actor=None,
                    entries=[
                        Entry("view", "people.student", f"{w}-{i}-a"),
                        Entry("view", "people.student", f"{w}-{i}-b"),
                    ],
                )
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = chain_verify()
    assert (report.ok, report.checked) == (True, writers * per_writer * 2)
    assert AuditChainHead.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the COPY path for big batches is PostgreSQL-only"
)
def test_big_batch_written_by_copy_verifies(db):
    from edudx.audit.services import COPY_THRESHOLD

    record(1)
    n = COPY_THRESHOLD + 5
    audit_record_many(
        actor=None,
        ip="2001:0db8::0001",
        entries=[
            Entry("create", "people.person", str(i), f"Người {i}", {"dob": [None, "04/05/2013"]})
            for i in range(n)
        ],
    )
    record(1, prefix="after")
    report = chain_verify()
    assert (report.ok, report.checked) == (True, n + 2)
    assert AuditEvent.objects.filter(ip="2001:db8::1").count() == n
    head = AuditChainHead.objects.get()
    assert head.last_event_id == AuditEvent.objects.order_by("-id").values_list("id", flat=True)[0]
