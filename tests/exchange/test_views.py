"""The import pages through the Django test client."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from edudx.exchange.models import ImportBatch
from edudx.org import services as org_services
from edudx.people.models import Student

from .helpers import GOOD, HEADER, csv_bytes, with_row


@pytest.fixture(autouse=True)
def _no_2fa(settings):
    settings.REQUIRE_2FA = False


@pytest.fixture
def clerk_client(client, district):
    user = district.user("clerk", district.school_a)
    client.force_login(user)
    return client


def upload(client, content, name="ds.csv", **data):
    return client.post(
        reverse("exchange:upload"),
        {"kind": "students", **data, "file": SimpleUploadedFile(name, content)},
    )


def test_upload_page_lists_only_schools_in_scope(clerk_client, district):
    response = clerk_client.get(reverse("exchange:upload"))
    assert response.status_code == 200
    schools = list(response.context["form"].fields["school"].queryset)
    assert schools == [district.school_a]


def test_upload_form_starts_on_the_clerks_school_and_the_year_under_way(clerk_client, district):
    """A school's clerk has one school to pick; the year is the one under way (not next
    year's, which admissions create early)."""
    org_services.school_year_create(
        actor=None, code="2098-2099", start_date=dt.date(2098, 9, 5), end_date=dt.date(2099, 5, 31)
    )
    html = clerk_client.get(reverse("exchange:upload")).content.decode()
    assert f'<option value="{district.school_a.pk}" selected>' in html
    assert f'<option value="{district.year.pk}" selected>2025-2026</option>' in html


def test_an_officer_picks_among_several_schools(client, district):
    client.force_login(district.user("province_officer", district.province))
    form = client.get(reverse("exchange:upload")).context["form"]
    assert list(form.fields["school"].queryset) == [district.school_a, district.school_b]
    assert form.fields["school"].initial is None


def test_post_a_good_file_shows_the_counts(clerk_client, district):
    before = Student.objects.count()
    response = upload(clerk_client, csv_bytes([HEADER, *GOOD]), school=district.school_a.pk)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exchange:result", args=[batch.source_id])
    page = clerk_client.get(response["Location"])
    assert page.status_code == 200
    assert "Đã nhập 3 dòng." in page.content.decode()
    assert Student.objects.count() == before + 3
    again = upload(clerk_client, csv_bytes([HEADER, *GOOD]), school=district.school_a.pk)
    assert again["Location"].endswith("?reused=1")
    assert "đã được nhập trước đây" in clerk_client.get(again["Location"]).content.decode()


def test_post_a_bad_file_lists_every_error(clerk_client, district):
    rows = with_row(with_row(GOOD, 0, "Mã xã", "99999"), 2, "Ngày sinh", "31/02/2013")
    response = upload(clerk_client, csv_bytes([HEADER, *rows]), school=district.school_a.pk)
    html = clerk_client.get(response["Location"]).content.decode()
    assert "Tệp có 2 lỗi; không dòng nào được nhập." in html
    assert "<td>2</td>\n        <td>Mã xã (commune)</td>" in html
    assert "Mã xã &#x27;99999&#x27; không tồn tại." in html
    assert "<td>4</td>\n        <td>Ngày sinh (date_of_birth)</td>" in html


def test_school_outside_scope_is_refused(clerk_client, district):
    response = upload(clerk_client, csv_bytes([HEADER, *GOOD]), school=district.school_b.pk)
    assert response.status_code == 400
    assert response.context["form"].errors["school"]
    html = response.content.decode()
    assert (
        '<select name="school" autofocus aria-invalid="true" '
        'aria-describedby="id_school_error" id="id_school">'
    ) in html
    assert '<span class="field-error" id="id_school_error" role="alert">' in html
    assert ImportBatch.objects.count() == 0


def test_an_empty_file_is_refused_at_the_file(clerk_client, district):
    response = upload(clerk_client, b"", name="ds.xlsx")
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        '<input type="file" name="file" autofocus required aria-invalid="true" '
        'aria-describedby="id_file_error" id="id_file">'
    ) in html
    assert (
        '<span class="field-error" id="id_file_error" role="alert">Tập tin được gửi là rỗng.</span>'
    ) in html
    assert ImportBatch.objects.count() == 0


def test_teacher_may_not_import(client, district):
    client.force_login(district.teacher_user())
    assert client.get(reverse("exchange:upload")).status_code == 403


def test_result_of_someone_elses_school_is_not_found(client, clerk_client, district):
    upload(clerk_client, csv_bytes([HEADER, *GOOD]), school=district.school_a.pk)
    batch = ImportBatch.objects.get()
    client.force_login(district.user("principal", district.school_b))
    assert client.get(reverse("exchange:result", args=[batch.source_id])).status_code == 404


@pytest.mark.parametrize(
    ("kind", "first", "last"),
    [("students", "Họ và tên", "SĐT"), ("staff", "Họ và tên", "Email")],
)
def test_template_download(clerk_client, kind, first, last):
    response = clerk_client.get(reverse("exchange:template", args=[kind]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in ws[1]]
    assert (header[0], header[-1]) == (first, last)
