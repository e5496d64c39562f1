"""Grading rules for every question kind. Pure: no database access.

`score(kind, data, response)` returns the fraction (0…1, Decimal) of the question's points
earned, or None when a person must grade it (essay). The data shapes:

- single / multiple: {"options": [{"id", "text", "fraction"}]}; response "b" / ["a", "c"].
  An option's fraction is its share of the points (Moodle's model): single choice takes
  the chosen option's, multiple choice sums the chosen ones, clamped to 0…1.
- tf4: {"statements": [{"id", "text", "value": bool}] × 4}; response {"a": true, …}.
  National exam since 2025 (Part II): 1 statement right = 0.1, 2 = 0.25, 3 = 0.5,
  4 = 1 of the question's points.
- short: {"mode": "numeric", "answers": [{"value", "tolerance", "fraction"}]} or
  {"mode": "text", "answers": [{"text", "fraction"}], "accents": true}; response text.
- matching: {"pairs": [{"id", "left", "right"}], "extra": [right texts]};
  response {pair id: right text}; share of pairs matched.
- cloze: stem with {{id}} blanks, {"blanks": [{"id", "mode": "text"|"numeric"|"choice",
  "answers": [...], "options": [...]}]}; response {blank id: value}; mean of the blanks.
- essay: {} ; graded by hand.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from edudx.core.errors import ErrorCollector
from edudx.core.text import fold

ZERO, ONE = Decimal(0), Decimal(1)
# Decision 764/QĐ-BGDĐT (2024) exam format, Part II: points for 1…4 statements right.
TF4_SCALE = {0: Decimal("0"), 1: Decimal("0.1"), 2: Decimal("0.25"), 3: Decimal("0.5"), 4: ONE}
BLANK = re.compile(r"\{\{([A-Za-z0-9_]+)\}\}")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _clamp(value: Decimal) -> Decimal:
    return max(ZERO, min(ONE, value))


def _dec(value) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ZERO


def normalise_text(text, *, accents: bool = True) -> str:
    """NFC, case-folded, single spaces; with accents=False also diacritics dropped (fold)."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFC", str(text))
    if not accents:
        return fold(text)
    return " ".join(text.split()).casefold()


def parse_number(text) -> Decimal | None:
    """A number as a Vietnamese student types it: "2,5", "-0.75", "1/4", " 3 "."""
    if text is None:
        return None
    if isinstance(text, int | float | Decimal) and not isinstance(text, bool):
        return Decimal(str(text))
    raw = str(text).strip().replace(" ", "")
    if not raw:
        return None
    if "/" in raw:
        num, _sep, den = raw.partition("/")
        a, b = parse_number(num), parse_number(den)
        if a is None or b in (None, ZERO):
            return None
        return a / b
    if "," in raw and "." not in raw:
        raw = raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _short(data: dict, response) -> Decimal:
    answers = data.get("answers") or []
    if data.get("mode") == "numeric":
        got = parse_number(response)
        if got is None:
            return ZERO
        best = ZERO
        for a in answers:
            target, tol = _dec(a.get("value")), abs(_dec(a.get("tolerance", 0)))
            if abs(got - target) <= tol:
                best = max(best, _dec(a.get("fraction", 1)))
        return _clamp(best)
    accents = data.get("accents", True)
    got = normalise_text(response, accents=accents)
    if not got:
        return ZERO
    best = ZERO
    for a in answers:
        if normalise_text(a.get("text"), accents=accents) == got:
            best = max(best, _dec(a.get("fraction", 1)))
    return _clamp(best)


def _choice(data: dict, response, *, multiple: bool) -> Decimal:
    fractions = {o["id"]: _dec(o.get("fraction", 0)) for o in data.get("options") or []}
    if multiple:
        chosen = response if isinstance(response, list) else []
        if any(c not in fractions for c in chosen):
            return ZERO
        return _clamp(sum((fractions[c] for c in set(chosen)), ZERO))
    if not isinstance(response, str) or response not in fractions:
        return ZERO
    return _clamp(fractions[response])


def _tf4(data: dict, response) -> Decimal:
    if not isinstance(response, dict):
        return ZERO
    right = sum(
        1
        for s in data.get("statements") or []
        if isinstance(response.get(s["id"]), bool) and response[s["id"]] == bool(s["value"])
    )
    return TF4_SCALE[min(right, 4)]


