"""Every Vietnamese UI string has its English translation: the strings are read from the
source (Python through `ast`, templates through the same rules Django's makemessages
applies) and looked up in the English catalogue Django merges from every app's .po.

Before this test the English pages showed a dozen Vietnamese labels (the question editor,
the GIFT box, a training course's pass mark: a template's "%" is looked up as "%%")."""

import ast
import re
from pathlib import Path

from django.utils import translation
from django.utils.translation import trans_real

import edudx

ROOT = Path(edudx.__file__).parent
GETTEXT = {"_", "gettext", "gettext_lazy", "gettext_noop", "_lazy", "ngettext", "ngettext_lazy"}
PGETTEXT = {"pgettext", "pgettext_lazy"}
# {% translate "…" %} / {% trans '…' %}, optionally with `context "…"`; not `noop`.
TRANSLATE = re.compile(
    r"""\{%\s*(?:translate|trans)\s+(?P<q>["'])(?P<s>.*?)(?P=q)"""
    r"""(?:\s+context\s+(?P<cq>["'])(?P<c>.*?)(?P=cq))?(?P<rest>[^%]*)%\}"""
)
BLOCK = re.compile(
    r"\{%\s*blocktrans(?:late)?(?P<opts>[^%]*)%\}(?P<body>.*?)\{%\s*endblocktrans(?:late)?\s*%\}",
    re.S,
)
VARIABLE = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")


def _python_strings():
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            args = node.args
            if name in PGETTEXT and len(args) >= 2:
                context, args = args[0], args[1:]
            elif name in GETTEXT:
                context = None
            else:
                continue
            if isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
                ctx = context.value if isinstance(context, ast.Constant) else None
                yield f"{path.relative_to(ROOT)}:{node.lineno}", ctx, args[0].value


def _template_strings():
    for path in sorted(ROOT.rglob("templates/**/*.html")):
        text = path.read_text()
        where = str(path.relative_to(ROOT))
        for m in TRANSLATE.finditer(text):
            if "noop" in m["rest"]:
                continue
            yield where, m["c"], m["s"].replace("%", "%%")
        for m in BLOCK.finditer(text):
            opts, body = m["opts"], m["body"]
            if "{% plural" in body:
                body = body.split("{%", 1)[0]
            if "trimmed" in opts.split():
                body = " ".join(line.strip() for line in body.strip().splitlines() if line.strip())
            context = re.search(r"""context\s+["'](.*?)["']""", opts)
            msgid = VARIABLE.sub(lambda v: f"%({v[1]})s", body.replace("%", "%%"))
            yield where, context[1] if context else None, msgid


def _catalog():
    with translation.override("en"):
        return trans_real.translation("en")._catalog


def _translated(catalog, context, msgid) -> bool:
    key = f"{context}\x04{msgid}" if context else msgid
    return key in catalog or (key, 0) in catalog


STRINGS = sorted(
    {(where, ctx or "", s) for where, ctx, s in [*_python_strings(), *_template_strings()] if s}
)


def test_the_source_is_read():
    """Enough strings to know the readers work (3,736 when this was written)."""
    assert len(STRINGS) > 3500
    assert any(s == "Sửa câu hỏi" for _w, _c, s in STRINGS)  # a template literal
    assert any(s == "Ngưỡng đạt (%%)" for _w, _c, s in STRINGS)  # "%" doubled


def test_every_ui_string_has_an_english_translation():
    catalog = _catalog()
    missing = [f"{w}: {s!r}" for w, c, s in STRINGS if not _translated(catalog, c, s)]
    assert missing == []
