"""Repository pages: upload, moderation, search, previews, sandboxed simulations, coverage."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from edudx.accounts.models import Role
from edudx.content.models import Resource
from edudx.content.services import Upload
from tests.pages.conftest import otp_login

from .conftest import PDF_BYTES, publish, topic, zip_bytes

pytestmark = pytest.mark.django_db

SIM = b"<!doctype html><title>Con lac</title><script src='app.js'></script>"


def test_upload_page_creates_a_submitted_resource(client, teacher, toan):
    otp_login(client, teacher)
    page = client.get(reverse("content:upload"), {"grade": 6, "subject": toan.pk})
    assert page.status_code == 200
    assert "Số tự nhiên" in page.content.decode()  # the topics of Toán 6 to tick
    r = client.post(
        reverse("content:upload"),
        {
            "action": "save",
            "grade": 6,
            "subject": toan.pk,
            "topics": [topic(toan, "6.phanso").pk],
            "title": "Phân số tối giản",
            "type": "document",
            "language": "vi",
            "licence": "cc-by",
            "author": "Lê Thị Hoa",
            "file": SimpleUploadedFile("p.pdf", PDF_BYTES),
        },
    )
    res = Resource.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("content:detail", args=[res.pk])
    assert res.status == "submitted"


def test_upload_page_shows_errors(client, teacher, toan):
    otp_login(client, teacher)
    r = client.post(
        reverse("content:upload"),
        {
            "action": "save",
            "grade": 6,
            "subject": toan.pk,
            "title": "Video",
            "type": "video",
            "licence": "cc-by",
            "author": "A",
            "file": SimpleUploadedFile("v.mp4", b"<html>not a video</html>"),
        },
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert "Nội dung tệp không khớp với loại học liệu đã chọn" in page
    assert 'name="file" aria-invalid="true" aria-describedby="e-file" autofocus>' in page
    assert Resource.objects.count() == 0


def test_review_publish_then_student_finds_it(client, make_resource, principal, district):
    r = make_resource(title="Số nguyên âm")
    otp_login(client, principal)
    url = reverse("content:detail", args=[r.pk])
    # Refusals come back on the page (400), each error at its field (decision 30).
    refused = client.post(url, {"action": "review", "decision": "return", "comment": " "})
    assert refused.status_code == 400
    assert (
        'name="comment" rows="2" aria-invalid="true" aria-describedby="e-review_comment" '
        "autofocus> </textarea>"
    ) in refused.content.decode()
    assert "Nhận xét: Trả lại học liệu phải kèm nhận xét.</p>" in refused.content.decode()
    client.post(url, {"action": "review", "decision": "approve"})
    refused = client.post(url, {"action": "publish", "scope": "province"})
    html = refused.content.decode()
    assert refused.status_code == 400
    assert '<option value="province" selected>' in html
    assert "Bạn không được xuất bản ở phạm vi “Toàn tỉnh”" in html
    assert 'name="scope" aria-invalid="true" aria-describedby="e-publish_scope" autofocus>' in html
    client.post(url, {"action": "publish", "scope": "school"})
    r.refresh_from_db()
    assert r.status == "published"
    assert "· Xuất bản (Trong trường)</li>" in client.get(url).content.decode()  # not "school"
    Resource.objects.filter(pk=r.pk).update(view_count=0)  # count the student's view only
    long = "Rất hay. " * 230
    refused = client.post(url, {"action": "comment", "text": long})
    assert refused.status_code == 400
    assert f'aria-describedby="e-comment_text" autofocus>{long}</textarea>' in (
        refused.content.decode()
    )
    assert "Bình luận dài tối đa 2000 ký tự." in refused.content.decode()
    student = district.user(Role.STUDENT, None, person=district.student_a1.person)
    client.force_login(student)
    page = client.get(reverse("content:search"), {"q": "so nguyen am"}).content.decode()
    assert "Số nguyên âm" in page
    detail = client.get(reverse("content:detail", args=[r.pk]))
    html = detail.content.decode()
    assert f'<iframe class="preview" src="/content/r/{r.pk}/file/"' in html
    f = client.get(reverse("content:file", args=[r.pk]))
    assert (f["Content-Type"], f["X-Frame-Options"], f["X-Content-Type-Options"]) == (
        "application/pdf",
        "SAMEORIGIN",
        "nosniff",
    )
    assert "frame-ancestors 'self'" in f["Content-Security-Policy"]
    r.refresh_from_db()
    assert r.view_count == 1


def test_other_school_student_gets_404(client, make_resource, principal, district):
    r = make_resource()
    publish(r, principal)
    client.force_login(district.user(Role.STUDENT, None, person=district.student_b1.person))
    assert client.get(reverse("content:detail", args=[r.pk])).status_code == 404
    assert client.get(reverse("content:file", args=[r.pk])).status_code == 404
    assert client.get(reverse("content:download", args=[r.pk])).status_code == 404


def test_simulation_is_served_sandboxed(client, teacher, toan, principal):
    import io

    from edudx.content import services

    data = zip_bytes({"index.html": SIM, "app.js": b"document.title='x'"})
    r = services.resource_create(
        actor=teacher,
        data=services.ResourceData(
            title="Mô phỏng con lắc",
            type="simulation",
            subject_id=toan.pk,
            grade=6,
            licence="cc-by",
            author="A",
        ),
        upload=Upload(io.BytesIO(data), len(data), "sim.zip"),
    )
    publish(r, principal)
    otp_login(client, teacher)
    html = client.get(reverse("content:detail", args=[r.pk])).content.decode()
    assert 'sandbox="allow-scripts allow-forms allow-popups"' in html
    start = html.index("/content/sim/")
    url = html[start : html.index('"', start)]
    assert url.endswith("/index.html")
    client.logout()  # the package path needs no session
    page = client.get(url)
    assert page.status_code == 200
    assert page["Content-Security-Policy"].startswith("sandbox allow-scripts")
    assert page.content == SIM
    js = client.get(url.replace("index.html", "app.js"))
    assert js["Content-Type"] == "text/javascript"
    assert client.get(url.replace("index.html", "../../etc/passwd")).status_code == 404
    assert client.get("/content/sim/forged-token/index.html").status_code == 404
    # The inline-file path refuses packages (they are only served sandboxed).
    otp_login(client, teacher)
    assert client.get(reverse("content:file", args=[r.pk])).status_code == 404


def test_coverage_and_review_pages(client, principal, make_resource, district):
    make_resource()
    otp_login(client, principal)
    queue = client.get(reverse("content:review")).content.decode()
    assert "Phân số và các phép tính" in queue
    cov = client.get(reverse("content:coverage"), {"unit": district.school_a.pk, "grade": 6})
    assert cov.status_code == 200
    assert "0 / 1015" in cov.content.decode()
    assert (
        client.get(reverse("content:coverage"), {"unit": district.school_b.pk}).status_code == 404
    )


def test_curriculum_page(client, teacher, toan):
    otp_login(client, teacher)
    html = client.get(
        reverse("content:curriculum"), {"grade": 1, "subject": toan.pk}
    ).content.decode()
    assert "Các số trong phạm vi 10" in html
    assert "Đếm, đọc, viết được các số trong phạm vi 10." in html


def test_returned_resource_is_corrected_and_resubmitted(
    client, make_resource, teacher, teacher_b, principal, toan
):
    from edudx.content import services

    r = make_resource(title="Phan so", topics=[topic(toan, "6.phanso")])
    services.resource_review(
        actor=principal, resource=r, approve=False, comment="Tiêu đề thiếu dấu; thêm mô tả."
    )
    otp_login(client, teacher)
    edit = reverse("content:edit", args=[r.pk])
    assert f'href="{edit}"' in client.get(reverse("content:mine")).content.decode()
    assert f'href="{edit}"' in client.get(reverse("content:detail", args=[r.pk])).content.decode()
    page = client.get(edit).content.decode()
    assert "Tiêu đề thiếu dấu; thêm mô tả." in page  # the reviewer's comment
    assert 'name="title" value="Phan so"' in page  # the form holds the resource's values
    assert f'name="topics" value="{topic(toan, "6.phanso").pk}" checked' in page
    form = {
        "action": "save",
        "grade": 6,
        "subject": toan.pk,
        "topics": [topic(toan, "6.phanso").pk],
        "type": "document",
        "language": "vi",
        "licence": "cc-by",
        "author": "Lê Thị Hoa",
        "description": "Bài giảng về phân số cho lớp 6.",
    }
    bad = client.post(edit, form | {"title": "  ", "external_url": "https://x.vn"})
    text = bad.content.decode()
    assert bad.status_code == 400
    assert "Tiêu đề: Thiếu tiêu đề." in text
    # The first field in error (the title, above the external address) is the one focused.
    assert (
        'name="title" value="  " maxlength="300" aria-invalid="true" '
        'aria-describedby="e-title" autofocus>'
    ) in text
    assert 'aria-describedby="e-external_url">' in text and text.count("autofocus") == 1
    assert "Địa chỉ kho học liệu ngoài: Chỉ học liệu loại liên kết mới có địa chỉ ngoài." in text
    r.refresh_from_db()
    assert (r.title, r.status) == ("Phan so", "returned")  # nothing written
    done = client.post(edit, form | {"title": "Phân số"})
    assert done.status_code == 302 and done["Location"] == reverse("content:detail", args=[r.pk])
    r.refresh_from_db()
    assert (r.title, r.description, r.status, r.licence) == (
        "Phân số",
        "Bài giảng về phân số cho lớp 6.",
        "submitted",
        "cc-by",
    )
    assert r.file_name == "bai.pdf"  # the file is kept when none is chosen
    assert [s.action for s in r.reviews.order_by("id")] == ["submit", "return", "submit"]
    # The reviewer sees it (403: not theirs to edit); another teacher does not (404).
    otp_login(client, principal)
    assert client.get(edit).status_code == 403
    otp_login(client, teacher_b)
    assert client.get(edit).status_code == 404
    # Once reviewed, the owner can no longer edit: back to the detail page with the reason.
    services.resource_review(actor=principal, resource=r, approve=True)
    otp_login(client, teacher)
    late = client.get(edit, follow=True)
    assert late.redirect_chain == [(reverse("content:detail", args=[r.pk]), 302)]
    assert "Học liệu đã thẩm định hoặc đã xuất bản, không sửa được." in late.content.decode()


def test_review_queue_pages_and_counts(client, principal, make_resource):
    """55 resources waiting: 50 on the first page, oldest first, 5 on the second, and the
    count (the queue showed the oldest 200 and no count)."""
    for i in range(55):
        make_resource(title=f"Học liệu số {i:02d}")
    otp_login(client, principal)
    first = client.get(reverse("content:review")).content.decode()
    second = client.get(reverse("content:review"), {"page": 2}).content.decode()
    assert "55 học liệu chờ duyệt · trang 1/2" in " ".join(first.split())
    titles = [f"Học liệu số {i:02d}" for i in range(55)]
    assert [t for t in titles if t in first] == titles[:50]
    assert [t for t in titles if t in second] == titles[50:]