def _matching(data: dict, response) -> Decimal:
    pairs = data.get("pairs") or []
    if not pairs or not isinstance(response, dict):
        return ZERO
    right = sum(
        1 for p in pairs if normalise_text(response.get(p["id"])) == normalise_text(p["right"])
    )
    return Decimal(right) / Decimal(len(pairs))


def _blank(blank: dict, value) -> Decimal:
    mode = blank.get("mode", "text")
    if mode == "choice":
        return _choice({"options": blank.get("options") or []}, value, multiple=False)
    return _short({"mode": mode, **blank}, value)


def _cloze(data: dict, response) -> Decimal:
    blanks = data.get("blanks") or []
    if not blanks or not isinstance(response, dict):
        return ZERO
    total = sum((_blank(b, response.get(b["id"])) for b in blanks), ZERO)
    return total / Decimal(len(blanks))


def score(kind: str, data: dict, response) -> Decimal | None:
    """The share (0…1) of the points a response earns; None for essays (graded by hand).
    No response at all earns 0."""
    if kind == "essay":
        return None
    if response is None:
        return ZERO
    if kind == "single":
        return _choice(data, response, multiple=False)
    if kind == "multiple":
        return _choice(data, response, multiple=True)
    if kind == "tf4":
        return _tf4(data, response)
    if kind == "short":
        return _short(data, response)
    if kind == "matching":
        return _matching(data, response)
    if kind == "cloze":
        return _cloze(data, response)
    return ZERO


def points(kind: str, data: dict, response, weight: Decimal) -> Decimal | None:
    fraction = score(kind, data, response)
    if fraction is None:
        return None
    return (fraction * weight).quantize(Decimal("0.01"))


def correct_options(data: dict) -> list[str]:
    return [o["id"] for o in data.get("options") or [] if _dec(o.get("fraction", 0)) > 0]


def key_text(kind: str, data: dict, order: list[str] | None = None) -> str:
    """The answer key as printed: letters in the shown option order, Đ/S per statement,
    the accepted answer(s) otherwise."""
    if kind in ("single", "multiple"):
        ids = order or [o["id"] for o in data.get("options") or []]
        right = set(correct_options(data))
        return "".join(LETTERS[i] for i, oid in enumerate(ids) if oid in right)
    if kind == "tf4":
        return " ".join(
            f"{chr(97 + i)}){'Đ' if s['value'] else 'S'}"
            for i, s in enumerate(data.get("statements") or [])
        )
    if kind == "short":
        first = next(
            (a for a in data.get("answers") or [] if _dec(a.get("fraction", 1)) == ONE), None
        )
        if first is None:
            return ""
        return str(first.get("value", first.get("text", ""))).replace(".", ",")
    if kind == "matching":
        return "; ".join(f"{p['left']} → {p['right']}" for p in data.get("pairs") or [])
    if kind == "cloze":
        out = []
        for b in data.get("blanks") or []:
            if b.get("mode") == "choice":
                texts = [o["text"] for o in b.get("options") or [] if _dec(o["fraction"]) > 0]
            else:
                texts = [
                    str(a.get("value", a.get("text", "")))
                    for a in b.get("answers") or []
                    if _dec(a.get("fraction", 1)) == ONE
                ][:1]
            out.append(f"({b['id']}) {' / '.join(texts)}")
        return "; ".join(out)
    return ""


# --- validation ---------------------------------------------------------------------------


def _check_options(errors: ErrorCollector, options, *, multiple: bool) -> None:
    if not isinstance(options, list) or len(options) < 2:
        errors.add("exams.question.options", _("Cần ít nhất hai phương án."), "options")
        return
    ids = [o.get("id") for o in options]
    if len(set(ids)) != len(ids) or any(not i for i in ids):
        errors.add("exams.question.options", _("Mã phương án trùng hoặc trống."), "options")
    if any(not str(o.get("text", "")).strip() for o in options):
        errors.add("exams.question.options", _("Có phương án để trống."), "options")
    fractions = [_dec(o.get("fraction", 0)) for o in options]
    if multiple:
        if sum(f for f in fractions if f > 0) < Decimal("0.99"):
            errors.add(
                "exams.question.key",
                _("Tổng tỉ lệ điểm của các phương án đúng phải bằng 100%."),
                "options",
            )
    elif max(fractions) != ONE:
        errors.add("exams.question.key", _("Cần đúng một phương án đúng (100%)."), "options")


