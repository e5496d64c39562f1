import datetime as dt

import pytest

from edudx.core import events
from edudx.org import services as org_services
from edudx.org.models import UnitKind
from edudx.people import services as people_services
from tests.factories import person_data

REFORM = dt.date(2025, 7, 1)


@pytest.fixture
def reform(district):
    """The district of tests/factories plus the 2025 reform: Xã Nam Bình (school A) moves
    from Đắk Nông to Lâm Đồng on 1 July 2025; one teacher and one student without a
    personal ID at school A."""
    district.lam_dong = org_services.unit_create(
        actor=None, kind=UnitKind.PROVINCE, name="Tỉnh Lâm Đồng", code="68",
        parent=district.ministry,
    )  # fmt: skip
    org_services.unit_reparent(
        actor=None, unit=district.commune_a, new_parent=district.lam_dong, effective=REFORM
    )
    for u in ("commune_a", "school_a", "school_b", "province", "district"):
        getattr(district, u).refresh_from_db()
    district.teacher_no_id = people_services.staff_create(
        actor=None,
        data=person_data("Đỗ Văn Khánh", dt.date(1990, 1, 1), "M", with_id=False),
        unit=district.school_a,
        kind="teacher",
    )
    district.student_no_id = people_services.student_create(
        actor=None,
        data=person_data("Hà Thị Lan", dt.date(2013, 2, 2), "F", with_id=False),
        school=district.school_a,
        school_year=district.year,
        class_group=district.class_a,
        start_date=district.year.start_date,
    )
    events.deliver_pending()
    return district


@pytest.fixture
def principal(reform):
    from edudx.accounts.models import Role

    person = people_services.person_create(
        actor=None, data=person_data("Võ Thị Hồng Nhung", dt.date(1975, 2, 3), "F")
    )
    return reform.user(Role.PRINCIPAL, reform.school_a, person=person)


@pytest.fixture
def officer(reform):
    """An officer of the new province (Lâm Đồng), above school A after the reform."""
    from edudx.accounts.models import Role

    person = people_services.person_create(
        actor=None, data=person_data("Trần Quốc Bảo", dt.date(1970, 8, 8), "M")
    )
    return reform.user(Role.PROVINCE_OFFICER, reform.lam_dong, person=person)


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("var")


@pytest.fixture(autouse=True)
def pki_in_tmp(settings, var_dir):
    settings.VAR_DIR = var_dir


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached dashboards of an earlier test (same ids after its rollback) are not read."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
