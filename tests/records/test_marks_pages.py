"""Mark pages: picker, grid (errors per cell, nothing saved), .xlsx export and import
(shifted column refused), lock workflow, guardian read-only page."""

import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from edudx.accounts.models import Role
from edudx.records import marks_xlsx, selectors, services
from edudx.records.models import Mark, MarkChangeRequest, Subject
from tests.pages.conftest import otp_login

pytestmark = pytest.mark.django_db

URL = reverse("records:marks")


@pytest.fixture
def maths(district):
    subject = Subject.objects.get(code="toan")
    services.subject_assign(
        actor=None, staff=district.teacher_a, subject=subject, class_group=district.class_a
    )
    return subject


@pytest.fixture
def tc(client, teacher):
    return otp_login(client, teacher)


def grid_url(cls, subject, term=1):
    return f"{URL}?class={cls.pk}&subject={subject.pk}&term={term}"


def form(cls, subject, term=1, **cells):
    return {"class": cls.pk, "subject": subject.pk, "term": term, **cells}


def test_picker_shows_only_my_subjects(district, tc, maths):
    html = tc.get(URL).content.decode()
    assert f"subject={maths.pk}&amp;term=1" in html
    assert "Ngữ văn" not in html


def test_grid_is_phone_ready(district, tc, maths):
    page = tc.get(grid_url(district.class_a, maths))
    assert page.status_code == 200
    html = page.content.decode()
    a1 = district.student_a1.pk
    assert f'name="m-{a1}-tx1" value="" inputmode="decimal"' in html
    # A screen reader hears the pupil and the column as the header prints it.
    assert 'aria-label="Nguyễn Văn An: ĐĐGtx1"' in html
    assert 'class="marks-scroll"' in html
    assert ' style="' not in html
    assert "<script>" not in html  # only the static marks.js


def test_save_from_grid_and_bad_cell_shown(district, tc, maths):
    a1, a2 = district.student_a1.pk, district.student_a2.pk
    cls = district.class_a
    r = tc.post(URL, form(cls, maths, **{f"m-{a1}-tx1": "8,5", f"m-{a2}-gk": "11"}))
    assert r.status_code == 200
    html = r.content.decode()
    assert 'class="bad"' in html and "Điểm phải từ 0 đến 10" in html
    assert f'name="m-{a2}-gk" value="11"' in html  # what was typed is kept
    assert Mark.objects.count() == 0
    r = tc.post(URL, form(cls, maths, **{f"m-{a1}-tx1": "8,5", f"m-{a2}-gk": "10"}))
    assert r.status_code == 302
    assert sorted(Mark.objects.values_list("student_id", "kind", "value")) == sorted(
        [(a1, "tx1", Decimal("8.5")), (a2, "gk", Decimal("10.0"))]
    )


def test_other_subject_is_403_other_class_404(district, tc, maths):
    literature = Subject.objects.get(code="ngu_van")
    r = tc.post(URL, form(district.class_a, literature, **{"m-1-tx1": "7"}))
    assert r.status_code == 403
    assert tc.get(grid_url(district.class_b, maths)).status_code == 404


def export(tc, cls, subject):
    r = tc.get(f"{reverse('records:marks_export')}?class={cls.pk}&subject={subject.pk}&term=1")
    assert r.status_code == 200
    return r.content


def upload(tc, cls, subject, data: bytes):
    f = io.BytesIO(data)
    f.name = "bang-diem.xlsx"
    return tc.post(URL, {**form(cls, subject), "file": f})


def test_export_layout_and_import_round_trip(district, tc, maths, teacher):
    cls = district.class_a
    services.marks_save(
        actor=teacher,
        class_group=cls,
        subject=maths,
        term=selectors.term_get(cls, 1),
        entries=[services.MarkEntry(district.student_a1.pk, "tx1", "7,5")],
    )
    wb = load_workbook(io.BytesIO(export(tc, cls, maths)))
    ws = wb.active
    assert ws["A1"].value == "Trường THCS Lê Lợi"
    assert ws["A2"].value == "BẢNG ĐIỂM"
    assert [c.value for c in ws[5]] == [
        "STT", "Họ và tên", "Ngày sinh", "ĐĐGtx1", "ĐĐGtx2", "ĐĐGtx3", "ĐĐGtx4", "ĐĐGgk",
        "ĐĐGck", "ĐTBmhk",
    ]  # fmt: skip
    assert [c.value for c in ws[6]][:4] == [1, "Nguyễn Văn An", ws["C6"].value, 7.5]
    ws["E6"] = 9
    ws["H7"] = "6,5"
    out = io.BytesIO()
    wb.save(out)
    r = upload(tc, cls, maths, out.getvalue())
    assert r.status_code == 302
    assert sorted(Mark.objects.values_list("student_id", "kind", "value")) == sorted(
        [
            (district.student_a1.pk, "tx1", Decimal("7.5")),
            (district.student_a1.pk, "tx2", Decimal("9.0")),
            (district.student_a2.pk, "gk", Decimal("6.5")),
        ]
    )


