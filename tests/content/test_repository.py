"""Upload checks, moderation (submitted → reviewed → published / returned) and who sees what."""

import io

import pytest

from edudx.accounts.models import Role
from edudx.content import selectors, services
from edudx.content.models import Resource, ResourceReview, ResourceStatus
from edudx.core.api_errors import Forbidden
from edudx.core.errors import Conflict, DomainError, DomainErrors, NotFound
from edudx.people.models import Student

from .conftest import data, pdf_upload, publish, topic

pytestmark = pytest.mark.django_db


def visible_ids(user):
    return set(selectors.resources(user).values_list("pk", flat=True))


def test_upload_stores_sniffed_type_and_own_name(make_resource, toan):
    r = make_resource(topics=[topic(toan, "6.phanso")], upload=pdf_upload("../../etc/x.exe"))
    r.refresh_from_db()
    assert (r.status, r.mime, r.size, r.file_name) == (
        "submitted",
        "application/pdf",
        45,
        "x.exe",
    )
    assert r.file.name.startswith("content/") and r.file.name.endswith(".pdf")
    assert r.search_title == "phan so va cac phep tinh"
    assert "phan so" in r.search_text  # the topic's title is searchable too
    assert list(ResourceReview.objects.filter(resource=r).values_list("action", flat=True)) == [
        "submit"
    ]


def test_bytes_that_do_not_match_the_type_are_refused(make_resource):
    fake = io.BytesIO(b"MZ\x90\x00 this is an exe")
    with pytest.raises(DomainError) as exc:
        make_resource(type="video", upload=services.Upload(fake, 20, "bai.mp4"))
    assert exc.value.code == "content.upload.type"
    assert exc.value.field == "file"
    assert Resource.objects.count() == 0


def test_pdf_is_not_a_video(make_resource):
    with pytest.raises(DomainError) as exc:
        make_resource(type="video")
    assert str(exc.value) == (
        "Nội dung tệp không khớp với loại học liệu đã chọn (nhận diện: pdf; chấp nhận: mp4, webm)."
    )


def test_file_over_the_limit(make_resource, monkeypatch):
    from edudx.content import files

    monkeypatch.setattr(files, "MAX_UPLOAD_BYTES", 44)
    with pytest.raises(DomainError) as exc:
        make_resource()
    assert exc.value.code == "content.upload.too_large"


def test_outcome_of_another_subject_is_refused(make_resource, toan, ngu_van):
    other = topic(ngu_van, "6.truyen").outcomes.first()
    own = topic(toan, "6.phanso").outcomes.first()
    with pytest.raises(DomainErrors) as exc:
        make_resource(outcome_ids=[own.pk, other.pk], topics=[topic(ngu_van, "6.tho")])
    assert [(e["code"], e["field"]) for e in exc.value.as_list()] == [
        ("content.topic_subject", "topics"),
        ("content.outcome_subject", "outcomes"),
    ]
    assert Resource.objects.count() == 0


def test_link_needs_a_url_and_no_file(teacher, toan):
    with pytest.raises(DomainErrors) as exc:
        services.resource_create(
            actor=teacher, data=data(toan, type="link", external_url="javascript:alert(1)")
        )
    assert exc.value.as_list()[0]["field"] == "external_url"
    r = services.resource_create(
        actor=teacher,
        data=data(toan, type="link", external_url="https://igiaoduc.vn/bai-giang/phan-so"),
    )
    assert (r.file.name, r.external_url) == ("", "https://igiaoduc.vn/bai-giang/phan-so")


def test_only_school_staff_upload(district, toan):
    officer = district.user(Role.PROVINCE_OFFICER, district.province)
    with pytest.raises(Forbidden):
        services.resource_create(actor=officer, data=data(toan), upload=pdf_upload())


