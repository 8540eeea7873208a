"""Compare the same provision across jurisdictions.

Provisions that answer one question share an `indicator` (pipeline/grouping.py). Each group's values are normalized to comparable
intervals (per-year counts, % for ‰, days for durations) and every jurisdiction is
marked stricter, looser or overlapping against the others.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from pipeline.grouping import align_indicators, unit_of_comparison

PER_YEAR = {"year": 1, "half-year": 2, "quarter": 4, "month": 12, "week": 52, "day": 365}
DURATION_DAYS = {"Y": 365, "M": 30, "W": 7, "D": 1}


@dataclass
class Interval:
    lo: float
    hi: float

    def overlaps(self, other: "Interval") -> bool:
        return self.lo <= other.hi and other.lo <= self.hi


@dataclass
class ComparisonRow:
    indicator: str
    kind: str
    jurisdiction: str | None
    doc: str
    section: str | None
    quote: str
    sentence: str
    value_text: str  # the bound as a researcher reads it: ≥2 %, 1–2 %, ≤ 2012-04-15
    interval: Interval | None
    verdict: str  # stricter | looser | overlapping | same | only | n/a
    record: dict = field(repr=False, default_factory=dict)


@dataclass
class IndicatorComparison:
    indicator: str
    kind: str
    direction: int  # +1: a higher value demands more; -1: lower; 0: not comparable
    rows: list[ComparisonRow]

    @property
    def jurisdictions(self) -> list[str]:
        return sorted({r.jurisdiction or "?" for r in self.rows})


def interval_of(record: dict) -> Interval | None:
    """The record's bound as a numeric interval in comparable units."""
    kind, op = record["kind"], record.get("op")
    if kind in ("threshold", "ratio"):
        v, vmax = record.get("value"), record.get("value_max")
        if not isinstance(v, (int, float)):
            return None
        scale = 1.0
        if record.get("unit") == "‰":
            scale = 0.1
        per = record.get("per")
        if per in PER_YEAR and kind == "threshold":
            scale *= PER_YEAR[per]
        v = v * scale
        vmax = vmax * scale if isinstance(vmax, (int, float)) else None
        return _interval(op, v, vmax)
    if kind == "deadline" and op == "within":
        days = _days(record.get("value"))
        return Interval(0, days) if days is not None else None
    if kind == "sanction":
        if record.get("duration"):
            days = _days(record["duration"])
            return Interval(days, days) if days is not None else None
        if isinstance(record.get("value"), (int, float)):
            vmax = record.get("value_max")
            return Interval(record["value"], vmax if isinstance(vmax, (int, float)) else record["value"])
    return None


def _interval(op: str | None, v: float, vmax: float | None) -> Interval:
    eps = 1e-9
    if op == "range" and vmax is not None:
        return Interval(v, vmax)
    if op == ">=":
        return Interval(v, math.inf)
    if op == ">":
        return Interval(v + eps, math.inf)
    if op == "<=":
        return Interval(-math.inf, v)
    if op == "<":
        return Interval(-math.inf, v - eps)
    return Interval(v, v)


def _days(value) -> float | None:
    m = re.fullmatch(r"P(\d+(?:\.\d+)?)([YMWD])", str(value or ""))
    return float(m.group(1)) * DURATION_DAYS[m.group(2)] if m else None


def value_text(record: dict) -> str:
    op, v, vmax = record.get("op"), record.get("value"), record.get("value_max")
    unit = record.get("unit") or ""
    per = {"year": "/年", "half-year": "/半年", "quarter": "/季度", "month": "/月", "week": "/周", "day": "/日",
           "term": "/届"}.get(record.get("per") or "", "")
    num = lambda x: f"{x:g}" if isinstance(x, (int, float)) else str(x)
    if record["kind"] == "sanction":
        extra = record.get("duration") or (f"{num(v)}–{num(vmax)}{unit}" if vmax is not None else
                                           (f"{num(v)}{unit}" if v is not None else ""))
        return f"{record.get('sanction')} {extra}".strip()
    if unit == "ratio":  # a:b stored as a/b
        unit, v, vmax = "", f"{num(v)}:1", (f"{num(vmax)}:1" if vmax is not None else None)
    if op == "range":
        return f"{num(v)}–{num(vmax)}{unit}{per}"
    if op == "within":
        return f"within {_duration_words(str(v))}"
    symbol = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}.get(op or "", op or "")
    return f"{symbol}{num(v)}{unit}{per}"