def test_import_with_shifted_column_is_refused(district, tc, maths):
    cls = district.class_a
    wb = load_workbook(io.BytesIO(export(tc, cls, maths)))
    ws = wb.active
    ws.insert_cols(2)  # an extra column before "Họ và tên": everything shifts right
    ws["D6"] = 8
    out = io.BytesIO()
    wb.save(out)
    sheet = selectors.mark_sheet(
        actor=district.teacher_user(), class_id=cls.pk, subject_id=maths.pk, term_number=1
    )
    with pytest.raises(marks_xlsx.DomainError) as exc:
        marks_xlsx.parse(out.getvalue(), sheet)
    first = exc.value.as_list()[0]
    assert (first["code"], first["row"]) == ("records.xlsx.column", 5)
    assert "Cột B" in first["message"]
    r = upload(tc, cls, maths, out.getvalue())
    assert r.status_code == 200 and "cột bị lệch" in r.content.decode()
    assert Mark.objects.count() == 0


def test_import_with_a_stranger_row_is_refused(district, tc, maths):
    cls = district.class_a
    wb = load_workbook(io.BytesIO(export(tc, cls, maths)))
    ws = wb.active
    ws["B7"] = "Nguyễn Văn Cường"
    ws["D6"] = 8
    out = io.BytesIO()
    wb.save(out)
    r = upload(tc, cls, maths, out.getvalue())
    assert "Dòng 7, cột B" in r.content.decode()
    assert Mark.objects.count() == 0


def test_lock_pages(district, tc, maths, teacher):
    cls = district.class_a
    lock_url = reverse("records:marks_lock", args=[cls.pk, 1])
    tc.post(URL, form(cls, maths, **{f"m-{district.student_a1.pk}-tx1": "8"}))
    assert tc.post(lock_url, {"action": "homeroom"}).status_code == 302
    principal = Client()
    otp_login(principal, district.user(Role.PRINCIPAL, district.school_a))
    assert principal.post(lock_url, {"action": "principal"}).status_code == 302
    html = tc.get(grid_url(cls, maths)).content.decode()
    assert "Đã khoá" in html and "readonly" in html
    # A request refused for its mark comes back as typed: the pupil and column chosen, the
    # reason written, the error under the new mark, which is focused.
    refused = tc.post(
        lock_url,
        {"action": "change", "subject": maths.pk, "student": district.student_a2.pk,
         "kind": "tx2", "value": "11", "reason": "Chấm lại bài"},
    )  # fmt: skip
    html = refused.content.decode()
    assert refused.status_code == 400
    assert re.search(
        r'id="c-value" name="value" inputmode="decimal" maxlength="8" value="11" '
        r'aria-invalid="true" aria-describedby="e-value" autofocus><p class="field-error" '
        r'id="e-value" role="alert">[^<]+</p>',
        html,
    )
    assert f'<option value="{district.student_a2.pk}" selected>' in html
    assert '<option value="tx2" selected>' in html and 'value="Chấm lại bài"' in html
    assert not MarkChangeRequest.objects.exists()
    tc.post(
        lock_url,
        {
            "action": "change",
            "subject": maths.pk,
            "student": district.student_a1.pk,
            "kind": "tx1",
            "value": "9",
            "reason": "Nhập nhầm",
        },
    )
    change = MarkChangeRequest.objects.get()
    page = principal.get(lock_url).content.decode()
    assert "Nguyễn Văn An · Toán · HK1 · ĐĐGtx1:\n    8 → 9" in page  # as teachers write marks
    assert "· Lê Thị Hoa</dd>" in page  # the homeroom teacher's name, not a username
    assert 'name="action" value="approve"' in page
    assert 'name="action" value="approve"' not in tc.get(lock_url).content.decode()
    assert principal.post(lock_url, {"action": "approve", "change": change.pk}).status_code == 302
    assert Mark.objects.get().value == Decimal("9.0")


def test_guardian_sees_child_marks_read_only(district, maths, teacher, guardian, client):
    services.marks_save(
        actor=teacher,
        class_group=district.class_a,
        subject=maths,
        term=selectors.term_get(district.class_a, 1),
        entries=[services.MarkEntry(district.student_a1.pk, "tx1", "8,5")],
    )
    client.force_login(guardian)
    page = client.get(reverse("records:student_marks", args=[district.student_a1.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "8,5" in html and "marks-read" in html and "inputmode" not in html
    other = client.get(reverse("records:student_marks", args=[district.student_a2.pk]))
    assert other.status_code == 404
    assert client.post(URL, form(district.class_a, maths)).status_code == 404


def test_homeroom_teacher_records_conduct_on_the_results_page(district, tc, maths):
    url = reverse("records:class_results", args=[district.class_a.pk])
    a1 = district.student_a1.pk
    page = tc.get(f"{url}?period=1")
    assert page.status_code == 200
    assert f'name="conduct-{a1}"' in page.content.decode()
    r = tc.post(url, {"period": 1, "student": [a1], f"conduct-{a1}": "kha"})
    assert r.status_code == 302
    html = tc.get(f"{url}?period=1").content.decode()
    assert '<option value="kha" selected>' in html
    year = tc.get(f"{url}?period=0").content.decode()
    assert f'name="conduct-{a1}"' not in year  # the year's conduct is computed, not entered
