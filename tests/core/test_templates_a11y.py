"""Template rules a browser would only show on some screens: a table in a horizontally
scrolling wrapper must be reachable by keyboard (WCAG 2.1.1; axe's
scrollable-region-focusable flagged the open-data tables at 360 px)."""

import re
from pathlib import Path

import edudx

TEMPLATES = sorted(Path(edudx.__file__).parent.glob("**/templates/**/*.html"))
# The classes whose CSS scrolls horizontally (edudx.css, records/marks.css, contact.css).
WRAPPER = re.compile(
    r"<div\b[^>]*\bclass=\"[^\"]*\b(?:table-wrap|marks-scroll|table-scroll)\b[^\"]*\"[^>]*>"
)


def test_templates_are_found():
    assert len(TEMPLATES) > 100


def test_every_scrolling_table_wrapper_takes_the_keyboard_focus():
    wrappers = [(path.name, tag) for path in TEMPLATES for tag in WRAPPER.findall(path.read_text())]
    assert len(wrappers) >= 44
    assert [w for w in wrappers if 'tabindex="0"' not in w[1]] == []
