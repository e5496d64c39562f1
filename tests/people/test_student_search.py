"""Name search and the bounded count of `people.selectors.student_page`.

Whatever plan the selector picks (trigram index: FTS5 on SQLite, pg_trgm on PostgreSQL;
ordered walk or sort; capped count or not), the rows must be exactly those of the naive
`search_name LIKE '%term%'` filter, in the same order."""

import pytest
from django.db import connection

from edudx.accounts.models import Role
from edudx.core.text import fold
from edudx.people import selectors
from edudx.people.models import Student, StudentStatus

TRICKY = [
    "Nguyễn Văn Anh",
    "Hoa Thị Lan",
    "Lê Thị Hoa",
    "Đặng Đức Đạt",
    "Ðinh Thị Ngà",  # U+00D0 (Icelandic eth), not U+0110 Đ
    "H' Hen Niê",
    "Phạm 100% Hà",
    "Lê_Văn_Bé",
    "Vũ \\Thị\\ Lụa",
    'Trịnh "Bé" Na',
    "Ngô Thị Ánh-Dương",
    "Bé 🌸 Na",
    "Straße Müller",
    "İnci Lê",
    "Ǆorđe Σοφία",
    "Aaa Aaaa",
]

TERMS = [
    "nguyen van",
    "van an",
    "NGUYỄN VĂN",
    "an",
    "a",
    "aaa",
    "aaaa",
    "thi",
    "thi hoa",
    "hoa",
    "dat",
    "đạt",
    "ðinh",
    "h' h",
    "100%",
    "%",
    "0% h",
    "_",
    "le_",
    "e_v",
    "\\",
    "\\thi\\",
    '"be"',
    '"',
    "🌸 n",
    "straße",
    "müller",
    "ss",
    "inci",
    "ǆor",
    "σοφ",
    "  van   anh ",
    "xyz",
    "anh-",
]


@pytest.fixture
def names(district):
    for i, name in enumerate(TRICKY):
        school = district.school_a if i % 2 else district.school_b
        cls = district.class_a if i % 2 else district.class_b
        district.student(name, school, cls, sex="F" if i % 3 else "M")
    return district


def naive(term: str) -> list[int]:
    qs = Student.objects.filter(status=StudentStatus.STUDYING)
    if term:
        qs = qs.filter(search_name__contains=term)
    return list(qs.order_by("search_name", "id").values_list("id", flat=True))


def page_ids(actor, q, **kwargs) -> list[int]:
    page = selectors.student_page(actor=actor, q=q, page_size=200, **kwargs)
    return [s.pk for s in page.object_list]


@pytest.mark.parametrize("cap", [10_000, 1], ids=["under-cap", "capped"])
@pytest.mark.parametrize("q", TERMS)
def test_search_is_the_naive_filter(names, monkeypatch, q, cap):
    """A cap of 1 makes every list with matches "capped": the ordered-walk plan."""
    monkeypatch.setattr(selectors, "COUNT_CAP", cap)
    officer = names.user(Role.PROVINCE_OFFICER, names.province)
    expected = naive(fold(q))
    assert page_ids(officer, q) == expected
    assert [s.pk for s in selectors.student_list(actor=officer, q=q)] == expected
    page = selectors.student_page(actor=officer, q=q, page_size=200)
    assert (page.paginator.count, page.paginator.capped) == (
        min(len(expected), cap),
        len(expected) > cap,
    )


@pytest.mark.parametrize("q", ["thi", "hoa", "van", "e_v", "a"])
def test_search_in_one_school_is_the_naive_filter(names, q):
    principal = names.user(Role.PRINCIPAL, names.school_a)
    expected = [
        pk
        for pk in naive(fold(q))
        if Student.objects.get(pk=pk).current_school_id == names.school_a.pk
    ]
    assert page_ids(principal, q) == expected
    assert page_ids(principal, q, school_id=names.school_a.pk) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("dat", ["Đặng Đức Đạt"]),
        ("DUC ĐẠT", ["Đặng Đức Đạt"]),
        ("thi hoa", ["Lê Thị Hoa"]),
        ("hoa", ["Hoa Thị Lan", "Lê Thị Hoa"]),
        ("van an", ["Nguyễn Văn An", "Nguyễn Văn Anh"]),
        ("100%", ["Phạm 100% Hà"]),
        ("%", ["Phạm 100% Hà"]),
        ("e_v", ["Lê_Văn_Bé"]),
        ("_", ["Lê_Văn_Bé"]),
        ('"be"', ['Trịnh "Bé" Na']),
        ("\\thi\\", ["Vũ \\Thị\\ Lụa"]),
        ("ngà", ["Ðinh Thị Ngà"]),
        ("xyz", []),
    ],
)
def test_search_finds_exactly(names, q, expected):
    officer = names.user(Role.PROVINCE_OFFICER, names.province)
    page = selectors.student_page(actor=officer, q=q, page_size=50)
    assert [s.person.full_name for s in page.object_list] == expected
    assert (page.paginator.count, page.paginator.capped) == (len(expected), False)


def test_search_follows_renames_and_deletions(names):
    """The SQLite trigram table is kept by triggers: an update or delete of a student is
    seen by the next search."""
    officer = names.user(Role.PROVINCE_OFFICER, names.province)
    an = names.student_a1
    assert an.pk in page_ids(officer, "van an")
    Student.objects.filter(pk=an.pk).update(search_name="tran quoc toan")
    assert an.pk not in page_ids(officer, "van an")
    assert page_ids(officer, "quoc toan") == [an.pk]
    anh = Student.objects.get(person__full_name="Nguyễn Văn Anh")
    anh.enrolments.all().delete()
    anh.delete()
    assert page_ids(officer, "van an") == []


@pytest.mark.parametrize(
    ("page", "cap", "expected"),
    [
        (1, 10_000, (19, False, 5, 1)),
        (4, 10_000, (19, False, 4, 4)),
        (5, 10_000, (19, False, 0, 5)),
        (1, 7, (7, True, 5, 1)),
        (4, 7, (7, True, 4, 4)),
    ],
)
def test_count_is_bounded(names, monkeypatch, page, cap, expected):
    """19 students; the count stops at the cap but the pages go on."""
    monkeypatch.setattr(selectors, "COUNT_CAP", cap)
    officer = names.user(Role.PROVINCE_OFFICER, names.province)
    result = selectors.student_page(actor=officer, page=page, page_size=5)
    assert (
        result.paginator.count,
        result.paginator.capped,
        len(result.object_list),
        result.number,
    ) == expected


def test_page_past_the_end_is_the_last_page_when_clamped(names):
    officer = names.user(Role.PROVINCE_OFFICER, names.province)
    result = selectors.student_page(actor=officer, page=9, page_size=6, clamp=True)
    assert (result.number, len(result.object_list)) == (4, 1)


def test_page_is_two_queries(names, django_assert_num_queries):
    officer = names.user(Role.PROVINCE_OFFICER, names.province)
    officer.scope  # noqa: B018 — built once per request, outside the list
    for q in ("", "thi", "a"):
        with django_assert_num_queries(2):
            page = selectors.student_page(actor=officer, q=q, page_size=50)
            rows = [(s.person.full_name, s.current_school.name) for s in page.object_list]
        assert rows


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 table")
def test_sqlite_trigram_table_uses_the_trigram_tokenizer(db):
    with connection.cursor() as cur:
        cur.execute("SELECT sql FROM sqlite_master WHERE name = 'student_name_fts'")
        assert "tokenize='trigram'" in cur.fetchone()[0]