def _duration_words(value: str) -> str:
    m = re.fullmatch(r"P(\d+(?:\.\d+)?)([YMWD])", value)
    return f"{m.group(1)}{ {'Y': '年', 'M': '个月', 'W': '周', 'D': '日'}[m.group(2)] }" if m else value


def _direction(records: list[dict]) -> int:
    """Minimums (≥) make a higher value stricter; maximums (≤) and time limits a lower one."""
    kind = records[0]["kind"]
    if kind == "deadline":
        return -1
    if kind == "sanction":
        return 1
    ops = Counter(r.get("op") for r in records)
    up, down = ops[">="] + ops[">"], ops["<="] + ops["<"]
    return 1 if up >= down else -1


def compare(records: list[dict], indicator: str | None = None, kind: str | None = None) -> list[IndicatorComparison]:
    """Indicators held by at least two jurisdictions (or units), each with its rows."""
    records = align_indicators([dict(r) for r in records])
    by: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in records:
        if not r.get("indicator"):
            continue
        if kind and r["kind"] != kind:
            continue
        if indicator and indicator not in r["indicator"]:
            continue
        by[(r["indicator"], r["kind"])].append(r)
    out = []
    for (ind, k), rs in sorted(by.items()):
        if len({unit_of_comparison(r) for r in rs}) < 2 and not indicator:
            continue
        direction = _direction(rs)
        rows = [ComparisonRow(ind, k, r.get("jurisdiction"), r["doc"], r.get("section"), r["quote"],
                              r.get("sentence") or "", value_text(r), interval_of(r), "n/a", r) for r in rs]
        for row in rows:
            row.verdict = _verdict(row, rows, direction)
        rows.sort(key=lambda x: (x.jurisdiction or "", x.doc, x.record.get("span", [0])[0]))
        out.append(IndicatorComparison(ind, k, direction, rows))
    return out


def _verdict(row: ComparisonRow, rows: list[ComparisonRow], direction: int) -> str:
    others = [o for o in rows if o.jurisdiction != row.jurisdiction or
              unit_of_comparison(o.record) != unit_of_comparison(row.record)]
    others = [o for o in others if o.jurisdiction != row.jurisdiction] or others
    if not others:
        return "only"
    if row.interval is None or direction == 0:
        return "n/a"
    stricter = looser = overlap = same = 0
    for o in others:
        if o.interval is None:
            continue
        a, b = row.interval, o.interval
        if (a.lo, a.hi) == (b.lo, b.hi):
            same += 1
        elif a.hi == b.hi == math.inf or a.lo == b.lo == -math.inf:
            # two minimums (≥4 vs ≥6) or two maximums (≤30% vs ≤20%): the bounds compare
            mine, theirs = (a.lo, b.lo) if a.hi == math.inf else (a.hi, b.hi)
            if (mine > theirs) == (direction > 0):
                stricter += 1
            else:
                looser += 1
        elif a.overlaps(b):
            overlap += 1
        elif (a.lo > b.hi) == (direction > 0):
            stricter += 1
        else:
            looser += 1
    if stricter and not looser and not overlap:
        return "stricter"
    if looser and not stricter and not overlap:
        return "looser"
    if same and not (stricter or looser or overlap):
        return "same"
    if stricter + looser + overlap + same == 0:
        return "n/a"
    return "overlapping"


def comparison_rows(comparisons: list[IndicatorComparison]) -> list[dict]:
    """Flat rows for tables (CSV, Excel, DataFrames): plain values only."""
    out = []
    for c in comparisons:
        for r in c.rows:
            out.append({
                "indicator": c.indicator, "kind": c.kind, "jurisdiction": r.jurisdiction, "value": r.value_text,
                "verdict": r.verdict, "op": r.record.get("op"), "value_min": r.record.get("value"),
                "value_max": r.record.get("value_max"), "unit": r.record.get("unit"), "per": r.record.get("per"),
                "quote": r.quote, "sentence": r.sentence, "section": r.section, "doc": r.doc,
                "span_start": r.record["span"][0], "span_end": r.record["span"][1],
            })
    return out
