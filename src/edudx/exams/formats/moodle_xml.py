"""Moodle XML (<quiz><question type=…>), read with a hardened parser (defusedxml: no DTD,
no entities, no external references).

Read: multichoice (single / multiple by <single>), truefalse (→ single, Đúng / Sai),
shortanswer, numerical (with <tolerance>), matching (<subquestion>; an empty one is an
extra wrong answer), cloze (embedded {1:SHORTANSWER:=…}, NUMERICAL, MULTICHOICE), essay;
question text as HTML (often in CDATA) with images embedded as <file encoding="base64">
and referenced as @@PLUGINFILE@@/name; TeX as \\( \\), \\[ \\] or $$ $$. `category` entries
are skipped; every other type (description, calculated, ddwtos, …) is reported by name.

Written: every kind except the true/false cluster of four (Moodle has no such type; it is
reported)."""

import base64
import html
import re
from decimal import Decimal
from urllib.parse import quote, unquote
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _

from . import (
    ExportResult,
    FormatError,
    ParsedQuestion,
    ParseResult,
    Unsupported,
    fraction_text,
    mime_of,
    percent_fraction,
    syntax_error,
    tidy_fraction,
)

TRUE_TEXT, FALSE_TEXT = "Đúng", "Sai"
IMG = re.compile(r"<img\b[^>]*>", re.I)
ATTR = re.compile(r'(\w+)\s*=\s*("([^"]*)"|\'([^\']*)\')')
CLOZE = re.compile(r"\{(\d*):([A-Z_]+):((?:\\.|[^}])*)\}")


def safe_xml(data: bytes | str) -> Element:
    """Parse untrusted XML: a DTD, an entity (billion laughs) or an external reference is
    refused; a syntax error names its line."""
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise FormatError(
            "exams.import.xml_unsafe",
            _(
                "Tệp XML có khai báo DTD, thực thể (entity) hoặc tham chiếu bên ngoài; vì an "
                "toàn hệ thống không đọc tệp này."
            ),
            field="file",
        ) from None
    except ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise syntax_error(line, _("XML không hợp lệ (%s).") % str(exc).split(":")[0]) from None


def _num(value: float):
    return int(value) if float(value).is_integer() else value


# --- HTML ⇄ our text -------------------------------------------------------------------------


def html_to_text(raw: str, files: dict[str, str]) -> str:
    """Moodle HTML → our text: paragraphs and <br> → newlines, images → asset refs (files
    maps a PLUGINFILE name to its sha), TeX delimiters → $…$ / $$…$$, tags dropped."""

    def img(m):
        attrs = {
            a.group(1).lower(): a.group(3) or a.group(4) or "" for a in ATTR.finditer(m.group(0))
        }
        src = html.unescape(attrs.get("src", ""))
        name = unquote(src.split("@@PLUGINFILE@@/", 1)[-1])
        sha = files.get(name) or files.get(name.split("/")[-1])
        alt = html.unescape(attrs.get("alt", "")).replace("]", "")
        return f"![{alt}](asset:{sha})" if sha else f"[{alt or name}]"

    text = IMG.sub(img, raw or "")
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.I)
    text = re.sub(r"</p>\s*<p[^>]*>", "\n", text, flags=re.I)
    text = re.sub(r"<[^>]+>", "", text)
    text = html.unescape(text)
    text = re.sub(r"\\\((.+?)\\\)", lambda m: f"${m.group(1)}$", text, flags=re.S)
    text = re.sub(r"\\\[(.+?)\\\]", lambda m: f"$${m.group(1)}$$", text, flags=re.S)
    return text.strip()


