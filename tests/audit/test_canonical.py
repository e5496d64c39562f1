"""The canonical JSON an audit hash covers: the bulk path (plain values, no model
instance) and the model path (AuditEvent.canonical) must write the same bytes."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from edudx.audit import services
from edudx.audit.models import AuditEvent, canonical_json, encode_changes
from edudx.audit.services import COPY_THRESHOLD, Entry, audit_append, audit_record_many
from edudx.audit.verify import chain_verify

AT = dt.datetime(2025, 10, 1, 3, 4, 5, 678901, tzinfo=dt.UTC)

TRICKY = [
    pytest.param(
        {"full_name": [None, "Đặng Thị Ước"], "ethnicity": [None, "Ê-đê"]}, id="vietnamese"
    ),
    pytest.param({"phone": ["0912", None], "email": [None, ""]}, id="none-and-empty"),
    pytest.param(
        {"z": {"b": [1, True, None], "a": {"y": "ý", "x": []}}, "a": [[None, "1"]]}, id="nested"
    ),
    pytest.param({"quote": [None, 'a "b" \\ c\n\t\u2028'], "emoji": [None, "😀"]}, id="escapes"),
    pytest.param({"dob": (None, dt.date(2013, 5, 4)), "n": [None, 7]}, id="tuple-and-date"),
    pytest.param({}, id="empty"),
]


def reference(**f) -> str:
    """What AuditEvent.canonical wrote before the bulk path existed."""
    return json.dumps(f, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


@pytest.mark.parametrize("changes", TRICKY)
@pytest.mark.parametrize("ip", [None, "2001:db8::1", "10.0.0.7"])
def test_canonical_json_is_the_sorted_compact_dump(changes, ip):
    fields = {
        "at": AT.isoformat(),
        "actor": 42,
        "actor_name": "Nguyễn Văn An",
        "action": "create",
        "object_type": "people.person",
        "object_id": "17",
        "object_repr": "Đặng Thị Ước",
        "changes": changes,
        "reason": "Nhập từ tệp",
        "ip": ip,
    }
    assert canonical_json(**fields) == reference(**fields)


def test_canonical_json_exact_text():
    assert canonical_json(
        at="2025-10-01T03:04:05.678901+00:00",
        actor=None,
        actor_name="system",
        action="create",
        object_type="people.student",
        object_id="5",
        object_repr="Lê Ước",
        changes={"school": [None, "3"], "class_group": [None, ""]},
        reason="",
        ip="2001:db8::1",
    ) == (
        '{"action":"create","actor":null,"actor_name":"system",'
        '"at":"2025-10-01T03:04:05.678901+00:00",'
        '"changes":{"class_group":[null,""],"school":[null,"3"]},"ip":"2001:db8::1",'
        '"object_id":"5","object_repr":"Lê Ước","object_type":"people.student","reason":""}'
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"a": [None, "x"], "b": [1, True, False]}, True),
        ({"a": {"b": [{"c": None}]}}, True),
        ({"a": (None, "x")}, False),
        ({"a": [None, dt.date(2020, 1, 2)]}, False),
        ({1: [None, "x"]}, False),
        ({"a": 1.5}, False),
        ([["x"], None], True),
    ],
)
def test_json_native(value, expected):
    assert services._json_native(value) is expected


def test_encode_changes_sorts_keys_at_every_level():
    assert encode_changes({"b": {"d": 1, "c": None}, "a": ["ư", None]}) == (
        '{"a":["ư",null],"b":{"c":null,"d":1}}'
    )


def test_bulk_and_model_paths_write_identical_hashes(db, monkeypatch):
    """The same entries through the model path (a few at a time: bulk_create of
    AuditEvent instances) and the bulk path (COPY / executemany from plain values), at the
    same instant: the stored events canonicalise to the same text, each hash verifies,
    and the whole chain verifies."""
    monkeypatch.setattr(services.timezone, "now", lambda: AT)
    entries = [
        Entry("create", "people.person", str(i), f"Đặng Thị Ước {i}", changes, "Lý do")
        for i, changes in enumerate(p.values[0] for p in TRICKY)
    ]
    audit_record_many(actor=None, entries=entries, ip="2001:0db8::0001")
    filler = [
        ("create", "people.student", str(n), "Học sinh", {"school": [None, "1"]}, "")
        for n in range(COPY_THRESHOLD)
    ]
    rows = [
        (e.action, e.object_type, e.object_id, e.object_repr, e.changes, e.reason) for e in entries
    ]
    written = audit_append(
        actor=None, rows=iter(rows + filler), size=len(rows) + len(filler), ip="2001:0db8::0001"
    )
    assert written == len(entries) + COPY_THRESHOLD
    events = list(AuditEvent.objects.order_by("id"))
    model_path, bulk_path = events[: len(entries)], events[len(entries) : 2 * len(entries)]
    assert [e.canonical() for e in bulk_path] == [e.canonical() for e in model_path]
    assert [e.ip for e in bulk_path] == ["2001:db8::1"] * len(entries)
    assert all(e.compute_hash() == e.hash for e in events)
    assert [e.changes for e in bulk_path][4] == {"dob": [None, "2013-05-04"], "n": [None, 7]}
    report = chain_verify()
    assert (report.ok, report.checked, report.last_event_id) == (True, len(events), events[-1].pk)
    assert timezone.is_aware(bulk_path[0].at)
