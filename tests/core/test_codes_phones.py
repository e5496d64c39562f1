import re

import pytest

from edudx.core.codes import CODE_ALPHABET, new_code
from edudx.core.phones import normalise_phone


def test_alphabet_has_no_characters_misread_over_the_phone():
    assert set("0O1I") & set(CODE_ALPHABET) == set()
    assert len(CODE_ALPHABET) == 32


@pytest.mark.parametrize(("prefix", "length"), [("HS", 8), ("TS", 8), ("PH", 8), ("X", 3)])
def test_new_code_is_prefix_and_alphabet(prefix, length):
    code = new_code(prefix, length) if length != 8 else new_code(prefix)
    assert re.fullmatch(f"{prefix}[{CODE_ALPHABET}]{{{length}}}", code)


def test_new_codes_differ():
    assert len({new_code("HS") for _ in range(200)}) == 200


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("0912-345-678", "0912345678"),
        ("(0263) 3 826 111", "02633826111"),
        ("+84912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("84 263 3826 111", "02633826111"),
        ("0084 912 345 678", "0912345678"),
        ("8491234567", "8491234567"),
        (" 0912345678\t", "0912345678"),
        ("0912abc678", "0912abc678"),
        ("", ""),
        (None, ""),
        (912345678, "912345678"),
    ],
    ids=[
        "plain",
        "spaces",
        "dots",
        "dashes",
        "brackets",
        "plus84",
        "plus84-spaced",
        "84-without-plus",
        "84-landline",
        "0084",
        "84-too-short-kept",
        "outer-whitespace",
        "letters-kept-for-validation",
        "empty",
        "none",
        "int",
    ],
)
def test_normalise_phone(typed, stored):
    assert normalise_phone(typed) == stored


# --- both call sites: the contact book's feedback and the public-service dossiers -----------


def _anon():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "stored"),
    [("0912 345 678", "0912345678"), ("+84 912.345.678", "0912345678")],
    ids=["spaced", "international"],
)
def test_feedback_stores_the_normalised_phone_and_tracks_by_any_form(district, typed, stored):
    from edudx.contact import selectors, services

    fb = services.feedback_submit(
        actor=_anon(), unit=district.school_a, kind="feedback", subject="S", body="B", phone=typed
    )
    assert fb.phone == stored
    assert re.fullmatch(f"PH[{CODE_ALPHABET}]{{8}}", fb.tracking_code)
    assert selectors.feedback_track(code=fb.tracking_code, phone="0912-345-678").pk == fb.pk


@pytest.mark.django_db
def test_feedback_refuses_letters_in_the_phone(district):
    from edudx.contact import services
    from edudx.core.errors import DomainErrors

    with pytest.raises(DomainErrors) as exc:
        services.feedback_submit(
            actor=_anon(),
            unit=district.school_a,
            kind="feedback",
            subject="S",
            body="B",
            phone="0912abc678",
        )
    assert [(e["code"], e["field"]) for e in exc.value.as_list()] == [("feedback.phone", "phone")]


@pytest.mark.django_db
def test_dossier_stores_the_normalised_phone_and_looks_up_by_any_form(district):
    from edudx.eservices import services
    from edudx.eservices.catalogue import catalogue_load
    from edudx.eservices.models import Procedure

    catalogue_load()
    d = services.dossier_create(
        actor=None,
        procedure=Procedure.objects.get(code="diploma_copy"),
        raw={
            "applicant_name": "Trần Văn Tú",
            "phone": "+84 912.345.678",
            "holder_name": "Trần Văn Tú",
            "holder_birth_date": "12/03/2005",
            "certificate_type": "Bằng tốt nghiệp THCS",
            "graduation_year": "2020",
            "copies": "1",
        },
        unit_id=district.commune_a.pk,
        submit=False,
    )
    assert d.phone == "0912345678"
    assert re.fullmatch(f"HS[{CODE_ALPHABET}]{{8}}", d.code)
    found = services.dossier_by_code_and_phone(code=d.code, phone="0912 345 678", client_key="t")
    assert found.pk == d.pk