def text_to_html(text: str, names: dict[str, str]) -> str:
    """Our text → Moodle HTML; names maps an asset sha to the file name it is exported as."""

    def part(chunk: str) -> str:
        return html.escape(chunk, quote=False).replace("\n", "<br>")

    out, pos = [], 0
    for m in re.finditer(
        r"\$\$(.+?)\$\$|\$(.+?)\$|!\[([^\]]*)\]\(asset:([0-9a-f]{64})\)", text, re.S
    ):
        out.append(part(text[pos : m.start()]))
        if m.group(1) is not None:
            out.append(html.escape(f"\\[{m.group(1)}\\]", quote=False))
        elif m.group(2) is not None:
            out.append(html.escape(f"\\({m.group(2)}\\)", quote=False))
        else:
            alt, sha = m.group(3), m.group(4)
            out.append(
                f'<img src="@@PLUGINFILE@@/{quote(names.get(sha, sha))}" alt="{html.escape(alt)}">'
            )
        pos = m.end()
    out.append(part(text[pos:]))
    return "<p>" + "".join(out) + "</p>"


# --- import ---------------------------------------------------------------------------------


def _t(el: Element | None, path: str = "text") -> str:
    if el is None:
        return ""
    found = el.find(path) if path else el
    return (found.text or "") if found is not None else ""


def _files(el: Element | None, result: ParseResult) -> dict[str, str]:
    out = {}
    if el is None:
        return out
    for f in el.findall("file"):
        name = f.get("name") or "image"
        if (f.get("encoding") or "base64") != "base64":
            continue
        try:
            blob = base64.b64decode("".join((f.text or "").split()), validate=True)
        except ValueError:
            raise FormatError(
                "exams.import.image",
                _("Ảnh “%s” không giải mã được (base64 lỗi).") % name,
                field="file",
            ) from None
        out[name] = result.add_asset(name, mime_of(name), blob)
    return out


def _rich(el: Element | None, result: ParseResult) -> str:
    return html_to_text(_t(el), _files(el, result))


def _cloze_blank(n: int, kind: str, body: str) -> dict:
    parts = re.findall(r"(?:^|~)((?:\\.|[^~])*)", body)
    mode = "text"
    if kind in ("NUMERICAL", "NM"):
        mode = "numeric"
    elif kind.startswith(("MULTICHOICE", "MC", "MULTIRESPONSE", "MR")):
        mode = "choice"
    answers, options = [], []
    for i, p in enumerate(x for x in parts if x.strip()):
        p = p.split("#", 1)[0]
        fraction = 0.0
        if p.startswith("="):
            fraction, p = 1.0, p[1:]
        m = re.match(r"%(-?\d+(?:\.\d+)?)%", p)
        if m:
            fraction, p = percent_fraction(m.group(1)), p[m.end() :]
        p = re.sub(r"\\(.)", r"\1", p).strip()
        if mode == "choice":
            options.append(
                {"id": chr(97 + i), "text": p, "fraction": _num(tidy_fraction(fraction))}
            )
        elif mode == "numeric":
            value, _sep, tol = p.partition(":")
            answers.append(
                {
                    "value": format(Decimal(value).normalize(), "f"),
                    "tolerance": format(Decimal(tol or "0").normalize(), "f"),
                    "fraction": _num(tidy_fraction(fraction)),
                }
            )
        else:
            answers.append({"text": p, "fraction": _num(tidy_fraction(fraction))})
    blank = {"id": str(n), "mode": mode}
    if mode == "choice":
        blank["options"] = options
    else:
        blank["answers"] = answers
    return blank


