import datetime as dt
import unicodedata

import pytest

from edudx.core.errors import DomainError
from edudx.core.text import clean_name, fold
from edudx.core.validators import (
    BIRTH_PROVINCE_CODES,
    parse_date,
    personal_id_digit,
    validate_admin_code,
    validate_birth_date,
    validate_moet_id,
    validate_personal_id,
    validate_school_code,
)


def error_of(func, *args, **kwargs) -> tuple[str, str | None, str]:
    with pytest.raises(DomainError) as err:
        func(*args, **kwargs)
    return err.value.code, err.value.field, str(err.value)


# --- personal ID (số định danh cá nhân / CCCD) -------------------------------------------

FORMAT_MSG = "Số định danh cá nhân phải gồm đúng 12 chữ số."


@pytest.mark.parametrize(
    "value",
    [
        "",
        "06721300000",  # 11 digits
        "0672130000012",  # 13 digits
        "06721300000a",
        "067-21300000",
        "067213.00000",
        "０６７２１３０００００１",  # fullwidth digits
        "٠٦٧٢١٣٠٠٠٠٠١",  # Arabic-Indic digits
        None,
    ],
    ids=["empty", "11", "13", "letter", "dash", "dot", "fullwidth", "arabic-indic", "none"],
)
def test_personal_id_format(value):
    assert error_of(validate_personal_id, value) == (
        "personal_id.format",
        "personal_id",
        FORMAT_MSG,
    )


def test_personal_id_spaces_are_removed():
    assert validate_personal_id(" 067 213 000 001 ") == "067213000001"


def test_personal_id_error_names_the_field_given():
    assert error_of(validate_personal_id, "1", field="guardian_id")[1] == "guardian_id"


@pytest.mark.parametrize("province", ["000", "003", "097", "099", "100", "999"])
def test_personal_id_unknown_province(province):
    assert error_of(validate_personal_id, f"{province}213000001") == (
        "personal_id.province",
        "personal_id",
        f"Số định danh cá nhân có mã tỉnh nơi đăng ký khai sinh không hợp lệ ({province}).",
    )


def test_province_codes_are_the_63_provinces():
    assert len(BIRTH_PROVINCE_CODES) == 63
    assert {"001", "067", "079", "096"} <= BIRTH_PROVINCE_CODES


# Circular 07/2016/TT-BCA, Art. 7(2): the 4th digit is the century of birth and the sex.
CENTURY_SEX = [
    ("0", 1900, "M"),
    ("1", 1900, "F"),
    ("2", 2000, "M"),
    ("3", 2000, "F"),
    ("4", 2100, "M"),
    ("5", 2100, "F"),
    ("6", 2200, "M"),
    ("7", 2200, "F"),
    ("8", 2300, "M"),
    ("9", 2300, "F"),
]
OTHER_SEX = {"M": "F", "F": "M"}


@pytest.mark.parametrize(("digit", "century", "sex"), CENTURY_SEX, ids=[c[0] for c in CENTURY_SEX])
def test_personal_id_century_digit_matches_birth_year_and_sex(digit, century, sex):
    pid = f"067{digit}13000001"
    dob = dt.date(century + 13, 5, 4)
    assert validate_personal_id(pid, date_of_birth=dob, sex=sex) == pid
    assert personal_id_digit(century + 13, sex) == digit


@pytest.mark.parametrize(("digit", "century", "sex"), CENTURY_SEX, ids=[c[0] for c in CENTURY_SEX])
def test_personal_id_century_digit_against_wrong_sex(digit, century, sex):
    pid = f"067{digit}13000001"
    dob = dt.date(century + 13, 5, 4)
    assert error_of(validate_personal_id, pid, date_of_birth=dob, sex=OTHER_SEX[sex]) == (
        "personal_id.sex",
        "personal_id",
        "Số định danh cá nhân không khớp giới tính.",
    )


@pytest.mark.parametrize(("digit", "century", "sex"), CENTURY_SEX, ids=[c[0] for c in CENTURY_SEX])
def test_personal_id_century_digit_against_other_century(digit, century, sex):
    pid = f"067{digit}13000001"
    dob = dt.date(century - 100 + 13, 5, 4) if century > 1900 else dt.date(2013, 5, 4)
    assert error_of(validate_personal_id, pid, date_of_birth=dob, sex=sex) == (
        "personal_id.birth_year",
        "personal_id",
        f"Số định danh cá nhân ghi năm sinh {century + 13}, không khớp ngày sinh {dob:%d/%m/%Y}.",
    )


