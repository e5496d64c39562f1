"""VietQR payloads (NAPAS VietQR / EMVCo merchant-presented QR), pure functions.

A payload is a string of TLV data objects: a 2-digit tag, a 2-digit length, the value. The
fields this platform writes, per the NAPAS VietQR specification (IBFT to account):

    00 "01"                      payload format indicator
    01 "12"                      point of initiation: dynamic (one invoice, one amount)
    38 template                  merchant account information
       00 "A000000727"           NAPAS GUID
       01 template               beneficiary organisation
          00 bank BIN (6 digits)
          01 account number (up to 19)
       02 "QRIBFTTA"             service: inter-bank fund transfer to an account
    53 "704"                     currency (VND)
    54 amount                    whole đồng, up to 13 digits
    58 "VN"                      country
    62 template                  additional data
       08 purpose                the transfer content, carrying the invoice reference
    63 CRC                       CRC-16/CCITT-FALSE over everything before it incl. "6304"

`build` refuses values the banks' apps would reject; `parse` checks every length and the
CRC and raises `VietQRError` naming what is wrong."""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from edudx.core.errors import DomainError

NAPAS_GUID = "A000000727"
SERVICE_ACCOUNT = "QRIBFTTA"
SERVICE_CARD = "QRIBFTTC"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
STATIC = "11"
DYNAMIC = "12"

MAX_ACCOUNT = 19
MAX_AMOUNT_DIGITS = 13
MAX_PURPOSE = 25  # VietQR: tag 62/08 "var. up to 25"

_BIN = re.compile(r"\d{6}")
_ACCOUNT = re.compile(r"[0-9A-Za-z]{1,19}")
# Printable ASCII without "%" (some bank apps choke on it); Vietnamese is folded first.
_PURPOSE = re.compile(r"[ -$&-~]*")


class VietQRError(DomainError):
    """A payload that cannot be built or parsed; `field` names the tag path ("38.01.01")."""


@dataclass(frozen=True)
class VietQR:
    bank_bin: str
    account: str
    amount: int | None = None
    purpose: str = ""
    service: str = SERVICE_ACCOUNT
    dynamic: bool = True


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _bit in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def crc_hex(text: str) -> str:
    return f"{crc16_ccitt_false(text.encode('utf-8')):04X}"


def _tlv(tag: str, value: str) -> str:
    if not 1 <= len(value) <= 99:
        raise VietQRError(
            "vietqr.length",
            _("Trường %(tag)s dài %(n)s ký tự, phải từ 1 đến 99.") % {"tag": tag, "n": len(value)},
            field=tag,
        )
    return f"{tag}{len(value):02d}{value}"


def ascii_purpose(text: str) -> str:
    """Transfer content as banks carry it: no diacritics, đ→d, single spaces, ASCII."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    text = text.encode("ascii", "ignore").decode().replace("%", " ")
    return " ".join(text.split())


def build(qr: VietQR) -> str:
    """The payload string for `qr`; raises VietQRError on a value out of the spec."""
    if not _BIN.fullmatch(qr.bank_bin or ""):
        raise VietQRError(
            "vietqr.bin", _("Mã BIN ngân hàng phải gồm đúng 6 chữ số."), field="38.01.00"
        )
    if not _ACCOUNT.fullmatch(qr.account or ""):
        raise VietQRError(
            "vietqr.account",
            _("Số tài khoản phải gồm 1 đến %(n)s chữ số hoặc chữ cái.") % {"n": MAX_ACCOUNT},
            field="38.01.01",
        )
    if qr.service not in (SERVICE_ACCOUNT, SERVICE_CARD):
        raise VietQRError("vietqr.service", _("Mã dịch vụ không hợp lệ."), field="38.02")
    if qr.amount is not None and (
        qr.amount <= 0 or len(str(qr.amount)) > MAX_AMOUNT_DIGITS or isinstance(qr.amount, bool)
    ):
        raise VietQRError(
            "vietqr.amount",
            _("Số tiền phải là số nguyên dương, tối đa %(n)s chữ số.") % {"n": MAX_AMOUNT_DIGITS},
            field="54",
        )
    if len(qr.purpose) > MAX_PURPOSE or not _PURPOSE.fullmatch(qr.purpose):
        raise VietQRError(
            "vietqr.purpose",
            _("Nội dung chuyển khoản tối đa %(n)s ký tự, không dấu.") % {"n": MAX_PURPOSE},
            field="62.08",
        )
    beneficiary = _tlv("00", qr.bank_bin) + _tlv("01", qr.account)
    merchant = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", qr.service)
    parts = [
        _tlv("00", "01"),
        _tlv("01", DYNAMIC if qr.dynamic else STATIC),
        _tlv("38", merchant),
        _tlv("53", CURRENCY_VND),
    ]
    if qr.amount is not None:
        parts.append(_tlv("54", str(qr.amount)))
    parts.append(_tlv("58", COUNTRY_VN))
    if qr.purpose:
        parts.append(_tlv("62", _tlv("08", qr.purpose)))
    body = "".join(parts) + "6304"
    return body + crc_hex(body)


def split_tlv(text: str, *, path: str = "") -> list[tuple[str, str]]:
    """[(tag, value)] of a TLV string; every length must be two digits and fit."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        head = text[i : i + 4]
        where = f"{path}{head[:2]}" if len(head) >= 2 else path or "?"
        if len(head) < 4 or not head.isdigit():
            raise VietQRError(
                "vietqr.tlv",
                _("Dữ liệu QR hỏng tại vị trí %(pos)s (%(where)s): thiếu mã hoặc độ dài trường.")
                % {"pos": i, "where": where},
                field=where,
            )
        tag, length = head[:2], int(head[2:])
        value = text[i + 4 : i + 4 + length]
        if length == 0 or len(value) != length:
            raise VietQRError(
                "vietqr.length",
                _("Trường %(tag)s khai báo dài %(n)s ký tự nhưng chỉ còn %(m)s.")
                % {"tag": where, "n": length, "m": len(value)},
                field=where,
            )
        out.append((tag, value))
        i += 4 + length
    return out


