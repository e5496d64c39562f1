"""Official identifiers. Pure functions, no database: tested exhaustively."""

import datetime as dt
import re

from django.utils.translation import gettext as _

from .errors import DomainError

# Province codes used as the first three digits of the 12-digit personal ID number
# (Circular 07/2016/TT-BCA, Art. 7; Decree 137/2015/NĐ-CP, Art. 7): the 63 pre-2025 provinces.
BIRTH_PROVINCE_CODES = frozenset(
    """001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034
    035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070
    072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096""".split()
)

# 4th digit: century of birth and sex (Circular 07/2016/TT-BCA, Art. 7(2)).
_CENTURY_SEX = {
    "0": (1900, "M"),
    "1": (1900, "F"),
    "2": (2000, "M"),
    "3": (2000, "F"),
    "4": (2100, "M"),
    "5": (2100, "F"),
    "6": (2200, "M"),
    "7": (2200, "F"),
    "8": (2300, "M"),
    "9": (2300, "F"),
}

# ASCII digits only: `\d` would also accept fullwidth and other Unicode digits.
_DIGITS = re.compile(r"^[0-9]+$")


def personal_id_digit(birth_year: int, sex: str) -> str:
    """The century/sex digit for a birth year and sex ('M' or 'F')."""
    for digit, (century, s) in _CENTURY_SEX.items():
        if century <= birth_year < century + 100 and s == sex:
            return digit
    raise ValueError(birth_year)


def validate_personal_id(
    value: str,
    *,
    date_of_birth: dt.date | None = None,
    sex: str | None = None,
    field: str = "personal_id",
) -> str:
    """Check a 12-digit personal ID number (số định danh cá nhân / CCCD) for structure and
    agreement with the holder's date of birth and sex. Returns the cleaned value."""
    value = (value or "").strip().replace(" ", "")
    if len(value) != 12 or not _DIGITS.match(value):
        raise DomainError(
            "personal_id.format", _("Số định danh cá nhân phải gồm đúng 12 chữ số."), field=field
        )
    if value[:3] not in BIRTH_PROVINCE_CODES:
        raise DomainError(
            "personal_id.province",
            _("Số định danh cá nhân có mã tỉnh nơi đăng ký khai sinh không hợp lệ (%(code)s).")
            % {"code": value[:3]},
            field=field,
        )
    century, id_sex = _CENTURY_SEX[value[3]]
    if date_of_birth is not None:
        year = century + int(value[4:6])
        if year != date_of_birth.year:
            raise DomainError(
                "personal_id.birth_year",
                _("Số định danh cá nhân ghi năm sinh %(id_year)s, không khớp ngày sinh %(dob)s.")
                % {"id_year": year, "dob": date_of_birth.strftime("%d/%m/%Y")},
                field=field,
            )
    if sex is not None and sex != id_sex:
        raise DomainError(
            "personal_id.sex", _("Số định danh cá nhân không khớp giới tính."), field=field
        )
    return value


def validate_moet_id(value: str, *, field: str = "moet_id") -> str:
    """MOET education ID (mã định danh Bộ GDĐT): 10 digits."""
    value = (value or "").strip()
    if len(value) != 10 or not _DIGITS.match(value):
        raise DomainError(
            "moet_id.format", _("Mã định danh Bộ GDĐT phải gồm đúng 10 chữ số."), field=field
        )
    return value


# Administrative unit codes (Decision 124/2004/QĐ-TTg): province 2 digits, district 3,
# commune 5. School codes: MOET school code, 8 digits (2-digit province + 6).
ADMIN_CODE_LENGTH = {"province": 2, "district": 3, "commune": 5}


def validate_admin_code(kind: str, value: str, *, field: str = "code") -> str:
    value = (value or "").strip()
    length = ADMIN_CODE_LENGTH[kind]
    if len(value) != length or not _DIGITS.match(value):
        raise DomainError(
            "org.code",
            _("Mã đơn vị hành chính cấp %(kind)s phải gồm đúng %(n)s chữ số.")
            % {"kind": kind_label(kind), "n": length},
            field=field,
        )
    return value


def validate_school_code(value: str, *, field: str = "code") -> str:
    value = (value or "").strip()
    if len(value) != 8 or not _DIGITS.match(value):
        raise DomainError("school.code", _("Mã trường phải gồm đúng 8 chữ số."), field=field)
    return value


def kind_label(kind: str) -> str:
    return {"province": _("tỉnh"), "district": _("huyện"), "commune": _("xã")}.get(kind, kind)


def validate_birth_date(value: dt.date, *, today: dt.date, field: str = "date_of_birth") -> dt.date:
    if value > today:
        raise DomainError(
            "date_of_birth.future",
            _("Ngày sinh %(d)s ở tương lai.") % {"d": value.strftime("%d/%m/%Y")},
            field=field,
        )
    if value.year < 1900:
        raise DomainError(
            "date_of_birth.range",
            _("Ngày sinh %(d)s không hợp lệ.") % {"d": value.strftime("%d/%m/%Y")},
            field=field,
        )
    return value


def parse_date(value, *, field: str = "date") -> dt.date:
    """dd/mm/yyyy (what clerks type), or ISO yyyy-mm-dd, or a date already."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    # dd/mm/yyyy in ASCII digits, by far the most common form, without strptime (the hot
    # path of a big import); anything else goes through the formats below as before.
    parts = text.split("/")
    if (
        len(parts) == 3
        and len(parts[2]) == 4
        and 0 < len(parts[0]) <= 2
        and 0 < len(parts[1]) <= 2
        and text.isascii()
        and parts[0].isdigit()
        and parts[1].isdigit()
        and parts[2].isdigit()
    ):
        try:
            return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            pass  # 31/02/2020: strptime rejects it below with the same message
    elif len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
        # ISO yyyy-mm-dd (what the API's clients send), likewise without strptime.
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 — a date, not a time
        except ValueError:
            continue
    raise DomainError(
        "date.format", _("Ngày '%(v)s' không đúng định dạng dd/mm/yyyy.") % {"v": text}, field=field
    )