@pytest.mark.parametrize(
    ("pid", "dob", "sex", "code"),
    [
        ("067213000001", dt.date(2013, 12, 31), "M", None),
        ("067213000001", dt.date(2014, 1, 1), "M", "personal_id.birth_year"),
        ("067213000001", dt.date(2012, 5, 4), "M", "personal_id.birth_year"),
        ("067099000001", dt.date(1999, 5, 4), "M", None),
        ("067099000001", dt.date(2099, 5, 4), "M", "personal_id.birth_year"),
        ("067300000001", dt.date(2000, 1, 1), "F", None),
        # Year is checked before sex.
        ("067213000001", dt.date(2014, 1, 1), "F", "personal_id.birth_year"),
        # Only what is given is checked.
        ("067213000001", None, None, None),
        ("067213000001", None, "F", "personal_id.sex"),
        ("067213000001", dt.date(1913, 1, 1), None, "personal_id.birth_year"),
    ],
    ids=[
        "end-of-year",
        "year-after",
        "year-before",
        "1999",
        "99-wrong-century",
        "2000-female",
        "year-before-sex",
        "nothing-to-compare",
        "sex-only",
        "dob-only",
    ],
)
def test_personal_id_against_birth_date(pid, dob, sex, code):
    if code is None:
        assert validate_personal_id(pid, date_of_birth=dob, sex=sex) == pid
    else:
        assert error_of(validate_personal_id, pid, date_of_birth=dob, sex=sex)[0] == code


@pytest.mark.parametrize(("year", "sex"), [(1899, "M"), (2400, "F")])
def test_personal_id_digit_outside_the_table(year, sex):
    with pytest.raises(ValueError):
        personal_id_digit(year, sex)


# --- MOET education ID ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("6700012345", "6700012345"), (" 6700012345 ", "6700012345")],
)
def test_moet_id_valid(value, expected):
    assert validate_moet_id(value) == expected


@pytest.mark.parametrize(
    "value",
    ["", None, "670001234", "67000123456", "67000I2345", "６７０００１２３４５", "6700 12345"],
    ids=["empty", "none", "9", "11", "letter", "fullwidth", "space"],
)
def test_moet_id_invalid(value):
    assert error_of(validate_moet_id, value) == (
        "moet_id.format",
        "moet_id",
        "Mã định danh Bộ GDĐT phải gồm đúng 10 chữ số.",
    )


# --- administrative unit and school codes ----------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("province", "67", "67"),
        ("province", " 01 ", "01"),
        ("district", "665", "665"),
        ("commune", "24730", "24730"),
    ],
)
def test_admin_code_valid(kind, value, expected):
    assert validate_admin_code(kind, value) == expected


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("province", "6", "Mã đơn vị hành chính cấp tỉnh phải gồm đúng 2 chữ số."),
        ("province", "067", "Mã đơn vị hành chính cấp tỉnh phải gồm đúng 2 chữ số."),
        ("province", "6a", "Mã đơn vị hành chính cấp tỉnh phải gồm đúng 2 chữ số."),
        ("district", "66", "Mã đơn vị hành chính cấp huyện phải gồm đúng 3 chữ số."),
        ("district", "", "Mã đơn vị hành chính cấp huyện phải gồm đúng 3 chữ số."),
        ("commune", "2473", "Mã đơn vị hành chính cấp xã phải gồm đúng 5 chữ số."),
        ("commune", "247301", "Mã đơn vị hành chính cấp xã phải gồm đúng 5 chữ số."),
        ("commune", "２４７３０", "Mã đơn vị hành chính cấp xã phải gồm đúng 5 chữ số."),
    ],
)
def test_admin_code_invalid(kind, value, message):
    assert error_of(validate_admin_code, kind, value) == ("org.code", "code", message)


@pytest.mark.parametrize(
    ("value", "expected"), [("67000101", "67000101"), (" 67000101", "67000101")]
)
def test_school_code_valid(value, expected):
    assert validate_school_code(value) == expected


