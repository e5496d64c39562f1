import datetime as dt
import json
from decimal import Decimal
from importlib import import_module

import pytest
from django.utils import translation

from edudx.accounts.models import Role
from edudx.core import events
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, DomainErrors
from edudx.eservices.dx_prefill import schools_online_admissions
from edudx.monitoring import dx
from edudx.monitoring.dx_prefill import schools_management, schools_teaching
from edudx.monitoring.models import (
    DxAnswer,
    DxAssessment,
    DxCriterion,
    DxFramework,
    DxStatus,
    IndicatorValue,
)
from edudx.monitoring.services import DATA
from edudx.records.models_transcripts import Transcript

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


@pytest.mark.parametrize(
    ("points", "level"),
    [("0", 1), ("49.9", 1), ("50", 2), ("62.5", 2), ("75", 2), ("75.1", 3), ("100", 3)],
)
def test_levels_at_the_thresholds(points, level):
    assert dx.level_for(Decimal(points)) == level


def test_a_missing_mandatory_condition_keeps_the_group_at_level_1():
    assert dx.level_for(Decimal(90), mandatory_ok=False) == 1


def test_frameworks_are_versioned_data_and_validated(db):
    assert dx.frameworks_sync() == 3
    assert dx.frameworks_sync() == 0
    fw = DxFramework.objects.get(code="QD4725-2022")
    assert [(g.code, g.max_points) for g in fw.groups.all()] == [
        ("DH", Decimal(100)),
        ("QT", Decimal(100)),
    ]
    assert list(
        DxCriterion.objects.filter(group__framework=fw, mandatory=True).values_list(
            "code", flat=True
        )
    ) == ["1.1", "1.2", "2.1", "2.2"]
    office = DxFramework.objects.get(code="QD3806-2023")
    assert office.applies_to == "office" and office.groups.count() == 3
    assert (fw.level_on, office.level_on) == ("group", "group")
    new = DxFramework.objects.get(code="QD3806-2024")
    assert (new.applies_to, new.level_on, new.valid_from) == (
        "office",
        "total",
        dt.date(2024, 11, 29),
    )
    assert [(g.code, g.name, g.max_points) for g in new.groups.all()] == [
        ("LD", "Chuyển đổi số trong công tác lãnh đạo, chỉ đạo, điều hành", Decimal(50)),
        ("KQ", "Kết quả chuyển đổi số ở cơ sở giáo dục", Decimal(50)),
    ]
    # Criteria named in a source (2.1-2.3) vs the placeholders; none verified in 4725's data.
    assert list(
        DxCriterion.objects.filter(group__framework=new, verified=True).values_list(
            "code", flat=True
        )
    ) == ["2.1", "2.2", "2.3"]
    assert DxCriterion.objects.filter(group__framework=new, verified=False).count() == 5
    assert not DxCriterion.objects.filter(group__framework=fw, verified__isnull=False).exists()


def test_criterion_points_must_sum_to_the_group_maximum(db, tmp_path):
    data = json.loads((DATA / "dx_frameworks.json").read_text())
    data["frameworks"][0]["groups"][1]["criteria"][2]["max_points"] = 11  # 2.3.1: 6 -> 11
    with pytest.raises(DomainErrors) as exc:
        dx.framework_validate(data["frameworks"][0])
    item = exc.value.as_list()[0]
    assert (item["code"], item["field"]) == ("monitoring.dx_points_sum", "QT")
    assert "tổng điểm các tiêu chí 105 khác điểm tối đa 100" in item["message"]
    path = tmp_path / "fw.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    with pytest.raises(DomainErrors):
        dx.frameworks_sync(path)
    assert not DxFramework.objects.exists()  # nothing loaded


