"""No form answers bad input with a server error, and none refused comes back empty. As a few
roles of the test district, walk the pages from home and send each POST form with one field
at a time malformed (the values of tools/fuzz_forms.py, which does the same against a
running demo with every role): each answer must be below 500. A page a role cannot open, or
a 4xx, is an answer; a 500 is not. Then each form once per field left blank: a refusal must
come back as typed (400), not emptied by a redirect (tools/fuzz_forms.py --refusals)."""

import importlib.util
from pathlib import Path

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


ROLES = [Role.TEACHER, Role.CLERK, Role.PRINCIPAL, Role.COMMUNE_OFFICER, Role.GUARDIAN]


def _walk(district, role):
    """A signed-in client of `role` and the POST forms of the pages it walked."""
    if role == Role.TEACHER:
        user = district.teacher_user()
    elif role == Role.GUARDIAN:
        user = make_guardian(district, district.student_a1, "Đỗ Thị Mai", "me_an")
    elif role == Role.COMMUNE_OFFICER:
        user = district.user(role, district.commune_a)
    else:
        user = district.user(role, district.school_a)
    client = otp_login(Client(raise_request_exception=False), user)
    forms, get_failures = fuzz_forms.crawl(
        lambda path: client.get(path, follow=True), "http://testserver", PAGES
    )
    assert get_failures == []
    assert forms, "the walk found no form to send"
    return client, forms


@pytest.mark.parametrize("role", ROLES)
def test_no_form_answers_bad_input_with_a_server_error(district, role):
    client, forms = _walk(district, role)

    def post(_page, action, body, _files) -> int:
        return client.post(action, body).status_code

    failures = fuzz_forms.fuzz(post, forms, lambda _name: VALUES, all_bad=False)
    assert failures == []


@pytest.mark.parametrize("role", ROLES)
def test_no_refused_form_comes_back_empty(district, role):
    """Decision 30: a form refused — here with one field at a time left blank — answers
    400 with the page as typed, never a redirect that empties it nor a 200."""
    client, forms = _walk(district, role)

    def send(_page, action, body, _files) -> tuple[int, str]:
        r = client.post(action, body)
        if r.status_code in (301, 302, 303):
            return r.status_code, client.get(r["Location"]).content.decode()
        return r.status_code, r.content.decode()

    assert fuzz_forms.refusals(send, forms) == []
