"""Primary year-end (Circular 27/2020/TT-BGDĐT): qualities and competencies stored and
entered (service, page, API), the year-end result, completion and commendation computed
into the results, and shown where secondary results are (results page, student page, API,
transcript data)."""

import datetime as dt

import pytest
from django.urls import reverse

from edudx.accounts.models import Role
from edudx.audit.models import AuditEvent
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, DomainErrors
from edudx.org import services as org_services
from edudx.people import services as people_services
from edudx.records import rules, selectors, services
from edudx.records.models import (
    YEAR,
    CurriculumSubject,
    Mark,
    QualityRating,
    StudentResult,
    SubjectResult,
)
from edudx.records.services import QualityEntry
from edudx.records.transcripts import transcript_json, transcript_lines, transcript_table
from edudx.records.transcripts_data import transcript_data_for
from tests.api.conftest import API, token_client
from tests.factories import person_data
from tests.pages.conftest import otp_login

pytestmark = pytest.mark.django_db

CODES = (*rules.QUALITIES, *rules.COMPETENCIES)
ALL_T = dict.fromkeys(CODES, "t")
# Grade 4, end of year: tests in the six subjects of Art. 7(1)(b); mid-term II tests in
# Tiếng Việt and Toán (grades 4-5).
TESTED = ("tieng_viet", "toan", "ngoai_ngu_1", "lich_su_dia_li", "khoa_hoc", "tin_hoc_cong_nghe")


class Primary:
    """Class 4A of school A, homeroom teacher Lê Thị Hoa (teacher_a), two pupils."""

    def __init__(self, district):
        self.district = district
        self.cls = org_services.class_create(
            actor=None,
            school=district.school_a,
            school_year_code="2025-2026",
            name="4A",
            grade_number=4,
        )
        people_services.teaching_assign(
            actor=None, staff=district.teacher_a, class_group=self.cls, is_homeroom=True
        )
        dob = dt.date(2016, 3, 1)
        self.pupil = district.student("Lò Thị Minh Anh", district.school_a, self.cls, "F", dob)
        self.other = district.student("Vàng A Páo", district.school_a, self.cls, dob=dob)
        self.term1 = selectors.term_get(self.cls, 1)
        self.term2 = selectors.term_get(self.cls, 2)
        self.subjects = dict(
            CurriculumSubject.objects.filter(grade=4, kind="compulsory").values_list(
                "subject__code", "subject_id"
            )
        )

    def marks(self, student, *, ratings=None, tests=None, skip=()):
        """Every term's marks: rating T (or `ratings`), test scores 9 (end of year: or
        `tests`); `skip`: (subject, kind) pairs left out at the end of the year."""
        ratings, tests = ratings or {}, tests or {}
        rows = []
        for term in (self.term1, self.term2):
            for code, subject_id in self.subjects.items():
                cells = {"rating": (None, ratings.get(code, "htt"))}
                if code in TESTED:
                    cells["ck"] = (tests.get(code, 9) if term is self.term2 else 9, "")
                if code in ("tieng_viet", "toan"):
                    cells["gk"] = (9, "")
                for kind, (value, comment) in cells.items():
                    if term is self.term2 and (code, kind) in skip:
                        continue
                    rows.append(
                        Mark(
                            student=student,
                            class_group=self.cls,
                            subject_id=subject_id,
                            term=term,
                            kind=kind,
                            value=value,
                            comment=comment,
                        )
                    )
        Mark.objects.bulk_create(rows)

    def qualities(self, student, ratings, *, outstanding=False, recognised=False, term=None):
        QualityRating.objects.update_or_create(
            student=student,
            term=term or self.term2,
            defaults={
                "class_group": self.cls,
                "ratings": ratings,
                "outstanding": outstanding,
                "class_recognised": recognised,
            },
        )

    def year(self, student):
        return StudentResult.objects.get(student=student, period=YEAR)


@pytest.fixture
def p4(district):
    return Primary(district)


@pytest.fixture
def homeroom(district):
    return district.teacher_user()


def with_(base, **changes):
    return {**base, **changes}


# --- the rule through the database: table-driven ----------------------------------------


