"""Open data (/open-data/, /api/v1/open-data): aggregate datasets anyone may download,
small groups withheld, files with ETags, a DCAT catalogue; docs/opendata.md."""

import datetime as dt
import json

import pytest
import time_machine
from django.conf import settings

from edudx.core import opendata
from edudx.monitoring import services as monitoring_services
from edudx.people import services as people_services
from tests.factories import person_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cache(settings):
    settings.OPENDATA_CACHE_SECONDS = 0


def test_small_counts_are_withheld_and_so_is_what_would_give_them_away():
    assert [opendata.suppress(n, None) for n in (0, 1, 4, 5, 120)] == [0, None, None, 5, 120]
    assert opendata.suppress(6, 10) is None  # the other 4 would follow from 10 - 6
    assert opendata.suppress(5, 10) == 5
    assert opendata.suppress(7, 7) == 7  # nobody left over
    assert opendata.suppress(None, 10) is None


def _more_students(district):
    """School A's grade 6: An (M), Bình (F) + 5 Ê-đê girls + 3 Kinh boys = 10 pupils, 6
    girls (so 4 boys: the girls' count is withheld), 5 of an ethnic minority (shown)."""
    for i in range(8):
        girl = i < 5
        people_services.student_create(
            actor=None,
            data=person_data(
                f"Học Sinh {i}",
                dt.date(2013, 1, 1 + i),
                "F" if girl else "M",
                ethnicity="12" if girl else "01",
            ),
            school=district.school_a,
            school_year=district.year,
            class_group=district.class_a,
            start_date=district.year.start_date,
        )


def test_students_by_grade_counts_and_withholds(district, client):
    _more_students(district)
    response = client.get("/open-data/edudx-students-by-grade.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.content.decode("utf-8") == (
        "\ufeffschool_year,school_code,school_name,grade,students,girls,ethnic_minority\r\n"
        "2025-2026,67000101,Trường THCS Lê Lợi,6,10,,5\r\n"
        "2025-2026,67000102,Trường THCS Nguyễn Du,6,,,\r\n"
    )


def test_schools_file_places_each_school_in_the_current_tree(district, client):
    body = client.get("/open-data/edudx-schools.csv").content.decode("utf-8").splitlines()
    assert body == [
        "\ufeffschool_code,school_name,level,level_name,ownership,commune_code,commune_name,"
        "province_code,province_name,address,latitude,longitude",
        "67000101,Trường THCS Lê Lợi,lower_secondary,Trung học cơ sở,public,24730,Xã Nam Bình,"
        "67,Tỉnh Đắk Nông,,,",
        "67000102,Trường THCS Nguyễn Du,lower_secondary,Trung học cơ sở,public,24736,Xã Thuận Hà,"
        "67,Tỉnh Đắk Nông,,,",
    ]


