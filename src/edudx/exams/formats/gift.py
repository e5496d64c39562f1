"""GIFT (Moodle's plain-text question format).

Read: comments (//), $CATEGORY, ::title::, [html|moodle|plain|markdown] text formats,
multiple choice (= right, ~ wrong, ~%50% weights), true/false ({T} {TRUE} {F} {FALSE}),
short answer ({=a =b}), numerical ({#3.14:0.01}, {#1..5}, {# =3:0 =%50%2:1}), matching
({=a -> b}), missing word (text before and after the braces: the blank is "_____"),
essay ({}), feedback (#…) and general feedback (####…), and the escapes \\~ \\= \\# \\{ \\}
\\: \\\\ and \\n. True/false comes in as single choice with the options Đúng / Sai.

Written: single, multiple, short, matching, essay. GIFT has no points, no true/false
cluster of four and no cloze: those are reported by name."""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from . import (
    ExportResult,
    ParsedQuestion,
    ParseResult,
    Unsupported,
    fraction_text,
    syntax_error,
    tidy_fraction,
)

SPECIAL = "~=#{}:"
TRUE_TEXT, FALSE_TEXT = "Đúng", "Sai"
BLANK = "_____"


def escape(text: str) -> str:
    out = []
    for ch in text:
        if ch == "\\" or ch in SPECIAL:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
    return "".join(out)


def unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            after = text[i + 2 : i + 3]
            if nxt in SPECIAL or nxt == "\\":
                out.append(nxt)
                i += 2
                continue
            # \n is a line break, but not in LaTeX such as \neq or \ne.
            if nxt == "n" and not after.isalpha():
                out.append("\n")
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _find(text: str, targets: str, start: int = 0) -> int:
    """Index of the first unescaped character of `targets` at or after start, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in targets:
            return i
        i += 1
    return -1


def _split(text: str, marks: str) -> list[tuple[str, str]]:
    """Split an answer block on unescaped marks: [(mark, body)]."""
    out: list[tuple[str, str]] = []
    i = _find(text, marks)
    if i == -1:
        return out
    while i != -1:
        j = _find(text, marks, i + 1)
        body = text[i + 1 : j if j != -1 else len(text)]
        out.append((text[i], body))
        i = j
    return out


def _blocks(source: str) -> list[tuple[int, str]]:
    """(first line number, text) of each question: blank lines separate questions; a
    blank line inside braces does not."""
    blocks: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    depth = 0
    for n, raw in enumerate(source.splitlines(), start=1):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if depth == 0 and stripped.startswith("//"):
            continue
        if not stripped and depth == 0:
            if current:
                blocks.append((start, "\n".join(current)))
                current = []
            continue
        if not current:
            start = n
        current.append(line)
        i = 0
        while i < len(line):
            if line[i] == "\\":
                i += 2
                continue
            if line[i] == "{":
                depth += 1
            elif line[i] == "}":
                depth -= 1
            i += 1
    if current:
        blocks.append((start, "\n".join(current)))
    return blocks


def _line_of(block: str, index: int, start: int) -> int:
    return start + block.count("\n", 0, index)


def _feedback(body: str) -> tuple[str, str]:
    k = _find(body, "#")
    if k == -1:
        return body, ""
    return body[:k], body[k + 1 :]


def _weight(body: str) -> tuple[float | None, str]:
    m = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", body)
    if not m:
        return None, body
    return tidy_fraction(float(Decimal(m.group(1)) / 100)), body[m.end() :]


def _text(raw: str) -> str:
    raw = re.sub(r"^\s*\[(html|moodle|plain|markdown)\]", "", raw)
    return unescape(raw).strip()


def _num(value: float):
    return int(value) if float(value).is_integer() else value


def _numeric(body: str, line: int) -> dict:
    answers = []
    parts = _split(body, "=") if _find(body, "=") != -1 else [("=", body)]
    for _mark, part in parts:
        part, _fb = _feedback(part)
        weight, part = _weight(part)
        part = unescape(part).strip()
        try:
            if ".." in part:
                lo, hi = (Decimal(x) for x in part.split(".."))
                value, tol = (lo + hi) / 2, (hi - lo) / 2
            elif ":" in part:
                v, t = part.split(":", 1)
                value, tol = Decimal(v), Decimal(t)
            else:
                value, tol = Decimal(part), Decimal(0)
        except (InvalidOperation, ValueError):
            raise syntax_error(line, _("đáp án số “%s” không hợp lệ.") % part) from None
        answers.append(
            {
                "value": format(value.normalize(), "f"),
                "tolerance": format(tol.normalize(), "f"),
                "fraction": _num(1 if weight is None else weight),
            }
        )
    return {"mode": "numeric", "answers": answers}


def _question(start: int, block: str) -> ParsedQuestion | None:
    text = block.strip()
    if text.startswith("$CATEGORY:"):
        return None
    name = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end == -1:
            raise syntax_error(start, _("thiếu “::” đóng tiêu đề câu hỏi."))
        name = unescape(text[2:end]).strip()
        text = text[end + 2 :]
    open_at = _find(text, "{")
    if open_at == -1:
        raise syntax_error(start, _("không tìm thấy phần đáp án trong ngoặc {…}."))
    close_at = _find(text, "}", open_at + 1)
    if close_at == -1:
        raise syntax_error(
            _line_of(block, block.find(text[open_at:]), start), _("thiếu dấu “}” đóng đáp án.")
        )
    line = _line_of(block, block.find(text[open_at:close_at]), start)
    head, body, tail = text[:open_at], text[open_at + 1 : close_at], text[close_at + 1 :]
    if _find(tail, "{") != -1:
        raise syntax_error(line, _("mỗi câu GIFT chỉ có một phần đáp án {…}."))
    stem = _text(head)
    if _text(tail):
        stem = f"{stem} {BLANK} {_text(tail)}".strip()
    general = ""
    k = body.find("####")
    if k != -1:
        general = unescape(body[k + 4 :]).strip()
        body = body[:k]
    stripped = body.strip()
    q = ParsedQuestion(row=line, kind="", stem=stem, data={}, name=name, feedback=general)
    if not stripped:
        q.kind, q.data = "essay", {}
        return q
    if stripped.split("#")[0].strip() in ("T", "TRUE", "F", "FALSE"):
        truth = stripped.split("#")[0].strip() in ("T", "TRUE")
        q.kind = "single"
        q.data = {
            "options": [
                {"id": "a", "text": TRUE_TEXT, "fraction": 1 if truth else 0},
                {"id": "b", "text": FALSE_TEXT, "fraction": 0 if truth else 1},
            ]
        }
        return q
    if stripped.startswith("#"):
        q.kind, q.data = "short", _numeric(stripped[1:], line)
        return q
    parts = _split(body, "=~")
    if not parts:
        raise syntax_error(line, _("đáp án phải bắt đầu bằng “=” hoặc “~”."))
    if all(m == "=" for m, _b in parts) and all(
        _find(b, "-") != -1 and "->" in b for m, b in parts
    ):
        pairs, extra = [], []
        for n, (_m, b) in enumerate(parts, start=1):
            left, _sep, right = b.partition("->")
            left, right = unescape(left).strip(), unescape(right).strip()
            if left:
                pairs.append({"id": str(len(pairs) + 1), "left": left, "right": right})
            else:
                extra.append(right)
            del n
        q.kind, q.data = "matching", {"pairs": pairs, "extra": extra}
        return q
    options = []
    for n, (mark, b) in enumerate(parts):
        b, _fb = _feedback(b)
        weight, b = _weight(b)
        fraction = weight if weight is not None else (1 if mark == "=" else 0)
        options.append({"id": chr(97 + n), "text": unescape(b).strip(), "fraction": _num(fraction)})
    if all(m == "=" for m, _b in parts):
        q.kind = "short"
        q.data = {
            "mode": "text",
            "answers": [{"text": o["text"], "fraction": o["fraction"]} for o in options],
        }
        return q
    # Moodle: an "=" answer makes it single choice; only "~%n%" weights make it multiple.
    q.kind = "single" if any(m == "=" for m, _b in parts) else "multiple"
    q.data = {"options": options}
    return q


def parse(source: str) -> ParseResult:
    result = ParseResult()
    if source.startswith("\ufeff"):
        source = source[1:]
    for start, block in _blocks(source):
        q = _question(start, block)
        if q is not None:
            result.questions.append(q)
    return result


# --- export ---------------------------------------------------------------------------------


def _weight_text(fraction) -> str:
    return "" if Decimal(str(fraction)) == 1 else f"%{fraction_text(fraction)}%"


def _answers(kind: str, data: dict) -> str | None:
    if kind == "essay":
        return ""
    if kind == "single":
        return " ".join(
            ("=" if Decimal(str(o["fraction"])) == 1 else "~")
            + (f"%{fraction_text(o['fraction'])}%" if 0 < Decimal(str(o["fraction"])) < 1 else "")
            + escape(o["text"])
            for o in data["options"]
        )
    if kind == "multiple":
        return " ".join(
            f"~%{fraction_text(o['fraction'])}%{escape(o['text'])}" for o in data["options"]
        )
    if kind == "short" and data.get("mode") == "numeric":
        parts = [
            f"={_weight_text(a.get('fraction', 1))}{a['value']}:{a.get('tolerance', '0')}"
            for a in data["answers"]
        ]
        return "#" + " ".join(parts)
    if kind == "short":
        return " ".join(
            "="
            + (
                f"%{fraction_text(a['fraction'])}%"
                if Decimal(str(a.get("fraction", 1))) != 1
                else ""
            )
            + escape(a["text"])
            for a in data["answers"]
        )
    if kind == "matching":
        rows = [f"={escape(p['left'])} -> {escape(p['right'])}" for p in data["pairs"]]
        rows += [f"= -> {escape(r)}" for r in data.get("extra") or []]
        return " ".join(rows)
    return None


def export(questions) -> ExportResult:
    """`questions`: objects with kind, name, stem, data, feedback (ParsedQuestion or
    QuestionVersion)."""
    out, unsupported = [], []
    for n, q in enumerate(questions, start=1):
        answers = _answers(q.kind, q.data)
        if answers is None:
            unsupported.append(Unsupported(row=n, name=q.name or q.stem[:60], qtype=q.kind))
            continue
        general = f" ####{escape(q.feedback)}" if q.feedback else ""
        title = f"::{escape(q.name)}::" if q.name else ""
        out.append(f"{title}{escape(q.stem)} {{{answers}{general}}}")
    return ExportResult(text="\n\n".join(out) + "\n", unsupported=unsupported)