@pytest.mark.parametrize(
    ("ratings", "tests", "qualities", "flags", "skip", "expected"),
    [
        pytest.param(
            {}, {}, ALL_T, (False, False), (), ("htxs", "completed", "excellent"), id="htxs"
        ),
        pytest.param(
            {}, {}, ALL_T, (True, True), (), ("htxs", "completed", "excellent"), id="htxs-flags"
        ),
        pytest.param(
            {}, {"toan": 8}, ALL_T, (False, False), (), ("htt", "completed", ""), id="8-htt"
        ),
        pytest.param(
            {},
            {"khoa_hoc": 7},
            ALL_T,
            (True, True),
            (),
            ("htt", "completed", "exemplary"),
            id="tieu-bieu",
        ),
        pytest.param(
            {}, {"toan": 7}, ALL_T, (True, False), (), ("htt", "completed", ""), id="not-recognised"
        ),
        pytest.param(
            {}, {"toan": 7}, ALL_T, (False, True), (), ("htt", "completed", ""), id="no-achievement"
        ),
        pytest.param({}, {"toan": 6}, ALL_T, (True, True), (), ("ht", "completed", ""), id="6-ht"),
        pytest.param(
            {}, {"toan": 5}, ALL_T, (False, False), (), ("ht", "completed", ""), id="5-ht"
        ),
        pytest.param(
            {}, {"toan": 4}, ALL_T, (False, False), (), ("cht", "not_completed", ""), id="4-cht"
        ),
        pytest.param(
            {"dao_duc": "ht"}, {}, ALL_T, (True, True), (), ("ht", "completed", ""), id="subject-h"
        ),
        pytest.param(
            {"giao_duc_the_chat": "cht"},
            {},
            ALL_T,
            (False, False),
            (),
            ("cht", "not_completed", ""),
            id="subject-c",
        ),
        pytest.param(
            {},
            {},
            with_(ALL_T, trung_thuc="d"),
            (False, False),
            (),
            ("ht", "completed", ""),
            id="quality-d",
        ),
        pytest.param(
            {},
            {},
            with_(ALL_T, tin_hoc="d"),
            (False, False),
            (),
            ("ht", "completed", ""),
            id="competency-d",
        ),
        pytest.param(
            {},
            {},
            with_(ALL_T, cham_chi="c"),
            (False, False),
            (),
            ("cht", "not_completed", ""),
            id="quality-c",
        ),
        pytest.param(
            {},
            {},
            with_(ALL_T, the_chat="c"),
            (False, False),
            (),
            ("cht", "not_completed", ""),
            id="competency-c",
        ),
        pytest.param(
            {"toan": "ht"},
            {"toan": 5},
            dict.fromkeys(CODES, "d"),
            (False, False),
            (),
            ("ht", "completed", ""),
            id="all-lowest-passing",
        ),
        pytest.param(
            {},
            {},
            {k: v for k, v in ALL_T.items() if k != "yeu_nuoc"},
            (False, False),
            (),
            ("", "", ""),
            id="a-quality-missing",
        ),
        pytest.param(
            {}, {}, ALL_T, (False, False), (("khoa_hoc", "ck"),), ("", "", ""), id="test-missing"
        ),
        pytest.param(
            {},
            {},
            ALL_T,
            (False, False),
            (("nghe_thuat", "rating"),),
            ("", "", ""),
            id="rating-missing",
        ),
    ],
)
def test_year_result_from_stored_assessments(p4, ratings, tests, qualities, flags, skip, expected):
    p4.marks(p4.pupil, ratings=ratings, tests=tests, skip=skip)
    p4.qualities(p4.pupil, qualities, outstanding=flags[0], recognised=flags[1])
    services.results_recompute(class_group=p4.cls)
    row = p4.year(p4.pupil)
    assert (row.learning, row.status, row.title) == expected
    assert row.complete is bool(expected[0])
    assert (row.conduct, row.learning_adjusted_for) == ("", "")


