import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from edudx.eservices.models import AdmissionApplication, Dossier
from tests.factories import make_personal_id
from tests.pages.conftest import otp_login

from .conftest import PDF

pytestmark = pytest.mark.django_db

COPY = {
    "unit": "",
    "applicant_name": "Trần Văn Tú",
    "phone": "0912345678",
    "holder_name": "Trần Văn Tú",
    "holder_birth_date": "12/03/2005",
    "certificate_type": "Bằng tốt nghiệp THCS",
    "graduation_year": "2020",
    "copies": "1",
}


def test_anonymous_files_a_dossier_in_three_steps(world):
    c = Client()
    page = c.get("/services/")
    assert page.status_code == 200
    assert "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc" in page.content.decode()
    assert c.get("/services/procedures/diploma_copy/").status_code == 200
    r = c.post("/services/procedures/diploma_copy/", dict(COPY, unit=world.d.commune_a.pk))
    d = Dossier.objects.get()
    assert r.status_code == 302 and r.url == f"/services/dossiers/{d.code}/"
    assert d.status == "draft"
    early = c.post(r.url, {"action": "submit"}, follow=True)
    assert "Còn thiếu giấy tờ" in early.content.decode()
    # An upload without its file: the kind picked stays picked, the file is marked.
    refused = c.post(r.url, {"action": "upload", "kind": "other"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert '<option value="other" selected>Khác</option>' in html
    assert (
        'accept="application/pdf,image/jpeg,image/png" required aria-invalid="true" '
        'aria-describedby="e-upload_file" autofocus>'
    ) in html
    assert '<p class="field-error" id="e-upload_file" role="alert">Tệp: Chưa chọn tệp.</p>' in html
    c.post(
        r.url,
        {
            "action": "upload",
            "kind": "id_document",
            "file": SimpleUploadedFile("cccd.pdf", PDF, "application/pdf"),
        },
    )
    done = c.post(r.url, {"action": "submit"}, follow=True)
    assert f"Đã nộp hồ sơ {d.code}." in done.content.decode()
    d.refresh_from_db()
    assert d.status == "submitted"
    # Another browser gets in with the code and the phone only.
    other = Client()
    assert other.get(r.url).status_code == 404
    wrong = other.post("/services/lookup/", {"kind": "dossier", "code": d.code, "phone": "0912"})
    assert wrong.status_code == 400  # the form as typed, the reason not naming a field
    assert f'name="code" value="{d.code}"' in wrong.content.decode()
    assert 'inputmode="tel" value="0912" required>' in wrong.content.decode()
    found = other.post(
        "/services/lookup/", {"kind": "dossier", "code": d.code, "phone": "0912345678"}
    )
    assert found.status_code == 302 and found.url == r.url
    assert other.get(r.url).status_code == 200


def test_form_errors_name_the_field(world):
    r = Client().post(
        "/services/procedures/diploma_copy/", dict(COPY, unit=world.d.commune_a.pk, phone="12")
    )
    page = r.content.decode()
    assert r.status_code == 400
    assert "Số điện thoại phải gồm 10 chữ số" in page
    # The phone field is marked, focused and described by its error, right under it.
    field = re.search(r'<input id="f-phone" [^>]*>\s*<p class="field-error"[^>]*>[^<]*</p>', page)
    assert field is not None
    assert 'value="12"' in field[0]
    assert 'aria-invalid="true" aria-describedby="e-phone" autofocus>' in field[0]
    assert '<p class="field-error" id="e-phone" role="alert">Số điện thoại' in field[0]
    assert page.count("autofocus") == 1
    assert Dossier.objects.count() == 0


def test_officer_queue_and_transition(client, world):
    c = Client()
    c.post("/services/procedures/diploma_copy/", dict(COPY, unit=world.d.commune_a.pk))
    d = Dossier.objects.get()
    c.post(
        f"/services/dossiers/{d.code}/",
        {
            "action": "upload",
            "kind": "id_document",
            "file": SimpleUploadedFile("a.pdf", PDF, "application/pdf"),
        },
    )
    c.post(f"/services/dossiers/{d.code}/", {"action": "submit"})
    otp_login(client, world.officer_a)
    queue = client.get("/services/officer/")
    assert d.code in queue.content.decode() and "Tiếp nhận" in queue.content.decode()
    # A refused step comes back with the comment as typed (decision 30).
    url = f"/services/dossiers/{d.code}/"
    r = client.post(url, {"action": "return_result", "comment": "Đã ký, trả kết quả"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "Không thể «Trả kết quả» hồ sơ đang ở trạng thái «Đã nộp»." in html
    assert 'rows="2" required>Đã ký, trả kết quả</textarea>' in html
    r = client.post(url, {"action": "receive", "comment": "  "})
    assert r.status_code == 400
    html = r.content.decode()
    assert (
        'name="comment" rows="2" required aria-invalid="true" '
        'aria-describedby="e-handle_comment" autofocus>  </textarea>'
    ) in html
    assert (
        '<p class="field-error" id="e-handle_comment" role="alert">'
        "Ý kiến xử lý: Cần ghi ý kiến xử lý cho mỗi bước.</p>"
    ) in html
    d.refresh_from_db()
    assert d.status == "submitted"
    r = client.post(
        f"/services/dossiers/{d.code}/", {"action": "receive", "comment": "Đủ"}, follow=True
    )
    assert "Đã «Tiếp nhận» hồ sơ." in r.content.decode()
    d.refresh_from_db()
    assert d.status == "received"


def test_officer_of_another_commune_cannot_open_it(client, world):
    c = Client()
    c.post("/services/procedures/diploma_copy/", dict(COPY, unit=world.d.commune_a.pk))
    d = Dossier.objects.get()
    otp_login(client, world.officer_b)
    assert client.get(f"/services/dossiers/{d.code}/").status_code == 404
    assert d.code not in client.get("/services/officer/").content.decode()


def test_apply_result_and_live_counts(client, world):
    r = world.grade1_round()
    c = Client()
    dob = dt.date(2020, 2, 2)
    form = {
        "child_personal_id": make_personal_id(dob, "M"),
        "child_name": "Hoàng Gia Bảo",
        "date_of_birth": "02/02/2020",
        "sex": "M",
        "commune": world.d.commune_a.pk,
        "school": world.primary_a.pk,
        "applicant_name": "Hoàng Văn Nam",
        "phone": "0911222333",
    }
    assert c.get(f"/services/admissions/{r.pk}/apply/").status_code == 200
    resp = c.post(f"/services/admissions/{r.pk}/apply/", form, follow=True)
    a = AdmissionApplication.objects.get()
    assert f"Đã nhận hồ sơ tuyển sinh {a.code}" in resp.content.decode()
    assert "Đã đăng ký" in resp.content.decode()
    again = c.post(f"/services/admissions/{r.pk}/apply/", form)
    page = again.content.decode()
    assert again.status_code == 400
    assert "đã có hồ sơ trong đợt tuyển sinh này" in page
    assert page.count("autofocus") == 1  # on the field the refusal names
    assert re.search(r'<input id="a-pid" [^>]*aria-invalid="true"[^>]*autofocus>', page)
    officer = world.d.user("commune_officer", world.d.district)
    otp_login(client, officer)
    counts = client.get(f"/services/admissions/{r.pk}/counts/").content.decode()
    assert "Trường Tiểu học Kim Đồng" in counts
    assert Client().get(f"/services/admissions/result/?code={a.code}").status_code == 404


def _queue_queries(client, world, n):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(n):
        c = Client()
        c.post("/services/procedures/diploma_copy/", dict(COPY, unit=world.d.commune_a.pk))
        d = Dossier.objects.order_by("-id").first()
        c.post(
            f"/services/dossiers/{d.code}/",
            {
                "action": "upload",
                "kind": "id_document",
                "file": SimpleUploadedFile("a.pdf", PDF, "application/pdf"),
            },
        )
        c.post(f"/services/dossiers/{d.code}/", {"action": "submit"})
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/services/officer/").status_code == 200
    return len(ctx.captured_queries)


def test_officer_queue_query_count_does_not_grow_with_rows(client, world):
    otp_login(client, world.officer_a)
    one = _queue_queries(client, world, 1)
    five = _queue_queries(client, world, 4)
    assert Dossier.objects.filter(status="submitted").count() == 5
    assert five == one


def test_pages_in_english(world):
    c = Client(headers={"Accept-Language": "en"})
    c.cookies["django_language"] = "en"
    page = c.get("/services/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Online public services" in page and "Look up a dossier" in page
    form = c.get("/services/procedures/diploma_copy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Applicant&#x27;s full name" in form and "Number of copies" in form
