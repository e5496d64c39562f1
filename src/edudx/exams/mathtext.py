"""Question text: plain text with LaTeX between $…$ (inline) or $$…$$ (display) and images
written ![alt](asset:<sha256>). Rendered on the server, nothing fetched from a CDN:

- HTML: LaTeX → MathML (latex2mathml; browsers draw MathML Core natively), images →
  /exams/assets/<sha>/, the rest escaped, newlines → <br>.
- PDF: LaTeX → readable Unicode text ("x² + √(y)", "(1)/(2)"), which the Vietnamese PDF
  font can draw; images are listed by name.
"""

import html
import re

from django.utils.safestring import SafeString, mark_safe
from latex2mathml.converter import convert

TOKEN = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|!\[([^\]]*)\]\(asset:([0-9a-f]{64})\)", re.S)


def _mathml(latex: str, display: bool) -> str:
    try:
        return convert(latex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 — latex2mathml raises many types on bad input
        return f'<code class="math-error">{html.escape(latex)}</code>'


def to_html(text: str) -> SafeString:
    out: list[str] = []
    pos = 0
    for m in TOKEN.finditer(text or ""):
        out.append(html.escape(text[pos : m.start()]).replace("\n", "<br>"))
        if m.group(1) is not None:
            out.append(_mathml(m.group(1), True))
        elif m.group(2) is not None:
            out.append(_mathml(m.group(2), False))
        else:
            alt, sha = m.group(3), m.group(4)
            out.append(
                f'<img class="q-img" src="/exams/assets/{sha}/" alt="{html.escape(alt)}" '
                'loading="lazy">'
            )
        pos = m.end()
    out.append(html.escape((text or "")[pos:]).replace("\n", "<br>"))
    return mark_safe("".join(out))  # noqa: S308 — every piece is escaped or generated above


_SUP = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUB = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_SYMBOLS = {
    r"\cdot": "·",
    r"\times": "×",
    r"\div": "÷",
    r"\pm": "±",
    r"\le": "≤",
    r"\leq": "≤",
    r"\ge": "≥",
    r"\geq": "≥",
    r"\ne": "≠",
    r"\neq": "≠",
    r"\approx": "≈",
    r"\infty": "∞",
    r"\pi": "π",
    r"\alpha": "α",
    r"\beta": "β",
    r"\gamma": "γ",
    r"\Delta": "Δ",
    r"\delta": "δ",
    r"\theta": "θ",
    r"\in": "∈",
    r"\notin": "∉",
    r"\subset": "⊂",
    r"\cup": "∪",
    r"\cap": "∩",
    r"\emptyset": "∅",
    r"\mathbb{N}": "ℕ",
    r"\mathbb{Z}": "ℤ",
    r"\mathbb{Q}": "ℚ",
    r"\mathbb{R}": "ℝ",
    r"\Rightarrow": "⇒",
    r"\rightarrow": "→",
    r"\to": "→",
    r"\angle": "∠",
    r"\circ": "°",
    r"\%": "%",
    r"\left": "",
    r"\right": "",
    r"\,": " ",
    r"\;": " ",
}
_GROUP = r"\{([^{}]*)\}"


def latex_to_text(latex: str) -> str:
    """A readable Unicode rendering of common school LaTeX (for PDF and plain text)."""
    s = latex
    for _ in range(4):  # nested fractions and roots, innermost first
        s = re.sub(rf"\\[dt]?frac{_GROUP}{_GROUP}", r"(\1)/(\2)", s)
        s = re.sub(rf"\\sqrt\[([^\]]*)\]{_GROUP}", r"\1√(\2)", s)
        s = re.sub(rf"\\sqrt{_GROUP}", r"√(\1)", s)
        s = re.sub(rf"\\(?:text|mathrm|mathbf|overline){_GROUP}", r"\1", s)
    for name in sorted(_SYMBOLS, key=len, reverse=True):
        s = s.replace(name, _SYMBOLS[name])

    def sup(m):
        body = m.group(1) if m.group(1) is not None else m.group(2)
        t = body.translate(_SUP)
        return t if all(c in "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ" for c in t) else f"^({body})"

    def sub(m):
        body = m.group(1) if m.group(1) is not None else m.group(2)
        t = body.translate(_SUB)
        return t if all(c in "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎" for c in t) else f"_({body})"

    s = re.sub(r"\^\{([^{}]*)\}|\^(.)", sup, s)
    s = re.sub(r"_\{([^{}]*)\}|_(.)", sub, s)
    s = s.replace("{", "").replace("}", "")
    return " ".join(s.split())


def to_plain(text: str) -> str:
    """The text with formulas as Unicode and images as [hình: alt]."""

    def repl(m):
        if m.group(1) is not None:
            return latex_to_text(m.group(1))
        if m.group(2) is not None:
            return latex_to_text(m.group(2))
        return f"[hình: {m.group(3) or m.group(4)[:8]}]"

    return TOKEN.sub(repl, text or "")


def asset_refs(text: str) -> list[str]:
    return [m.group(4) for m in TOKEN.finditer(text or "") if m.group(4)]
