"""A teacher corrects or removes a lesson: service, API (PATCH/DELETE) and page, scoped."""

import io

import pytest
from django.test import Client

from edudx.content import services as content_services
from edudx.content.models import Resource
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError
from edudx.learning import services
from edudx.learning.models import Lesson
from tests.api.conftest import API, token_client
from tests.pages.conftest import otp_login

from .conftest import PDF

pytestmark = pytest.mark.django_db


def _pending(teacher, toan, title="Phiếu bài tập"):
    """A resource submitted to the repository and not yet reviewed."""
    return content_services.resource_create(
        actor=teacher,
        data=content_services.ResourceData(
            title=title,
            type="document",
            licence="cc-by",
            subject_id=toan.pk,
            grade=6,
            author="Lê Thị Hoa",
            language="vi",
        ),
        upload=content_services.Upload(io.BytesIO(PDF), len(PDF), "phieu.pdf"),
    )


def titles(lesson):
    return sorted(r.title for r in lesson.resources.all())


def test_teacher_corrects_title_text_and_resources(lesson, teacher, toan):
    pdf, link = sorted(lesson.resources.all(), key=lambda r: r.pk)
    services.lesson_update(
        actor=teacher,
        lesson=lesson,
        title="  Bài 3.   Phân số bằng nhau ",
        text="Đọc SGK trang 12.",
        resource_ids=[link.pk],
    )
    lesson = Lesson.objects.get(pk=lesson.pk)
    assert (lesson.title, lesson.text, titles(lesson)) == (
        "Bài 3. Phân số bằng nhau",
        "Đọc SGK trang 12.",
        ["Video phân số"],
    )
    # The dropped resource stays in the repository.
    assert Resource.objects.filter(pk=pdf.pk).exists()


def test_a_resource_waiting_for_review_may_stay_but_not_be_added(lesson, teacher, toan):
    pending = _pending(teacher, toan)
    with pytest.raises(DomainError) as exc:
        services.lesson_update(
            actor=teacher,
            lesson=lesson,
            resource_ids=[r.pk for r in lesson.resources.all()] + [pending.pk],
        )
    assert (exc.value.code, exc.value.field) == ("learning.resource", "resources")
    assert titles(Lesson.objects.get(pk=lesson.pk)) == ["Phân số – bài giảng", "Video phân số"]
    # Attached already (e.g. imported from a cartridge): it stays when the lesson is edited.
    lesson.resources.add(pending)
    services.lesson_update(actor=teacher, lesson=lesson, title="Bài 3", resource_ids=[pending.pk])
    assert titles(Lesson.objects.get(pk=lesson.pk)) == ["Phiếu bài tập"]


def test_empty_title_and_wrong_topic_are_refused_and_nothing_changes(lesson, teacher):
    with pytest.raises(DomainError) as exc:
        services.lesson_update(actor=teacher, lesson=lesson, title="   ", text="mới")
    assert (exc.value.code, exc.value.field, str(exc.value)) == (
        "learning.title",
        "title",
        "Thiếu tiêu đề.",
    )
    with pytest.raises(DomainError) as exc:
        services.lesson_update(actor=teacher, lesson=lesson, topic_id=999_999)
    assert exc.value.field == "topic"
    fresh = Lesson.objects.get(pk=lesson.pk)
    assert (fresh.title, fresh.text) == (
        "Bài 3. Phân số <bằng nhau>",
        "Đọc SGK trang 10 & làm bài 1.",
    )


def test_only_the_class_teacher_edits_or_deletes(lesson, student_a1, district):
    other_teacher = district.teacher_user(district.teacher_b)
    for actor in (student_a1, other_teacher):
        with pytest.raises(Forbidden):
            services.lesson_update(actor=actor, lesson=lesson, title="x")
        with pytest.raises(Forbidden):
            services.lesson_delete(actor=actor, lesson=lesson)
    assert Lesson.objects.get(pk=lesson.pk).title == "Bài 3. Phân số <bằng nhau>"


def test_api_patch_changes_only_what_is_sent(lesson, teacher):
    t = token_client(teacher)
    r = t.patch(
        f"{API}/lessons/{lesson.pk}", {"title": "Bài 3 (sửa)"}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["title"], body["text"], len(body["resource_ids"])) == (
        "Bài 3 (sửa)",
        "Đọc SGK trang 10 & làm bài 1.",
        2,
    )
    bad = t.patch(
        f"{API}/lessons/{lesson.pk}",
        {"title": " "},
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert (bad.status_code, bad.json()["field"], bad.json()["message"]) == (
        400,
        "title",
        "The title is missing.",
    )


def test_api_scoping_and_delete(lesson, teacher, student_a1, student_b1):
    path = f"{API}/lessons/{lesson.pk}"
    # A student of the class sees the lesson but may not change it; another class's: 404.
    assert (
        token_client(student_a1)
        .patch(path, {"title": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    assert token_client(student_b1).delete(path).status_code == 404
    resources = sorted(r.pk for r in lesson.resources.all())
    t = token_client(teacher)
    assert t.delete(path).status_code == 204
    assert t.get(f"{API}/online-classes/{lesson.online_class_id}/lessons").json() == []
    assert t.delete(path).status_code == 404
    assert sorted(Resource.objects.filter(pk__in=resources).values_list("pk", flat=True)) == (
        resources
    )


def test_edit_page_saves_and_deletes(lesson, teacher, student_a1, student_b1):
    client = otp_login(Client(), teacher)
    oc_page = client.get(f"/learning/c/{lesson.online_class_id}/").content.decode()
    assert f'href="/learning/lessons/{lesson.pk}/edit/"' in oc_page
    page = client.get(f"/learning/lessons/{lesson.pk}/edit/").content.decode()
    assert 'value="Bài 3. Phân số &lt;bằng nhau&gt;"' in page
    assert page.count('" checked>') == 2  # the lesson's two resources, ticked
    pdf = min(r.pk for r in lesson.resources.all())
    r = client.post(
        f"/learning/lessons/{lesson.pk}/edit/",
        {"action": "save", "title": "Bài 3. Phân số", "text": "Làm bài 2.", "resources": [pdf]},
    )
    assert r.status_code == 302 and r["Location"] == f"/learning/c/{lesson.online_class_id}/"
    fresh = Lesson.objects.get(pk=lesson.pk)
    assert (fresh.title, fresh.text, titles(fresh)) == (
        "Bài 3. Phân số",
        "Làm bài 2.",
        ["Phân số – bài giảng"],
    )
    bad = client.post(
        f"/learning/lessons/{lesson.pk}/edit/", {"action": "save", "title": ""}, follow=True
    )
    assert "Thiếu tiêu đề." in bad.content.decode()
    assert Lesson.objects.get(pk=lesson.pk).title == "Bài 3. Phân số"
    # Students: the class's own gets 403, another class's 404; neither sees the link.
    s = Client()
    s.force_login(student_a1)
    assert (
        f"/learning/lessons/{lesson.pk}/edit/"
        not in s.get(f"/learning/c/{lesson.online_class_id}/").content.decode()
    )
    assert s.get(f"/learning/lessons/{lesson.pk}/edit/").status_code == 403
    s.force_login(student_b1)
    assert s.get(f"/learning/lessons/{lesson.pk}/edit/").status_code == 404
    r = client.post(f"/learning/lessons/{lesson.pk}/edit/", {"action": "delete"}, follow=True)
    assert "Đã xoá bài học «Bài 3. Phân số»." in r.content.decode()
    assert not Lesson.objects.filter(pk=lesson.pk).exists()