def parse(payload: str) -> VietQR:
    """Parse and validate a payload: TLV lengths, CRC (tag 63 last, over everything before
    its value), the NAPAS GUID, currency and country. Raises VietQRError."""
    payload = (payload or "").strip()
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise VietQRError(
            "vietqr.crc_missing", _("Mã QR thiếu trường kiểm tra CRC (63) ở cuối."), field="63"
        )
    fields = split_tlv(payload)
    if fields[-1][0] != "63":
        raise VietQRError("vietqr.crc_missing", _("Trường CRC (63) phải ở cuối."), field="63")
    expected = crc_hex(payload[:-4])
    if payload[-4:].upper() != expected:
        raise VietQRError(
            "vietqr.crc",
            _("Sai mã kiểm tra CRC: mã QR ghi %(got)s, tính được %(want)s.")
            % {"got": payload[-4:], "want": expected},
            field="63",
        )
    root = dict(fields)
    if root.get("00") != "01":
        raise VietQRError("vietqr.format", _('Trường 00 phải là "01".'), field="00")
    if root.get("01", STATIC) not in (STATIC, DYNAMIC):
        raise VietQRError("vietqr.initiation", _("Trường 01 phải là 11 hoặc 12."), field="01")
    if "38" not in root:
        raise VietQRError(
            "vietqr.merchant", _("Thiếu thông tin tài khoản thụ hưởng (38)."), field="38"
        )
    merchant = dict(split_tlv(root["38"], path="38."))
    if merchant.get("00") != NAPAS_GUID:
        raise VietQRError(
            "vietqr.guid", _("Trường 38.00 phải là %(g)s.") % {"g": NAPAS_GUID}, field="38.00"
        )
    beneficiary = dict(split_tlv(merchant.get("01", ""), path="38.01."))
    if root.get("53") != CURRENCY_VND:
        raise VietQRError("vietqr.currency", _("Tiền tệ (53) phải là 704 (VND)."), field="53")
    if root.get("58") != COUNTRY_VN:
        raise VietQRError("vietqr.country", _("Mã quốc gia (58) phải là VN."), field="58")
    amount = None
    if "54" in root:
        if not root["54"].isdigit():
            raise VietQRError(
                "vietqr.amount", _("Số tiền (54) phải là số nguyên đồng."), field="54"
            )
        amount = int(root["54"])
    purpose = ""
    if "62" in root:
        purpose = dict(split_tlv(root["62"], path="62.")).get("08", "")
    qr = VietQR(
        bank_bin=beneficiary.get("00", ""),
        account=beneficiary.get("01", ""),
        amount=amount,
        purpose=purpose,
        service=merchant.get("02", ""),
        dynamic=root.get("01") == DYNAMIC,
    )
    if not _BIN.fullmatch(qr.bank_bin):
        raise VietQRError(
            "vietqr.bin", _("Mã BIN ngân hàng (38.01.00) không hợp lệ."), field="38.01.00"
        )
    if not _ACCOUNT.fullmatch(qr.account):
        raise VietQRError(
            "vietqr.account", _("Số tài khoản (38.01.01) không hợp lệ."), field="38.01.01"
        )
    return qr


def svg(payload: str) -> str:
    """The QR code as an inline <svg> element (path-based, scales to its box)."""
    import qrcode  # noqa: PLC0415 — only pages need it
    import qrcode.image.svg  # noqa: PLC0415

    img = qrcode.make(
        payload,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    text = img.to_string(encoding="unicode")
    # Drop the XML declaration; the element is embedded in HTML.
    return text[text.index("<svg") :]