def test_subject_results_hold_rating_and_test_score(p4):
    p4.marks(p4.pupil, tests={"toan": 10})
    services.results_recompute(class_group=p4.cls)
    toan = p4.subjects["toan"]
    rows = SubjectResult.objects.filter(student=p4.pupil, subject_id=toan).order_by("period")
    assert [(r.period, str(r.average), r.comment, r.complete) for r in rows] == [
        (0, "10.0", "htt", True),
        (1, "9.0", "htt", True),
        (2, "10.0", "htt", True),
    ]
    dao_duc = SubjectResult.objects.get(
        student=p4.pupil, subject_id=p4.subjects["dao_duc"], period=0
    )
    assert (dao_duc.average, dao_duc.comment) == (None, "htt")


def test_recompute_again_writes_nothing(p4):
    p4.marks(p4.pupil)
    p4.qualities(p4.pupil, ALL_T)
    assert services.results_recompute(class_group=p4.cls) > 0
    assert services.results_recompute(class_group=p4.cls) == 0


# --- qualities_save -----------------------------------------------------------------------


def test_homeroom_saves_qualities_audited_and_results_follow(p4, homeroom):
    p4.marks(p4.pupil)
    changed = services.qualities_save(
        actor=homeroom,
        class_group=p4.cls,
        term=p4.term2,
        entries=[QualityEntry(p4.pupil.pk, ALL_T, outstanding=True, class_recognised=True)],
    )
    assert changed == 1
    assert p4.year(p4.pupil).learning == "htxs"
    # One rating down: the result follows; the audit keeps old and new values.
    services.qualities_save(
        actor=homeroom,
        class_group=p4.cls,
        term=p4.term2,
        entries=[QualityEntry(p4.pupil.pk, {"nhan_ai": "d"}, True, True)],
    )
    row = QualityRating.objects.get(student=p4.pupil, term=p4.term2)
    assert row.ratings == with_(ALL_T, nhan_ai="d")
    assert (p4.year(p4.pupil).learning, p4.year(p4.pupil).title) == ("ht", "")
    event = AuditEvent.objects.filter(object_type="records.qualities").order_by("-id").first()
    assert event.changes == {"nhan_ai": ["t", "d"]}
    assert event.object_id == f"{p4.pupil.pk}:{p4.term2.pk}"
    # The same again: nothing changes, nothing audited.
    before = AuditEvent.objects.count()
    assert (
        services.qualities_save(
            actor=homeroom,
            class_group=p4.cls,
            term=p4.term2,
            entries=[QualityEntry(p4.pupil.pk, {"nhan_ai": "d"}, True, True)],
        )
        == 0
    )
    assert AuditEvent.objects.count() == before


def test_term1_ignores_the_year_end_flags(p4, homeroom):
    services.qualities_save(
        actor=homeroom,
        class_group=p4.cls,
        term=p4.term1,
        entries=[QualityEntry(p4.pupil.pk, ALL_T, outstanding=True, class_recognised=True)],
    )
    row = QualityRating.objects.get(student=p4.pupil, term=p4.term1)
    assert (row.outstanding, row.class_recognised) == (False, False)


def test_four_checkpoints_are_kept_apart_and_only_the_year_end_counts(p4, homeroom):
    """Circular 27/2020, Art. 6(2): qualities and competencies are rated at mid-term I, end
    of term I, mid-term II and the end of the year; only the last enters the year result."""
    p4.marks(p4.pupil)
    levels = {("gk", 1): "c", ("ck", 1): "d", ("gk", 2): "c", ("ck", 2): "t"}
    for (checkpoint, n), level in levels.items():
        services.qualities_save(
            actor=homeroom,
            class_group=p4.cls,
            term=p4.term1 if n == 1 else p4.term2,
            checkpoint=checkpoint,
            entries=[QualityEntry(p4.pupil.pk, dict.fromkeys(CODES, level), True, True)],
        )
    stored = {
        (q.checkpoint, q.term_id): (q.ratings["nhan_ai"], q.outstanding)
        for q in QualityRating.objects.filter(student=p4.pupil)
    }
    assert stored == {
        ("gk", p4.term1.pk): ("c", False),
        ("ck", p4.term1.pk): ("d", False),
        ("gk", p4.term2.pk): ("c", False),
        ("ck", p4.term2.pk): ("t", True),
    }
    assert p4.year(p4.pupil).learning == "htxs"
    # A mid-term II change recomputes nothing and leaves the year-end result as it was.
    services.qualities_save(
        actor=homeroom,
        class_group=p4.cls,
        term=p4.term2,
        checkpoint="gk",
        entries=[QualityEntry(p4.pupil.pk, {"nhan_ai": "t"})],
    )
    assert p4.year(p4.pupil).learning == "htxs"
    event = AuditEvent.objects.filter(object_type="records.qualities").order_by("-id").first()
    assert (event.object_id, event.object_repr, event.changes) == (
        f"{p4.pupil.pk}:{p4.term2.pk}:gk",
        "4A HK2 GK",
        {"nhan_ai": ["c", "t"]},
    )
    sheet = selectors.quality_sheet(
        actor=homeroom, class_id=p4.cls.pk, term_number=2, checkpoint="gk"
    )
    assert (sheet["checkpoint"], sheet["final"]) == ("gk", False)
    assert sheet["rows"][0 if sheet["rows"][0]["student"] == p4.pupil else 1]["ratings"] == (
        with_(dict.fromkeys(CODES, "c"), nhan_ai="t")
    )
    with pytest.raises(DomainError) as exc:
        services.qualities_save(
            actor=homeroom, class_group=p4.cls, term=p4.term1, checkpoint="x", entries=[]
        )
    assert exc.value.field == "checkpoint"