def test_a_harvester_coming_back_gets_304_until_the_data_change(district, client):
    first = client.get("/open-data/edudx-staff-by-school.json")
    assert first.status_code == 200
    doc = json.loads(first.content)
    assert doc["columns"][2] == {"id": "teachers", "title": "Số giáo viên", "type": "integer"}
    assert doc["rows"] == [
        {
            "school_code": "67000101",
            "school_name": "Trường THCS Lê Lợi",
            "teachers": 1,
            "managers": 0,
            "employees": 0,
        },
        {
            "school_code": "67000102",
            "school_name": "Trường THCS Nguyễn Du",
            "teachers": 1,
            "managers": 0,
            "employees": 0,
        },
    ]
    etag = first["ETag"]
    again = client.get("/open-data/edudx-staff-by-school.json", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    people_services.staff_create(
        actor=None,
        data=person_data("Đỗ Văn Quản", dt.date(1975, 2, 3), "M"),
        unit=district.school_b,
        kind="manager",
    )
    changed = client.get("/open-data/edudx-staff-by-school.json", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert json.loads(changed.content)["rows"][1]["managers"] == 1


def test_no_file_names_a_person(district, client):
    _more_students(district)
    monitoring_services.indicators_recompute(year=2025)
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Thị Hoa", "Học Sinh 0"]
    for ds in opendata.datasets():
        for fmt in ("csv", "json"):
            text = client.get(f"/open-data/edudx-{ds.slug}.{fmt}").content.decode("utf-8")
            assert not [n for n in names if n in text], (ds.slug, fmt)


def test_targets_are_published_for_units_not_schools(district, client):
    monitoring_services.indicators_recompute(year=2025)
    rows = client.get("/api/v1/open-data/datasets/targets/rows?limit=5000").json()["rows"]
    kinds = {r["unit_kind"] for r in rows}
    assert "school" not in kinds
    t09 = [r for r in rows if r["indicator_code"] == "T09" and r["unit_code"] == "67"]
    assert [(r["numerator"], r["denominator"], r["value"], r["schools"]) for r in t09] == [
        (3, 3, 100, 2)
    ]


def test_catalogue_in_dcat_lists_every_dataset_with_its_files(district, client):
    response = client.get("/open-data/catalog.jsonld")
    assert response["Content-Type"] == "application/ld+json"
    doc = response.json()
    assert doc["@type"] == "dcat:Catalog"
    slugs = [d["dct:identifier"] for d in doc["dcat:dataset"]]
    assert slugs == ["schools", "students-by-grade", "staff-by-school", "targets", "dx-index"]
    schools = doc["dcat:dataset"][0]
    assert schools["dct:title"] == [
        {"@value": "Danh sách cơ sở giáo dục", "@language": "vi"},
        {"@value": "Schools", "@language": "en"},
    ]
    assert [d["dcat:downloadURL"]["@id"] for d in schools["dcat:distribution"]] == [
        "http://127.0.0.1:8000/open-data/edudx-schools.csv",
        "http://127.0.0.1:8000/open-data/edudx-schools.json",
    ]
    assert schools["dct:license"] == {"@id": "https://creativecommons.org/licenses/by/4.0/"}


def test_pages_need_no_sign_in_and_speak_english_when_asked(district, client):
    index = client.get("/open-data/")
    assert index.status_code == 200
    assert "Số học sinh theo trường và khối lớp" in index.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/open-data/students-by-grade/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Students by school and grade" in text
    assert "<code>ethnic_minority</code>" in text
    assert client.get("/open-data/nope/").status_code == 404


def test_api_lists_datasets_and_names_an_unknown_one(district, client):
    listed = client.get("/api/v1/open-data/datasets", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [(d["slug"], d["rows"]) for d in listed][:3] == [
        ("schools", 2),
        ("students-by-grade", 2),
        ("staff-by-school", 2),
    ]
    assert listed[0]["title"] == "Schools"
    missing = client.get("/api/v1/open-data/datasets/nope", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404
    assert missing.json()["code"] == "opendata.not_found"
    assert missing.json()["message"] == "There is no open dataset nope."
    page = client.get("/api/v1/open-data/datasets/schools/rows?offset=1&limit=1").json()
    assert (page["count"], page["offset"], [r["school_code"] for r in page["rows"]]) == (
        2,
        1,
        ["67000102"],
    )


def test_modified_is_when_the_data_changed_not_when_they_were_built(district, client):
    def staff_dataset():
        listed = client.get("/api/v1/open-data/datasets").json()
        return next(d for d in listed if d["slug"] == "staff-by-school")

    def catalogue_modified():
        doc = client.get("/open-data/catalog.jsonld").json()
        entry = next(d for d in doc["dcat:dataset"] if d["dct:identifier"] == "staff-by-school")
        return entry["dct:modified"]["@value"]

    first = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(first, tick=False):
        built = staff_dataset()
    assert built["generated_at"] == built["modified_at"] == "2026-03-02T08:00:00Z"

    # Rebuilt a day later with the same rows: built anew, not modified.
    with time_machine.travel(first + dt.timedelta(days=1), tick=False):
        again = staff_dataset()
        assert (again["generated_at"], again["modified_at"]) == (
            "2026-03-03T08:00:00Z",
            "2026-03-02T08:00:00Z",
        )
        assert catalogue_modified() == "2026-03-02T08:00:00+00:00"
        download = client.get("/open-data/edudx-staff-by-school.csv")
        assert download["Last-Modified"] == "Mon, 02 Mar 2026 08:00:00 GMT"

    # A new manager changes the rows: modified now.
    people_services.staff_create(
        actor=None,
        data=person_data("Đỗ Văn Quản", dt.date(1975, 2, 3), "M"),
        unit=district.school_b,
        kind="manager",
    )
    with time_machine.travel(first + dt.timedelta(days=2), tick=False):
        changed = staff_dataset()
        assert changed["modified_at"] == "2026-03-04T08:00:00Z"
        assert catalogue_modified() == "2026-03-04T08:00:00+00:00"
        rows = client.get("/api/v1/open-data/datasets/staff-by-school/rows").json()
        assert rows["modified_at"] == "2026-03-04T08:00:00Z"
