"""Open data of the operations centre: the plan's targets by unit and the published
digital-transformation levels (edudx.core.opendata). Indicator values are published for
administrative units and education offices (aggregates over their schools), not per school."""

from django.utils.translation import gettext_lazy as _

from edudx.core.opendata import DATE, INTEGER, NUMBER, Column, dataset
from edudx.org.models import UnitKind

from . import dx
from .models import DxAssessment, DxStatus, IndicatorValue, Provenance


@dataset(
    slug="targets",
    title=_("Kết quả các chỉ tiêu chuyển đổi số của ngành"),
    description=_(
        "26 chỉ tiêu của kế hoạch chuyển đổi số (T01–T26) theo năm và theo đơn vị hành chính, "
        "cơ quan quản lý giáo dục: tử số, mẫu số, tỉ lệ và nguồn số liệu (tính từ dữ liệu, "
        "trường tự báo cáo, hoặc cả hai). Giá trị của đơn vị là tổng của các trường thuộc đơn "
        "vị theo địa giới tại ngày chốt số liệu."
    ),
    columns=[
        Column("year", _("Năm"), INTEGER),
        Column("indicator_code", _("Mã chỉ tiêu")),
        Column("indicator_name", _("Tên chỉ tiêu")),
        Column("unit_code", _("Mã đơn vị")),
        Column("unit_name", _("Đơn vị")),
        Column("unit_kind", _("Loại đơn vị (mã)")),
        Column("numerator", _("Tử số"), NUMBER),
        Column("denominator", _("Mẫu số"), NUMBER),
        Column("value", _("Tỉ lệ (%) hoặc giá trị"), NUMBER),
        Column("schools", _("Số trường có số liệu"), INTEGER),
        Column("source", _("Nguồn số liệu (mã)")),
        Column("as_of", _("Ngày chốt địa giới"), DATE),
    ],
    keywords=("chỉ tiêu", "chuyển đổi số", "targets"),
    source="monitoring",
    order=40,
)
def targets() -> list[tuple]:
    qs = (
        IndicatorValue.objects.exclude(unit__kind=UnitKind.SCHOOL)
        .exclude(provenance=Provenance.MISSING)
        .select_related("indicator", "unit")
        .order_by("year", "indicator__sort_order", "indicator__code", "unit__path")
    )
    return [
        (
            v.year,
            v.indicator.code,
            v.indicator.name,
            v.unit.code,
            v.unit.name,
            v.unit.kind,
            v.numerator,
            v.denominator,
            v.value,
            v.schools,
            v.provenance,
            v.as_of,
        )
        for v in qs
    ]


@dataset(
    slug="dx-index",
    title=_("Chỉ số chuyển đổi số đã công bố"),
    description=_(
        "Mức chuyển đổi số của trường và cơ quan quản lý giáo dục đã được cấp trên công bố, "
        "theo năm: bộ tiêu chí áp dụng, tổng điểm và mức đạt."
    ),
    columns=[
        Column("year", _("Năm"), INTEGER),
        Column("unit_code", _("Mã đơn vị")),
        Column("unit_name", _("Đơn vị")),
        Column("unit_kind", _("Loại đơn vị (mã)")),
        Column("framework", _("Bộ tiêu chí")),
        Column("points", _("Tổng điểm"), NUMBER),
        Column("level", _("Mức đạt (1–3)"), INTEGER),
        Column("published_on", _("Ngày công bố"), DATE),
    ],
    keywords=("chỉ số chuyển đổi số", "DX index"),
    source="monitoring",
    order=50,
)
def dx_index() -> list[tuple]:
    qs = (
        DxAssessment.objects.filter(status=DxStatus.PUBLISHED)
        .select_related("unit", "framework")
        .order_by("year", "unit__kind", "unit__code", "unit__name")
    )
    return [
        (
            a.year,
            a.unit.code,
            a.unit.name,
            a.unit.kind,
            a.framework.code,
            dx.total_points(a.scores or {}),
            dx.overall_level(a),
            a.published_at.date() if a.published_at else None,
        )
        for a in qs
    ]