def test_page_and_api_take_the_mid_term_checkpoint(client, p4, homeroom):
    tc = otp_login(client, homeroom)
    url = qualities_url(p4, term=1) + "?at=gk"
    html = tc.get(url).content.decode()
    assert 'aria-current="page">Giữa học kì I<' in html
    assert f'name="outstanding-{p4.pupil.pk}"' not in html
    r = tc.post(url, {"student": [p4.pupil.pk], f"q-{p4.pupil.pk}-nhan_ai": "c"})
    assert (r.status_code, r["Location"]) == (302, url)
    row = QualityRating.objects.get(student=p4.pupil)
    assert (row.checkpoint, row.term_id, row.ratings) == ("gk", p4.term1.pk, {"nhan_ai": "c"})
    assert tc.get(qualities_url(p4, term=1) + "?at=zz").status_code == 404
    api = token_client(homeroom)
    got = api.get(api_url(p4, term=1) + "?checkpoint=gk").json()
    mine = next(s for s in got["students"] if s["student_id"] == p4.pupil.pk)
    assert (got["checkpoint"], mine["ratings"]) == ("gk", {"nhan_ai": "c"})
    end = api.get(api_url(p4, term=1)).json()
    assert end["checkpoint"] == "ck"
    assert all(s["ratings"] == {} for s in end["students"])
    put = api.put(
        api_url(p4, term=2) + "?checkpoint=gk",
        {"students": [{"student_id": p4.other.pk, "ratings": {"tu_chu_tu_hoc": "t"}}]},
        content_type="application/json",
    )
    assert put.status_code == 200, put.content
    assert QualityRating.objects.get(student=p4.other).checkpoint == "gk"
    bad = api.get(api_url(p4, term=1) + "?checkpoint=zz")
    assert bad.status_code == 422


def test_bad_entries_are_all_reported_and_nothing_written(p4, homeroom, district):
    with pytest.raises(DomainErrors) as exc:
        services.qualities_save(
            actor=homeroom,
            class_group=p4.cls,
            term=p4.term2,
            entries=[
                QualityEntry(p4.pupil.pk, {"yeu_nuoc": "t", "nhan_ai": "x"}),
                QualityEntry(p4.other.pk, {"dung_cam": "t"}),
                QualityEntry(district.student_a1.pk, {"yeu_nuoc": "t"}),
            ],
        )
    assert [(i["code"], i["row"], i["field"]) for i in exc.value.as_list()] == [
        ("records.qualities.level", p4.pupil.pk, "nhan_ai"),
        ("records.qualities.code", p4.other.pk, "dung_cam"),
        ("records.marks.student", district.student_a1.pk, "student_id"),
    ]
    assert not QualityRating.objects.exists()


def test_only_the_homeroom_teacher_and_only_primary(p4, district):
    subject_teacher = district.user(Role.TEACHER, district.school_a)
    with pytest.raises(Forbidden):
        services.qualities_save(
            actor=subject_teacher,
            class_group=p4.cls,
            term=p4.term2,
            entries=[QualityEntry(p4.pupil.pk, ALL_T)],
        )
    with pytest.raises(DomainError) as exc:
        services.qualities_save(
            actor=district.teacher_user(),
            class_group=district.class_a,
            term=selectors.term_get(district.class_a, 2),
            entries=[QualityEntry(district.student_a1.pk, ALL_T)],
        )
    assert exc.value.code == "records.qualities.not_primary"


