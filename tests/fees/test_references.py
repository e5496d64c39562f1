"""Invoice references and reading them out of mangled transfer content (pure)."""

import pytest

from edudx.fees import references

REF = references.make_reference(1234567)  # HP12345674


def test_reference_shape_and_check_digit():
    assert REF == "HP12345674"
    assert references.is_valid(REF)
    assert not references.is_valid("HP12345675")  # one digit off
    assert not references.is_valid("HP21345674")  # two digits swapped
    assert len(REF) == 10


@pytest.mark.parametrize(
    ("content", "full", "prefixes"),
    [
        ("HP12345674", {REF}, set()),
        ("hp12345674", {REF}, set()),
        ("Hp 1234 5674 dong hoc phi", {REF}, set()),
        ("HP.1234.5674", {REF}, set()),
        ("HP-12345674-NGUYEN VAN AN", {REF}, set()),
        ("Đóng học phí ＨＰ12345674".replace("ＨＰ", "hP"), {REF}, set()),
        ("MBVCB.3312.HP12345674.CT tu 0123456789 toi", {REF}, set()),
        ("IBFT HP123456740912345678 NGUYEN VAN AN", {REF}, set()),
        ("THPT 12345674", set(), set()),
        ("nop hoc phi cho con", set(), set()),
        ("NGUYEN VAN AN nop HP1234", set(), {"HP1234"}),
        ("NGUYEN VAN AN nop HP 12345", set(), {"HP12345"}),
        ("HP12345 truncated not at end", set(), set()),
        ("HP123", set(), set()),
        ("HP12345674 HP00000018", {REF, "HP00000018"}, set()),
        ("HP12345675", set(), set()),
        ("Đóng phí ḤP\u00a01234\u20035674 cho cháu", {REF}, set()),
        ("nộp học phí ḥp\u0301 1234", set(), {"HP1234"}),
    ],
    ids=[
        "plain",
        "lower",
        "spaces",
        "dots",
        "dashes",
        "diacritics",
        "bank-junk",
        "phone-glued",
        "thpt-no-ref",
        "no-ref",
        "truncated-4",
        "truncated-5-space",
        "short-not-at-end",
        "too-short",
        "two",
        "bad-check-digit",
        "marks-on-letters-unicode-spaces",
        "truncated-after-marks",
    ],
)
def test_candidates(content, full, prefixes):
    assert references.candidates(content) == (full, prefixes)


def test_random_references_are_distinct_and_valid():
    refs = references.random_references(1000, taken={"HP12345674"})
    assert len(set(refs)) == 1000
    assert all(references.is_valid(r) for r in refs)
    assert "HP12345674" not in refs


def test_candidates_many_reads_each_content_on_its_own():
    # One scan over all contents: a reference cut at the end of one content is not joined
    # to the digits that begin the next, an empty content is empty, a NUL inside a content
    # stops a reference like any other character.
    contents = ["nop HP1234", "5674 HOC PHI", "", "HP 1234 5674", "HP1234\x005674", "HP00000018"]
    assert references.candidates_many(contents) == [
        (set(), {"HP1234"}),
        (set(), set()),
        (set(), set()),
        ({REF}, set()),
        (set(), set()),
        ({"HP00000018"}, set()),
    ]
    assert [references.candidates(c) for c in contents] == references.candidates_many(contents)


def test_candidates_many_of_nothing():
    assert references.candidates_many([]) == []


def test_other_scripts_digits_are_not_a_reference():
    # Bank content is outside input: Arabic-Indic or full-width digits after "HP" are not a
    # reference (and must not break the batch), ASCII digits next to them still are.
    contents = ["HP ١٢٣٤٥٦٧٨", "HP１２３４５６７４", f"{REF} ٣", "HP٣٤٥٦"]
    assert references.candidates_many(contents) == [
        (set(), set()),
        (set(), set()),
        ({REF}, set()),
        (set(), set()),
    ]
