"""Search: diacritic-insensitive, every word a prefix, title matches ranked above body
matches, filters, and only what the reader may see (SQLite FTS5 and PostgreSQL alike)."""

import pytest

from edudx.accounts.models import Role
from edudx.content import selectors

from .conftest import publish, topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(make_resource, principal, toan, ngu_van):
    made = {
        "title": make_resource(
            title="Phân số bằng nhau", topics=[topic(toan, "6.phanso")], description="Bài 1"
        ),
        "body": make_resource(
            title="Ôn tập chương 2",
            description="Luyện tập về phân số và số thập phân",
            topics=[topic(toan, "6.sothapphan")],
        ),
        "video": make_resource(
            title="Phép cộng phân số",
            type="link",
            external_url="https://example.edu.vn/v",
            upload=None,
        ),
        "van": make_resource(
            subject=ngu_van, title="Thơ lục bát", topics=[topic(ngu_van, "6.tho")]
        ),
        "hidden": make_resource(title="Phân số nháp"),  # never published
    }
    for key, r in made.items():
        if key != "hidden":
            publish(r, principal)
    return made


def ids(qs):
    return [r.pk for r in qs]


def test_without_diacritics_title_first(corpus, district):
    student = district.user(Role.STUDENT, None, person=district.student_a1.person)
    got = ids(selectors.resource_search(actor=student, q="phan so"))
    # Title matches (two, newest id first at equal rank) above the description-only match.
    assert got[-1] == corpus["body"].pk
    assert set(got) == {corpus["title"].pk, corpus["video"].pk, corpus["body"].pk}


@pytest.mark.parametrize(
    "q", ["Phân số", "PHÂN SỐ", "phan so", "phân so", "phan s", "  phân   số "]
)
def test_diacritics_case_spacing_prefix(corpus, principal, q):
    assert set(ids(selectors.resource_search(actor=principal, q=q))) == {
        corpus["title"].pk,
        corpus["video"].pk,
        corpus["body"].pk,
    }


def test_every_word_must_match(corpus, principal):
    assert ids(selectors.resource_search(actor=principal, q="phan so bang")) == [corpus["title"].pk]
    assert ids(selectors.resource_search(actor=principal, q="luc bat")) == [corpus["van"].pk]
    assert ids(selectors.resource_search(actor=principal, q="khong co gi")) == []


def test_filters(corpus, principal, toan, ngu_van):
    s = selectors.resource_search
    assert ids(s(actor=principal, q="phan so", type="link")) == [corpus["video"].pk]
    assert ids(s(actor=principal, q="", subject_id=ngu_van.pk)) == [corpus["van"].pk]
    assert ids(s(actor=principal, q="phan", topic_id=topic(toan, "6.sothapphan").pk)) == [
        corpus["body"].pk
    ]
    assert ids(s(actor=principal, q="phan so", grade=7)) == []


def test_other_school_sees_nothing_and_drafts_never_show(corpus, district):
    student_b = district.user(Role.STUDENT, None, person=district.student_b1.person)
    assert ids(selectors.resource_search(actor=student_b, q="phan so")) == []


def test_quotes_and_operators_are_words(corpus, principal):
    for q in ['"phan', "phan* OR", "phan) AND (so", "NEAR(phan so)", "phan:* | so", "'"]:
        selectors.resource_search(actor=principal, q=q).count()  # no SQL error
    assert ids(selectors.resource_search(actor=principal, q='"luc" "bat"')) == [corpus["van"].pk]


def test_title_outranks_body_on_the_same_word(make_resource, principal):
    body = make_resource(title="Bài đọc thêm", description="tam giác đều và lục giác đều")
    title = make_resource(title="Tam giác đều", description="hình học trực quan")
    for r in (body, title):
        publish(r, principal)
    assert ids(selectors.resource_search(actor=principal, q="tam giac")) == [title.pk, body.pk]


def test_ranges_read_back_through_the_table(make_resource, principal, monkeypatch):
    """PostgreSQL reads a tier in id ranges from the newest (content.search._pg_tier_ids);
    with a window of 2 ids every page crosses several ranges and must still come out as
    tier 1 newest first, then tier 2 newest first (SQLite: the same order from FTS5)."""
    from edudx.content import search

    monkeypatch.setattr(search, "PG_WINDOW", 2)
    made = []
    for i in range(7):
        title = "Hình tam giác" if i % 3 == 0 else f"Bài đọc {i}"
        made.append(make_resource(title=title, description="tam giác đều"))
        make_resource(title=f"Bài khác {i}", description="hình tròn")
    for r in made:
        publish(r, principal)
    tier1 = [r.pk for r in reversed(made) if r.title == "Hình tam giác"]
    tier2 = [r.pk for r in reversed(made) if r.title != "Hình tam giác"]
    results = selectors.resource_search(actor=principal, q="tam gia")
    assert ids(results) == tier1 + tier2
    assert ids(results[2:5]) == (tier1 + tier2)[2:5]
    assert results.count() == 7
    assert ids(selectors.resource_search(actor=principal, q="tam gia", grade=6)[:3]) == tier1


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("p so", {"title", "video", "body"}),  # a one-letter prefix
        ("pha so ban", {"title"}),  # every word a prefix, not only the last
        ("thap", {"body"}),
        ("luc b", {"van"}),
    ],
)
def test_prefix_of_every_word(corpus, principal, q, expected):
    assert set(ids(selectors.resource_search(actor=principal, q=q))) == {
        corpus[k].pk for k in expected
    }
