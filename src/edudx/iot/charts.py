"""The last-24-hours line chart of one metric, server-rendered SVG in the manner of
monitoring/charts.py: presentation attributes only (the CSP forbids inline styles), a
<title> for screen readers and tooltips, a viewBox so it scales down to a 360 px phone.
A gap of more than `GAP` between readings breaks the line (the device was silent). The
rule's threshold is a dashed red line, its clear level (where an incident ends) a dotted
green one."""

import datetime as dt

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from edudx.core.notes import plain_number

GAP = dt.timedelta(minutes=45)
LINE, LIMIT, CLEAR, AXIS = "#1f4e9c", "#c53030", "#2f7d32", "#888"


def _num(v) -> str:
    """At most 1 decimal, with the language's separator."""
    return plain_number(v, 1)


def series_svg(
    points: list[tuple],  # (measured_at, value, …): selectors.Point
    *,
    since: dt.datetime,
    until: dt.datetime,
    threshold: float | None = None,
    clear_level: float | None = None,
    unit: str = "",
    label: str = "",
) -> str:
    w, h, left, right, top, bottom = 320, 140, 38, 8, 8, 20
    values = [p[1] for p in points] + [x for x in (threshold, clear_level) if x is not None]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.08
    lo, hi = lo - pad, hi + pad
    span = (until - since).total_seconds() or 1.0

    def x_of(t: dt.datetime) -> float:
        return left + (w - left - right) * (t - since).total_seconds() / span

    def y_of(v: float) -> float:
        return top + (h - top - bottom) * (hi - v) / (hi - lo)

    parts = [
        f'<svg class="chart series" viewBox="0 0 {w} {h}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="{AXIS}"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="{AXIS}"/>',
    ]
    parts.extend(
        f'<text x="{left - 4}" y="{y_of(v) + 3:.1f}" font-size="9" text-anchor="end" '
        f'fill="#444">{escape(_num(v))}</text>'
        for v in (hi - pad, lo + pad)
    )
    local_since = timezone.localtime(since)
    tick = local_since.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    while tick < until:
        if tick.hour % 6 == 0:
            x = x_of(tick)
            parts.append(
                f'<line x1="{x:.1f}" y1="{h - bottom}" x2="{x:.1f}" y2="{h - bottom + 3}" '
                f'stroke="{AXIS}"/><text x="{x:.1f}" y="{h - 5}" font-size="9" '
                f'text-anchor="middle" fill="#444">{tick:%H:%M}</text>'
            )
        tick += dt.timedelta(hours=1)
    for level, colour, dashes in ((threshold, LIMIT, "4 3"), (clear_level, CLEAR, "2 3")):
        if level is not None:
            y = y_of(level)
            parts.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{w - right}" y2="{y:.1f}" stroke="{colour}" '
                f'stroke-dasharray="{dashes}"><title>{escape(_num(level))} {escape(unit)}</title>'
                "</line>"
            )
    runs: list[list[tuple[dt.datetime, float]]] = []
    for t, v, *_rollup in points:
        if runs and t - runs[-1][-1][0] <= GAP:
            runs[-1].append((t, v))
        else:
            runs.append([(t, v)])
    for run in runs:
        if len(run) == 1:
            t, v = run[0]
            parts.append(f'<circle cx="{x_of(t):.1f}" cy="{y_of(v):.1f}" r="2" fill="{LINE}"/>')
            continue
        line = " ".join(f"{x_of(t):.1f},{y_of(v):.1f}" for t, v in run)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="1.5"/>')
    if points:
        t, v = points[-1][:2]
        parts.append(
            f'<circle cx="{x_of(t):.1f}" cy="{y_of(v):.1f}" r="3" fill="{LINE}">'
            f"<title>{timezone.localtime(t):%d/%m/%Y %H:%M}: {escape(_num(v))} "
            f"{escape(unit)}</title></circle>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every interpolated text is escaped
