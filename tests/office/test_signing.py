"""Digital signature of outgoing documents: the unit's head signs the stored PDF (PAdES, the
demo PKI as transcripts use it), once; the page shows who signed and the verification; the
signed PDF is what is downloaded and can no longer be replaced."""

import datetime as dt
import hashlib
import html
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from edudx.accounts.models import Role
from edudx.audit.models import AuditEvent
from edudx.core.api_errors import Forbidden
from edudx.core.errors import Conflict, DomainErrors
from edudx.core.pdf import DocumentSpec, render_document
from edudx.core.signing import verify_pdf
from edudx.office import services
from edudx.office.models import OutgoingDocument
from edudx.people import services as people_services
from tests.api.conftest import API, token_client
from tests.factories import person_data
from tests.pages.conftest import otp_login

pytestmark = pytest.mark.django_db

AUTHENTIC = "Tài liệu xác thực: các chữ ký số hợp lệ và nội dung không bị thay đổi sau khi ký."


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory):
    """One demo PKI for this module (its root costs a 3072-bit key), apart from records'."""
    return tmp_path_factory.mktemp("office-var")


@pytest.fixture(autouse=True)
def _pki(settings, var_dir, monkeypatch):
    settings.VAR_DIR = var_dir
    monkeypatch.delenv("EDUDX_SIGNING_TRUST_ROOTS", raising=False)


@pytest.fixture(scope="module")
def pdf():
    return render_document(DocumentSpec(title="BÁO CÁO", paragraphs=["Nội dung"])).data


@pytest.fixture
def head(office):
    """School A's principal, named as the documents' signer field names them."""
    person = people_services.person_create(
        actor=None, data=person_data("Nguyễn Văn Hiệu", dt.date(1972, 4, 5), "M")
    )
    return office.d.user(Role.PRINCIPAL, office.d.school_a, person=person)


@pytest.fixture
def doc(office, pdf):
    """An outgoing report of school A with its PDF attached by the clerk."""
    document = office.outgoing()
    return services.document_attach(
        actor=office.clerk,
        document=document,
        upload=SimpleUploadedFile("bc.pdf", pdf, "application/pdf"),
    )


def stored(document) -> bytes:
    with document.attachment.open("rb") as f:
        return f.read()


def signed_events(document) -> int:
    return AuditEvent.objects.filter(
        object_type="office.outgoing", object_id=str(document.pk), changes__has_key="signed"
    ).count()


def test_the_head_signs_once_and_the_pdf_is_final(office, head, doc):
    signed = services.outgoing_sign(actor=head, document=doc)
    data = stored(signed)
    result = verify_pdf(data)
    assert result.verdict == "authentic"
    assert [(s.field_name, s.signer_name, s.signer_organization) for s in result.signatures] == [
        ("office_signer", "Nguyễn Văn Hiệu", "Trường THCS Lê Lợi")
    ]
    assert (signed.signed_by_id, signed.signed_name) == (head.pk, "Nguyễn Văn Hiệu")
    assert signed.signed_sha256 == hashlib.sha256(data).hexdigest()
    assert signed_events(signed) == 1

    # A retry (or another click) keeps the one signature and writes nothing.
    again = services.outgoing_sign(actor=head, document=OutgoingDocument.objects.get(pk=doc.pk))
    assert (again.attachment.name, again.signed_at) == (signed.attachment.name, signed.signed_at)
    assert len(verify_pdf(stored(again)).signatures) == 1
    assert signed_events(again) == 1

    with pytest.raises(DomainErrors) as exc:
        services.document_attach(
            actor=office.clerk,
            document=again,
            upload=SimpleUploadedFile("new.pdf", b"%PDF-1.4 other", "application/pdf"),
        )
    assert exc.value.as_list() == [
        {
            "code": "office.signed",
            "message": "Văn bản đã ký số; không thay được tệp PDF.",
            "field": "attachment",
            "row": None,
        }
    ]
    assert stored(OutgoingDocument.objects.get(pk=doc.pk)) == data


def test_no_signing_key_is_said_not_a_crash(office, head, doc, monkeypatch):
    monkeypatch.setenv("EDUDX_SIGNING_DEMO_KEYS", "0")
    with pytest.raises(Conflict) as exc:
        services.outgoing_sign(actor=head, document=doc)
    assert exc.value.code == "office.no_signing_key"
    assert str(exc.value) == (
        "Chưa có chứng thư số để ký: quản trị hệ thống cần cấu hình chứng thư số của bạn "
        f"(EDUDX_SIGNER_USER_{head.pk}_…) hoặc của đơn vị "
        f"(EDUDX_SIGNER_UNIT_{office.d.school_a.code}_…)."
    )
    assert OutgoingDocument.objects.get(pk=doc.pk).signed_at is None