def test_prefill_from_platform_data_and_flags_over_claims(reform, principal, officer):
    d = reform
    Transcript.objects.create(
        student=d.student_a1, school_year=d.year, school=d.school_a, reference="TST0001",
        pdf=b"%PDF-", sha256="0" * 64, data={},
    )  # fmt: skip
    a = dx.assessment_get(actor=principal, unit=d.school_a, year=2026)
    got = {
        x.criterion.code: (x.data_points, x.points, x.data_note)
        for x in a.answers.select_related("criterion")
    }
    # 1 of 3 students has a digital transcript: 10 × 1/3 = 3.3 points.
    assert got["2.3.3"] == (
        Decimal("3.3"),
        Decimal("3.3"),
        "1/3 học sinh có học bạ số năm học 2025-2026",
    )
    # 2 of 3 students and 1 of 2 staff carry a personal ID: 6 × 3/5 = 3.6.
    assert got["2.3.2"][:2] == (Decimal("3.6"), Decimal("3.6"))
    assert got["2.5"][:2] == (Decimal("0.0"), Decimal("0.0"))  # no marks entered
    assert got["2.4.3"] == (None, Decimal(0), "")  # no fee payments: no data, no flag
    assert got["1.7.2"] == (None, Decimal(0), "")  # no T22 for 2025: computers not reported
    assert a.scores["QT"]["points"] == 6.9 and a.scores["QT"]["level"] == 1

    with pytest.raises(DomainErrors) as exc:
        dx.answers_save(actor=principal, assessment=a, answers={"2.3.3": {"points": "11"}})
    assert exc.value.as_list()[0]["code"] == "monitoring.dx_points"
    # "NaN" and "Infinity" parse as decimals but are no points (NaN used to crash the page).
    for typed in ("NaN", "sNaN", "Infinity"):
        with pytest.raises(DomainErrors) as exc:
            dx.answers_save(actor=principal, assessment=a, answers={"2.3.3": {"points": typed}})
        assert [(e["code"], e["message"]) for e in exc.value.as_list()] == [
            ("monitoring.number", "2.3.3: điểm không phải là số.")
        ]

    answers = {"2.1": {"met": True}, "2.2": {"met": True}, "2.3.3": {"points": "10"}}
    answers |= {
        c: {"points": p}
        for c, p in [("2.3.2", 6), ("2.4.1", 8), ("2.4.3", 10), ("2.3.5", 10), ("2.3.6", 10)]
    }
    answers["2.3.1"] = {"points": 6}
    dx.answers_save(actor=principal, assessment=a, answers=answers)
    flagged = set(a.answers.filter(flagged=True).values_list("criterion__code", flat=True))
    # Claims above what the data shows (2.4.1: no contact book in use); 2.4.3 has no data.
    assert flagged == {"2.3.2", "2.3.3", "2.4.1"}
    assert a.scores["QT"] == {
        "name": "Chuyển đổi số trong quản trị cơ sở giáo dục",
        "points": 60.0,
        "mandatory_ok": True,
        "level": 2,
    }
    assert a.scores["DH"]["level"] == 1  # mandatory 1.1 and 1.2 not met
    with pytest.raises(DomainError) as exc:
        dx.evidence_add(actor=principal, assessment=a, code="2.3.3", name="x.exe", data=b"MZ")
    assert exc.value.code == "monitoring.file_type"
    ev = dx.evidence_add(actor=principal, assessment=a, code="2.3.3", name="hb.png", data=PNG)
    assert ev.content_type == "image/png"

    with pytest.raises(Forbidden):
        dx.assessment_review(actor=principal, assessment=a, publish=True)
    dx.assessment_submit(actor=principal, assessment=a)
    with pytest.raises(DomainError):
        dx.answers_save(actor=principal, assessment=a, answers={"2.3.5": {"points": "1"}})
    dx.assessment_review(actor=officer, assessment=a, publish=True)
    assert a.status == DxStatus.PUBLISHED
    assert dx.published(2026) == [
        {
            "unit": "Trường THCS Lê Lợi", "unit_id": d.school_a.pk, "year": 2026,
            "groups": a.scores, "level": 1, "published_at": a.published_at,
        }
    ]  # fmt: skip
    events.deliver_pending()  # T25 recomputed: the school's index is published
    t25 = IndicatorValue.objects.get(indicator__code="T25", unit=d.lam_dong, year=2026)
    assert (t25.numerator, t25.denominator) == (1, 1)


def _office_framework(data: dict) -> dict:
    return next(f for f in data["frameworks"] if f["code"] == "QD3806-2024")


