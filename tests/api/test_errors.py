"""One error shape, {code, message, field, row}, in Vietnamese or English."""

import pytest

from edudx.accounts.models import Role

from .conftest import API, token_client


@pytest.fixture
def api_en(district):
    return token_client(
        district.user(Role.PROVINCE_OFFICER, district.province), **{"Accept-Language": "en"}
    )


def test_404_in_vietnamese_and_english(district, officer_api, api_en):
    vi = officer_api.get(f"{API}/students/999999")
    en = api_en.get(f"{API}/students/999999")
    assert vi.json() == {
        "code": "student.not_found",
        "message": "Không tìm thấy học sinh.",
        "field": None,
        "row": None,
    }
    assert en.json() == {
        "code": "student.not_found",
        "message": "Student not found.",
        "field": None,
        "row": None,
    }


def test_domain_errors_list_in_english(district, api_en):
    response = api_en.post(
        f"{API}/students",
        {
            "full_name": "",
            "date_of_birth": "2013-01-02",
            "sex": "F",
            "school_id": district.school_a.pk,
            "class_id": district.class_a.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "full_name.required",
        "message": "The full name must not be empty.",
        "field": "full_name",
        "row": None,
        "errors": [
            {
                "code": "full_name.required",
                "message": "The full name must not be empty.",
                "field": "full_name",
                "row": None,
            }
        ],
    }


@pytest.mark.parametrize(
    ("lang", "message"),
    [("vi", "Trường này là bắt buộc."), ("en", "This field is required.")],
    ids=["vi", "en"],
)
def test_validation_error_maps_to_field(district, lang, message):
    client = token_client(
        district.user(Role.PROVINCE_OFFICER, district.province), **{"Accept-Language": lang}
    )
    response = client.post(
        f"{API}/classes",
        {"school_id": district.school_a.pk, "name": "7A1"},
        content_type="application/json",
    )
    assert response.status_code == 422
    item = {"code": "validation.required", "message": message, "field": "school_year", "row": None}
    assert response.json() == {**item, "errors": [item]}


def test_query_validation_names_the_parameter(district, officer_api):
    response = officer_api.get(f"{API}/students", {"page_size": 201})
    assert response.status_code == 422
    assert response.json()["field"] == "page_size"
    assert response.json()["code"] == "validation.too_large"
    assert response.json()["message"] == "Giá trị không được lớn hơn 200."


def test_malformed_json_is_400(district, officer_api):
    response = officer_api.post(f"{API}/students", "{oops", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "request.malformed",
        "message": "Nội dung gửi lên không phải JSON hợp lệ.",
        "field": None,
        "row": None,
    }


def test_unauthenticated_in_english(district):
    from django.test import Client

    response = Client(headers={"Accept-Language": "en"}).get(f"{API}/staff")
    assert response.status_code == 401
    assert response.json() == {
        "code": "auth.required",
        "message": "Sign in or use a valid API token.",
        "field": None,
        "row": None,
    }


def test_path_parameter_of_wrong_type_is_422_on_that_parameter(district, officer_api):
    response = officer_api.get(f"{API}/students/abc")
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == (
        "validation.integer",
        "student_id",
    )


def test_unit_not_found_in_english(district, api_en):
    response = api_en.get(f"{API}/units/999999")
    assert (response.status_code, response.json()["message"]) == (404, "Unit not found.")
