"""core.hotsql: the prepared hot statement sends what Django's cursor would."""

import datetime as dt

import pytest
from django.utils import timezone

from edudx.core import hotsql
from edudx.exams.models import AttemptStatus

pytestmark = pytest.mark.django_db


def test_choices_members_go_as_their_values_and_rows_come_back():
    # A TextChoices member is a str: it goes as its value, not its name.
    assert hotsql.fetchone("SELECT %s, %s", [AttemptStatus.STARTED, 7]) == ("started", 7)
    assert hotsql.fetchone("SELECT 1 WHERE 1 = %s", [2]) is None


def test_the_same_statement_twice_with_other_values():
    when = timezone.make_aware(dt.datetime(2026, 11, 29, 8, 0))
    first = hotsql.fetchone("SELECT %s, %s", ["a", when])
    second = hotsql.fetchone("SELECT %s, %s", ["b", when])
    assert (first[0], second[0]) == ("a", "b")
