"""The axes of the report's per-question charts: one axis per unit class (an amount in
its currency, a multiple of its base, days …), never two classes on one axis, each on
a scale that fits its values (log where they span two decades or more).

The report's script draws the bars from these axes; nothing here is markup, so the
only text that reaches the page (axis and tick labels) is set as text by the script.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

from models.vocab import UnitClass
from pipeline.compare import Interval, ValueClass, interval_of, value_class

log = logging.getLogger(__name__)

LOG_SPAN = 100.0  # largest ÷ smallest positive value from which an axis is logarithmic
CURRENCY_NAMES = {"CNY": "人民币元", "TWD": "新台币元", "HKD": "港元", "MOP": "澳门元"}


@dataclass
class Axis:
    """One axis of a question's chart: its class, scale, domain and labelled ticks."""

    value_class: str
    label: str
    scale: str  # "log" | "linear"
    lo: float
    hi: float
    ticks: list[tuple[float, str]] = field(default_factory=list)

    def to_json(self) -> list:
        return [self.label, self.scale, _num(self.lo), _num(self.hi), [[_num(v), t] for v, t in self.ticks],
                self.value_class]


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else round(x, 6)


def axis_label(vc: ValueClass) -> str:
    """What an axis measures, in the report's words: 金额（人民币元）, 倍数（违法所得）."""
    q = vc.qualifier
    if vc.unit_class == UnitClass.AMOUNT:
        return f"金额（{CURRENCY_NAMES.get(q or '', (q or '?') + ' 元')}）"
    if vc.unit_class == UnitClass.MULTIPLE:
        return f"倍数（{q}的倍数）" if q else "倍数"
    if vc.unit_class == UnitClass.SHARE:
        return f"比例（{q}的 %）" if q else "比例（%）"
    if vc.unit_class == UnitClass.PER_ITEM:
        unit, _, currency = (q or "").partition(" ")
        return f"单价（{unit}，{CURRENCY_NAMES.get(currency, currency)}）"
    if vc.unit_class == UnitClass.DAYS:
        return "期限（天）"
    if vc.unit_class == UnitClass.PERCENT:
        return "比例（%）"
    return f"数量（{q}）" if q else "数量"


def tick_label(v: float, money: bool) -> str:
    """1000 → 1000, 20000 → 2万 for money; 1e8 → 1亿; else the shortest number."""
    if money and abs(v) >= 1e8 and (v / 1e8).is_integer():
        return f"{v / 1e8:g}亿"
    if money and abs(v) >= 1e4 and (v / 1e4) == round(v / 1e4, 1):
        return f"{v / 1e4:g}万"
    return f"{v:g}"


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values (1, 2, 5 × 10^k steps) covering [lo, hi]."""
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    ticks, t = [], math.ceil(lo / step) * step
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    return ticks


def log_ticks(lo: float, hi: float) -> list[float]:
    """Powers of ten from lo to hi, with 2 and 5 between them over three decades or fewer."""
    first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    steps = (1, 2, 5) if last - first <= 3 else (1,)
    return [m * 10.0 ** k for k in range(first, last + 1) for m in steps if lo <= m * 10.0 ** k <= hi * (1 + 1e-9)]


def make_axis(vc: ValueClass, intervals: list[Interval]) -> Axis | None:
    """The axis for these intervals of one value class, None when none has a finite end."""
    ends = [x for i in intervals for x in (i.lo, i.hi) if math.isfinite(x)]
    if not ends:
        return None
    money = vc.unit_class in (UnitClass.AMOUNT, UnitClass.PER_ITEM)
    open_right = any(math.isinf(i.hi) for i in intervals)
    positive = [x for x in ends if x > 0]
    lo, hi = min(ends), max(ends)
    if positive and min(ends) >= 0 and max(positive) / min(positive) >= LOG_SPAN:
        dlo = 10.0 ** math.floor(math.log10(min(positive)))
        dhi = 10.0 ** math.ceil(math.log10(max(positive)))
        if open_right:
            dhi *= 3  # room for the arrow of a minimum (≥)
        log.debug("%s: log scale %g–%g", vc, dlo, dhi)
        return Axis(str(vc), axis_label(vc), "log", dlo, dhi, [(t, tick_label(t, money)) for t in log_ticks(dlo, dhi)])
    lo = min(lo, 0.0)  # amounts, counts, shares and days are non-negative: bars start at 0
    if hi <= lo:
        hi = lo + 1
    ticks = nice_ticks(lo, hi)
    dhi = max(hi, ticks[-1]) * (1.15 if open_right else 1.0)
    return Axis(str(vc), axis_label(vc), "linear", lo, dhi, [(t, tick_label(t, money)) for t in ticks])


def question_axes(records: list[dict]) -> tuple[list[Axis], list[int | None]]:
    """The axes of one question (one per value class, most provisions first) and, per
    record, the position of its axis (None: no number to draw)."""
    groups: dict[ValueClass, list[Interval]] = {}
    places: list[tuple[ValueClass, Interval] | None] = []
    for r in records:
        vc, iv = value_class(r), interval_of(r)
        if vc is None or iv is None:
            places.append(None)
            continue
        groups.setdefault(vc, []).append(iv)
        places.append((vc, iv))
    axes, position = [], {}
    for vc, ivs in sorted(groups.items(), key=lambda x: (-len(x[1]), str(x[0]))):
        axis = make_axis(vc, ivs)
        if axis is not None:
            position[vc] = len(axes)
            axes.append(axis)
    return axes, [position.get(p[0]) if p else None for p in places]
