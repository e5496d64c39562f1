"""Server-rendered SVG charts, hand-written: presentation attributes only (no <style>, no
style="" — the CSP forbids inline styles), a <title> per mark for screen readers and
tooltips, a viewBox so they scale from a phone to a projector wall."""

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

from edudx.core.notes import plain_number

COLOURS = {"ok": "#1a7f37", "warn": "#b7791f", "bad": "#c53030", "none": "#9aa0a6"}


def _num(v) -> str:
    """At most 2 decimals, with the language's separator."""
    return plain_number(v, 2)


def trend_svg(points: list[tuple[int, Decimal | None]], target=None, *, label: str = "") -> str:
    """A line of yearly values (0–100 %) with the target as a dashed line."""
    w, h, pad = 240, 90, 22
    known = [(y, v) for y, v in points if v is not None]
    parts = [
        f'<svg class="chart trend" viewBox="0 0 {w} {h}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - 6}" y2="{h - pad}" stroke="#888"/>',
    ]

    def y_of(v) -> float:
        return h - pad - (float(v) / 100) * (h - 2 * pad + 10)

    if target is not None:
        ty = y_of(min(Decimal(target), Decimal(100)))
        parts.append(
            f'<line x1="{pad}" y1="{ty:.1f}" x2="{w - 6}" y2="{ty:.1f}" stroke="#1a7f37" '
            f'stroke-dasharray="4 3"><title>{escape(_num(target))}%</title></line>'
        )
    if points:
        step = (w - pad - 14) / max(len(points) - 1, 1)
        xs = {y: pad + 4 + i * step for i, (y, _v) in enumerate(points)}
        for y, _v in points:
            parts.append(
                f'<text x="{xs[y]:.1f}" y="{h - 6}" font-size="10" text-anchor="middle" '
                f'fill="#444">{y}</text>'
            )
        if len(known) > 1:
            line = " ".join(f"{xs[y]:.1f},{y_of(v):.1f}" for y, v in known)
            parts.append(
                f'<polyline points="{line}" fill="none" stroke="#1f4e9c" stroke-width="2"/>'
            )
        for y, v in known:
            parts.append(
                f'<circle cx="{xs[y]:.1f}" cy="{y_of(v):.1f}" r="3.5" fill="#1f4e9c">'
                f"<title>{y}: {escape(_num(v))}%</title></circle>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every interpolated text is escaped


def bars_svg(rows: list[tuple[str, Decimal | None, str]], *, label: str = "") -> str:
    """Horizontal bars (0–100 %) coloured by status, one per row (name, value, status)."""
    bar_h, gap, left, w = 18, 6, 150, 420
    h = max(len(rows), 1) * (bar_h + gap) + gap
    parts = [
        f'<svg class="chart bars" viewBox="0 0 {w} {h}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (name, value, status) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        short = name if len(name) <= 26 else name[:25] + "…"
        parts.append(
            f'<text x="{left - 6}" y="{y + 13}" font-size="11" text-anchor="end" '
            f'fill="#222">{escape(short)}</text>'
        )
        width = 0 if value is None else (w - left - 40) * min(float(value), 100) / 100
        parts.append(
            f'<rect x="{left}" y="{y}" width="{width:.1f}" height="{bar_h}" '
            f'fill="{COLOURS.get(status, COLOURS["none"])}"><title>{escape(name)}: '
            f"{'—' if value is None else escape(_num(value)) + '%'}</title></rect>"
        )
        parts.append(
            f'<text x="{left + width + 4:.1f}" y="{y + 13}" font-size="11" fill="#222">'
            f"{'—' if value is None else escape(_num(value)) + '%'}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every interpolated text is escaped