@pytest.mark.parametrize(
    "value",
    ["", "6700010", "670001011", "6700010A", "67 00010"],
    ids=["empty", "7", "9", "letter", "space"],
)
def test_school_code_invalid(value):
    assert error_of(validate_school_code, value) == (
        "school.code",
        "code",
        "Mã trường phải gồm đúng 8 chữ số.",
    )


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("04/05/2013", dt.date(2013, 5, 4)),
        ("4/5/2013", dt.date(2013, 5, 4)),
        (" 04/05/2013 ", dt.date(2013, 5, 4)),
        ("2013-05-04", dt.date(2013, 5, 4)),
        ("04-05-2013", dt.date(2013, 5, 4)),
        ("04.05.2013", dt.date(2013, 5, 4)),
        ("29/02/2024", dt.date(2024, 2, 29)),
        (dt.date(2013, 5, 4), dt.date(2013, 5, 4)),
        (dt.datetime(2013, 5, 4, 23, 59), dt.date(2013, 5, 4)),
    ],
    ids=[
        "dd/mm/yyyy",
        "d/m/yyyy",
        "spaces",
        "iso",
        "dashes",
        "dots",
        "leap-day",
        "date",
        "datetime",
    ],
)
def test_parse_date_valid(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("05/13/2013", "05/13/2013"),  # month-first (US) order
        ("31/02/2013", "31/02/2013"),
        ("29/02/2023", "29/02/2023"),
        ("4/5/13", "4/5/13"),
        ("2013/05/04", "2013/05/04"),
        ("04052013", "04052013"),
        ("ngày 4 tháng 5", "ngày 4 tháng 5"),
        ("", ""),
        (None, ""),
    ],
    ids=[
        "us-order",
        "feb-31",
        "not-leap",
        "2-digit-year",
        "slashed-iso",
        "no-separator",
        "words",
        "empty",
        "none",
    ],
)
def test_parse_date_invalid(value, shown):
    assert error_of(parse_date, value, field="date_of_birth") == (
        "date.format",
        "date_of_birth",
        f"Ngày '{shown}' không đúng định dạng dd/mm/yyyy.",
    )


TODAY = dt.date(2026, 1, 15)


@pytest.mark.parametrize(
    "value", [TODAY, dt.date(2026, 1, 14), dt.date(1900, 1, 1)], ids=["today", "yesterday", "1900"]
)
def test_birth_date_valid(value):
    assert validate_birth_date(value, today=TODAY) == value


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        (dt.date(2026, 1, 16), "date_of_birth.future", "Ngày sinh 16/01/2026 ở tương lai."),
        (dt.date(2030, 9, 5), "date_of_birth.future", "Ngày sinh 05/09/2030 ở tương lai."),
        (dt.date(1899, 12, 31), "date_of_birth.range", "Ngày sinh 31/12/1899 không hợp lệ."),
    ],
    ids=["tomorrow", "years-ahead", "before-1900"],
)
def test_birth_date_invalid(value, code, message):
    assert error_of(validate_birth_date, value, today=TODAY) == (code, "date_of_birth", message)


# --- Vietnamese text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nguyễn Văn Đức", "nguyen van duc"),
        (unicodedata.normalize("NFD", "Nguyễn Văn Đức"), "nguyen van duc"),
        ("  Trần   Thị\tBình \n", "tran thi binh"),
        ("ĐẶNG THỊ ĐÀO", "dang thi dao"),
        ("đường", "duong"),
        ("Hồ Chí Minh", "ho chi minh"),
        ("Ê-đê", "e-de"),
        ("H'Hen Niê", "h'hen nie"),
        ("Phạm Ngọc Thạch 2013", "pham ngoc thach 2013"),
        ("plain ascii", "plain ascii"),
        ("", ""),
        (None, ""),
    ],
    ids=[
        "nfc",
        "nfd",
        "extra-spaces",
        "upper",
        "d-stroke",
        "tones",
        "hyphen",
        "apostrophe",
        "digits",
        "ascii",
        "empty",
        "none",
    ],
)
def test_fold(text, expected):
    assert fold(text) == expected


def test_fold_makes_nfc_and_nfd_equal():
    name = "Lê Thị Hoà"
    assert fold(unicodedata.normalize("NFC", name)) == fold(unicodedata.normalize("NFD", name))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Nguyễn   Văn  An ", "Nguyễn Văn An"),
        (unicodedata.normalize("NFD", "Nguyễn Văn An"), "Nguyễn Văn An"),
        (None, ""),
    ],
    ids=["spaces", "nfd-to-nfc", "none"],
)
def test_clean_name(text, expected):
    assert clean_name(text) == expected
    assert unicodedata.is_normalized("NFC", clean_name(text))
