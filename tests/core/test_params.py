"""int_param: what a page's form or query string hands over, as an int or None."""

import pytest

from edudx.core.params import int_param


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        ("-3", -3),
        (12, 12),
        (None, None),
        ("", None),
        ("abc", None),
        ("4.5", None),
        ("9223372036854775807", 9223372036854775807),  # the largest bigint
        ("9223372036854775808", None),  # beyond it: no id of anything
        ("99999999999999999999", None),
        ("-9223372036854775808", None),
    ],
)
def test_int_param(value, expected):
    assert int_param(value) == expected


@pytest.mark.django_db
def test_a_huge_number_in_a_form_is_not_a_server_error(client, district):
    """The resource upload form with a 20-digit subject: the form again, not a 500."""
    from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: PLC0415

    from tests.pages.conftest import otp_login  # noqa: PLC0415

    teacher = district.teacher_user()
    TOTPDevice.objects.filter(user=teacher).delete()
    otp_login(client, teacher)
    r = client.get("/content/upload/", {"grade": "6", "subject": "99999999999999999999"})
    assert r.status_code == 200