def test_api_signs_for_the_head_only_and_needs_a_pdf(office, head, doc):
    url = f"{API}/office/outgoing/{doc.pk}/sign"
    clerk = token_client(office.clerk).post(url)
    assert (clerk.status_code, clerk.json()["code"], clerk.json()["message"]) == (
        403,
        "office.not_signer",
        "Chỉ thủ trưởng đơn vị (hiệu trưởng; cán bộ phòng, Sở) mới ký số được văn bản đi.",
    )
    en = token_client(office.clerk, **{"Accept-Language": "en"}).post(url).json()["message"]
    assert en == (
        "Only the head of the unit (a school's principal; an education office's officer) "
        "may digitally sign an outgoing document."
    )
    # Another school's clerk does not even see it.
    assert token_client(office.clerk_b).post(url).status_code == 404

    bare = office.outgoing(symbol="KH-THCSLL", doc_type="plan")
    no_pdf = f"{API}/office/outgoing/{bare.pk}/sign"
    vi = token_client(head).post(no_pdf)
    assert (vi.status_code, vi.json()["code"], vi.json()["field"], vi.json()["message"]) == (
        400,
        "office.no_pdf",
        "attachment",
        "Văn bản chưa có tệp PDF (attachment): hãy đính kèm tệp PDF trước khi ký số.",
    )
    en = token_client(head, **{"Accept-Language": "en"}).post(no_pdf).json()["message"]
    assert en == "The document has no PDF (attachment): attach the PDF before signing it."

    api = token_client(head)
    first = api.post(url)
    second = api.post(url)
    assert first.status_code == second.status_code == 200
    assert first.json()["signed_name"] == "Nguyễn Văn Hiệu"
    assert second.json()["signed_at"] == first.json()["signed_at"]
    assert len(verify_pdf(stored(OutgoingDocument.objects.get(pk=doc.pk))).signatures) == 1


def test_page_draws_signs_and_shows_the_verified_signature(client, office, head):
    document = office.outgoing()
    page = f"/office/outgoing/{document.pk}/"
    otp_login(client, office.clerk)
    assert client.post(page, {"action": "render"}).status_code == 302
    body = client.get(page).content.decode()
    assert "Văn bản chưa được ký số." in body and 'value="sign"' not in body
    assert client.post(page, {"action": "sign"}).status_code == 403

    otp_login(client, head)
    assert client.post(page, {"action": "sign"}).status_code == 302
    signed = OutgoingDocument.objects.get(pk=document.pk)
    at = timezone.localtime(signed.signed_at).strftime("%d/%m/%Y %H:%M")
    body = client.get(page).content.decode()
    assert f"Đã ký số bởi Nguyễn Văn Hiệu lúc {at}" in body
    assert f"✓ {AUTHENTIC}" in body

    download = client.get(f"{page}file.pdf")
    data = b"".join(download.streaming_content)
    assert data == stored(signed)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    for line in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Số: 1/BC-THCSLL",
        "BÁO CÁO",
        "Báo cáo kết quả Hội khỏe Phù Đổng",
        "- Phòng Văn hóa - Xã hội xã Nam Bình;",
        "HIỆU TRƯỞNG",
        "Nguyễn Văn Hiệu",
    ):
        assert line in text
    # The signature lies over the slot the document drew for it.
    assert verify_pdf(data).signatures[0].field_name == "office_signer"
    widget = PdfReader(io.BytesIO(data)).pages[0]["/Annots"][0].get_object()
    assert [round(float(v)) for v in widget["/Rect"]] == signed.signature_box[1:]


def test_only_the_head_may_sign_through_the_service(office, doc):
    for actor in (office.clerk, office.officer):
        with pytest.raises(Forbidden):
            services.outgoing_sign(actor=actor, document=doc)
    assert OutgoingDocument.objects.get(pk=doc.pk).signed_at is None


# --- the unit's own signature (ký số của cơ quan, tổ chức) -------------------------------------


def sealed_events(document) -> int:
    return AuditEvent.objects.filter(
        object_type="office.outgoing", object_id=str(document.pk), changes__has_key="sealed"
    ).count()


