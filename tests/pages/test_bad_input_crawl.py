"""No form answers bad input with a server error. As a few roles of the test district, walk
the pages from home and send each POST form with one field at a time malformed (the values
of tools/fuzz_forms.py, which does the same against a running demo with every role): each
answer must be below 500. A page a role cannot open, or a 4xx, is an answer; a 500 is not."""

import importlib.util
import re
from pathlib import Path
from urllib.parse import urljoin, urlparse

import lxml.html
import pytest
from django.test import Client

from edudx.accounts.models import Role
from tests.contact.conftest import make_guardian
from tests.pages.conftest import otp_login

pytestmark = pytest.mark.django_db

_spec = importlib.util.spec_from_file_location(
    "fuzz_forms", Path(__file__).resolve().parents[2] / "tools" / "fuzz_forms.py"
)
fuzz_forms = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz_forms)

PAGES = 30  # pages walked per role
# The values that found server errors (NaN points, 20-digit ids, 31 February, a negative
# duration), every one into every field; tools/fuzz_forms.py tries the whole list.
VALUES = ["", "-1", "99999999999999999999", "2025-02-31", "NaN", "x" * 3000]


def walk(client: Client) -> list[tuple[str, str, object]]:
    """The POST forms of up to PAGES pages from home: (page, action path, form)."""
    seen: set[str] = set()
    queue, forms, shapes = ["/"], [], {}
    while queue and len(seen) < PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        r = client.get(path, follow=True)
        assert r.status_code < 500, path
        if "text/html" not in r.get("Content-Type", ""):
            continue
        doc = lxml.html.fromstring(r.content)
        for href in doc.xpath("//a/@href"):
            u = urlparse(urljoin(f"http://testserver{path}", href))
            if u.netloc != "testserver" or any(s in u.path for s in fuzz_forms.SKIP):
                continue
            shape = re.sub(r"\d+", "N", u.path)
            if shapes.get(shape, 0) < 2 and u.path not in seen:
                shapes[shape] = shapes.get(shape, 0) + 1
                queue.append(u.path + (f"?{u.query}" if u.query else ""))
        for f in doc.xpath("//form[translate(@method, 'POST', 'post')='post']"):
            action = urlparse(urljoin(f"http://testserver{path}", f.get("action") or path)).path
            if not any(s in action for s in fuzz_forms.SKIP):
                forms.append((path, action, f))
    return forms


@pytest.mark.parametrize(
    "role", [Role.TEACHER, Role.CLERK, Role.PRINCIPAL, Role.COMMUNE_OFFICER, Role.GUARDIAN]
)
def test_no_form_answers_bad_input_with_a_server_error(district, role):
    if role == Role.TEACHER:
        user = district.teacher_user()
    elif role == Role.GUARDIAN:
        user = make_guardian(district, district.student_a1, "Đỗ Thị Mai", "me_an")
    elif role == Role.COMMUNE_OFFICER:
        user = district.user(role, district.commune_a)
    else:
        user = district.user(role, district.school_a)
    client = otp_login(Client(raise_request_exception=False), user)
    forms = walk(client)
    assert forms, "the walk found no form to send"
    failures, done = [], set()
    for _page, action, form in forms:
        filled, typed, files = fuzz_forms.fields_of(form)
        key = (re.sub(r"\d+", "N", action), tuple(sorted(n for n, _v in filled)))
        if key in done:
            continue
        done.add(key)
        for name in typed:
            for value in VALUES:
                data: dict[str, list[str]] = {}
                for n, v in filled:
                    data.setdefault(n, []).append(value if n == name else v)
                r = client.post(action, data)
                if r.status_code >= 500:
                    failures.append(f"{r.status_code} {action} {name}={value[:30]!r}")
    assert failures == []