def _question(q: Element, row: int, result: ParseResult) -> ParsedQuestion | None:
    qtype = q.get("type") or ""
    name = _t(q.find("name")).strip()
    if qtype == "category":
        return None
    stem = _rich(q.find("questiontext"), result)
    feedback = _rich(q.find("generalfeedback"), result)
    try:
        points = Decimal(_t(q, "defaultgrade").strip() or "1").normalize()
    except ArithmeticError:
        points = Decimal(1)
    base = {"row": row, "name": name, "stem": stem, "feedback": feedback, "points": points}
    answers = q.findall("answer")
    if qtype == "multichoice":
        single = _t(q, "single").strip().lower() in ("true", "1", "")
        options = [
            {
                "id": chr(97 + i),
                "text": _rich(a, result),
                "fraction": _num(tidy_fraction(percent_fraction(a.get("fraction") or "0"))),
            }
            for i, a in enumerate(answers)
        ]
        return ParsedQuestion(
            kind="single" if single else "multiple", data={"options": options}, **base
        )
    if qtype == "truefalse":
        truth = {_t(a).strip().lower(): percent_fraction(a.get("fraction") or "0") for a in answers}
        right = truth.get("true", 0) > 0
        return ParsedQuestion(
            kind="single",
            data={
                "options": [
                    {"id": "a", "text": TRUE_TEXT, "fraction": 1 if right else 0},
                    {"id": "b", "text": FALSE_TEXT, "fraction": 0 if right else 1},
                ]
            },
            **base,
        )
    if qtype == "shortanswer":
        return ParsedQuestion(
            kind="short",
            data={
                "mode": "text",
                "answers": [
                    {
                        "text": html_to_text(_t(a), {}),
                        "fraction": _num(tidy_fraction(percent_fraction(a.get("fraction") or "0"))),
                    }
                    for a in answers
                ],
            },
            **base,
        )
    if qtype == "numerical":
        out = []
        for a in answers:
            try:
                value = Decimal(_t(a).strip())
                tol = Decimal(_t(a, "tolerance").strip() or "0")
            except ArithmeticError:
                raise syntax_error(
                    None,
                    _("Câu %(n)s (%(name)s): đáp án số không hợp lệ.") % {"n": row, "name": name},
                ) from None
            out.append(
                {
                    "value": format(value.normalize(), "f"),
                    "tolerance": format(tol.normalize(), "f"),
                    "fraction": _num(tidy_fraction(percent_fraction(a.get("fraction") or "0"))),
                }
            )
        return ParsedQuestion(kind="short", data={"mode": "numeric", "answers": out}, **base)
    if qtype == "matching":
        pairs, extra = [], []
        for sub in q.findall("subquestion"):
            left = html_to_text(_t(sub), _files(sub, result))
            right = _t(sub.find("answer")).strip()
            if left:
                pairs.append({"id": str(len(pairs) + 1), "left": left, "right": right})
            else:
                extra.append(right)
        return ParsedQuestion(kind="matching", data={"pairs": pairs, "extra": extra}, **base)
    if qtype == "cloze":
        blanks = []

        def repl(m):
            blanks.append(_cloze_blank(len(blanks) + 1, m.group(2), m.group(3)))
            return f"{{{{{len(blanks)}}}}}"

        base["stem"] = CLOZE.sub(repl, stem)
        return ParsedQuestion(kind="cloze", data={"blanks": blanks}, **base)
    if qtype == "essay":
        return ParsedQuestion(kind="essay", data={}, **base)
    result.unsupported.append(Unsupported(row=row, name=name, qtype=qtype))
    return None


def parse(data: bytes | str) -> ParseResult:
    root = safe_xml(data)
    if root.tag != "quiz":
        raise syntax_error(1, _("phần tử gốc phải là <quiz>."))
    result = ParseResult()
    for row, q in enumerate(root.findall("question"), start=1):
        parsed = _question(q, row, result)
        if parsed is not None:
            result.questions.append(parsed)
    return result


# --- export ---------------------------------------------------------------------------------


def _text_el(parent: Element, tag: str, value: str, *, fmt: str | None = "html") -> Element:
    el = SubElement(parent, tag)
    if fmt:
        el.set("format", fmt)
    SubElement(el, "text").text = value
    return el


def _rich_el(parent, tag: str, text: str, assets) -> None:
    names = {}
    for m in re.finditer(r"asset:([0-9a-f]{64})", text or ""):
        sha = m.group(1)
        name, _mime, _blob = assets(sha)
        names[sha] = f"{sha[:8]}-{name}"
    el = _text_el(parent, tag, text_to_html(text or "", names))
    for sha, fname in names.items():
        _name, _mime, blob = assets(sha)
        f = SubElement(el, "file", {"name": fname, "path": "/", "encoding": "base64"})
        f.text = base64.b64encode(blob).decode()


