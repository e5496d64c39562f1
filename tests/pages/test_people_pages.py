import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edudx.accounts.models import Role
from edudx.audit.models import AuditEvent
from edudx.people import services as people_services
from tests.factories import person_data

from .conftest import otp_login

LIST = "/people/students/"


def record_url(student) -> str:
    return f"/people/students/{student.pk}/"


def listed_names(response) -> list[str]:
    return [s.person.full_name for s in response.context["page"].object_list]


def test_teacher_gets_404_for_a_student_of_another_school(teacher_client, district):
    response = teacher_client.get(record_url(district.student_b1))
    assert response.status_code == 404
    assert "Nguyễn Văn Cường" not in response.content.decode()


def test_teacher_opens_a_student_of_their_class(teacher_client, district):
    response = teacher_client.get(record_url(district.student_a1))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Nguyễn Văn An" in body
    assert "04/05/2013" in body


def test_viewing_the_record_writes_one_audit_view_event(teacher_client, district):
    before = AuditEvent.objects.filter(action="view").count()
    teacher_client.get(record_url(district.student_a1))
    events = AuditEvent.objects.filter(action="view")
    assert events.count() == before + 1
    event = events.order_by("-id").first()
    assert (event.object_type, event.object_id) == ("people.student", str(district.student_a1.pk))


def test_search_without_diacritics_finds_only_students_in_scope(teacher_client, district):
    response = teacher_client.get(LIST, {"q": "nguyen van"})
    assert listed_names(response) == ["Nguyễn Văn An"]
    assert "Nguyễn Văn Cường" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nguyen van", ["Nguyễn Văn An"]),
        ("NGUYỄN VĂN", ["Nguyễn Văn An"]),
        ("  tran   thi ", ["Trần Thị Bình"]),
        ("binh", ["Trần Thị Bình"]),
        ("", ["Nguyễn Văn An", "Trần Thị Bình"]),
        ("zzz", []),
    ],
    ids=["folded", "upper-with-marks", "extra-spaces", "given-name", "empty", "no-match"],
)
def test_search_cases(teacher_client, query, expected):
    assert listed_names(teacher_client.get(LIST, {"q": query})) == expected


def test_htmx_request_gets_only_the_results_partial(teacher_client):
    response = teacher_client.get(LIST, {"q": "nguyen van"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results"')
    assert "<html" not in body
    assert "Nguyễn Văn An" in body
    assert "HX-Request" in response["Vary"]


def test_full_page_works_without_javascript(teacher_client):
    body = teacher_client.get(LIST, {"q": "nguyen van"}).content.decode()
    assert "<html" in body
    assert 'method="get"' in body
    assert 'hx-trigger="keyup changed delay:300ms, search"' in body


def test_list_columns_show_dates_as_dd_mm_yyyy(teacher_client):
    body = teacher_client.get(LIST).content.decode()
    assert "04/05/2013" in body
    assert "6A1" in body
    assert "Trường THCS Lê Lợi" in body


def test_class_filter(teacher_client, district):
    response = teacher_client.get(LIST, {"class": district.class_a.pk})
    assert listed_names(response) == ["Nguyễn Văn An", "Trần Thị Bình"]


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_student_list_query_count_does_not_grow_with_rows(teacher_client, district):
    few = _list_queries(teacher_client)
    for i in range(27):
        district.student(f"Học Sinh Số {i:02d}", district.school_a, district.class_a)
    many_response = teacher_client.get(LIST)
    assert many_response.context["page"].paginator.count == 29
    assert _list_queries(teacher_client) == few


def test_pagination_keeps_the_query(login, district, settings):
    settings.PAGE_SIZE = 1
    client = login(district.teacher_user())
    response = client.get(LIST, {"q": "a"})
    body = response.content.decode()
    assert listed_names(response) == ["Nguyễn Văn An"]
    assert "?q=a&amp;page=2" in body


def test_personal_id_is_masked_for_a_teacher(teacher_client, district):
    pid = district.student_a1.person.personal_id
    body = teacher_client.get(record_url(district.student_a1)).content.decode()
    assert pid not in body
    assert pid[:3] + "••••••" + pid[-3:] in body


def test_personal_id_is_shown_to_the_principal(login, district):
    client = login(district.user(Role.PRINCIPAL, district.school_a))
    pid = district.student_a1.person.personal_id
    assert pid in client.get(record_url(district.student_a1)).content.decode()


def test_record_shows_guardians_and_enrolment_history(login, district):
    parent = people_services.person_create(
        actor=None, data=person_data("Nguyễn Văn Bố", dt.date(1980, 1, 1), "M")
    )
    people_services.guardian_link(
        actor=None, guardian=parent, student=district.student_a1, relationship="father"
    )
    client = login(district.user(Role.PRINCIPAL, district.school_a))
    body = client.get(record_url(district.student_a1)).content.decode()
    assert "Nguyễn Văn Bố" in body
    assert "Cha" in body
    assert "2025-2026" in body


def test_guardian_sees_their_child_but_not_others(client, district):
    parent = people_services.person_create(
        actor=None, data=person_data("Trần Văn Cha", dt.date(1980, 1, 1), "M")
    )
    people_services.guardian_link(
        actor=None, guardian=parent, student=district.student_a2, relationship="father"
    )
    otp_login(client, district.user(Role.GUARDIAN, None, person=parent))
    home = client.get("/").content.decode()
    assert "Trần Thị Bình" in home
    assert client.get(record_url(district.student_a2)).status_code == 200
    assert client.get(record_url(district.student_a1)).status_code == 404


def test_staff_list_for_a_principal(login, district):
    client = login(district.user(Role.PRINCIPAL, district.school_a))
    response = client.get("/people/staff/", {"q": "le thi"})
    names = [m.person.full_name for m in response.context["page"].object_list]
    assert names == ["Lê Thị Hoa"]
    assert "Phạm Văn Nam" not in response.content.decode()


def test_staff_list_htmx_partial(login, district):
    client = login(district.user(Role.PRINCIPAL, district.school_a))
    body = client.get("/people/staff/", HTTP_HX_REQUEST="true").content.decode()
    assert body.lstrip().startswith('<div id="results"')


def test_anonymous_is_sent_to_login(client, district):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_unverified_staff_is_sent_to_otp(client, district):
    user = district.teacher_user()
    user.save(update_fields=["password"])
    client.force_login(user)
    response = client.get(LIST)
    assert response.status_code == 302
    assert re.match(r"^/accounts/otp/", response["Location"])


def _count_line(body: str) -> str:
    return re.search(r'<p class="count-line">(.*?)</p>', body, re.S).group(1).strip()


@pytest.mark.parametrize(
    ("language", "expected"),
    [("vi", "hơn 10.000 học sinh"), ("en", "more than 10,000 students")],
)
def test_capped_count_line(rf, language, expected):
    from django.core.paginator import Page
    from django.template.loader import render_to_string
    from django.utils import translation

    from edudx.people.selectors import CountedPaginator

    paginator = CountedPaginator(count=10_000, capped=True, per_page=50)
    with translation.override(language):
        body = render_to_string(
            "people/_student_table.html", {"page": Page([], 1, paginator), "q": ""}
        )
    assert _count_line(body) == expected


def test_student_list_says_more_than_when_the_count_is_capped(login, district, monkeypatch):
    from edudx.people import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 1)
    client = login(district.user(Role.PRINCIPAL, district.school_a))
    response = client.get(LIST)
    assert _count_line(response.content.decode()) == "hơn 1 học sinh"
    assert listed_names(response) == ["Nguyễn Văn An", "Trần Thị Bình"]