def test_the_office_framework_of_2024_is_validated_too(db):
    data = json.loads((DATA / "dx_frameworks.json").read_text())
    fw = _office_framework(data)
    fw["groups"][1]["criteria"][2]["max_points"] = 25  # 2.3: 20 -> 25
    with pytest.raises(DomainErrors) as exc:
        dx.framework_validate(fw)
    item = exc.value.as_list()[0]
    assert (item["code"], item["field"]) == ("monitoring.dx_points_sum", "KQ")
    assert "QD3806-2024, nhóm KQ: tổng điểm các tiêu chí 55 khác điểm tối đa 50" in item["message"]
    fw["groups"][1]["max_points"] = 55  # the group adds up, the total does not
    with pytest.raises(DomainErrors) as exc:
        dx.framework_validate(fw)
    assert [(i["code"], i["field"]) for i in exc.value.as_list()] == [
        ("monitoring.dx_total_points", "level_on")
    ]
    assert "tổng điểm tối đa các nhóm 105 khác 100" in exc.value.as_list()[0]["message"]
    fw["groups"][1]["max_points"] = 50
    fw["groups"][1]["criteria"][2]["max_points"] = 20
    dx.framework_validate(fw)  # back to the data: valid
    fw["level_on"] = "unit"
    with pytest.raises(DomainErrors) as exc:
        dx.framework_validate(fw)
    assert exc.value.as_list()[0]["code"] == "monitoring.dx_level_on"


def test_the_framework_in_force_on_the_years_31_may(district):
    assert dx.framework_for(district.district, 2024).code == "QD3806-2023"
    assert dx.framework_for(district.district, 2025).code == "QD3806-2024"
    assert dx.framework_for(district.province, 2027).code == "QD3806-2024"
    assert dx.framework_for(district.school_a, 2025).code == "QD4725-2022"
    assert dx.framework_for(district.school_a, 2021).code == "QD4725-2022"  # the earliest


def _spread(total: Decimal, criteria) -> dict:
    """`total` points over the criteria in order, each up to its maximum."""
    answers, left = {}, total
    for c in criteria:
        points = min(left, c.max_points)
        answers[c.code] = {"points": str(points)}
        left -= points
    return answers


@pytest.mark.parametrize(
    ("total", "level", "groups"),
    [
        ("49.9", 1, (49.9, 0.0)),
        ("50", 2, (50.0, 0.0)),
        ("75", 2, (50.0, 25.0)),
        ("75.1", 3, (50.0, 25.1)),
    ],
)
def test_an_office_level_is_on_the_total(district, total, level, groups):
    officer = district.user(Role.COMMUNE_OFFICER, district.district)
    a = dx.assessment_get(actor=officer, unit=district.district, year=2026)
    assert a.framework.code == "QD3806-2024"
    crits = DxCriterion.objects.filter(group__framework=a.framework)
    dx.answers_save(actor=officer, assessment=a, answers=_spread(Decimal(total), crits))
    assert {k: (g["points"], g["level"]) for k, g in a.scores.items()} == {
        "LD": (groups[0], None),
        "KQ": (groups[1], None),
    }
    assert dx.overall_level(a) == level


def test_a_school_level_stays_per_group(district):
    """QĐ 4725: 80 + 60 points (140 in all) is Mức 2, the lower group's level."""
    a = DxAssessment.objects.create(
        framework=dx.framework_for(district.school_a, 2026), unit=district.school_a, year=2026,
        scores={
            "DH": {"name": "DH", "points": 80.0, "mandatory_ok": True, "level": 3},
            "QT": {"name": "QT", "points": 60.0, "mandatory_ok": True, "level": 2},
        },
    )  # fmt: skip
    assert dx.overall_level(a) == 2
    assert dx.unit_level("total", {"X": {"points": 90.0, "mandatory_ok": False}}) == 1


def test_an_assessment_under_the_2023_placeholder_stays_readable(district):
    officer = district.user(Role.COMMUNE_OFFICER, district.district)
    dx.frameworks_sync()
    old = DxAssessment.objects.create(
        framework=DxFramework.objects.get(code="QD3806-2023"), unit=district.district,
        year=2025, scores={
            "CQ": {"name": "CQ", "points": 80.0, "mandatory_ok": True, "level": 3},
            "HT": {"name": "HT", "points": 55.0, "mandatory_ok": True, "level": 2},
            "DV": {"name": "DV", "points": 90.0, "mandatory_ok": True, "level": 3},
        },
    )  # fmt: skip
    a = dx.assessment_get(actor=officer, unit=district.district, year=2025)
    assert (a.pk, a.framework.code, dx.overall_level(a)) == (old.pk, "QD3806-2023", 2)