# --- pages --------------------------------------------------------------------------------


def qualities_url(p4, term=2):
    return reverse("records:qualities", args=[p4.cls.pk, term])


def test_page_is_phone_ready_and_saves_the_class(client, p4, homeroom):
    tc = otp_login(client, homeroom)
    page = tc.get(qualities_url(p4))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'name="q-{p4.pupil.pk}-yeu_nuoc"' in html
    assert 'class="marks-scroll"' in html and ' style="' not in html and "<script>" not in html
    assert f'name="outstanding-{p4.pupil.pk}"' in html
    form = {"student": [p4.pupil.pk, p4.other.pk], "fill": "d"}
    form |= {f"q-{p4.pupil.pk}-{c}": "t" for c in CODES}
    form[f"outstanding-{p4.pupil.pk}"] = "1"
    form[f"recognised-{p4.pupil.pk}"] = "1"
    r = tc.post(qualities_url(p4), form)
    assert r.status_code == 302
    stored = {
        q.student_id: (q.ratings, q.outstanding, q.class_recognised)
        for q in QualityRating.objects.all()
    }
    assert stored == {
        p4.pupil.pk: (ALL_T, True, True),
        p4.other.pk: (dict.fromkeys(CODES, "d"), False, False),
    }


def test_page_bad_value_shows_error_writes_nothing(client, p4, homeroom):
    tc = otp_login(client, homeroom)
    r = tc.post(qualities_url(p4), {"student": [p4.pupil.pk], f"q-{p4.pupil.pk}-nhan_ai": "x"})
    assert r.status_code == 400
    assert "Mức “x” không hợp lệ" in r.content.decode()
    assert not QualityRating.objects.exists()


def test_page_read_only_for_others_and_404_outside_scope(client, p4, district):
    staff = people_services.staff_create(
        actor=None,
        data=person_data("Hà Văn Tú", dt.date(1990, 1, 1), "M"),
        unit=district.school_a,
        kind="teacher",
    )
    people_services.teaching_assign(actor=None, staff=staff, class_group=p4.cls, subject="Toán")
    outsider = district.teacher_user(district.teacher_b)
    assert otp_login(client, outsider).get(qualities_url(p4)).status_code == 404
    client.logout()
    tc = otp_login(client, district.teacher_user(staff))
    page = tc.get(qualities_url(p4))
    assert page.status_code == 200
    assert f'name="q-{p4.pupil.pk}-yeu_nuoc" aria-label="Lò Thị Minh Anh: Yêu nước" disabled' in (
        page.content.decode()
    )
    assert tc.post(qualities_url(p4), {"student": [p4.pupil.pk]}).status_code == 403


