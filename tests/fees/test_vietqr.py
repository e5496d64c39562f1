"""VietQR payloads: the CRC, field limits, builder → parser round trip, and payloads
published by others, checked with our own CRC and parser."""

import pytest

from edudx.fees import vietqr
from edudx.fees.vietqr import VietQR, VietQRError

# Published example payloads (not produced by this code):
# - subiz/vietqr, README.md (GitHub): vietqr.Generate(120000, "970415", "0011001932418",
#   "ủng hộ lũ lụt") prints this string.
SUBIZ = (
    "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA"
    "530370454061200005802VN62170813ung ho lu lut6304C15C"
)
# - payOS (a NAPAS-connected payment gateway) sample `qrCode` responses, quoted in public
#   GitHub code found with the search tool (an invoice of 2,000 đ and a "Movie Ticket").
PAYOS_INVOICE = (
    "00020101021238570010A000000727012700069704220113VQRQAERDP55590208QRIBFTTA"
    "5303704540420005802VN62220818Thanh toan hoa don6304CA3C"
)
PAYOS_TICKET = (
    "00020101021238570010A000000727012700069704220113VQRQ00031obce0208QRIBFTTA"
    "53037045405120005802VN62160812Movie Ticket63048FE8"
)
# - A static (no amount) code for a Zalo-linked account, with an extra template 80.
STATIC_ZALO = (
    "00020101021138570010A00000072701270006970422011331501291288880208QRIBFTTA"
    "53037045802VN80300012com.vng.zalo0110ZABANKCARD63040B9D"
)


@pytest.mark.parametrize(
    ("payload", "bank_bin", "account", "amount", "purpose", "dynamic"),
    [
        pytest.param(SUBIZ, "970415", "0011001932418", 120000, "ung ho lu lut", True, id="subiz"),
        pytest.param(
            PAYOS_INVOICE, "970422", "VQRQAERDP5559", 2000, "Thanh toan hoa don", True, id="payos"
        ),
        pytest.param(PAYOS_TICKET, "970422", "VQRQ00031obce", 12000, "Movie Ticket", True, id="t"),
        pytest.param(STATIC_ZALO, "970422", "3150129128888", None, "", False, id="static"),
    ],
)
def test_published_payloads_parse_with_a_valid_crc(
    payload, bank_bin, account, amount, purpose, dynamic
):
    assert vietqr.crc_hex(payload[:-4]) == payload[-4:]
    qr = vietqr.parse(payload)
    assert (qr.bank_bin, qr.account, qr.amount, qr.purpose, qr.dynamic) == (
        bank_bin,
        account,
        amount,
        purpose,
        dynamic,
    )
    assert qr.service == "QRIBFTTA"


def test_builder_reproduces_the_published_subiz_payload_byte_for_byte():
    qr = VietQR("970415", "0011001932418", amount=120000, purpose="ung ho lu lut")
    assert vietqr.build(qr) == SUBIZ


def test_crc16_ccitt_false_check_value():
    # The catalogue check value of CRC-16/CCITT-FALSE over "123456789".
    assert vietqr.crc16_ccitt_false(b"123456789") == 0x29B1


def test_build_layout_for_an_invoice():
    payload = vietqr.build(
        VietQR("970436", "0123456789", amount=1_930_400, purpose="HP00000018 HOC PHI")
    )
    assert payload == (
        "000201"
        "010212"
        "38540010A00000072701240006970436011001234567890208QRIBFTTA"
        "5303704"
        "54071930400"
        "5802VN"
        "62220818HP00000018 HOC PHI"
        "6304" + vietqr.crc_hex(payload[:-4])
    )
    assert vietqr.parse(payload) == VietQR(
        "970436", "0123456789", amount=1_930_400, purpose="HP00000018 HOC PHI"
    )


@pytest.mark.parametrize(
    "qr",
    [
        VietQR("970436", "1", amount=1),
        VietQR("970436", "9" * 19, amount=9_999_999_999_999, purpose="x" * 25),
        VietQR("970403", "ABC123", amount=None, purpose="", dynamic=False),
        VietQR("970422", "0011001932418", amount=500_000, purpose="HP12345674"),
    ],
    ids=["min", "max-lengths", "static", "typical"],
)
def test_round_trip(qr):
    assert vietqr.parse(vietqr.build(qr)) == qr


@pytest.mark.parametrize(
    ("qr", "code", "field"),
    [
        (VietQR("97043", "1", 1), "vietqr.bin", "38.01.00"),
        (VietQR("970436", "1" * 20, 1), "vietqr.account", "38.01.01"),
        (VietQR("970436", "12-34", 1), "vietqr.account", "38.01.01"),
        (VietQR("970436", "1", 10**13), "vietqr.amount", "54"),
        (VietQR("970436", "1", 0), "vietqr.amount", "54"),
        (VietQR("970436", "1", 1, purpose="x" * 26), "vietqr.purpose", "62.08"),
        (VietQR("970436", "1", 1, purpose="Học phí"), "vietqr.purpose", "62.08"),
    ],
    ids=["bin-5", "account-20", "account-dash", "amount-14", "amount-0", "purpose-26", "marks"],
)
def test_builder_refuses_values_out_of_the_spec(qr, code, field):
    with pytest.raises(VietQRError) as exc:
        vietqr.build(qr)
    assert (exc.value.code, exc.value.field) == (code, field)


def test_wrong_crc_is_refused_with_both_values():
    forged = SUBIZ[:-4] + "C15D"
    with pytest.raises(VietQRError) as exc:
        vietqr.parse(forged)
    assert exc.value.code == "vietqr.crc"
    assert str(exc.value) == "Sai mã kiểm tra CRC: mã QR ghi C15D, tính được C15C."


def test_a_changed_amount_breaks_the_crc():
    tampered = SUBIZ.replace("5406120000", "5406920000")
    with pytest.raises(VietQRError) as exc:
        vietqr.parse(tampered)
    assert exc.value.code == "vietqr.crc"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("", "vietqr.crc_missing"),
        ("000201010212", "vietqr.crc_missing"),
        # A length that runs past the end of the string (CRC recomputed so only TLV fails).
        ("00020101021238990010A0000007276304", "vietqr.length"),
        ("00020101021253037045803VN6304", "vietqr.length"),
    ],
    ids=["empty", "no-crc", "overlong-38", "short-58"],
)
def test_parser_reports_broken_tlv(payload, code):
    if code == "vietqr.length":
        payload += vietqr.crc_hex(payload)
    with pytest.raises(VietQRError) as exc:
        vietqr.parse(payload)
    assert exc.value.code == code


def test_parser_refuses_a_foreign_guid():
    body = (
        "000201010212"
        + "38540010A00000099901240006970436011001234567890208QRIBFTTA"
        + "53037045802VN6304"
    )
    with pytest.raises(VietQRError) as exc:
        vietqr.parse(body + vietqr.crc_hex(body))
    assert (exc.value.code, exc.value.field) == ("vietqr.guid", "38.00")


def test_ascii_purpose_folds_vietnamese():
    assert vietqr.ascii_purpose("  Đóng học phí  HK1 ") == "Dong hoc phi HK1"


def test_svg_is_an_inline_svg_element():
    svg = vietqr.svg(SUBIZ)
    assert svg.startswith("<svg") and 'viewBox="0 0 ' in svg and "<path" in svg
    assert "style=" not in svg and "<script" not in svg