def _check_answers(errors: ErrorCollector, spec: dict, field: str) -> None:
    mode = spec.get("mode", "text")
    answers = spec.get("answers") or []
    if mode == "choice":
        _check_options(errors, spec.get("options"), multiple=False)
        return
    if mode not in ("text", "numeric"):
        errors.add("exams.question.mode", _("Kiểu đáp án không hợp lệ: %s.") % mode, field)
        return
    if not answers:
        errors.add("exams.question.key", _("Cần ít nhất một đáp án."), field)
        return
    if mode == "numeric" and any(parse_number(a.get("value")) is None for a in answers):
        errors.add("exams.question.key", _("Đáp án số không hợp lệ."), field)
    if max(_dec(a.get("fraction", 1)) for a in answers) != ONE:
        errors.add("exams.question.key", _("Cần một đáp án được trọn điểm."), field)


def validate(kind: str, stem: str, data: dict, *, row: int | None = None) -> None:
    """Raise DomainErrors listing everything wrong with a question's content."""
    errors = ErrorCollector(row=row)
    if not (stem or "").strip():
        errors.add("exams.question.stem", _("Đề bài (câu hỏi) không được để trống."), "stem")
    if kind in ("single", "multiple"):
        _check_options(errors, data.get("options"), multiple=kind == "multiple")
    elif kind == "tf4":
        statements = data.get("statements")
        if not isinstance(statements, list) or len(statements) != 4:
            errors.add(
                "exams.question.statements",
                _("Câu đúng/sai phải có đúng 4 ý."),
                "statements",
            )
        elif any(not isinstance(s.get("value"), bool) for s in statements):
            errors.add(
                "exams.question.statements", _("Mỗi ý phải được đánh dấu Đúng hoặc Sai."), "key"
            )
    elif kind == "short":
        _check_answers(errors, data, "answers")
    elif kind == "matching":
        pairs = data.get("pairs")
        if not isinstance(pairs, list) or len(pairs) < 2:
            errors.add("exams.question.pairs", _("Câu ghép đôi cần ít nhất hai cặp."), "pairs")
    elif kind == "cloze":
        blanks = data.get("blanks") or []
        ids = BLANK.findall(stem or "")
        if not blanks:
            errors.add("exams.question.blanks", _("Câu điền khuyết cần ít nhất một chỗ trống."))
        elif sorted(ids) != sorted(b["id"] for b in blanks):
            errors.add(
                "exams.question.blanks",
                _("Các chỗ trống trong đề không khớp với đáp án."),
                "blanks",
            )
        for b in blanks:
            _check_answers(errors, b, f"blank {b.get('id')}")
    elif kind != "essay":
        errors.add("exams.question.kind", _("Loại câu hỏi không hợp lệ: %s.") % kind, "kind")
    errors.raise_if_any()


def public_data(kind: str, data: dict, order: list[str] | None = None) -> dict:
    """What a student's page may see: options without fractions (in the shown order),
    statements without values, matching right-hand sides shuffled by `order`."""
    if kind in ("single", "multiple"):
        by_id = {o["id"]: o for o in data.get("options") or []}
        ids = order or list(by_id)
        return {"options": [{"id": i, "text": by_id[i]["text"]} for i in ids]}
    if kind == "tf4":
        return {"statements": [{"id": s["id"], "text": s["text"]} for s in data["statements"]]}
    if kind == "matching":
        rights = [p["right"] for p in data.get("pairs") or []] + list(data.get("extra") or [])
        if order:
            rights = [rights[int(i)] for i in order]
        return {
            "lefts": [{"id": p["id"], "text": p["left"]} for p in data.get("pairs") or []],
            "rights": rights,
        }
    if kind == "cloze":
        return {
            "blanks": [
                {
                    "id": b["id"],
                    "mode": b.get("mode", "text"),
                    "options": [{"id": o["id"], "text": o["text"]} for o in b.get("options") or []],
                }
                for b in data.get("blanks") or []
            ]
        }
    if kind == "short":
        return {"mode": data.get("mode", "text")}
    return {}
