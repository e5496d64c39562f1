import datetime as dt

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template import Context, Template
from django.utils import translation


@pytest.mark.parametrize(
    ("lang", "count", "day"),
    [("vi", "15.985", "04/05/2013"), ("en", "15,985", "04/05/2013")],
)
def test_counts_and_dates(lang, count, day):
    with translation.override(lang):
        assert intcomma(15985) == count
        html = Template("{{ d|date }}|{{ d|date:'SHORT_DATE_FORMAT' }}").render(
            Context({"d": dt.date(2013, 5, 4)})
        )
        assert html == f"{day}|{day}"