def test_the_clerk_seals_after_the_head_once(office, head, doc):
    signed = services.outgoing_sign(actor=head, document=doc)
    sealed = services.outgoing_seal(actor=office.clerk, document=signed)
    data = stored(sealed)
    result = verify_pdf(data)
    assert (result.verdict, result.message) == ("authentic", AUTHENTIC)
    assert [(s.field_name, s.signer_name, s.signer_organization) for s in result.signatures] == [
        ("office_signer", "Nguyễn Văn Hiệu", "Trường THCS Lê Lợi"),
        ("office_unit", "Trường THCS Lê Lợi", "Xã Nam Bình"),
    ]
    assert (sealed.sealed_by_id, sealed.sealed_name) == (office.clerk.pk, "Trường THCS Lê Lợi")
    assert sealed.sealed_sha256 == sealed.stored_sha256 == hashlib.sha256(data).hexdigest()
    assert sealed.signed_sha256 != sealed.sealed_sha256  # the head's file is the first revision
    assert sealed_events(sealed) == 1

    again = services.outgoing_seal(
        actor=office.principal, document=OutgoingDocument.objects.get(pk=doc.pk)
    )
    assert (again.attachment.name, again.sealed_at) == (sealed.attachment.name, sealed.sealed_at)
    assert len(verify_pdf(stored(again)).signatures) == 2
    assert sealed_events(again) == 1


def test_no_seal_before_the_head_signed_nor_by_others(office, doc):
    with pytest.raises(Conflict) as exc:
        services.outgoing_seal(actor=office.clerk, document=doc)
    assert (exc.value.code, exc.value.field, str(exc.value)) == (
        "office.not_signed",
        "attachment",
        "Văn bản chưa được thủ trưởng ký số: chữ ký số của cơ quan được đóng sau chữ ký của "
        "người có thẩm quyền.",
    )
    for actor in (office.teacher, office.officer):
        with pytest.raises(Forbidden):
            services.outgoing_seal(actor=actor, document=doc)
    assert OutgoingDocument.objects.get(pk=doc.pk).sealed_at is None


def test_no_unit_key_is_said_not_a_crash(office, head, doc, monkeypatch):
    signed = services.outgoing_sign(actor=head, document=doc)
    monkeypatch.setenv("EDUDX_SIGNING_DEMO_KEYS", "0")
    with pytest.raises(Conflict) as exc:
        services.outgoing_seal(actor=office.clerk, document=signed)
    assert (exc.value.code, str(exc.value)) == (
        "office.no_unit_key",
        "Chưa có chứng thư số của đơn vị để ký số của cơ quan: quản trị hệ thống cần cấu hình "
        f"EDUDX_SIGNER_UNIT_{office.d.school_a.code}_….",
    )
    assert OutgoingDocument.objects.get(pk=doc.pk).sealed_at is None


def test_api_seals_after_the_head_idempotently(office, head, doc):
    url = f"{API}/office/outgoing/{doc.pk}/seal"
    early = token_client(office.clerk).post(url)
    assert (early.status_code, early.json()["code"], early.json()["field"]) == (
        409,
        "office.not_signed",
        "attachment",
    )
    en = token_client(office.clerk, **{"Accept-Language": "en"}).post(url).json()["message"]
    assert en == (
        "The head of the unit has not signed the document yet: the unit's digital signature "
        "comes after the signature of the person with authority."
    )
    assert token_client(office.clerk_b).post(url).status_code == 404
    assert token_client(head).post(f"{API}/office/outgoing/{doc.pk}/sign").status_code == 200

    api = token_client(office.clerk)
    first = api.post(url, HTTP_IDEMPOTENCY_KEY="seal-1")
    second = api.post(url, HTTP_IDEMPOTENCY_KEY="seal-2")
    assert first.status_code == second.status_code == 200
    body = first.json()
    assert (body["sealed_name"], body["signed_name"]) == ("Trường THCS Lê Lợi", "Nguyễn Văn Hiệu")
    assert second.json()["sealed_at"] == body["sealed_at"]
    assert len(verify_pdf(stored(OutgoingDocument.objects.get(pk=doc.pk))).signatures) == 2