def test_moderation_at_school_scope(district, make_resource, principal, teacher, teacher_b):
    r = make_resource()
    student_a = district.user(Role.STUDENT, None, person=district.student_a1.person)
    student_b = district.user(Role.STUDENT, None, person=district.student_b1.person)
    # Submitted: the uploader and the school's reviewers see it; students do not.
    assert r.pk in visible_ids(teacher) and r.pk in visible_ids(principal)
    assert r.pk not in visible_ids(student_a)
    with pytest.raises(Conflict):  # not reviewed yet
        services.resource_publish(actor=principal, resource=r, scope="school")
    publish(r, principal, "school")
    r.refresh_from_db()
    assert (r.status, r.scope, r.scope_unit_id) == ("published", "school", district.school_a.pk)
    assert r.pk in visible_ids(student_a)
    assert r.pk not in visible_ids(student_b)  # another school
    assert r.pk not in visible_ids(teacher_b)
    with pytest.raises(NotFound):
        selectors.resource_get(actor=student_b, resource_id=r.pk)
    assert [s.action for s in r.reviews.all()] == ["submit", "review", "publish"]


def test_principal_cannot_publish_at_commune_scope(
    make_resource, principal, commune_officer, district
):
    r = make_resource()
    services.resource_review(actor=principal, resource=r, approve=True)
    with pytest.raises(Forbidden):
        services.resource_publish(actor=principal, resource=r, scope="commune")
    services.resource_publish(actor=commune_officer, resource=r, scope="commune")
    r.refresh_from_db()
    assert r.scope_unit_id == district.commune_a.pk
    # A student of the other commune's school does not see it; the province officer does.
    student_b = district.user(Role.STUDENT, None, person=district.student_b1.person)
    officer = district.user(Role.PROVINCE_OFFICER, district.province)
    assert r.pk not in visible_ids(student_b)
    assert r.pk in visible_ids(officer)


def test_province_scope_reaches_every_school(make_resource, province_officer, district, teacher_b):
    r = make_resource()
    publish(r, province_officer, "province")
    r.refresh_from_db()
    assert r.scope_unit_id == district.province.pk
    assert r.pk in visible_ids(teacher_b)
    guardian_b = district.user(Role.GUARDIAN, None)
    assert r.pk not in visible_ids(guardian_b)  # no children: no school


def test_return_with_comments_then_resubmit(make_resource, principal, teacher, toan):
    r = make_resource()
    with pytest.raises(DomainError) as exc:
        services.resource_review(actor=principal, resource=r, approve=False)
    assert exc.value.field == "comment"
    services.resource_review(
        actor=principal, resource=r, approve=False, comment="Thiếu nguồn hình ảnh."
    )
    r.refresh_from_db()
    assert r.status == ResourceStatus.RETURNED
    services.resource_update(actor=teacher, resource=r, data=data(toan, title="Phân số (sửa)"))
    r.refresh_from_db()
    assert (r.status, r.title) == ("submitted", "Phân số (sửa)")
    assert [(s.action, s.comment) for s in r.reviews.all()] == [
        ("submit", ""),
        ("return", "Thiếu nguồn hình ảnh."),
        ("submit", ""),
    ]


def test_teacher_cannot_review_and_other_school_principal_cannot(make_resource, teacher, district):
    r = make_resource()
    other_principal = district.user(Role.PRINCIPAL, district.school_b)
    for actor in (teacher, other_principal):
        with pytest.raises(Forbidden):
            services.resource_review(actor=actor, resource=r, approve=True)


def test_ratings_comments_counts(make_resource, principal, district):
    r = make_resource()
    publish(r, principal)
    student = district.user(Role.STUDENT, None, person=district.student_a1.person)
    services.resource_rate(actor=student, resource=r, stars=4)
    services.resource_rate(actor=principal, resource=r, stars=5)
    services.resource_rate(actor=student, resource=r, stars=2)  # changes their rating
    services.resource_comment(actor=student, resource=r, text="Bài dễ hiểu ạ.")
    services.resource_viewed(r)
    services.resource_viewed(r)
    services.resource_downloaded(r)
    r.refresh_from_db()
    assert (r.rating_count, r.rating_sum, r.rating, r.view_count, r.download_count) == (
        2,
        7,
        3.5,
        2,
        1,
    )
    assert [c.text for c in r.comments.all()] == ["Bài dễ hiểu ạ."]
    with pytest.raises(DomainError):
        services.resource_rate(actor=student, resource=r, stars=6)


def test_student_scope_comes_from_current_school(district):
    assert Student.objects.get(pk=district.student_a1.pk).current_school_id == district.school_a.pk