def _fraction_attr(value) -> str:
    return fraction_text(value)


def _cloze_text(stem: str, blanks: list[dict]) -> str:
    by_id = {b["id"]: b for b in blanks}

    def esc(t: str) -> str:
        return re.sub(r"([}#~/\"\\])", r"\\\1", str(t))

    def repl(m):
        b = by_id[m.group(1)]
        if b.get("mode") == "choice":
            body = "~".join(
                f"%{fraction_text(o['fraction'])}%{esc(o['text'])}" for o in b["options"]
            )
            return "{1:MULTICHOICE:" + body + "}"
        if b.get("mode") == "numeric":
            body = "~".join(
                f"%{fraction_text(a.get('fraction', 1))}%{a['value']}:{a.get('tolerance', '0')}"
                for a in b["answers"]
            )
            return "{1:NUMERICAL:" + body + "}"
        body = "~".join(
            f"%{fraction_text(a.get('fraction', 1))}%{esc(a['text'])}" for a in b["answers"]
        )
        return "{1:SHORTANSWER:" + body + "}"

    return re.sub(r"\{\{([A-Za-z0-9_]+)\}\}", repl, stem)


def export(
    questions, *, assets=lambda sha: ("image", "application/octet-stream", b"")
) -> ExportResult:
    """`assets(sha)` → (name, mime, data) of an image the texts reference."""
    quiz = Element("quiz")
    unsupported = []
    for n, q in enumerate(questions, start=1):
        kind = q.kind
        if kind == "tf4":
            unsupported.append(Unsupported(row=n, name=q.name or q.stem[:60], qtype=kind))
            continue
        qtype = {
            "single": "multichoice",
            "multiple": "multichoice",
            "short": "numerical" if q.data.get("mode") == "numeric" else "shortanswer",
            "matching": "matching",
            "cloze": "cloze",
            "essay": "essay",
        }[kind]
        el = SubElement(quiz, "question", {"type": qtype})
        _text_el(el, "name", q.name or "", fmt=None)
        stem = _cloze_text(q.stem, q.data.get("blanks") or []) if kind == "cloze" else q.stem
        _rich_el(el, "questiontext", stem, assets)
        _rich_el(el, "generalfeedback", q.feedback or "", assets)
        SubElement(el, "defaultgrade").text = format(Decimal(str(q.points)).normalize(), "f")
        if kind in ("single", "multiple"):
            SubElement(el, "single").text = "true" if kind == "single" else "false"
            SubElement(el, "shuffleanswers").text = "true"
            SubElement(el, "answernumbering").text = "ABCD"
            for o in q.data["options"]:
                a = SubElement(
                    el, "answer", {"fraction": _fraction_attr(o["fraction"]), "format": "html"}
                )
                SubElement(a, "text").text = text_to_html(o["text"], {})
        elif qtype == "numerical":
            for ans in q.data["answers"]:
                a = SubElement(el, "answer", {"fraction": _fraction_attr(ans.get("fraction", 1))})
                SubElement(a, "text").text = str(ans["value"])
                SubElement(a, "tolerance").text = str(ans.get("tolerance", "0"))
        elif qtype == "shortanswer":
            SubElement(el, "usecase").text = "0"
            for ans in q.data["answers"]:
                a = SubElement(
                    el,
                    "answer",
                    {
                        "fraction": _fraction_attr(ans.get("fraction", 1)),
                        "format": "moodle_auto_format",
                    },
                )
                SubElement(a, "text").text = ans["text"]
        elif kind == "matching":
            for p in q.data["pairs"]:
                sub = _text_el(el, "subquestion", text_to_html(p["left"], {}))
                SubElement(SubElement(sub, "answer"), "text").text = p["right"]
            for r in q.data.get("extra") or []:
                sub = _text_el(el, "subquestion", "")
                SubElement(SubElement(sub, "answer"), "text").text = r
    body = tostring(quiz, encoding="unicode")
    return ExportResult(
        text='<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n", unsupported=unsupported
    )