def test_page_seals_over_the_heads_signature(client, office, head):
    document = office.outgoing()
    page = f"/office/outgoing/{document.pk}/"
    otp_login(client, office.clerk)
    assert client.post(page, {"action": "render"}).status_code == 302
    otp_login(client, head)
    assert client.post(page, {"action": "sign"}).status_code == 302
    otp_login(client, office.teacher)
    assert client.post(page, {"action": "seal"}).status_code == 404  # not the teacher's mail

    otp_login(client, office.clerk)
    body = client.get(page).content.decode()
    assert 'value="seal"' in body
    assert client.post(page, {"action": "seal"}).status_code == 302
    sealed = OutgoingDocument.objects.get(pk=document.pk)
    at = timezone.localtime(sealed.sealed_at).strftime("%d/%m/%Y %H:%M")
    body = client.get(page).content.decode()
    assert f"Chữ ký số của cơ quan: Trường THCS Lê Lợi, lúc {at}" in body
    assert f"✓ {AUTHENTIC}" in body and 'value="seal"' not in body

    data = b"".join(client.get(f"{page}file.pdf").streaming_content)
    assert data == stored(sealed)
    # The seal lies over the left third of the head's signature slot.
    annots = [a.get_object() for a in PdfReader(io.BytesIO(data)).pages[0]["/Annots"]]
    rects = {str(a["/T"]): [round(float(v)) for v in a["/Rect"]] for a in annots}
    x1, y1, x2, y2 = sealed.signature_box[1:]
    height = y2 - y1
    left = (x1 + x2) // 2 - height
    assert rects == {
        "office_signer": [x1, y1, x2, y2],
        "office_unit": [left, y1, left + 3 * height, y2],
    }


def test_the_register_shows_and_filters_where_signing_stands(client, office, head, doc):
    drawn = services.outgoing_render(actor=office.clerk, document=office.outgoing())
    bare = office.outgoing(symbol="KH-THCSLL", doc_type="plan")
    paper = office.outgoing(symbol="GM-THCSLL", doc_type="invitation", electronic=False)
    services.outgoing_sign(actor=head, document=drawn)
    assert [d.signing_stage for d in (doc, drawn, bare, paper)] == [
        "awaiting_head",
        "awaiting_unit",
        "no_pdf",
        None,
    ]

    otp_login(client, office.clerk)
    page = "/office/outgoing/"
    waiting = client.get(page, {"signing": "awaiting_unit"}).content.decode()
    assert drawn.number_symbol in waiting and doc.number_symbol not in waiting
    assert "Chờ ký số của cơ quan" in waiting
    everything = client.get(page).content.decode()
    for d in (doc, drawn, bare, paper):
        assert f">{d.number_symbol}</a>" in everything

    api = token_client(office.clerk)
    listed = api.get(f"{API}/office/outgoing", {"signing": "awaiting_head"}).json()["items"]
    assert [(i["id"], i["signing_stage"]) for i in listed] == [(doc.pk, "awaiting_head")]
    services.outgoing_seal(actor=office.clerk, document=OutgoingDocument.objects.get(pk=drawn.pk))
    sealed = api.get(f"{API}/office/outgoing", {"signing": "sealed"}).json()["items"]
    assert [i["id"] for i in sealed] == [drawn.pk]
    assert api.get(f"{API}/office/outgoing", {"signing": "nope"}).status_code in (400, 422)


def test_home_says_what_waits_for_each_signature(client, office, head, doc, settings):
    def waiting(user) -> list[str]:
        otp_login(client, user)
        body = client.get("/").content.decode()
        if 'id="h-tasks"' not in body:
            return []
        block = body.split('id="h-tasks"')[1].split("</section>")[0]
        return [
            html.unescape(line.split(">")[-1])
            for line in block.split("</a>")[:-1]
            if "signing=" in line
        ]

    assert waiting(head) == ["1 văn bản chờ thủ trưởng ký số"]
    assert waiting(office.clerk) == []  # the clerk does not sign for the head
    services.outgoing_sign(actor=head, document=doc)
    assert waiting(office.clerk) == ["1 văn bản chờ ký số của cơ quan"]
    assert waiting(head) == ["1 văn bản chờ ký số của cơ quan"]  # the principal keeps it too
    assert waiting(office.teacher) == []
    services.outgoing_seal(actor=office.clerk, document=OutgoingDocument.objects.get(pk=doc.pk))
    assert waiting(office.clerk) == []
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    services.outgoing_sign(
        actor=head,
        document=services.outgoing_render(actor=office.clerk, document=office.outgoing()),
    )
    assert waiting(office.clerk) == ["1 document awaiting the unit's signature"]
