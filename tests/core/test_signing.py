"""Vietnamese PDFs and their PAdES signatures: rendered, signed by the homeroom teacher then
the principal, verified with pyHanko and with poppler's pdfsig, tampered with."""

import io
import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader

from edudx.core.errors import DomainError
from edudx.core.pdf import (
    DocumentSpec,
    SignatureBox,
    SignatureSlot,
    render_document,
    seal_appearance,
    seal_box,
)
from edudx.core.signing import (
    demo_ca_ensure,
    pki_passphrase,
    sign_pdf,
    signer_from_env,
    signer_from_pkcs12,
    verify_pdf,
)

REFERENCE = "HB-2025-000123"
TEXTS = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "TRƯỜNG THCS NGUYỄN TRÃI",
    "Đắk Song, ngày 31 tháng 5 năm 2025",
    "HỌC BẠ SỐ — NĂM HỌC 2024-2025",
    "Họ và tên học sinh: Nguyễn Thị Ánh Tuyết",
    "Ngữ văn",
    "Tiến bộ rõ rệt; chữ viết đẹp, ý tưởng sáng tạo",
    "Lịch sử và Địa lý",
    "GIÁO VIÊN CHỦ NHIỆM",
    "HIỆU TRƯỞNG",
    "Trần Văn Bình",
    "Lê Thị Hồng Nhung",
    f"Số hiệu văn bản: {REFERENCE}",
]
SPEC = DocumentSpec(
    title="HỌC BẠ SỐ — NĂM HỌC 2024-2025",
    issuer_lines=["UBND XÃ ĐẮK SONG", "TRƯỜNG THCS NGUYỄN TRÃI"],
    place_date="Đắk Song, ngày 31 tháng 5 năm 2025",
    subtitle_lines=["Lớp 8A"],
    # Decomposed input (NFD) must come out precomposed: the renderer normalises.
    paragraphs=[unicodedata.normalize("NFD", "Họ và tên học sinh: Nguyễn Thị Ánh Tuyết")],
    table=[
        ["Môn học", "Cả năm", "Nhận xét"],
        ["Ngữ văn", "8,8", "Tiến bộ rõ rệt; chữ viết đẹp, ý tưởng sáng tạo"],
        ["Lịch sử và Địa lý", "9,0", "Đạt"],
    ],
    col_widths=[0.3, 0.15, 0.55],
    signatures=[
        SignatureSlot("homeroom", "GIÁO VIÊN CHỦ NHIỆM", "Trần Văn Bình"),
        SignatureSlot("principal", "HIỆU TRƯỞNG", "Lê Thị Hồng Nhung"),
    ],
    reference=REFERENCE,
    verify_url=f"https://edudx.example.vn/xac-thuc/{REFERENCE}",
)
SCHOOL = "Trường THCS Nguyễn Trãi"
AUTHENTIC = "Tài liệu xác thực: các chữ ký số hợp lệ và nội dung không bị thay đổi sau khi ký."
TAMPERED = "Tài liệu đã bị thay đổi sau khi ký: nội dung không còn khớp với chữ ký số."


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return demo_ca_ensure(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def teacher(pki):
    return pki.signer("gv-tran-van-binh", common_name="Trần Văn Bình", organization=SCHOOL)


@pytest.fixture(scope="module")
def principal(pki):
    return pki.signer("ht-le-thi-hong-nhung", common_name="Lê Thị Hồng Nhung", organization=SCHOOL)


@pytest.fixture(scope="module")
def rendered():
    return render_document(SPEC)


@pytest.fixture(scope="module")
def signed_once(rendered, teacher):
    return sign_pdf(
        rendered.data,
        signer=teacher,
        field_name="homeroom",
        reason="Giáo viên chủ nhiệm xác nhận",
        location="Đắk Song",
        box=rendered.signature_boxes["homeroom"],
    )


@pytest.fixture(scope="module")
def signed_twice(rendered, signed_once, principal):
    return sign_pdf(
        signed_once,
        signer=principal,
        field_name="principal",
        reason="Hiệu trưởng phê duyệt",
        location="Đắk Song",
        box=rendered.signature_boxes["principal"],
    )


def summary(result):
    return [
        (
            s.field_name,
            s.signer_name,
            s.signer_organization,
            s.intact,
            s.valid,
            s.trusted,
            s.covers_whole_document,
            s.modified_after,
        )
        for s in result.signatures
    ]


def flip(data: bytes, at: int) -> bytes:
    """One byte changed: a digit becomes another digit, so the file still parses."""
    old = data[at : at + 1]
    new = b"7" if old != b"7" else b"3"
    return data[:at] + new + data[at + 1 :]


def tool(name: str) -> str:
    """A poppler tool; CI installs poppler-utils, so there a missing tool is a failure."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing: .ci/run must apt-get install poppler-utils")
        pytest.skip(f"{name} not installed (apt-get install poppler-utils)")
    return path


# --- Vietnamese text ---------------------------------------------------------------------------


def pypdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdftotext_text(data: bytes) -> str:
    out = subprocess.run(  # noqa: S603
        [tool("pdftotext"), "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    )
    return out.stdout.decode()


@pytest.mark.parametrize("extract", [pypdf_text, pdftotext_text], ids=["pypdf", "pdftotext"])
@pytest.mark.parametrize("stage", ["rendered", "signed_twice"])
def test_vietnamese_text_is_extracted_back_exactly(extract, stage, request):
    data = request.getfixturevalue(stage)
    data = data.data if stage == "rendered" else data
    text = extract(data)
    assert unicodedata.is_normalized("NFC", text)
    assert [t for t in TEXTS if t not in text] == []


def test_signature_slots_are_placed_side_by_side_on_the_first_page(rendered):
    home, head = rendered.signature_boxes["homeroom"], rendered.signature_boxes["principal"]
    assert (home.page, head.page) == (0, 0)
    assert home.box[2] < head.box[0]
    assert home.box[1] == head.box[1]


# --- signing and verification ------------------------------------------------------------------


def test_signed_once_is_authentic(signed_once, pki):
    result = verify_pdf(signed_once, trust_roots=[pki.root_cert])
    assert (result.verdict, result.message) == ("authentic", AUTHENTIC)
    assert summary(result) == [
        ("homeroom", "Trần Văn Bình", SCHOOL, True, True, True, True, "none"),
    ]
    assert result.signatures[0].signing_time is not None
    assert result.signatures[0].signing_time.tzinfo is not None


def test_signed_twice_is_authentic_with_both_signatures_in_order(signed_twice, pki):
    result = verify_pdf(
        signed_twice, trust_roots=[pki.root_cert], expected_fields=["homeroom", "principal"]
    )
    assert (result.verdict, result.message) == ("authentic", AUTHENTIC)
    assert summary(result) == [
        # The teacher's signature covers the first revision; the principal's came after it.
        ("homeroom", "Trần Văn Bình", SCHOOL, True, True, True, False, "form_filling"),
        ("principal", "Lê Thị Hồng Nhung", SCHOOL, True, True, True, True, "none"),
    ]
    assert result.as_dict()["signatures"][1]["signer_name"] == "Lê Thị Hồng Nhung"


def test_pades_baseline_signature_dictionary(signed_twice):
    sigs = PdfFileReader(io.BytesIO(signed_twice)).embedded_regular_signatures
    assert [str(s.sig_object["/SubFilter"]) for s in sigs] == ["/ETSI.CAdES.detached"] * 2
    assert [s.sig_object["/Reason"] for s in sigs] == [
        "Giáo viên chủ nhiệm xác nhận",
        "Hiệu trưởng phê duyệt",
    ]


def test_missing_second_signature_is_incomplete(signed_once, pki):
    result = verify_pdf(
        signed_once, trust_roots=[pki.root_cert], expected_fields=["homeroom", "principal"]
    )
    assert (result.verdict, result.message) == (
        "incomplete",
        "Tài liệu chưa đủ các chữ ký số theo đúng thứ tự quy định.",
    )


def test_unsigned_pdf(rendered, pki):
    result = verify_pdf(rendered.data, trust_roots=[pki.root_cert])
    assert (result.verdict, result.message, result.signatures) == (
        "unsigned",
        "Tài liệu không có chữ ký số.",
        (),
    )


def first_revision_byte(data: bytes) -> int:
    """A digit of the document's reference in its /Subject (first revision)."""
    return data.index(REFERENCE.encode()) + len("HB-2025-0001")


def principal_signature_byte(data: bytes) -> int:
    """A digit of the year in the principal's signing time (/M), signed by that signature."""
    return data.rindex(b"/M (D") + len(b"/M (D\\072") + 2


def principal_padding_byte(data: bytes) -> int:
    """A zero of the padding after the principal's CMS container: the one place no
    signature covers, where readers would ignore what was hidden."""
    start = data.rindex(b"/Contents <")
    return data.index(b">", start) - 10


@pytest.mark.parametrize(
    ("where", "expected_intact"),
    [
        (first_revision_byte, [False, False]),
        (principal_signature_byte, [True, False]),
        (principal_padding_byte, [True, False]),
    ],
    ids=["in-the-transcript", "in-the-principal-signature", "in-the-signature-padding"],
)
def test_one_byte_changed_is_not_intact(signed_twice, pki, where, expected_intact):
    tampered = flip(signed_twice, where(signed_twice))
    assert tampered != signed_twice and len(tampered) == len(signed_twice)
    result = verify_pdf(tampered, trust_roots=[pki.root_cert])
    assert (result.verdict, result.message) == ("tampered", TAMPERED)
    assert [s.intact for s in result.signatures] == expected_intact
    assert [s.field_name for s in result.signatures] == ["homeroom", "principal"]


def test_content_added_after_signing_is_tampered(signed_twice, pki):
    """An incremental update that draws on the page after both signatures."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_twice))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (10,0) Tj ET")
    page["/Contents"] = generic.ArrayObject([page["/Contents"], writer.add_object(stream)])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue(), trust_roots=[pki.root_cert])
    assert (result.verdict, result.message) == ("tampered", TAMPERED)
    assert [(s.intact, s.modified_after) for s in result.signatures] == [
        (True, "other"),
        (True, "other"),
    ]


def test_untrusted_root_is_reported(signed_twice, tmp_path):
    other = demo_ca_ensure(tmp_path / "other-ca")
    result = verify_pdf(signed_twice, trust_roots=[other.root_cert])
    assert (result.verdict, result.message) == (
        "untrusted",
        "Chữ ký số đúng nhưng chứng thư số không do tổ chức chứng thực được tin cậy cấp.",
    )
    assert [(s.intact, s.valid, s.trusted) for s in result.signatures] == [
        (True, True, False),
        (True, True, False),
    ]


@pytest.mark.parametrize(
    "data",
    [b"", b"Hello", b"PK\x03\x04 not a pdf", "không phải PDF".encode()],
    ids=["empty", "text", "zip", "vietnamese-text"],
)
def test_not_a_pdf_is_a_clear_error(data, pki):
    with pytest.raises(DomainError) as err:
        verify_pdf(data, trust_roots=[pki.root_cert])
    assert (err.value.code, str(err.value)) == (
        "signing.bad_pdf",
        "Tệp không phải là tài liệu PDF hợp lệ.",
    )


def test_truncated_pdf_is_reported_not_raised(signed_twice, pki):
    result = verify_pdf(signed_twice[: len(signed_twice) // 2], trust_roots=[pki.root_cert])
    assert result.verdict == "tampered"
    assert result.signatures == ()


def test_signing_garbage_is_a_clear_error(teacher):
    with pytest.raises(DomainError) as err:
        sign_pdf(b"garbage", signer=teacher, field_name="homeroom")
    assert err.value.code == "signing.bad_pdf"


def test_a_signed_field_cannot_be_signed_again(signed_once, teacher):
    with pytest.raises(DomainError) as err:
        sign_pdf(signed_once, signer=teacher, field_name="homeroom")
    assert (err.value.code, str(err.value)) == (
        "signing.field_signed",
        "Ô chữ ký «homeroom» đã được ký.",
    )


def test_invisible_signature_field(rendered, teacher, pki):
    signed = sign_pdf(rendered.data, signer=teacher, field_name="seal")
    result = verify_pdf(signed, trust_roots=[pki.root_cert])
    assert [(s.field_name, s.intact, s.trusted) for s in result.signatures] == [
        ("seal", True, True)
    ]


# --- the demo PKI and signers --------------------------------------------------------------------


def test_demo_ca_is_idempotent_and_keys_are_private(pki, teacher):
    again = demo_ca_ensure(pki.directory)
    assert again.root_cert == pki.root_cert
    path = pki.signer_path("gv-tran-van-binh")
    assert again.signer_ensure("gv-tran-van-binh", common_name="X") == path
    for private in [path, pki.directory / "ca.p12", pki.directory / "passphrase"]:
        assert private.stat().st_mode & 0o777 == 0o600
    assert b"PRIVATE KEY" not in path.read_bytes()


def test_signers_are_cached(pki, teacher):
    path = pki.signer_path("gv-tran-van-binh")
    assert signer_from_pkcs12(path, pki.passphrase) is teacher
    assert teacher.common_name == "Trần Văn Bình"


def test_passphrase_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EDUDX_PKI_PASSPHRASE", "mat-khau-tu-moi-truong")
    assert pki_passphrase(tmp_path) == b"mat-khau-tu-moi-truong"
    assert not (tmp_path / "passphrase").exists()


@pytest.mark.parametrize("slug", ["../escape", "", "Upper"], ids=["traversal", "empty", "case"])
def test_signer_slug_is_validated(pki, slug):
    with pytest.raises(DomainError) as err:
        pki.signer_ensure(slug, common_name="X")
    assert err.value.code == "signing.slug"


def test_wrong_passphrase_is_a_clear_error(pki, teacher):
    with pytest.raises(DomainError) as err:
        signer_from_pkcs12(pki.signer_path("gv-tran-van-binh"), b"sai-mat-khau")
    assert err.value.code == "signing.keystore"


def test_signer_from_env_pkcs12(pki, teacher, monkeypatch):
    monkeypatch.setenv("EDUDX_SIGNER_SCHOOL_PKCS12", str(pki.signer_path("gv-tran-van-binh")))
    monkeypatch.setenv("EDUDX_SIGNER_SCHOOL_PASSPHRASE", pki.passphrase.decode())
    assert signer_from_env("school") is teacher


def test_signer_from_env_not_configured():
    with pytest.raises(DomainError) as err:
        signer_from_env("nobody")
    assert (err.value.code, str(err.value)) == (
        "signing.not_configured",
        "Chưa cấu hình chứng thư số cho người ký «nobody».",
    )


# --- poppler's pdfsig ----------------------------------------------------------------------------


def pdfsig(data: bytes, tmp_path: Path, nssdir: Path | None = None) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    args = [tool("pdfsig")]
    if nssdir is not None:
        args += ["-nssdir", f"sql:{nssdir}"]
    out = subprocess.run([*args, str(path)], capture_output=True, text=True)  # noqa: S603
    return out.stdout


def test_pdfsig_validates_both_signatures(signed_twice, tmp_path):
    out = pdfsig(signed_twice, tmp_path)
    assert out.count("Signature Validation: Signature is Valid.") == 2
    assert "Signer Certificate Common Name: Trần Văn Bình" in out
    assert "Signer Certificate Common Name: Lê Thị Hồng Nhung" in out
    assert "Signature Type: ETSI.CAdES.detached" in out
    assert out.index("Signature Field Name: homeroom") < out.index("Field Name: principal")


def test_pdfsig_trusts_the_demo_root_from_an_nss_database(signed_twice, pki, tmp_path):
    certutil = shutil.which("certutil")
    if certutil is None:
        if os.environ.get("CI") == "true":
            pytest.fail("certutil is missing: .ci/run must apt-get install libnss3-tools")
        pytest.skip("certutil not installed (apt-get install libnss3-tools)")
    tool("pdfsig")
    nss = tmp_path / "nss"
    nss.mkdir()
    run = {"check": True, "capture_output": True}
    subprocess.run([certutil, "-N", "-d", f"sql:{nss}", "--empty-password"], **run)  # noqa: S603
    subprocess.run(  # noqa: S603
        [certutil, "-A", "-d", f"sql:{nss}", "-n", "edudx-demo", "-t", "C,C,C"]
        + ["-i", str(pki.root_pem_path)],
        **run,
    )
    out = pdfsig(signed_twice, tmp_path, nssdir=nss)
    assert out.count("Certificate Validation: Certificate is Trusted.") == 2


def test_pdfsig_reports_the_tampered_byte(signed_twice, tmp_path):
    out = pdfsig(flip(signed_twice, first_revision_byte(signed_twice)), tmp_path)
    assert out.count("Signature Validation: Digest Mismatch.") == 2


# --- PKCS#11 (SoftHSM stands in for a USB token or an HSM) ---------------------------------------

SOFTHSM_LIBS = [
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
]


def test_pkcs11_token_signs(rendered, pki, teacher, tmp_path, monkeypatch):
    pkcs11 = pytest.importorskip("pkcs11", reason="python-pkcs11 not installed")
    module = next((p for p in SOFTHSM_LIBS if Path(p).exists()), None)
    util = shutil.which("softhsm2-util")
    if module is None or util is None:
        pytest.skip("SoftHSM not installed (apt-get install softhsm2)")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    run = {"check": True, "capture_output": True}
    subprocess.run(  # noqa: S603
        [util, "--init-token", "--free", "--label", "edudx", "--pin", "1234", "--so-pin", "5678"],
        **run,
    )
    key, cert, _ = pkcs12.load_key_and_certificates(
        pki.signer_path("gv-tran-van-binh").read_bytes(), pki.passphrase
    )
    pem = tmp_path / "key.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    subprocess.run(  # noqa: S603
        [util, "--import", str(pem), "--token", "edudx", "--label", "gv", "--id", "01"]
        + ["--pin", "1234"],
        **run,
    )
    token = pkcs11.lib(module).get_token(token_label="edudx")
    with token.open(rw=True, user_pin="1234") as session:
        session.create_object(
            {
                pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
                pkcs11.Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                pkcs11.Attribute.TOKEN: True,
                pkcs11.Attribute.LABEL: "gv",
                pkcs11.Attribute.ID: b"\x01",
                pkcs11.Attribute.SUBJECT: cert.subject.public_bytes(),
                pkcs11.Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            }
        )
    monkeypatch.setenv("EDUDX_SIGNER_TOKEN_PKCS11_MODULE", module)
    monkeypatch.setenv("EDUDX_SIGNER_TOKEN_PKCS11_TOKEN", "edudx")
    monkeypatch.setenv("EDUDX_SIGNER_TOKEN_PKCS11_KEY", "gv")
    monkeypatch.setenv("EDUDX_SIGNER_TOKEN_PKCS11_PIN", "1234")
    signer = signer_from_env("token")
    signed = sign_pdf(rendered.data, signer=signer, field_name="homeroom")
    result = verify_pdf(signed, trust_roots=[pki.root_cert])
    assert (signer.common_name, signer.source.startswith("pkcs11:")) == ("Trần Văn Bình", True)
    assert summary(result) == [
        ("homeroom", "Trần Văn Bình", SCHOOL, True, True, True, True, "none"),
    ]


def test_seal_box_covers_the_left_third_of_the_signature():
    slot = SignatureBox(page=1, box=(57, 501, 538, 564))
    assert seal_box(slot) == SignatureBox(page=1, box=(234, 501, 423, 564))
    # A narrow slot keeps the seal inside it.
    assert seal_box(SignatureBox(page=0, box=(10, 0, 100, 60))) == SignatureBox(
        page=0, box=(10, 0, 100, 60)
    )


def test_seal_appearance_is_one_page_of_the_box_with_its_lines():
    data = seal_appearance(
        "Trường THCS Lê Lợi",
        [
            "Trường Tiểu học và THCS Nguyễn Bỉnh Khiêm",
            "Thời gian ký:",
            "30/11/2026 14:05:09 +07:00",
        ],
        189,
        63,
    )
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    assert [float(v) for v in reader.pages[0].mediabox] == [0, 0, 189, 63]
    # The ring's letters come first, one by one; then the lines beside the seal, a long
    # name wrapped to the box.
    text = reader.pages[0].extract_text()
    assert text.endswith(
        "Trường Tiểu học và THCS Nguyễn\nBỉnh Khiêm\nThời gian ký:\n30/11/2026 14:05:09 +07:00\n"
    )