def test_an_office_is_prefilled_from_its_schools_published_results(district):
    officer = district.user(Role.COMMUNE_OFFICER, district.district)
    fw = dx.framework_for(district.school_a, 2026)

    def school(unit, status, dh, qt):
        DxAssessment.objects.create(
            framework=fw, unit=unit, year=2026, status=status,
            scores={
                "DH": {"name": "DH", "points": dh, "mandatory_ok": True, "level": 3},
                "QT": {"name": "QT", "points": qt, "mandatory_ok": True, "level": 2},
            },
        )  # fmt: skip

    school(district.school_a, DxStatus.PUBLISHED, 80.0, 61.5)
    school(district.school_b, DxStatus.SUBMITTED, 100.0, 100.0)  # not published: counts 0
    assert schools_teaching(district.district, 2026) == (
        Decimal("0.4"),
        "1/2 trường đã công bố; bình quân nhóm dạy, học 40/100",
    )
    assert schools_management(district.district, 2026) == (
        Decimal("0.3075"),
        "1/2 trường đã công bố; bình quân nhóm quản trị 30,8/100",  # the decimal comma
    )
    with translation.override("en"):  # the same note in English: the decimal point
        assert str(schools_management(district.district, 2026)[1]) == (
            "1/2 schools published; management group average 30.8/100"
        )
    assert schools_management(district.school_a, 2026) is None  # a school: not its criterion
    assert schools_online_admissions(district.district, 2026) == (
        0.0,
        "0/2 trường tuyển sinh đầu cấp trực tuyến trên nền tảng",
    )
    a = dx.assessment_get(actor=officer, unit=district.district, year=2026)
    got = {
        x.criterion.code: (x.data_points, x.points) for x in a.answers.select_related("criterion")
    }
    # 2.3 (20 points) × 0.4 = 8; 2.4 (10 points) × 61.5/2/100 = 3.075 → 3.1.
    assert got["2.3"] == (Decimal("8.0"), Decimal("8.0"))
    stored = a.answers.get(criterion__code="2.4")
    # Stored as a msgid and parameters, read in the reader's language; data_note keeps the
    # Vietnamese text.
    assert (stored.data_msgid, stored.data_params) == (
        "%(k)s/%(n)s trường đã công bố; bình quân nhóm %(group)s %(mean)s/100",
        {"k": 1, "n": 2, "group": {"term": "quản trị"}, "mean": {"num": "30.8", "places": None}},
    )
    assert (stored.data_note, stored.note) == (
        "1/2 trường đã công bố; bình quân nhóm quản trị 30,8/100",
        "1/2 trường đã công bố; bình quân nhóm quản trị 30,8/100",
    )
    with translation.override("en"):
        assert stored.note == "1/2 schools published; management group average 30.8/100"
    assert got["2.4"] == (Decimal("3.1"), Decimal("3.1"))
    assert got["2.2"] == (Decimal("0.0"), Decimal("0.0"))
    assert got["2.1"] == (None, Decimal(0))  # the sector database's API links: not on the platform
    assert a.scores["KQ"] == {
        "name": "Kết quả chuyển đổi số ở cơ sở giáo dục",
        "points": 11.1,
        "mandatory_ok": True,
        "level": None,
    }
    # Province Đắk Nông: the same two schools on 31/5/2026.
    assert schools_teaching(district.province, 2026)[0] == Decimal("0.4")


def test_answers_prefilled_before_msgids_get_theirs_back(reform, principal):
    """Migration 0009 reads the msgid and parameters back from an answer's stored Vietnamese
    note, so an answer pre-filled before then reads in English too; a text it does not
    know stays as stored."""
    from django.apps import apps

    recover = import_module("edudx.monitoring.migrations.0009_dxanswer_msgid_params").recover
    a = dx.assessment_get(actor=principal, unit=reform.school_a, year=2026)
    old, odd = a.answers.order_by("criterion__code")[:2]
    DxAnswer.objects.filter(pk=old.pk).update(
        data_note="1/2 trường đã công bố; bình quân nhóm quản trị 30,8/100",
        data_msgid="",
        data_params={},
    )
    DxAnswer.objects.filter(pk=odd.pk).update(
        data_note="ghi chú tự viết", data_msgid="", data_params={}
    )
    recover(apps, None)
    old.refresh_from_db()
    odd.refresh_from_db()
    assert (old.data_msgid, old.data_params) == (
        "%(k)s/%(n)s trường đã công bố; bình quân nhóm %(group)s %(mean)s/100",
        {
            "k": "1",
            "n": "2",
            "group": {"term": "quản trị"},
            "mean": {"num": "30.8", "places": None},
        },
    )
    assert (odd.data_msgid, odd.data_params) == ("", {})
    with translation.override("en"):
        assert (old.note, odd.note) == (
            "1/2 schools published; management group average 30.8/100",
            "ghi chú tự viết",
        )
