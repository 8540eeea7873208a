"""Interval charts as inline SVG, drawn in Python so the report needs no chart library
(it must open offline) and every label passes through one escaping function."""
from __future__ import annotations

import math
from html import escape

from pipeline.compare import IndicatorComparison

VERDICT_COLORS = {"stricter": "#c0392b", "looser": "#2874a6", "overlapping": "#8e44ad", "same": "#5d6d7e",
                  "only": "#95a5a6", "n/a": "#95a5a6"}
WIDTH, LABEL_W, VALUE_W = 760, 210, 130
PLOT_W = WIDTH - LABEL_W - VALUE_W
ROW_H, TOP, AXIS_H = 18, 8, 34
MAX_LABEL = 14


def _e(s) -> str:
    return escape(str(s), quote=True)


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values (1, 2, 5 × 10^k steps) covering [lo, hi]."""
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    ticks, t = [], first
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    return ticks


def interval_chart(c: IndicatorComparison, unit_label: str = "") -> str | None:
    """Horizontal interval bars, one lane per distinct (jurisdiction, bound), on one
    axis shared by the indicator; open bounds (≥, ≤) run to the axis edge with an
    arrow. None when the indicator has no numeric scale."""
    bars: dict[tuple, int] = {}
    for r in c.rows:
        if r.interval is None:
            continue
        key = (r.jurisdiction or "?", r.interval.lo, r.interval.hi, r.value_text, r.verdict)
        bars[key] = bars.get(key, 0) + 1
    finite = [x for (_, lo, hi, _, _) in bars for x in (lo, hi) if math.isfinite(x)]
    if not finite:
        return None
    lo, hi = min(finite), max(finite)
    lo = min(lo, 0.0)  # counts, shares and days are non-negative: ≤ bounds start at 0
    if hi <= lo:
        hi = lo + 1
    open_right = any(math.isinf(h) for (_, _, h, _, _) in bars)
    dom_lo, dom_hi = lo, hi + (hi - lo) * (0.15 if open_right else 0.05)

    def x(v: float) -> float:
        v = dom_lo if v == -math.inf else dom_hi if v == math.inf else v
        return LABEL_W + (v - dom_lo) / (dom_hi - dom_lo) * PLOT_W

    keys = sorted(bars, key=lambda k: (k[0], k[1], k[2]))
    height = TOP + ROW_H * len(keys) + AXIS_H
    title = f"{c.indicator}: values by jurisdiction"
    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{_e(title)}">',
           f"<title>{_e(title)}</title>"]
    axis_y = TOP + ROW_H * len(keys) + 4
    for t in nice_ticks(lo, hi):
        tx = x(t)
        out.append(f'<line class="grid" x1="{tx:.1f}" y1="{TOP - 4}" x2="{tx:.1f}" y2="{axis_y}"/>')
        out.append(f'<text class="tick" x="{tx:.1f}" y="{axis_y + 14}" text-anchor="middle">{_e(f"{t:g}")}</text>')
    out.append(f'<line class="axis" x1="{LABEL_W}" y1="{axis_y}" x2="{LABEL_W + PLOT_W}" y2="{axis_y}"/>')
    if unit_label:
        out.append(f'<text class="tick" x="{LABEL_W + PLOT_W}" y="{axis_y + 28}" text-anchor="end">'
                   f'{_e(unit_label.strip())}</text>')
    previous = None
    for i, key in enumerate(keys):
        jur, blo, bhi, text, verdict = key
        y = TOP + ROW_H * i + ROW_H / 2
        color = VERDICT_COLORS.get(verdict, "#95a5a6")
        out.append(f'<g class="lane" data-jurisdiction="{_e(jur)}" data-kind="{_e(c.kind)}">')
        if jur != previous:
            short = jur if len(jur) <= MAX_LABEL else jur[:MAX_LABEL - 1] + "…"
            out.append(f'<text class="label" x="{LABEL_W - 8}" y="{y + 4:.1f}" text-anchor="end">'
                       f'<title>{_e(jur)}</title>{_e(short)}</text>')
            if previous is not None:
                out.append(f'<line class="sep" x1="0" y1="{y - ROW_H / 2:.1f}" x2="{WIDTH}" '
                           f'y2="{y - ROW_H / 2:.1f}"/>')
        previous = jur
        x1, x2 = x(blo), x(bhi)
        tip = f"{jur}: {text} ({verdict})" + (f" ×{bars[key]}" if bars[key] > 1 else "")
        if blo == bhi:
            out.append(f'<circle cx="{x1:.1f}" cy="{y:.1f}" r="5" fill="{color}"><title>{_e(tip)}</title></circle>')
        else:
            out.append(f'<rect x="{x1:.1f}" y="{y - 5:.1f}" width="{max(x2 - x1, 2):.1f}" height="10" rx="2" '
                       f'fill="{color}" fill-opacity="0.75"><title>{_e(tip)}</title></rect>')
            if math.isinf(bhi):
                out.append(f'<path d="M{x2:.1f},{y - 8:.1f} L{x2 + 9:.1f},{y:.1f} L{x2:.1f},{y + 8:.1f} Z" '
                           f'fill="{color}"/>')
            if math.isinf(blo) and dom_lo < 0:  # non-negative scales start at 0: no arrow
                out.append(f'<path d="M{x1:.1f},{y - 8:.1f} L{x1 - 9:.1f},{y:.1f} L{x1:.1f},{y + 8:.1f} Z" '
                           f'fill="{color}"/>')
        count = f" ×{bars[key]}" if bars[key] > 1 else ""
        label = text if len(text) <= 16 else text[:15] + "…"
        out.append(f'<text class="value" x="{LABEL_W + PLOT_W + 14}" y="{y + 4:.1f}">{_e(label + count)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)
