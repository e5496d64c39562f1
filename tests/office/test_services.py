"""Registers, assignment, replies and dossiers through the services: numbering per unit and
year, every refusal with its exact Vietnamese message and field, nothing half-written."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from edudx.audit.models import AuditEvent
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, DomainErrors
from edudx.notify.models import Notification
from edudx.office import services
from edudx.office.models import IncomingDocument, OutgoingDocument, WorkDossier

from .conftest import PDF, TODAY

pytestmark = pytest.mark.django_db


def errors(exc) -> list[tuple[str, str, str]]:
    return [(i["code"], i["field"], i["message"]) for i in exc.value.as_list()]


def test_register_numbers_run_per_unit_and_restart_each_year(office):
    d = office.d
    a1 = office.incoming()
    a2 = office.incoming(symbol="126/SGDĐT-VP")
    b1 = office.incoming(unit=d.school_b, actor=office.clerk_b)
    last_year = office.incoming(received_on=dt.date(2025, 12, 30), issued_on=dt.date(2025, 12, 29))
    a3 = office.incoming(symbol="7/PGDĐT")
    assert [(x.unit_id, x.year, x.number) for x in (a1, a2, b1, last_year, a3)] == [
        (d.school_a.pk, 2026, 1),
        (d.school_a.pk, 2026, 2),
        (d.school_b.pk, 2026, 1),
        (d.school_a.pk, 2025, 1),
        (d.school_a.pk, 2026, 3),
    ]
    out1, out2 = office.outgoing(), office.outgoing(symbol="KH-THCSLL", doc_type="plan")
    assert [o.number_symbol for o in (out1, out2)] == ["1/BC-THCSLL", "2/KH-THCSLL"]


def test_a_number_taken_concurrently_is_read_again(office, monkeypatch):
    """Another clerk registered number 1 between our read of the register and our insert:
    the insert hits uniq_office_in_number, the savepoint rolls back and the number is read
    again, so we get 2 rather than an error."""
    office.incoming()
    reads = []
    real = services.last_number

    def stale_then_fresh(model, *, unit, year):
        reads.append(year)
        return 0 if len(reads) == 1 else real(model, unit=unit, year=year)

    monkeypatch.setattr(services, "last_number", stale_then_fresh)
    second = office.incoming(symbol="126/SGDĐT-VP")
    assert (second.number, len(reads)) == (2, 2)
    assert list(IncomingDocument.objects.order_by("number").values_list("number", flat=True)) == [
        1,
        2,
    ]


def test_collision_on_every_attempt_raises_and_writes_nothing(office, monkeypatch, settings):
    office.incoming()

    monkeypatch.setattr(services, "last_number", lambda model, *, unit, year: 0)
    with pytest.raises(IntegrityError):
        office.incoming(
            symbol="126/SGDĐT-VP", attachment=SimpleUploadedFile("a.pdf", PDF, "application/pdf")
        )
    assert IncomingDocument.objects.count() == 1
    stored = [p for p in (settings.MEDIA_ROOT / "office").rglob("*") if p.is_file()]
    assert stored == []  # the PDF saved before the transaction went with it


def test_incoming_refusals_name_each_field(office):
    with pytest.raises(DomainErrors) as exc:
        office.incoming(
            sender=" ",
            issued_on=dt.date(2026, 3, 13),
            received_on=dt.date(2026, 3, 12),
            urgency="x",
            attachment=SimpleUploadedFile("cv.pdf", b"PK\x03\x04 not a pdf", "application/pdf"),
        )
    assert errors(exc) == [
        ("office.sender", "sender", "Hãy nhập cơ quan ban hành."),
        ("office.issued_after_received", "issued_on", "Ngày ban hành không được sau ngày đến."),
        ("office.urgency", "urgency", "Độ khẩn không hợp lệ."),
        ("office.attachment_type", "attachment", "Tệp đính kèm phải là tệp PDF."),
    ]
    with pytest.raises(DomainErrors) as exc:
        office.incoming(received_on=dt.date(2026, 3, 17))
    assert errors(exc) == [
        ("office.received_on_future", "received_on", "Ngày đến không được sau hôm nay.")
    ]
    assert IncomingDocument.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="office.incoming").exists()


def test_a_pdf_is_stored_and_audited(office):
    doc = office.incoming(attachment=SimpleUploadedFile("cv.pdf", PDF, "application/pdf"))
    with doc.attachment.open("rb") as f:
        assert f.read() == PDF
    event = AuditEvent.objects.get(object_type="office.incoming", object_id=str(doc.pk))
    assert (event.action, event.actor_id, event.changes) == (
        "create",
        office.clerk.pk,
        {"unit": office.d.school_a.pk, "number": 1},
    )


def test_only_the_units_own_staff_register(office):
    for actor in (office.officer, office.clerk_b, office.teacher):
        with pytest.raises(Forbidden) as exc:
            office.incoming(actor=actor)
        assert str(exc.value) == "Chỉ văn thư, lãnh đạo của đơn vị mới làm được việc này."
    assert IncomingDocument.objects.count() == 0


def test_assign_notifies_the_handler_and_checks_the_due_date(office):
    doc = office.incoming()
    with pytest.raises(DomainErrors) as exc:
        services.incoming_assign(
            actor=office.principal,
            document=doc,
            handler=office.teacher,
            due_on=dt.date(2026, 3, 11),
        )
    assert errors(exc) == [
        ("office.due_before_received", "due_on", "Hạn xử lý không được trước ngày đến.")
    ]
    with pytest.raises(DomainErrors) as exc:  # a user of another school
        services.incoming_assign(
            actor=office.principal,
            document=doc,
            handler=office.clerk_b,
            due_on=dt.date(2026, 3, 20),
        )
    assert errors(exc) == [
        (
            "office.handler",
            "handler_id",
            "Người xử lý phải là cán bộ, giáo viên có tài khoản của đơn vị.",
        )
    ]
    doc.refresh_from_db()
    assert (doc.status, doc.handler_id) == ("received", None)

    services.incoming_assign(
        actor=office.principal, document=doc, handler=office.teacher, due_on=dt.date(2026, 3, 20)
    )
    doc.refresh_from_db()
    assert (doc.status, doc.handler_id, doc.due_on) == (
        "assigned",
        office.teacher.pk,
        dt.date(2026, 3, 20),
    )
    note = Notification.objects.get(recipient=office.teacher, event="office.assigned")
    assert note.title == "Văn bản đến số 1 giao bạn xử lý, hạn 20/03/2026"
    assert note.url == f"/office/incoming/{doc.pk}/"
    # The handler takes it up and finishes it; then it is closed to further changes.
    services.incoming_start(actor=office.teacher, document=doc)
    services.incoming_done(actor=office.teacher, document=doc)
    assert doc.status == "done" and doc.done_at is not None
    with pytest.raises(DomainError) as exc:
        services.incoming_done(actor=office.teacher, document=doc)
    assert str(exc.value) == "Văn bản đã xử lý xong."


def test_a_reply_closes_the_incoming_document(office):
    doc = office.incoming()
    reply = office.outgoing(reply_to_id=doc.pk, symbol="THCSLL-VP", doc_type="official_letter")
    doc.refresh_from_db()
    assert (reply.reply_to_id, doc.status) == (doc.pk, "done")
    assert doc.done_at is not None
    assert AuditEvent.objects.filter(
        object_type="office.incoming", object_id=str(doc.pk), action="update"
    ).exists()


def test_outgoing_refusals(office):
    other = office.incoming(unit=office.d.school_b, actor=office.clerk_b)
    mine = office.incoming()
    with pytest.raises(DomainErrors) as exc:
        office.outgoing(symbol="12/BC", signer="", reply_to_id=other.pk)
    assert errors(exc) == [
        ("office.symbol", "symbol", "Chỉ nhập phần ký hiệu (vd. SGDĐT-VP); số do hệ thống cấp."),
        ("office.signer", "signer", "Hãy nhập người ký."),
        (
            "office.reply_to",
            "reply_to_id",
            "Văn bản đến được trả lời không thuộc sổ văn bản đến của đơn vị.",
        ),
    ]
    with pytest.raises(DomainErrors) as exc:
        office.outgoing(reply_to_id=mine.pk, issued_on=dt.date(2026, 3, 11))
    assert errors(exc) == [
        (
            "office.reply_before_received",
            "issued_on",
            "Văn bản trả lời không được ban hành trước ngày đến của văn bản được trả lời.",
        )
    ]
    assert OutgoingDocument.objects.count() == 0
    mine.refresh_from_db()
    assert mine.status == "received"


def test_dossier_is_digital_only_with_every_document_electronic(office):
    digital = office.dossier()
    mixed = office.dossier(code="02.VP", title="Hồ sơ tuyển sinh lớp 6")
    paper = office.dossier(code="03.VP", title="Hồ sơ kiểm định", medium="paper")
    e_in = office.incoming()
    e_out = office.outgoing()
    paper_in = office.incoming(symbol="8/UBND", electronic=False)
    e_in2 = office.incoming(symbol="9/UBND")
    for dossier, docs in ((digital, [e_in, e_out]), (mixed, [paper_in]), (paper, [e_in2])):
        for doc in docs:
            kind = "incoming" if isinstance(doc, IncomingDocument) else "outgoing"
            services.dossier_file(actor=office.teacher, dossier=dossier, **{kind: doc})
    closed = [
        services.dossier_close(actor=office.teacher, dossier=x, closed_on=TODAY, today=TODAY)
        for x in (digital, mixed, paper)
    ]
    assert [(x.status, x.handled_digitally) for x in closed] == [
        ("closed", True),
        ("closed", False),
        ("closed", False),
    ]
    with pytest.raises(DomainError) as exc:
        services.dossier_file(actor=office.clerk, dossier=digital, incoming=e_in2)
    assert str(exc.value) == "Hồ sơ đã kết thúc, không thêm văn bản được."


def test_dossier_refusals(office):
    office.dossier()
    with pytest.raises(DomainErrors) as exc:
        office.dossier(title="Trùng ký hiệu")
    assert errors(exc) == [
        ("office.code_taken", "code", "Ký hiệu hồ sơ «01.VP» đã có trong năm 2026.")
    ]
    empty = office.dossier(code="02.VP")
    with pytest.raises(DomainErrors) as exc:
        services.dossier_close(
            actor=office.clerk, dossier=empty, closed_on=dt.date(2026, 3, 1), today=TODAY
        )
    assert errors(exc) == [
        (
            "office.closed_before_opened",
            "closed_on",
            "Ngày kết thúc không được trước ngày mở hồ sơ.",
        ),
        ("office.dossier_empty", None, "Hồ sơ chưa có văn bản nào, chưa kết thúc được."),
    ]
    other = office.incoming(unit=office.d.school_b, actor=office.clerk_b)
    with pytest.raises(DomainError) as exc:
        services.dossier_file(actor=office.clerk, dossier=empty, incoming=other)
    assert str(exc.value) == "Văn bản không thuộc đơn vị của hồ sơ."
    assert WorkDossier.objects.filter(status="closed").count() == 0
