import json
from decimal import Decimal

import pytest

from edudx.core import events
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, DomainErrors
from edudx.monitoring import dx
from edudx.monitoring.models import DxCriterion, DxFramework, DxStatus, IndicatorValue
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
    assert dx.frameworks_sync() == 2
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
