"""Smoke crawl: sign in as each role of the test district, start at "/" and follow every
same-site link the platform renders, breadth-first to depth 2, as a user clicking around.

Per role at most CAP URLs are fetched; links are taken from each page in sorted order, so the
cap (and hence the set of pages checked) is deterministic. Skipped: /static/, /media/,
logout and the language switch (they are forms or assets, not pages). Exports (.csv, .xlsx,
.pdf, `format=` links) are fetched once and must answer 200 with their content type.

Checked on every fetch: no 5xx; no 403/404 for a link the platform itself showed to that
user; every HTML page has exactly one <h1> and a non-empty <title>.
"""

import datetime as dt
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client

from edudx.accounts.models import Role
from edudx.people import services as people_services
from tests.factories import person_data

from .conftest import otp_login

DEPTH = 2
CAP = 150
SKIP_PREFIXES = ("/static/", "/media/", "/i18n/", "/accounts/logout")
CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.h1 = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)
        elif tag == "h1":
            self.h1 += 1
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _same_site(base: str, href: str) -> str | None:
    if href.startswith(("mailto:", "tel:", "javascript:", "#", "data:")):
        return None
    parts = urlsplit(urljoin(f"http://testserver{base}", href))
    if parts.netloc != "testserver" or parts.path.startswith(SKIP_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _export_kind(url: str) -> str | None:
    parts = urlsplit(url)
    fmt = parse_qs(parts.query).get("format", [""])[0]
    if fmt in CONTENT_TYPES:
        return fmt
    for kind in CONTENT_TYPES:
        if parts.path.rstrip("/").endswith((f".{kind}", f"/{kind}")):
            return kind
    return None


def crawl(client: Client, start: str = "/") -> tuple[list[str], list[str]]:
    """Returns (fetched URLs, problems). A problem names the URL, the page that linked it and
    what was wrong."""
    seen = {start}
    queue = deque([(start, 0, None)])
    fetched: list[str] = []
    problems: list[str] = []
    while queue and len(fetched) < CAP:
        url, depth, referrer = queue.popleft()
        fetched.append(url)
        response = client.get(url)
        status = response.status_code
        where = f"{url} (linked from {referrer})"
        if status >= 500 or (referrer is not None and status in {403, 404}):
            problems.append(f"{status} {where}")
            continue
        if status in {301, 302, 303, 307, 308}:
            target = _same_site(url, response["Location"])
            if target and target not in seen:
                seen.add(target)
                queue.appendleft((target, depth, url))
            continue
        kind = _export_kind(url)
        content_type = response.get("Content-Type", "")
        if kind:
            if status != 200 or not content_type.startswith(CONTENT_TYPES[kind]):
                problems.append(f"export {status} {content_type!r} {where}")
            continue
        if not content_type.startswith("text/html"):
            continue
        page = _Links()
        page.feed(response.content.decode())
        if page.h1 != 1:
            problems.append(f"{page.h1} <h1> on {where}")
        if not page.title.strip():
            problems.append(f"no <title> on {where}")
        if depth >= DEPTH:
            continue
        for href in sorted(set(page.hrefs)):
            target = _same_site(url, href)
            if target and target not in seen:
                seen.add(target)
                queue.append((target, depth + 1, url))
    return fetched, problems


def _guardian(district):
    person = people_services.person_create(
        actor=None,
        data=person_data("Đỗ Thị Mai", dt.date(1985, 1, 2), "F", phone="0912345678"),
    )
    people_services.guardian_link(
        actor=None, guardian=person, student=district.student_a1, relationship="mother"
    )
    return district.user(Role.GUARDIAN, None, person=person)


def _teacher(district):
    """Phạm Văn Nam teaches literature in 6B1 and, here, civics there too (not homeroom)."""
    people_services.teaching_assign(
        actor=None, staff=district.teacher_b, class_group=district.class_b, subject="GDCD"
    )
    return district.user(Role.TEACHER, district.school_b, person=district.teacher_b.person)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Page bodies and rate limits are cached in local memory, shared by the tests of one
    process: each crawl starts from an empty cache so its outcome does not depend on order."""
    cache.clear()


USERS = {
    "system_admin": lambda d: d.user(Role.SYSTEM_ADMIN, d.ministry),
    "province_officer": lambda d: d.user(Role.PROVINCE_OFFICER, d.province),
    "district_officer": lambda d: d.user(Role.COMMUNE_OFFICER, d.district),
    "commune_officer": lambda d: d.user(Role.COMMUNE_OFFICER, d.commune_a),
    "principal": lambda d: d.user(Role.PRINCIPAL, d.school_a),
    "clerk": lambda d: d.user(Role.CLERK, d.school_a),
    "teacher": _teacher,
    "homeroom_teacher": lambda d: d.user(
        Role.HOMEROOM_TEACHER, d.school_a, person=d.teacher_a.person
    ),
    "student": lambda d: d.user(Role.STUDENT, None, person=d.student_a1.person),
    "guardian": _guardian,
    "citizen": lambda d: d.user(Role.CITIZEN, None),
}


@pytest.mark.parametrize("role", list(USERS))
def test_crawl_vietnamese(client, district, role):
    otp_login(client, USERS[role](district))
    fetched, problems = crawl(client)
    assert problems == [], "\n".join(problems)
    assert len(fetched) > 1, "the home page links somewhere"


@pytest.mark.parametrize("role", ["principal", "guardian"])
def test_crawl_english_has_no_server_error(client, district, role, settings):
    otp_login(client, USERS[role](district))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<html lang="en">' in client.get("/").content.decode()
    _fetched, problems = crawl(client)
    assert [p for p in problems if p.startswith("5")] == []
