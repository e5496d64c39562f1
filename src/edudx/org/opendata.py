"""Open data of the organisation tree: the schools (edudx.core.opendata)."""

from django.utils.translation import gettext_lazy as _

from edudx.core.opendata import NUMBER, Column, dataset

from .models import SEGMENT, OrgUnit, School, UnitKind


def ancestors_of_kind(path: str, units: dict[int, tuple[str, str, str]]) -> dict[str, tuple]:
    """{kind: (code, name)} of the units above a path, read from `units` {id: (kind, code,
    name)}; the nearest one of each kind."""
    out: dict[str, tuple] = {}
    for i in range(0, len(path) - SEGMENT, SEGMENT):
        unit = units.get(int(path[i : i + SEGMENT]))
        if unit is not None:
            out[unit[0]] = (unit[1], unit[2])
    return out


@dataset(
    slug="schools",
    title=_("Danh sách cơ sở giáo dục"),
    description=_(
        "Các trường đang hoạt động: mã trường, tên, cấp học, loại hình, xã/phường và tỉnh "
        "theo địa giới hiện hành, địa chỉ và tọa độ."
    ),
    columns=[
        Column("school_code", _("Mã trường")),
        Column("school_name", _("Tên trường")),
        Column("level", _("Cấp học (mã)")),
        Column("level_name", _("Cấp học")),
        Column("ownership", _("Loại hình (mã)")),
        Column("commune_code", _("Mã xã/phường")),
        Column("commune_name", _("Xã/phường")),
        Column("province_code", _("Mã tỉnh")),
        Column("province_name", _("Tỉnh/thành phố")),
        Column("address", _("Địa chỉ")),
        Column("latitude", _("Vĩ độ"), NUMBER),
        Column("longitude", _("Kinh độ"), NUMBER),
    ],
    keywords=("trường học", "cơ sở giáo dục", "schools"),
    source="org",
    order=10,
)
def schools() -> list[tuple]:
    places = {
        pk: (kind, code, name)
        for pk, kind, code, name in OrgUnit.objects.filter(
            kind__in=[UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE],
            valid_to__isnull=True,
        ).values_list("id", "kind", "code", "name")
    }
    labels = dict(School._meta.get_field("level").choices)
    rows = []
    for s in (
        School.objects.filter(unit__valid_to__isnull=True)
        .select_related("unit")
        .order_by("unit__code", "unit__name")
    ):
        up = ancestors_of_kind(s.unit.path, places)
        commune = up.get(UnitKind.COMMUNE, ("", ""))
        province = up.get(UnitKind.PROVINCE, ("", ""))
        rows.append(
            (
                s.unit.code,
                s.unit.name,
                s.level,
                str(labels.get(s.level, s.level)),
                s.ownership,
                commune[0],
                commune[1],
                province[0],
                province[1],
                s.address,
                s.latitude,
                s.longitude,
            )
        )
    return rows