def test_results_page_and_guardian_page_show_the_year_end(client, p4, homeroom, district):
    p4.marks(p4.pupil)
    p4.qualities(p4.pupil, ALL_T)
    services.results_recompute(class_group=p4.cls)
    tc = otp_login(client, homeroom)
    html = tc.get(reverse("records:class_results", args=[p4.cls.pk]) + "?period=0").content
    html = html.decode()
    assert "Hoàn thành xuất sắc" in html
    assert "Hoàn thành chương trình lớp học" in html
    assert "Học sinh Xuất sắc" in html
    assert 'name="conduct-' not in html  # no conduct in primary
    client.logout()
    mother = people_services.person_create(
        actor=None,
        data=person_data("Lò Thị Xuân", dt.date(1990, 2, 2), "F"),
    )
    people_services.guardian_link(
        actor=None, guardian=mother, student=p4.pupil, relationship="mother"
    )
    guardian = district.user(Role.GUARDIAN, None, person=mother)
    client.force_login(guardian)
    page = client.get(reverse("records:student_marks", args=[p4.pupil.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Kết quả giáo dục Hoàn thành xuất sắc" in text
    assert "Yêu nước: Tốt" in text
    assert client.get(reverse("records:student_marks", args=[p4.other.pk])).status_code == 404


# --- API ----------------------------------------------------------------------------------


def api_url(p4, term=2):
    return f"{API}/results/classes/{p4.cls.pk}/qualities/{term}"


def test_api_put_get_idempotent(p4, homeroom):
    p4.marks(p4.pupil)
    api = token_client(homeroom, **{"Idempotency-Key": "q-1"})
    payload = {
        "students": [
            {"student_id": p4.pupil.pk, "ratings": ALL_T, "outstanding": True},
        ]
    }
    first = api.put(api_url(p4), payload, content_type="application/json")
    assert first.status_code == 200, first.content
    data = first.json()
    assert data["codes"] == list(CODES)
    row = next(s for s in data["students"] if s["student_id"] == p4.pupil.pk)
    assert (row["ratings"], row["outstanding"], row["class_recognised"]) == (ALL_T, True, False)
    audits = AuditEvent.objects.filter(object_type="records.qualities").count()
    again = api.put(api_url(p4), payload, content_type="application/json")
    assert again.status_code == 200 and again.json() == data
    assert AuditEvent.objects.filter(object_type="records.qualities").count() == audits == 1
    results = token_client(homeroom).get(f"{API}/results/classes/{p4.cls.pk}?period=0").json()
    mine = next(s for s in results["students"] if s["student_id"] == p4.pupil.pk)
    assert (mine["learning"], mine["status"], mine["title"], mine["complete"]) == (
        "htxs",
        "completed",
        "excellent",
        True,
    )
    marks = token_client(homeroom).get(f"{API}/students/{p4.pupil.pk}/marks").json()
    assert marks["qualities"] == [
        {"term": 2, "ratings": ALL_T, "outstanding": True, "class_recognised": False}
    ]
    assert [r["learning"] for r in marks["results"] if r["period"] == 0] == ["htxs"]


def test_api_bad_level_names_row_and_field(p4, homeroom):
    r = token_client(homeroom, **{"Accept-Language": "en"}).put(
        api_url(p4),
        {"students": [{"student_id": p4.pupil.pk, "ratings": {"dung_cam": "t"}}]},
        content_type="application/json",
    )
    assert r.status_code == 400, r.content
    body = r.json()
    errors = body.get("errors") or [body]
    assert [(e["code"], e["row"], e["field"], e["message"]) for e in errors] == [
        (
            "records.qualities.code",
            p4.pupil.pk,
            "dung_cam",
            "There is no quality or competency “dung_cam”.",
        )
    ]
    assert not QualityRating.objects.exists()


def test_api_secondary_class_refused(district):
    r = token_client(district.teacher_user()).get(
        f"{API}/results/classes/{district.class_a.pk}/qualities/2"
    )
    assert r.status_code == 400
    assert r.json()["code"] == "records.qualities.not_primary"


# --- transcript data ------------------------------------------------------------------------


def test_transcript_data_carries_the_primary_year(p4, district):
    p4.marks(p4.pupil, tests={"toan": 10})
    p4.qualities(p4.pupil, ALL_T, term=p4.term1)
    p4.qualities(p4.pupil, with_(ALL_T, the_chat="d"))
    services.results_recompute(class_group=p4.cls)
    data = transcript_data_for(p4.pupil, district.year, reference="ABC123")
    assert (data.year.learning, data.year_end_status, data.title) == ("ht", "completed", "")
    lines = transcript_lines(data)
    assert "Kết quả cuối năm: Hoàn thành chương trình lớp học; khen thưởng: —" in lines
    table = transcript_table(data)
    assert ["Toán", "Hoàn thành tốt (9)", "Hoàn thành tốt (10)", "Hoàn thành tốt"] in table
    assert ["Thể chất", "Tốt", "Đạt", "Đạt"] in table
    assert ["Kết quả giáo dục", "—", "—", "Hoàn thành"] in table
    twin = transcript_json(data)
    toan = next(s for s in twin["subjects"] if s["code"] == "toan")
    assert (toan["year"], toan["term1_test"], toan["term2_test"]) == ("htt", 9, 10)
    assert {"code": "the_chat", "name": "Thể chất", "term1": "t", "term2": "d"} in twin["qualities"]
