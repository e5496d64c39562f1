"""Smoke crawl: sign in as each role of the test district, start at "/" and follow every
same-site link the platform renders, breadth-first to depth 2, as a user clicking around.

Per role at most CAP URLs are fetched; links are taken from each page in sorted order, so the
cap (and hence the set of pages checked) is deterministic. With this fixture no role reaches
it (the school staff fetch ~120, most of them the mark sheets of every subject and term; the
offices ~90; the teacher, student, guardian and citizen 20–35). School B is lived in (see
`World`) so the detail pages of notices, threads, online classes and mark sheets are linked.

Skipped: /static/, /media/, logout and the language switch (forms or assets, not pages).
Exports (.csv, .xlsx, .pdf, `format=` links) are fetched once and must answer 200 with their
content type.

Checked on every fetch: no 5xx; no 403/404 for a link the platform itself showed to that
user; every HTML page has exactly one <h1> and a non-empty <title>.
"""

import datetime as dt
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from edudx.accounts.models import Role
from edudx.contact import services as contact
from edudx.learning import services as learning
from edudx.people import services as people_services
from edudx.records import services as records_services
from edudx.records.models import Subject
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


class World:
    """School B's side of the district, lived in: Phạm Văn Nam teaches literature in 6B1 (a
    records subject assignment, so the mark sheets open) and civics there, not as homeroom
    teacher; he runs an online class with a lesson and an assignment, posted a class notice
    and wrote a comment; Vũ Thị Lan, mother of Nguyễn Văn Cường (6B1), wrote to him and asked
    for a day's leave."""

    def __init__(self, d):
        literature = Subject.objects.get(code="ngu_van")
        people_services.teaching_assign(
            actor=None, staff=d.teacher_b, class_group=d.class_b, subject="GDCD"
        )
        records_services.subject_assign(
            actor=None, staff=d.teacher_b, subject=literature, class_group=d.class_b
        )
        self.teacher = d.user(Role.TEACHER, d.school_b, person=d.teacher_b.person)
        person = people_services.person_create(
            actor=None,
            data=person_data("Vũ Thị Lan", dt.date(1985, 1, 2), "F", phone="0912345678"),
        )
        people_services.guardian_link(
            actor=None, guardian=person, student=d.student_b1, relationship="mother"
        )
        self.guardian = d.user(Role.GUARDIAN, None, person=person)
        contact.notice_post(
            actor=self.teacher,
            audience="class",
            title="Họp phụ huynh",
            body="Thứ bảy, 8 giờ.",
            class_group=d.class_b,
        )
        contact.comment_add(actor=self.teacher, student=d.student_b1, body="Em chăm chỉ.")
        thread = contact.thread_open(actor=self.guardian, student=d.student_b1, other=self.teacher)
        contact.message_send(actor=self.guardian, thread=thread, body="Chào thầy.")
        contact.leave_request(
            actor=self.guardian,
            student=d.student_b1,
            from_date=timezone.localdate(),
            to_date=timezone.localdate(),
            reason="Ốm",
        )
        oc = learning.online_class_create(
            actor=self.teacher, class_group=d.class_b, subject=literature
        )
        learning.lesson_create(actor=self.teacher, online_class=oc, title="Bài 1", text="Đọc.")
        learning.assignment_create(
            actor=self.teacher,
            online_class=oc,
            title="Bài tập 1",
            due_at=timezone.now() + dt.timedelta(days=3),
        )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Page bodies and rate limits are cached in local memory, shared by the tests of one
    process: each crawl starts from an empty cache so its outcome does not depend on order."""
    cache.clear()


USERS = {
    "system_admin": lambda d, w: d.user(Role.SYSTEM_ADMIN, d.ministry),
    "province_officer": lambda d, w: d.user(Role.PROVINCE_OFFICER, d.province),
    "district_officer": lambda d, w: d.user(Role.COMMUNE_OFFICER, d.district),
    "commune_officer": lambda d, w: d.user(Role.COMMUNE_OFFICER, d.commune_b),
    "principal": lambda d, w: d.user(Role.PRINCIPAL, d.school_b),
    "clerk": lambda d, w: d.user(Role.CLERK, d.school_b),
    "teacher": lambda d, w: w.teacher,
    "homeroom_teacher": lambda d, w: d.user(
        Role.HOMEROOM_TEACHER, d.school_a, person=d.teacher_a.person
    ),
    "student": lambda d, w: d.user(Role.STUDENT, None, person=d.student_b1.person),
    "guardian": lambda d, w: w.guardian,
    "citizen": lambda d, w: d.user(Role.CITIZEN, None),
}


@pytest.fixture
def world(district):
    return World(district)


@pytest.mark.parametrize("role", list(USERS))
def test_crawl_vietnamese(client, district, world, role):
    otp_login(client, USERS[role](district, world))
    fetched, problems = crawl(client)
    assert problems == [], "\n".join(problems)
    assert len(fetched) > 1, "the home page links somewhere"


@pytest.mark.parametrize("role", ["principal", "guardian"])
def test_crawl_english_has_no_server_error(client, district, world, role, settings):
    otp_login(client, USERS[role](district, world))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<html lang="en">' in client.get("/").content.decode()
    _fetched, problems = crawl(client)
    assert [p for p in problems if re.match(r"(export )?5\d\d ", p)] == []
